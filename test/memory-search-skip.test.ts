import { beforeAll, describe, expect, it } from 'vitest';
import { storageBackendNames } from './support/backends.js';
import type { FakeOpenAI } from './support/fake-openai.js';
import type { TestGateway } from './support/gateway.js';
import { upstreamWorld } from './support/gateway-with-upstream.js';
import { chatOver, createAgent, echo, issueTokens, MEMORIES_HEADING, memorySections, memoryStatements, SYSTEM } from './support/memory.js';

/**
 * A user with no long-term memory yet has nothing a memory search could find: the chat runs no
 * statement on `memories` (full text, the only search on a server without pgvector). Once a memory
 * is written, the next chat searches and finds it. Statements are counted from /metrics.
 */

const ADD_MEMORY = `mutation($input: AddLongTermMemoryInput!) { addLongTermMemory(input: $input) { id } }`;

describe.each(storageBackendNames())('the memory search of a chat on %s', (backend) => {
  let fake: FakeOpenAI, gw: TestGateway;

  /** One chat over HTTP; the system message the model was sent and the memory statements it ran. */
  const chat = async (credential: string, message: string) => {
    const before = await memoryStatements(gw);
    fake.enqueue(echo);
    await chatOver(gw, 'http', credential, { agentId: 'assistant', message });
    return { system: fake.requests.at(-1)!.body.messages[0]!.content as string, statements: (await memoryStatements(gw)) - before };
  };

  const world = upstreamWorld(
    backend,
    {
      MEMORY_K: '2',
      // Full text alone, as on a PostgreSQL server without pgvector.
      MEMORY_EMBEDDINGS: 'false',
    },
    () => createAgent(gw, { id: 'assistant', systemMessage: SYSTEM }),
  );
  beforeAll(() => {
    ({ fake, gw } = world);
  });

  it('runs no memory statement for a user without memories, and finds the first memory written', async () => {
    const { alice } = await issueTokens(gw);
    // The first chat learns that alice has none (one read, remembered).
    await chat(alice, 'Hello there');
    const none = await chat(alice, 'What does my cat Miso eat?');
    expect(none.statements).toBe(0);
    expect(none.system).toBe(SYSTEM);

    expect((await gw.gql(ADD_MEMORY, { input: { content: 'The cat Miso eats salmon' } }, alice)).body.errors).toBeUndefined();
    const some = await chat(alice, 'What does my cat Miso eat?');
    expect(some.statements).toBeGreaterThan(0);
    expect(some.system).toContain(MEMORIES_HEADING);
    expect(memorySections(some.system).memories).toEqual(['The cat Miso eats salmon']);
  });
});
