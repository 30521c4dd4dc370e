import { join } from 'node:path';
import lockfile from 'proper-lockfile';

/** A lock not refreshed for this long belongs to a process that died; it is taken over. */
const STALE_MS = 5_000;

/**
 * Claims the embedded database's folder for this process: two PGlite instances writing the same
 * files would corrupt them. A crashed owner's lock goes stale, so a quick restart waits for it.
 */
export async function lockDataDir(dataDir: string, onLost: (error: Error) => void): Promise<() => Promise<void>> {
  const lockfilePath = join(dataDir, 'muxgate.lock');
  try {
    return await lockfile.lock(dataDir, {
      lockfilePath,
      stale: STALE_MS,
      update: 2_000,
      // About 6.5 s in all: longer than STALE_MS, so a restart right after a crash gets the folder.
      retries: { retries: 5, factor: 1.5, minTimeout: 500, maxTimeout: 3_000 },
      realpath: false,
      // Another process took the folder (this one stalled for STALE_MS): the owner must stop writing.
      onCompromised: (error) => onLost(new Error(`The lock on DATA_DIR ${dataDir} was lost: ${error.message}`, { cause: error })),
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOCKED') {
      throw new Error(
        `DATA_DIR ${dataDir} is in use by another muxgate process (lock ${lockfilePath}). ` +
          'Stop it, choose another DATA_DIR, or use DATABASE_URL to share a PostgreSQL server between replicas.',
      );
    }
    throw error;
  }
}
