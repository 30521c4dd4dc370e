import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../src/db/database.js';
import type { PGliteThread } from '../src/db/pglite-thread.js';
import { ADMIN_KEY, startTestGateway } from './support/gateway.js';

/** Polls until `check` holds; the test's own timeout bounds it. */
async function until(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 50));
}

/** Settles `promise` into what a test can assert on without awaiting it first. */
function track<T>(promise: Promise<T>) {
  const state: { settled: boolean; value?: T; error?: unknown } = { settled: false };
  promise.then(
    (value) => Object.assign(state, { settled: true, value }),
    (error: unknown) => Object.assign(state, { settled: true, error }),
  );
  return state;
}

describe('the embedded database in its worker thread', () => {
  let dataDir: string;
  let database: Database;
  let thread: PGliteThread;
  const reports: string[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'muxgate-pglite-thread-'));
    database = await openDatabase({ dataDir, onLockLost: () => {}, reportError: (_error, context) => reports.push(context) });
    thread = database.embedded!;
    await sql`create table if not exists scratch (id int primary key, label text unique, at timestamptz, big bigint, bytes bytea, doc jsonb, tags text[])`.execute(database.db);
  });

  afterAll(async () => {
    await database.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('passes PostgreSQL errors to the main thread with their fields', async () => {
    await sql`insert into scratch (id, label) values (1, 'one')`.execute(database.db);
    const error = await sql`insert into scratch (id, label) values (2, 'one')`.execute(database.db).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({
      message: 'duplicate key value violates unique constraint "scratch_label_key"',
      code: '23505',
      constraint: 'scratch_label_key',
      table: 'scratch',
      detail: 'Key (label)=(one) already exists.',
      severity: 'ERROR',
    });
    const notNull = await sql`insert into scratch (id) values (null)`.execute(database.db).catch((e: unknown) => e);
    expect(notNull).toMatchObject({ code: '23502', column: 'id' });
    const syntax = await sql`selec 1`.execute(database.db).catch((e: unknown) => e);
    expect(syntax).toMatchObject({ code: '42601', message: 'syntax error at or near "selec"' });
  });

  it('returns dates, bigints, bytes, JSON and arrays as PGlite itself does', async () => {
    const at = new Date('2026-01-02T03:04:05.678Z');
    await sql`insert into scratch (id, label, at, big, bytes, doc, tags)
      values (10, 'typed', ${at}, ${2n ** 62n}, ${new Uint8Array([0, 1, 255])}, ${JSON.stringify({ a: [1, 'b'] })}, ${['x', 'y']})`.execute(database.db);
    const { rows } = await sql<Record<string, unknown>>`select at, big, bytes, doc, tags from scratch where id = 10`.execute(database.db);
    expect(rows).toEqual([{ at, big: 2n ** 62n, bytes: new Uint8Array([0, 1, 255]), doc: { a: [1, 'b'] }, tags: ['x', 'y'] }]);
    expect(rows[0]!.at).toBeInstanceOf(Date);
  });

  it('stores and searches pgvector columns', async () => {
    await sql`create extension if not exists vector`.execute(database.db);
    await sql`create table if not exists embeddings (id int primary key, v vector(3))`.execute(database.db);
    await sql`insert into embeddings values (1, ${'[1,0,0]'}), (2, ${'[0,1,0]'}), (3, ${'[0.9,0.1,0]'})`.execute(database.db);
    const { rows } = await sql<{ id: number; v: string }>`select id, v from embeddings order by v <-> ${'[1,0,0]'} limit 2`.execute(database.db);
    expect(rows).toEqual([
      { id: 1, v: '[1,0,0]' },
      { id: 3, v: '[0.9,0.1,0]' },
    ]);
  });

  it('rolls a failed transaction back', async () => {
    const failure = await database.db
      .transaction()
      .execute(async (trx) => {
        await sql`insert into scratch (id, label) values (20, 'kept only if committed')`.execute(trx);
        await sql`insert into scratch (id, label) values (20, 'duplicate id')`.execute(trx);
      })
      .catch((e: unknown) => e);
    expect(failure).toMatchObject({ code: '23505', constraint: 'scratch_pkey' });
    const { rows } = await sql`select id from scratch where id = 20`.execute(database.db);
    expect(rows).toEqual([]);
  });

  it('holds other queries back until a transaction commits', async () => {
    let outside!: ReturnType<typeof track<{ rows: unknown[] }>>;
    await thread.transaction(async (tx) => {
      await tx.query(`insert into scratch (id, label) values (30, 'in the transaction')`);
      outside = track(thread.query(`select label from scratch where id = 30`));
      // Sent after the outside query: were the database not held, the outside one would answer first.
      await tx.query(`select pg_sleep(0)`);
      expect(outside.settled).toBe(false);
    });
    await until(async () => outside.settled);
    expect(outside.value?.rows).toEqual([{ label: 'in the transaction' }]);
  });

  it('rolls back when the transaction callback throws, and lets the waiting queries through', async () => {
    let outside!: ReturnType<typeof track<{ rows: unknown[] }>>;
    const failure = await thread
      .transaction(async (tx) => {
        await tx.query(`insert into scratch (id, label) values (40, 'never committed')`);
        outside = track(thread.query(`select count(*)::int as n from scratch where id = 40`));
        throw new Error('changed my mind');
      })
      .catch((e: unknown) => e);
    expect(failure).toMatchObject({ message: 'changed my mind' });
    await until(async () => outside.settled);
    expect(outside.value?.rows).toEqual([{ n: 0 }]);
  });

  it('fails pending queries at once when the thread dies, reports it down, then restarts it on the same data', async () => {
    await sql`insert into scratch (id, label) values (50, 'before the crash')`.execute(database.db);
    let pending!: ReturnType<typeof track<unknown>>;
    const held = thread.transaction(async () => {
      // Queued behind this transaction, so certainly in flight when the thread goes.
      pending = track(thread.query(`select 1`));
      await thread.worker!.terminate();
    });
    await expect(held).rejects.toThrow(/The embedded database stopped .*it is being restarted/);
    await until(async () => pending.settled);
    expect(String(pending.error)).toMatch(/The embedded database stopped/);
    expect(await database.ping()).toBe(false);
    expect(reports.some((report) => report.startsWith('The embedded database stopped'))).toBe(true);

    await until(() => database.ping());
    const { rows } = await sql`select label from scratch where id = 50`.execute(database.db);
    expect(rows).toEqual([{ label: 'before the crash' }]);
    expect(reports).toContain('The embedded database is running again');
  });
});

// A gateway on a fresh PGlite folder, then the thread restarted: over 30 s in all on a loaded 2-core machine.
describe('a gateway whose embedded database thread dies', { timeout: 120_000 }, () => {
  it('keeps answering: on disk the database comes back with its data', async () => {
    const gw = await startTestGateway('pglite', { LOG_LEVEL: 'warn' });
    try {
      await gw.gql(`mutation { createAgent(input: { id: "survivor" }) { id } }`, {}, ADMIN_KEY);
      await gw.database.embedded!.worker!.terminate();
      await until(async () => gw.logs.some((line) => line.includes('The embedded database stopped')));
      await until(async () => (await fetch(`${gw.url}/health`)).status === 200);
      expect(await (await fetch(`${gw.url}/health`)).json()).toMatchObject({ status: 'ok', database: 'up', database_kind: 'pglite' });
      const { rows } = await sql`select id from agents`.execute(gw.database.db);
      expect(rows).toEqual([{ id: 'survivor' }]);
    } finally {
      await gw.stop();
    }
  });

  it('keeps answering: in memory it reports the database down for good', async () => {
    const gw = await startTestGateway('pglite', { DATA_DIR: 'memory://', LOG_LEVEL: 'warn' });
    try {
      await gw.database.embedded!.worker!.terminate();
      await until(async () => (await fetch(`${gw.url}/health`)).status === 503);
      expect(await (await fetch(`${gw.url}/health`)).json()).toMatchObject({ status: 'degraded', database: 'down', database_kind: 'pglite' });
      expect(gw.logs.some((line) => line.includes('it was in memory, so its data is gone: restart the gateway'))).toBe(true);
      const agents = await gw.gql(`mutation { createAgent(input: { id: "lost" }) { id } }`, {}, ADMIN_KEY);
      expect(agents.body.errors?.[0]?.extensions?.code).toBe('INTERNAL');
    } finally {
      await gw.stop();
    }
  });
});
