import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../src/db/database.js';
import { MAX_PREPARED } from '../src/db/pglite-statements.js';
import type { PGliteThread } from '../src/db/pglite-thread.js';

// The embedded database's worker runs planned statements as named prepared statements
// (src/db/pglite-statements.ts): their results and errors must stay those of PGlite's own `query`.
describe('prepared statements on the embedded database', () => {
  let database: Database;
  let thread: PGliteThread;

  /** Named statements the worker's PostgreSQL session holds, by text. */
  const preparedTexts = async () => (await thread.query(`select statement from pg_prepared_statements where name like 'muxgate\\_%'`)).rows.map((row) => (row as { statement: string }).statement);

  beforeAll(async () => {
    database = await openDatabase({ dataDir: 'memory://', onLockLost: () => {} });
    thread = database.embedded!;
    await thread.query(`create table prepared_scratch (id int primary key, label text unique, n int, at timestamptz, big bigint, doc jsonb, tags text[])`);
  });

  afterAll(async () => {
    await database.close();
  });

  it('gives the same rows every time a statement repeats, in both row modes, past the plans PostgreSQL makes per run', async () => {
    const at = new Date('2026-01-02T03:04:05.678Z');
    const insert = `insert into prepared_scratch (id, label, n, at, big, doc, tags) values ($1, $2, $3, $4, $5, $6, $7) returning id, label, at, big, doc, tags`;
    const inserted = [];
    for (let id = 1; id <= 8; id++) inserted.push((await thread.query(insert, [id, `row ${id}`, id * 10, at, 2n ** 62n + BigInt(id), JSON.stringify({ id }), ['x', String(id)]])).rows);
    expect(inserted[7]).toEqual([{ id: 8, label: 'row 8', at, big: 2n ** 62n + 8n, doc: { id: 8 }, tags: ['x', '8'] }]);
    expect((inserted[7]![0] as { at: unknown }).at).toBeInstanceOf(Date);

    const select = `select id, label, at, big, doc, tags from prepared_scratch where id <= $1 order by id`;
    const first = await thread.query(select, [8]);
    expect(first.rows).toHaveLength(8);
    expect(first.rows).toEqual(inserted.flat());
    // PostgreSQL plans a prepared statement's first five runs for their values, then may keep one generic plan.
    for (let run = 0; run < 8; run++) expect((await thread.query(select, [8])).rows).toEqual(first.rows);
    expect((await thread.query(select, [2], { rowMode: 'array' })).rows).toEqual([
      [1, 'row 1', at, 2n ** 62n + 1n, { id: 1 }, ['x', '1']],
      [2, 'row 2', at, 2n ** 62n + 2n, { id: 2 }, ['x', '2']],
    ]);
    const update = await thread.query(`update prepared_scratch set n = n + 1 where id <= $1`, [3]);
    expect(update).toEqual({ rows: [], affectedRows: 3 });
    expect(await preparedTexts()).toEqual(expect.arrayContaining([insert, select]));
  });

  it('follows a table changed between two runs of a statement', async () => {
    const select = `select * from prepared_scratch where id = $1`;
    const insert = `insert into prepared_scratch (id, label, n) values ($1, $2, $3)`;
    await thread.query(insert, [100, 'before', 1]);
    expect((await thread.query(select, [100])).rows).toEqual([expect.objectContaining({ id: 100, label: 'before', n: 1 })]);
    await thread.query(`alter table prepared_scratch add column extra text default 'added'`);
    await thread.query(`alter table prepared_scratch alter column n type text`);
    // Prepared with n an int, the insert would now refuse a word; the select would not show the new column.
    await thread.query(insert, [101, 'after', 'eleven']);
    expect((await thread.query(select, [100])).rows).toEqual([expect.objectContaining({ id: 100, label: 'before', n: '1', extra: 'added' })]);
    expect((await thread.query(select, [101])).rows).toEqual([expect.objectContaining({ id: 101, label: 'after', n: 'eleven', extra: 'added' })]);
  });

  it('follows a table changed by a function it did not see as DDL', async () => {
    await thread.query(`create table hidden_change (id int primary key)`);
    await thread.query(`create function change_hidden() returns void language plpgsql as $$ begin alter table hidden_change add column note text default 'new'; end $$`);
    const select = `select * from hidden_change where id = $1`;
    await thread.query(`insert into hidden_change values ($1)`, [1]);
    expect((await thread.query(select, [1])).rows).toEqual([{ id: 1 }]);
    await thread.query(`select change_hidden()`);
    expect((await thread.query(select, [1])).rows).toEqual([{ id: 1, note: 'new' }]);
  });

  it('passes errors with their codes, the same on every run, and leaves a failed transaction as PGlite does', async () => {
    const insert = `insert into prepared_scratch (id, label) values ($1, $2)`;
    await thread.query(insert, [200, 'unique label']);
    for (let run = 0; run < 3; run++) {
      const error = await thread.query(insert, [201 + run, 'unique label']).catch((e: unknown) => e);
      expect(error).toMatchObject({
        message: 'duplicate key value violates unique constraint "prepared_scratch_label_key"',
        code: '23505',
        constraint: 'prepared_scratch_label_key',
        detail: 'Key (label)=(unique label) already exists.',
        query: insert,
      });
    }
    expect(await thread.query(`select id from prepared_scratch where id = = $1`, [1]).catch((e: unknown) => e)).toMatchObject({ code: '42601', message: 'syntax error at or near "="' });
    expect(await thread.query(`select id from prepared_scratch where id = $1`, ['not a number']).catch((e: unknown) => e)).toMatchObject({ code: '22P02' });

    const failure = await database.db
      .transaction()
      .execute(async (trx) => {
        await sql`insert into prepared_scratch (id, label) values (${210}, ${'kept only if committed'})`.execute(trx);
        const duplicate = await sql`insert into prepared_scratch (id, label) values (${210}, ${'duplicate id'})`.execute(trx).catch((e: unknown) => e);
        expect(duplicate).toMatchObject({ code: '23505', constraint: 'prepared_scratch_pkey' });
        await sql`select id from prepared_scratch where id = ${210}`.execute(trx);
      })
      .catch((e: unknown) => e);
    expect(failure).toMatchObject({ code: '25P02' });
    // Rolled back; the statements prepared in it still serve.
    expect((await sql`select id from prepared_scratch where id = ${210}`.execute(database.db)).rows).toEqual([]);
    await sql`insert into prepared_scratch (id, label) values (${210}, ${'kept only if committed'})`.execute(database.db);
    expect((await sql`select label from prepared_scratch where id = ${210}`.execute(database.db)).rows).toEqual([{ label: 'kept only if committed' }]);
  });

  it(`keeps at most ${MAX_PREPARED} statements prepared, and drops them all after DDL`, async () => {
    for (let i = 0; i < MAX_PREPARED + 50; i++) expect((await thread.query(`select $1::int + ${i} as n`, [1])).rows).toEqual([{ n: 1 + i }]);
    // The count's own statement is one of them.
    expect((await preparedTexts()).length).toBeLessThanOrEqual(MAX_PREPARED);
    expect(await preparedTexts()).toContain(`select $1::int + ${MAX_PREPARED + 49} as n`);
    expect(await preparedTexts()).not.toContain(`select $1::int + 0 as n`);
    await thread.query(`create table after_the_cache (id int)`);
    expect(await preparedTexts()).toEqual([`select statement from pg_prepared_statements where name like 'muxgate\\_%'`]);
  });
});
