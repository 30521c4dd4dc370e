import { chmod, lstat, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';

const PRIVATE_DIR = 0o700;
const PRIVATE_FILE = 0o600;

/**
 * Makes the embedded database's folder private to this user, as PostgreSQL does with its own data
 * directory: it holds the JWT signing secret. New files are created 0600 (umask 077, kept for the
 * process, since PGlite writes files for as long as it runs); files opened to others are tightened,
 * and the number of entries changed is returned so start-up can say so.
 */
export async function makeDataDirPrivate(dataDir: string): Promise<{ tightened: number }> {
  process.umask(0o077);
  await mkdir(dataDir, { recursive: true, mode: PRIVATE_DIR });
  return { tightened: await tighten(dataDir) };
}

async function tighten(path: string): Promise<number> {
  const stats = await lstat(path);
  if (stats.isSymbolicLink()) return 0;
  let changed = 0;
  if ((stats.mode & 0o077) !== 0) {
    await chmod(path, stats.isDirectory() ? PRIVATE_DIR : PRIVATE_FILE);
    changed++;
  }
  if (stats.isDirectory()) {
    for (const entry of await readdir(path)) changed += await tighten(join(path, entry));
  }
  return changed;
}
