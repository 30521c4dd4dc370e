// Start-up's migration on a PostgreSQL server other deployments (and tests) share: their schemas come
// and go while it runs. Kysely's own introspection listed every schema's tables and looked each schema
// up by name, so a schema dropped meanwhile failed the start ("schema … does not exist"; 3 in 15
// starts under this churn before the fix).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/database.js';

const serverUrl = process.env.TEST_DATABASE_URL;

describe.skipIf(!serverUrl)('migrations on a shared PostgreSQL server', () => {
  it('start while other schemas are created and dropped, and create only their own schema’s tables', async () => {
    const churn = new pg.Client({ connectionString: serverUrl });
    await churn.connect();
    const prefix = `churn_${randomBytes(4).toString('hex')}`;
    let stop = false;
    let churned = 0;
    // Another tenant's schemas, each with a table, made and dropped as fast as the server allows.
    const churning = (async () => {
      while (!stop) {
        const schema = `${prefix}_${churned++ % 4}`;
        await churn.query(`create schema if not exists ${schema}; create table if not exists ${schema}.t (id serial primary key, a int, b text)`);
        await churn.query(`drop schema ${schema} cascade`);
      }
    })();
    const failures: string[] = [];
    const schemas: string[] = [];
    try {
      for (let i = 0; i < 12; i++) {
        const schema = `test_${randomBytes(6).toString('hex')}`;
        schemas.push(schema);
        try {
          const database = await openDatabase({ databaseUrl: serverUrl, schema, dataDir: '', onLockLost: () => {} });
          await database.close();
        } catch (error) {
          failures.push((error as Error).message);
        }
      }
    } finally {
      stop = true;
      await churning;
      for (const schema of schemas) await churn.query(`drop schema if exists ${schema} cascade`);
      await churn.end();
    }
    expect(failures).toEqual([]);
    expect(churned).toBeGreaterThan(12);
  }, 120_000);

  it('finds its migrations already applied in its own schema, whatever other schemas hold', async () => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    const schema = `test_${randomBytes(6).toString('hex')}`;
    try {
      const first = await openDatabase({ databaseUrl: serverUrl, schema, dataDir: '', onLockLost: () => {} });
      await first.close();
      const { rows: before } = await client.query(`select count(*)::int as n from ${schema}.kysely_migration`);
      // A second start runs nothing again: it found its own migration table.
      const second = await openDatabase({ databaseUrl: serverUrl, schema, dataDir: '', onLockLost: () => {} });
      await second.close();
      const { rows: after } = await client.query(`select count(*)::int as n from ${schema}.kysely_migration`);
      expect(after[0].n).toBe(before[0].n);
      expect(before[0].n).toBeGreaterThan(10);
      const { rows: tables } = await client.query(`select table_name from information_schema.tables where table_schema = $1 and table_name in ('messages', 'conversations', 'kysely_migration')`, [schema]);
      expect(tables.map((row) => row.table_name).sort()).toEqual(['conversations', 'kysely_migration', 'messages']);
    } finally {
      await client.query(`drop schema if exists ${schema} cascade`);
      await client.end();
    }
  });
});
