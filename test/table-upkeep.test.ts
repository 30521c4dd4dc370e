import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../src/db/database.js';
import { keepTables } from '../src/db/table-statistics.js';
import { ensureVectorColumns } from '../src/db/vector-columns.js';
import { bagOfWordsVector } from './support/fake-routing.js';

// The embedded database's stand-in for autovacuum (src/db/table-statistics.ts), on PGlite: ANALYZE
// when enough rows changed, VACUUM when enough row versions died, decided from the statistics views.

const DIMENSIONS = 64;
let database: Database;

const activity = async () => {
  await sql`select pg_stat_force_next_flush()`.execute(database.db);
  const { rows } = await sql<{ dead: string; modified: string }>`select n_dead_tup as dead, n_mod_since_analyze as modified from pg_stat_user_tables where relname = 'memories'`.execute(database.db);
  return { dead: Number(rows[0]!.dead), modified: Number(rows[0]!.modified) };
};

beforeAll(async () => {
  database = await openDatabase({ dataDir: 'memory://', onLockLost: () => {} });
  await ensureVectorColumns(database.db, DIMENSIONS);
});

afterAll(async () => {
  await database.close();
});

describe('HNSW indexes', () => {
  it('builds messages’ graph sparser (an entry per question and answer) and memories’ with pgvector’s defaults', async () => {
    const { rows } = await sql<{ indexname: string; indexdef: string }>`select indexname, indexdef from pg_indexes where indexdef like '%USING hnsw%' order by indexname`.execute(database.db);
    expect(rows.map((row) => [row.indexname, /WITH \((.*)\)/.exec(row.indexdef)?.[1]])).toEqual([
      ['memories_embedding_hnsw', "m='16', ef_construction='64'"],
      ['messages_embedding_bq', "m='8', ef_construction='32'"],
    ]);
  });
});

describe('table upkeep on the embedded database', () => {
  it('analyzes a table once enough rows changed, vacuums it once enough row versions died, and leaves it alone otherwise', async () => {
    expect(await keepTables(database.db, ['memories', 'messages'])).toEqual({ analyzed: [], vacuumed: [] });

    // 600 of bob's memories right around the query, alice's 5 farther away, all embedded.
    const rows = [
      ...Array.from({ length: 600 }, (_, i) => ({ id: `b${i}`, user: 'bob', text: `apple pie recipe number ${i}` })),
      ...Array.from({ length: 5 }, (_, i) => ({ id: `a${i}`, user: 'alice', text: `apple tart ${i} with cream` })),
    ];
    await sql`insert into memories (id, user_id, content, source, embedding, embedded_at)
      select id, user_id, content, 'MANUAL', embedding::vector, now()
      from unnest(${rows.map((r) => r.id)}::text[], ${rows.map((r) => r.user)}::text[], ${rows.map((r) => r.text)}::text[],
        ${rows.map((r) => `[${bagOfWordsVector(r.text, DIMENSIONS).join(',')}]`)}::text[]) as v(id, user_id, content, embedding)`.execute(database.db);
    // Inserts are changes, not dead versions: ANALYZE only.
    expect(await keepTables(database.db, ['memories', 'messages'])).toEqual({ analyzed: ['memories'], vacuumed: [] });
    expect(await keepTables(database.db, ['memories', 'messages'])).toEqual({ analyzed: [], vacuumed: [] });

    // Every row rewritten: 605 dead versions, each still in the HNSW index until a VACUUM.
    await sql`update memories set agent_id = case when user_id = 'bob' then 'other' else 'mine' end`.execute(database.db);
    expect((await activity()).dead).toBe(605);
    expect(await keepTables(database.db, ['memories', 'messages'])).toEqual({ analyzed: ['memories'], vacuumed: ['memories'] });
    expect(await activity()).toEqual({ dead: 0, modified: 0 });
    expect(await keepTables(database.db, ['memories', 'messages'])).toEqual({ analyzed: [], vacuumed: [] });

    // A few changes are left for later.
    await sql`update memories set importance = 0.9 where id in ('a0', 'a1')`.execute(database.db);
    expect(await keepTables(database.db, ['memories', 'messages'])).toEqual({ analyzed: [], vacuumed: [] });
  });
});
