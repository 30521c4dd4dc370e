import { beforeAll, describe, expect, it } from 'vitest';
import { storageBackendNames } from './support/backends.js';
import type { FakeOpenAI } from './support/fake-openai.js';
import type { TestGateway } from './support/gateway.js';
import { upstreamWorld } from './support/gateway-with-upstream.js';
import { chatOver, createAgent, MEMORIES_HEADING, type SentMessage, sleep, SYSTEM } from './support/memory.js';

/**
 * Memory without its embedding provider: answers and full-text search go on, and what could not
 * be embedded is embedded once the provider is back (EMBEDDING_RETRY_MS). On PGlite vectors are on
 * (pgvector ships with it); the PostgreSQL server here has no pgvector, so there memory is full
 * text only, says so in health, and never asks for an embedding.
 */

const RETRY_MS = 100;
const SEARCH = `query($query: String!) { searchMemory(query: $query, k: 5) { id source content } }`;

describe.each(storageBackendNames())('memory with the embedding provider down on %s', (backend) => {
  let fake: FakeOpenAI, gw: TestGateway, alice: string;
  const vectors = backend === 'pglite';

  const embedded = async (id: string) => {
    const response = await gw.gql(`query($id: ID!) { memory(id: $id) { embedded } }`, { id }, alice);
    expect(response.body.errors).toBeUndefined();
    return response.body.data.memory.embedded as boolean;
  };
  /** Rounds of the indexer's catch-up, each after the retry delay, until `done` (or `rounds` rounds). */
  const backfillUntil = async (done: () => Promise<boolean>, rounds: number) => {
    for (let round = 0; round < rounds && !(await done()); round++) {
      await sleep(RETRY_MS + 50);
      await gw.orchestrator.memoryIndexer.backfill();
    }
  };
  const unembeddedMessages = async () =>
    (await gw.database.db.selectFrom('messages').select('id').where('embedded_at', 'is', null).where('content', '<>', '').execute()).length;

  const world = upstreamWorld(backend, { EMBEDDING_RETRY_MS: String(RETRY_MS) }, () => createAgent(gw, { id: 'assistant', systemMessage: SYSTEM }));
  beforeAll(() => {
    ({ fake, gw, alice } = world);
  });

  it(`health says whether memory searches by vectors (${vectors ? 'AVAILABLE' : 'UNAVAILABLE: no pgvector'})`, async () => {
    const response = await gw.gql(`{ health { vectorSearch vectorSearchReason } }`);
    expect(response.body.data.health.vectorSearch).toBe(vectors ? 'AVAILABLE' : 'UNAVAILABLE');
    if (vectors) expect(response.body.data.health.vectorSearchReason).toBeNull();
    else expect(response.body.data.health.vectorSearchReason).toMatch(/pgvector/i);
  });

  it('answers, stores and finds memory by full text while the provider fails; embeds it once the provider is back', async () => {
    fake.setEmbeddingDefault({ status: 500 });
    const answered = await chatOver(gw, 'http', alice, { message: 'My cat Miso likes salmon' });
    expect(answered.content).toBe('echo: My cat Miso likes salmon');

    const added = await gw.gql(`mutation { addLongTermMemory(input: { content: "Alice's cat is named Miso" }) { id embedded } }`, {}, alice);
    expect(added.body.errors).toBeUndefined();
    const memory = added.body.data.addLongTermMemory;
    expect(memory.embedded).toBe(false);
    await gw.orchestrator.memoryIndexer.settle();

    const found = await gw.gql(SEARCH, { query: 'Miso' }, alice);
    expect(found.body.errors).toBeUndefined();
    expect(found.body.data.searchMemory).toEqual(
      expect.arrayContaining([
        { id: memory.id, source: 'LONG_TERM', content: "Alice's cat is named Miso" },
        expect.objectContaining({ source: 'BUFFER', content: 'My cat Miso likes salmon' }),
      ]),
    );
    // A new conversation gets the memory by full text alone.
    await chatOver(gw, 'http', alice, { message: 'What does Miso eat?' });
    const sent: SentMessage[] = fake.requests.at(-1)!.body.messages;
    expect(sent[0]).toEqual({ role: 'system', content: `${SYSTEM}${MEMORIES_HEADING}\n- Alice's cat is named Miso` });

    if (vectors) {
      expect(fake.embeddingRequests.length).toBeGreaterThan(0);
      expect(fake.embeddingRequests.filter((request) => request.completed)).toEqual([]);
    } else {
      // No pgvector: memory never asks for a vector it could not store.
      expect(fake.embeddingRequests).toEqual([]);
    }

    fake.setEmbeddingDefault(undefined);
    // Without vectors there is nothing to wait for: one round shows nothing changes.
    await backfillUntil(async () => (await embedded(memory.id)) && (await unembeddedMessages()) === 0, vectors ? 20 : 1);
    expect(await embedded(memory.id)).toBe(vectors);
    // The chat's messages too: four of them, two turns.
    expect(await unembeddedMessages()).toBe(vectors ? 0 : 4);
    if (!vectors) expect(fake.embeddingRequests).toEqual([]);
  });
});
