import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MemoryIndexer } from '../src/core/memory/memory-indexer.js';
import { MemoryStore } from '../src/core/memory/memory-store.js';
import { MessageMemoryStore } from '../src/core/memory/message-memory-store.js';
import { DEFAULT_VECTOR_SEARCH } from '../src/core/memory/vector-search.js';
import { fuseRankings, RRF_K } from '../src/core/memory/rank-fusion.js';
import { NO_METRICS } from '../src/core/metrics/metrics.js';
import type { EmbeddingModel } from '../src/core/models/embedding-model.js';
import { type Database, openDatabase } from '../src/db/database.js';
import { ensureVectorColumns } from '../src/db/vector-columns.js';
import { keepTables } from '../src/db/table-statistics.js';
import { bagOfWordsVector } from './support/fake-routing.js';

// The long-term ledger's searches on embedded PGlite (pgvector 0.8): full text, HNSW with a filter,
// and the indexer's retry when the embedding provider fails.

const DIMENSIONS = 64;
const scope = (userId: string | null) => ({ all: false as const, userId });

/** An embedding model that can be switched off, counting its calls. */
class SwitchableEmbeddings implements EmbeddingModel {
  readonly dimensions = DIMENSIONS;
  failing = false;
  calls = 0;
  async embed(texts: string[]): Promise<number[][]> {
    this.calls++;
    if (this.failing) throw new Error('embedding provider down');
    return texts.map((text) => bagOfWordsVector(text, DIMENSIONS));
  }
}

let database: Database;
let memories: MemoryStore;
let embeddings: SwitchableEmbeddings;
let indexer: MemoryIndexer;

beforeAll(async () => {
  database = await openDatabase({ dataDir: 'memory://', onLockLost: () => {} });
  expect(await ensureVectorColumns(database.db, DIMENSIONS)).toEqual({ state: 'AVAILABLE', dimensions: DIMENSIONS, iterativeScan: true, quantizedMessages: true });
  memories = new MemoryStore(database.db, true, { ...DEFAULT_VECTOR_SEARCH, settingsInSession: true });
  embeddings = new SwitchableEmbeddings();
  indexer = new MemoryIndexer({ memories, messages: new MessageMemoryStore(database.db, true), embeddings, retryMs: 100, reportError: () => {}, metrics: NO_METRICS });
});

afterAll(async () => {
  await indexer.close();
  await database.close();
});

beforeEach(async () => {
  await database.db.deleteFrom('memories').execute();
  embeddings.failing = false;
});

const add = (userId: string | null, content: string, extra: { agentId?: string; metadata?: Record<string, unknown> } = {}) =>
  memories.insert({ userId, agentId: extra.agentId ?? null, content, metadata: extra.metadata ?? {}, importance: 0.5, source: 'MANUAL' });

describe('full-text search', () => {
  it('matches any of the query’s words, stemmed, best match first, and only the owner’s', async () => {
    const both = await add('alice', 'Alice prefers dark themes in every editor');
    const one = await add('alice', 'Alice has a dark green bicycle');
    await add('alice', 'Nothing related at all');
    await add('bob', 'Bob prefers dark themes too');
    const hits = await memories.searchFullText('which theme does she prefer, dark or light?', { scope: scope('alice') }, 10);
    expect(hits.map((m) => m.id)).toEqual([both.id, one.id]);
  });

  it('filters by agent (that agent’s and agent-less), metadata containment and time', async () => {
    const shared = await add('alice', 'coffee order: flat white', { metadata: { kind: 'order', size: 'large' } });
    const coder = await add('alice', 'coffee while coding', { agentId: 'code' });
    await add('alice', 'coffee for travel', { agentId: 'travel' });
    const ids = async (filter: Parameters<MemoryStore['searchFullText']>[1]) => (await memories.searchFullText('coffee', filter, 10)).map((m) => m.id).sort();
    expect(await ids({ scope: scope('alice'), agentId: 'code' })).toEqual([shared.id, coder.id].sort());
    expect(await ids({ scope: scope('alice'), metadata: { kind: 'order' } })).toEqual([shared.id]);
    expect(await ids({ scope: scope('alice'), metadata: { kind: 'order', size: 'small' } })).toEqual([]);
    expect(await ids({ scope: scope('alice'), createdAfter: new Date(Date.now() + 60_000) })).toEqual([]);
    expect(await ids({ scope: scope('alice'), createdBefore: new Date(Date.now() + 60_000) })).toHaveLength(3);
  });

  it('finds nothing for a query of stop words only, without failing', async () => {
    await add('alice', 'the and of');
    expect(await memories.searchFullText('the and of', { scope: scope('alice') }, 5)).toEqual([]);
  });
});

describe('vector search', () => {
  it('runs with pgvector’s search settings: the embedded database starts with them', async () => {
    const { rows } = await sql<{ ef: string; scan: string }>`select current_setting('hnsw.ef_search') as ef, current_setting('hnsw.iterative_scan') as scan`.execute(database.db);
    expect(rows[0]).toEqual({ ef: '100', scan: 'strict_order' });
  });

  it('returns the nearest first, by cosine distance', async () => {
    const rows = await Promise.all(['red apple pie', 'green apple', 'blue whale song'].map((text) => add('alice', text)));
    await indexer.embedMemories(rows);
    const hits = await memories.searchVector(bagOfWordsVector('apple pie', DIMENSIONS), { scope: scope('alice') }, 3);
    expect(hits.map((m) => m.content)).toEqual(['red apple pie', 'green apple', 'blue whale song']);
    expect(hits[0]!.distance).toBeLessThan(hits[1]!.distance);
  });

  it('still returns k rows when a filter discards most of what the HNSW scan finds (iterative scan)', async () => {
    // 600 of bob's memories sit right around the query; alice's 5 are farther away.
    const bob = Array.from({ length: 600 }, (_, i) => ({ id: `b${i}`, text: `apple pie recipe number ${i}` }));
    await sql`insert into memories (id, user_id, content, source) select * from unnest(${bob.map((b) => b.id)}::text[], ${bob.map(() => 'bob')}::text[], ${bob.map((b) => b.text)}::text[], ${bob.map(() => 'MANUAL')}::text[])`.execute(database.db);
    const alice = await Promise.all(Array.from({ length: 5 }, (_, i) => add('alice', `apple tart ${i} with cream`)));
    // PGlite has no autovacuum: the indexer's backfill analyzes a table that changed by more than 10% (≥ 500 rows).
    expect(await keepTables(database.db, ['memories', 'messages'])).toEqual({ analyzed: ['memories'], vacuumed: [] });
    expect(await keepTables(database.db, ['memories', 'messages'])).toEqual({ analyzed: [], vacuumed: [] });
    for (let round = 0; round < 20 && (await memories.unembedded(1, 0)).length > 0; round++) await indexer.backfill();
    expect(await memories.unembedded(1, 0)).toEqual([]);
    const query = bagOfWordsVector('apple pie recipe', DIMENSIONS);
    const hits = await memories.searchVector(query, { scope: scope('alice') }, 5);
    expect(hits.map((m) => m.id).sort()).toEqual(alice.map((m) => m.id).sort());
    // The owner filter above may be answered from the owner index. An agent filter has no index, so
    // with sequential scans off the search must go through HNSW and filter after it: 600 nearer rows
    // of another agent come first, and only iterative scan goes on past them to the 5 asked for.
    await sql`update memories set agent_id = 'other' where user_id = 'bob'`.execute(database.db);
    await sql`update memories set agent_id = 'mine' where user_id = 'alice'`.execute(database.db);
    // The UPDATEs leave 605 dead row versions in the HNSW index (PGlite has no autovacuum); a scan
    // through them returned nothing in about half the runs, on the code before this change too. Vacuumed,
    // the index holds what the test means: 600 nearer rows of another agent.
    await sql`vacuum memories`.execute(database.db);
    const mine = { scope: { all: true as const }, agentId: 'mine' };
    await sql`set enable_seqscan = off`.execute(database.db);
    try {
      const plan = await sql<{ 'QUERY PLAN': string }>`explain select id from memories where agent_id = 'mine' order by embedding <=> ${`[${query.join(',')}]`}::vector limit 5`.execute(database.db);
      expect(plan.rows.map((row) => row['QUERY PLAN']).join('\n')).toContain('memories_embedding_hnsw');
      // HNSW is approximate: among 600 near-duplicate vectors a node can lose every edge into it (in about
      // one run in five one of alice's did). What iterative scan promises is every row the graph reaches:
      // the same rows a search wide enough to hold the whole table (ef_search 1,000) finds.
      const search = async () => {
        await sql`set hnsw.iterative_scan = strict_order`.execute(database.db);
        const found = (await memories.searchVector(query, mine, 5)).map((m) => m.id).sort();
        await sql`set hnsw.iterative_scan = off`.execute(database.db);
        await sql`set hnsw.ef_search = 1000`.execute(database.db);
        const reachable = (await memories.searchVector(query, mine, 5)).map((m) => m.id).sort();
        await sql`set hnsw.ef_search = 100`.execute(database.db);
        return { found, reachable };
      };
      // The graph is random (pgvector draws each node's level): alice's five, a cluster of their own, are
      // sometimes cut off from the entry point whole (0 reachable: once in a full suite run), and that graph
      // cannot show the property. The rows inserted again, and vacuumed as above, draw again; the
      // assertions below are unchanged.
      let { found, reachable } = await search();
      for (let redraw = 0; redraw < 5 && reachable.length < 3; redraw++) {
        // The same rows inserted again (an UPDATE could stay on its page, HOT, and leave the index as it is).
        const { rows } = await sql<{ columns: string }>`select string_agg(quote_ident(column_name), ', ') as columns from information_schema.columns where table_name = 'memories' and is_generated = 'NEVER'`.execute(database.db);
        const columns = sql.raw(rows[0]!.columns);
        await sql`with gone as (delete from memories returning *) insert into memories (${columns}) select ${columns} from gone`.execute(database.db);
        await sql`vacuum memories`.execute(database.db);
        ({ found, reachable } = await search());
      }
      expect(found).toEqual(reachable);
      expect(reachable.length).toBeGreaterThanOrEqual(3);
      expect(alice.map((m) => m.id)).toEqual(expect.arrayContaining(found));
      // The same search without iterative scan stops at ef_search candidates, all the other agent's.
      expect((await memories.searchVector(query, mine, 5)).length).toBeLessThan(reachable.length);
    } finally {
      await sql`reset enable_seqscan`.execute(database.db);
      await sql`set hnsw.iterative_scan = strict_order`.execute(database.db);
    }
  });
});

describe('embeddings when the provider fails', () => {
  it('keeps the memory (found by full text), and stores its vector on the retry once the provider is back', async () => {
    embeddings.failing = true;
    const memory = await add('alice', 'remember the blue notebook');
    await indexer.embedMemories([memory]);
    expect((await memories.find(memory.id))!.embeddedAt).toBeNull();
    expect((await memories.searchFullText('notebook', { scope: scope('alice') }, 5)).map((m) => m.id)).toEqual([memory.id]);
    expect(await indexer.embedQuery('notebook')).toBeUndefined();
    embeddings.failing = false;
    // Not retried before EMBEDDING_RETRY_MS (100 ms here) has passed.
    await new Promise((resolve) => setTimeout(resolve, 150));
    await indexer.backfill();
    expect((await memories.find(memory.id))!.embeddedAt).toBeInstanceOf(Date);
    expect((await memories.searchVector(bagOfWordsVector('blue notebook', DIMENSIONS), { scope: scope('alice') }, 1)).map((m) => m.id)).toEqual([memory.id]);
  });
});

describe('keyed facts', () => {
  it('supersede the current fact of their key when the value changes, and only refresh it when it does not', async () => {
    const fact = (content: string) => ({ userId: 'alice', agentId: null, content, metadata: {}, importance: 0.6, source: 'EXTRACTED' as const, factKey: 'preferences.theme', confidence: 0.9 });
    const dark = await memories.recordFact(fact('preferences theme: dark'));
    expect(dark).toMatchObject({ superseded: null, unchanged: false });
    expect(await memories.recordFact(fact('preferences theme: dark'))).toMatchObject({ unchanged: true, memory: { id: dark.memory.id } });
    const light = await memories.recordFact(fact('preferences theme: light'));
    expect(light.superseded).toMatchObject({ id: dark.memory.id, supersededBy: light.memory.id });
    expect(light.superseded!.validUntil).toBeInstanceOf(Date);
    expect((await memories.searchFullText('theme', { scope: scope('alice') }, 5)).map((m) => m.content)).toEqual(['preferences theme: light']);
    expect(await memories.searchFullText('theme', { scope: scope('alice'), includeSuperseded: true }, 5)).toHaveLength(2);
    // Bob's fact of the same key is his own.
    expect((await memories.recordFact({ ...fact('preferences theme: dark'), userId: 'bob' })).superseded).toBeNull();
  });
});

describe('reciprocal rank fusion', () => {
  it('sums 1 / (60 + rank) over the rankings an item appears in', () => {
    const fused = fuseRankings([['a', 'b', 'c'], ['c', 'a']], (x) => x);
    expect(fused.map((f) => f.item)).toEqual(['a', 'c', 'b']);
    expect(fused[0]!.score).toBeCloseTo(1 / (RRF_K + 1) + 1 / (RRF_K + 2));
    expect(fused[2]!.score).toBeCloseTo(1 / (RRF_K + 2));
  });
});
