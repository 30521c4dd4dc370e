import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** Where a test's data lives: an embedded PGlite folder, or a fresh schema on the PostgreSQL server. */
export interface StorageBackend {
  name: 'pglite' | 'postgres';
  /** Environment for the gateway's config. */
  env(): Record<string, string>;
  /** Removes what the backend created. */
  dispose(): Promise<void>;
}

const serverUrl = process.env.TEST_DATABASE_URL;
let skipNoticePrinted = false;

/** PGlite always; the PostgreSQL server too when TEST_DATABASE_URL is set (CI sets it). */
export function storageBackendNames(): Array<StorageBackend['name']> {
  if (!serverUrl && !skipNoticePrinted) {
    skipNoticePrinted = true;
    console.info('TEST_DATABASE_URL is not set: PostgreSQL-server variants of the storage tests are skipped (PGlite runs).');
  }
  return serverUrl ? ['pglite', 'postgres'] : ['pglite'];
}

export async function createBackend(name: StorageBackend['name']): Promise<StorageBackend> {
  if (name === 'pglite') {
    const dataDir = await mkdtemp(join(tmpdir(), 'muxgate-test-'));
    return {
      name,
      env: () => ({ DATA_DIR: dataDir }),
      dispose: () => rm(dataDir, { recursive: true, force: true }),
    };
  }
  if (!serverUrl) throw new Error('TEST_DATABASE_URL is not set');
  const schema = `test_${randomBytes(6).toString('hex')}`;
  return {
    name,
    env: () => ({ DATABASE_URL: serverUrl, DATABASE_SCHEMA: schema }),
    async dispose() {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      try {
        await client.query(`drop schema if exists ${schema} cascade`);
      } finally {
        await client.end();
      }
    },
  };
}
