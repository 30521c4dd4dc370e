import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { storageBackendNames } from './support/backends.js';
import { FakeOpenAI } from './support/fake-openai.js';
import { ADMIN_KEY, startTestGateway, type TestGateway } from './support/gateway.js';
import { upstreamWorld } from './support/gateway-with-upstream.js';
import { chatOver, createAgent, issueTokens, SYSTEM } from './support/memory.js';
import { Samples } from './support/prometheus.js';

/**
 * Memory's indexing queue (issue 20): settled turns wait in a bounded queue and are indexed many at
 * once, one embedding request for many answers. MEMORY_INDEX_DELAY_MS is an hour here, so nothing
 * drains until settle() (what shutdown does): the batch is exactly the chats sent. Past
 * MEMORY_INDEX_QUEUE_MAX a turn is dropped, counted on /metrics, and indexed by the backfill later.
 * On PGlite vectors are on; the PostgreSQL server here has no pgvector (full text only).
 */

const QUEUE_MAX = 6;

describe.each(storageBackendNames())('memory indexing queue on %s', (backend) => {
  let fake: FakeOpenAI, gw: TestGateway, alice: string;
  const vectors = backend === 'pglite';

  const scrape = async () => {
    const response = await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    expect(response.status).toBe(200);
    return new Samples(await response.text());
  };
  const depth = async () => (await scrape()).get('muxgate_memory_index_queue_depth');
  const dropped = async () => (await scrape()).get('muxgate_memory_events_total', { event: 'index_dropped' });
  /** Every message of the conversations, with what the indexer wrote. */
  const rows = async (conversationIds: string[]) => {
    const { rows } = await sql<{ id: string; indexed: boolean; tsv: boolean; embedded: boolean }>`
      select id, indexed_at is not null as indexed, tsv is not null as tsv,
        ${vectors ? sql`embedding is not null and embedded_at is not null` : sql`false`} as embedded
      from messages where conversation_id in (${sql.join(conversationIds)})`.execute(gw.database.db);
    return rows;
  };

  const world = upstreamWorld(
    backend,
    {
      MEMORY_INDEX_DELAY_MS: '3600000',
      MEMORY_INDEX_QUEUE_MAX: String(QUEUE_MAX),
      // The backfill runs when the test says (a timer's round would race the assertions).
      EMBEDDING_RETRY_MS: '86400000',
    },
    () => createAgent(gw, { id: 'assistant', systemMessage: SYSTEM }),
  );
  beforeAll(() => {
    ({ fake, gw, alice } = world);
  });

  it('indexes many chats together: one embedding request for all their messages, the queue depth on /metrics', async () => {
    const chats = await Promise.all(['Miso eats salmon', 'Tofu sleeps all day', 'Pixel chases lasers'].map((message) => chatOver(gw, 'http', alice, { message })));
    const conversations = chats.map((chat) => chat.conversationId);
    // New conversations of a user without memories: no vector was needed before the answers.
    expect(fake.embeddingRequests).toHaveLength(0);
    expect(await depth()).toBe(6);
    expect((await rows(conversations)).filter((row) => row.indexed)).toEqual([]);

    await gw.orchestrator.memoryIndexer.settle();

    expect(await depth()).toBe(0);
    const indexed = await rows(conversations);
    expect(indexed).toHaveLength(6);
    for (const row of indexed) expect(row).toEqual({ id: row.id, indexed: true, tsv: true, embedded: vectors });
    // Six messages of three chats in one request (none on the server without pgvector).
    expect(fake.embeddingRequests).toHaveLength(vectors ? 1 : 0);
    if (vectors) expect(fake.embeddingRequests[0]!.body.input).toHaveLength(6);
    expect(await dropped()).toBe(0);

    const found = await gw.gql(`query { searchMemory(query: "lasers", k: 5) { source content } }`, {}, alice);
    expect(found.body.errors).toBeUndefined();
    expect(found.body.data.searchMemory).toEqual(expect.arrayContaining([{ source: 'BUFFER', content: 'Pixel chases lasers' }]));
  });

  it('drops turns past MEMORY_INDEX_QUEUE_MAX without holding up their answers, counts them, and the backfill indexes them later', async () => {
    const droppedBefore = await dropped();
    const chats = [];
    for (const message of ['first of four', 'second of four', 'third of four', 'fourth of four']) chats.push(await chatOver(gw, 'http', alice, { message }));
    // Every answer arrived; three turns (six messages) fill the queue, the fourth is shed.
    expect(chats.map((chat) => chat.content)).toEqual(['echo: first of four', 'echo: second of four', 'echo: third of four', 'echo: fourth of four']);
    expect(await depth()).toBe(QUEUE_MAX);
    expect((await dropped()) - droppedBefore).toBe(2);

    await gw.orchestrator.memoryIndexer.settle();
    const kept = await rows(chats.slice(0, 3).map((chat) => chat.conversationId));
    expect(kept.every((row) => row.indexed && row.tsv && row.embedded === vectors)).toBe(true);
    const shed = await rows([chats[3]!.conversationId]);
    expect(shed).toHaveLength(2);
    expect(shed.every((row) => !row.indexed && !row.tsv && !row.embedded)).toBe(true);

    await gw.orchestrator.memoryIndexer.backfill();
    const caughtUp = await rows([chats[3]!.conversationId]);
    expect(caughtUp.every((row) => row.indexed && row.tsv && row.embedded === vectors)).toBe(true);
    expect(fake.embeddingRequests).toHaveLength(vectors ? 2 : 0);
  });
});

describe('memory indexing queue at shutdown', () => {
  // A first start on PGlite (initdb) inside the test, not a hook: a slow machine needs more than the default.
  it('drains what is queued when the gateway stops', async () => {
    const fake = await FakeOpenAI.start();
    const gw = await startTestGateway('pglite', { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: 'test-key', MODEL_MAX_RETRIES: '0', MEMORY_INDEX_DELAY_MS: '3600000', EMBEDDING_RETRY_MS: '86400000' });
    try {
      const { alice } = await issueTokens(gw);
      await createAgent(gw, { id: 'assistant', systemMessage: SYSTEM });
      await chatOver(gw, 'http', alice, { message: 'Remember the blue door' });
      await chatOver(gw, 'http', alice, { message: 'And the red window' });
      expect(fake.embeddingRequests).toHaveLength(0);
    } finally {
      await gw.stop();
      await fake.close();
    }
    // The queue's four messages, indexed in one request on the way out.
    expect(fake.embeddingRequests).toHaveLength(1);
    expect(fake.embeddingRequests[0]!.body.input).toHaveLength(4);
  }, 120_000);
});
