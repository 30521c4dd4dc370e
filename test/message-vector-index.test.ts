import { CompiledQuery, type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MessageMemoryStore } from '../src/core/memory/message-memory-store.js';
import { DEFAULT_VECTOR_SEARCH } from '../src/core/memory/vector-search.js';
import { type Database, openDatabase } from '../src/db/database.js';
import type { Tables } from '../src/db/tables.js';
import { ensureVectorColumns } from '../src/db/vector-columns.js';
import { MESSAGES_BQ_CANDIDATES } from '../src/db/vector-search-settings.js';
import { bagOfWordsVector } from './support/fake-routing.js';
import { StatementCapture } from './support/statement-capture.js';

// Messages' vector index on embedded PGlite (pgvector 0.8): HNSW over binary-quantized vectors
// (Hamming distance), its candidates re-ranked by cosine distance; and a database indexed before
// (the float graph) moved to it at start.

const DIMENSIONS = 64;
const vectorLiteral = (text: string) => `[${bagOfWordsVector(text, DIMENSIONS).join(',')}]`;

const hnswIndexes = async (db: Kysely<Tables>) =>
  (await sql<{ indexname: string; indexdef: string }>`select indexname, indexdef from pg_indexes where tablename in ('memories', 'messages') and indexdef like '%USING hnsw%' order by indexname`.execute(db)).rows.map(
    (row) => [row.indexname, row.indexdef.replace(/^.* USING hnsw /, '')],
  );

const EXPECTED_INDEXES = [
  ['memories_embedding_hnsw', "(embedding vector_cosine_ops) WITH (m='16', ef_construction='64')"],
  ['messages_embedding_bq', `(((binary_quantize(embedding))::bit(${DIMENSIONS})) bit_hamming_ops) WITH (m='8', ef_construction='32')`],
];

async function addMessages(db: Kysely<Tables>, conversationId: string, userId: string, texts: string[]) {
  await db.insertInto('conversations').values({ id: conversationId, user_id: userId, title: conversationId }).execute();
  const ids = texts.map((_, i) => `${conversationId}-${i}`);
  await sql`insert into messages (id, conversation_id, role, content, status, embedding, embedded_at)
    select id, ${conversationId}, 'user', content, 'COMPLETE', embedding::vector, now()
    from unnest(${ids}::text[], ${texts}::text[], ${texts.map(vectorLiteral)}::text[]) as v(id, content, embedding)`.execute(db);
  return ids;
}


describe('messages’ quantized vector index', () => {
  let database: Database;

  beforeAll(async () => {
    database = await openDatabase({ dataDir: 'memory://', onLockLost: () => {} });
    expect(await ensureVectorColumns(database.db, DIMENSIONS)).toEqual({ state: 'AVAILABLE', dimensions: DIMENSIONS, iterativeScan: true, quantizedMessages: true });
  });

  afterAll(async () => {
    await database.close();
  });

  it('indexes messages’ vectors by their signs (bit HNSW, Hamming) and keeps memories’ float cosine graph', async () => {
    expect(await hnswIndexes(database.db)).toEqual(EXPECTED_INDEXES);
  });

  it('returns the owner’s exact nearest by cosine distance, re-ranked from the index’s Hamming candidates', async () => {
    const { db } = database;
    // Alice's texts share the query's words in different counts (Hamming sees only which words, cosine how many);
    // two of Bob's sit right on the query and must not come back in her search; his other 200 are far from it.
    const aliceTexts = [
      'apple apple apple pie',
      'apple pie recipe banana',
      'apple pie recipe banana cherry',
      'apple apple pie recipe',
      'recipe recipe recipe apple pie',
      'pie pie crust butter flour',
      'apple orchard harvest in autumn',
      'banana bread recipe',
      'cherry cobbler with cream',
      'grandmother bakes pie every sunday',
      ...Array.from({ length: 30 }, (_, i) => `train timetable ${['monday', 'tuesday', 'friday'][i % 3]} platform ${i} delay`),
    ];
    const alice = [...(await addMessages(db, 'alice-1', 'alice', aliceTexts.slice(0, 20))), ...(await addMessages(db, 'alice-2', 'alice', aliceTexts.slice(20)))];
    await addMessages(db, 'bob-1', 'bob', ['apple pie recipe', 'pie recipe', ...Array.from({ length: 200 }, (_, i) => `bus route ${i} leaves the depot at ${i % 24} hours`)]);
    const query = bagOfWordsVector('apple pie recipe', DIMENSIONS);
    const q = `[${query.join(',')}]`;

    // The exact answers: every row by cosine distance (no index can be used with index scans off), and by Hamming distance.
    const ranked = async (owner: string | null, order: 'cosine' | 'hamming') => {
      await sql`set enable_indexscan = off`.execute(db);
      try {
        const { rows } = await sql<{ id: string; distance: number }>`select m.id, m.embedding <=> ${q}::vector as distance from messages m join conversations c on c.id = m.conversation_id
          where ${owner === null ? sql`true` : sql`c.user_id = ${owner}`}
          order by ${order === 'cosine' ? sql`distance` : sql`binary_quantize(m.embedding) <~> binary_quantize(${q}::vector)`}, m.id`.execute(db);
        return rows.map((row) => ({ id: row.id, distance: Number(row.distance) }));
      } finally {
        await sql`reset enable_indexscan`.execute(db);
      }
    };
    const k = 5;
    const exactAlice = await ranked('alice', 'cosine');
    const exactAll = await ranked(null, 'cosine');
    expect(exactAlice.map((row) => row.id).sort()).toEqual([...alice].sort());
    // The fixture means something: no ties among the k + 1 nearest, Hamming's order alone is not the answer,
    // and Bob's nearest rows lead the unfiltered answer.
    for (const exact of [exactAlice, exactAll]) for (let i = 0; i < k; i++) expect(exact[i]!.distance).toBeLessThan(exact[i + 1]!.distance);
    expect((await ranked('alice', 'hamming')).slice(0, k).map((row) => row.id)).not.toEqual(exactAlice.slice(0, k).map((row) => row.id));
    expect(exactAll[0]!.id).toBe('bob-1-0');

    const capture = new StatementCapture(db);
    const store = new MessageMemoryStore(db.withPlugin(capture), true, { ...DEFAULT_VECTOR_SEARCH, settingsInSession: true, efSearch: MESSAGES_BQ_CANDIDATES }, DIMENSIONS);
    const expectExact = (hits: Array<{ id: string; distance: number | null }>, exact: Array<{ id: string; distance: number }>) => {
      expect(hits.map((hit) => hit.id)).toEqual(exact.slice(0, k).map((row) => row.id));
      hits.forEach((hit, i) => expect(hit.distance).toBeCloseTo(exact[i]!.distance, 6));
    };
    expectExact(await store.searchVector({ all: false, userId: 'alice' }, query, k), exactAlice);
    // One conversation's: the same, within it.
    expectExact(await store.searchVector({ all: false, userId: 'alice' }, query, k, 'alice-1'), exactAlice.filter((row) => row.id.startsWith('alice-1-')));
    // Every owner's, through the index (more rows than the candidates it takes): a table this small would
    // otherwise be read whole and sorted, so sequential scans and sorts are priced out.
    await sql`set enable_seqscan = off`.execute(db);
    await sql`set enable_sort = off`.execute(db);
    try {
      expectExact(await store.searchVector({ all: true }, query, k), exactAll);
      const search = capture.statements.at(-1)!;
      expect(search.sql).toContain('<~>');
      const plan = await db.executeQuery<{ 'QUERY PLAN': string }>(CompiledQuery.raw(`explain ${search.sql}`, [...search.parameters]));
      expect(plan.rows.map((row) => row['QUERY PLAN']).join('\n')).toContain('Index Scan using messages_embedding_bq');
    } finally {
      await sql`reset enable_seqscan`.execute(db);
      await sql`reset enable_sort`.execute(db);
    }
  });
});

describe('a database indexed before (float HNSW on messages)', () => {
  let database: Database;

  afterAll(async () => {
    await database.close();
  });

  it('gets the quantized index at start, keeping its vectors, and its searches find them', async () => {
    database = await openDatabase({ dataDir: 'memory://', onLockLost: () => {} });
    const { db } = database;
    await ensureVectorColumns(db, DIMENSIONS);
    // As the gateway before this change left it: the float graph on messages.
    await sql`drop index messages_embedding_bq`.execute(db);
    await sql`create index messages_embedding_hnsw on messages using hnsw (embedding vector_cosine_ops) with (m = 8, ef_construction = 32)`.execute(db);
    const ids = await addMessages(db, 'alice-1', 'alice', ['blue notebook on the desk', 'red bicycle in the garage', 'green tea in the morning']);
    expect((await hnswIndexes(db)).map(([name]) => name)).toEqual(['memories_embedding_hnsw', 'messages_embedding_hnsw']);

    expect(await ensureVectorColumns(db, DIMENSIONS)).toMatchObject({ state: 'AVAILABLE', quantizedMessages: true });
    expect(await hnswIndexes(db)).toEqual(EXPECTED_INDEXES);
    const embedded = await sql<{ n: string }>`select count(*) as n from messages where embedding is not null`.execute(db);
    expect(Number(embedded.rows[0]!.n)).toBe(ids.length);
    const store = new MessageMemoryStore(db, true, { ...DEFAULT_VECTOR_SEARCH, settingsInSession: true, efSearch: MESSAGES_BQ_CANDIDATES }, DIMENSIONS);
    expect((await store.searchVector({ all: false, userId: 'alice' }, bagOfWordsVector('bicycle garage', DIMENSIONS), 1)).map((hit) => hit.id)).toEqual([ids[1]]);
  });
});
