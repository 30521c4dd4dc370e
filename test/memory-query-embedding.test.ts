import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RecordedRequest } from './support/fake-openai.js';
import type { FakeOpenAI } from './support/fake-openai.js';
import { ConversationStore } from '../src/core/conversations/conversation-store.js';
import { ADMIN_KEY, type TestGateway } from './support/gateway.js';
import { upstreamWorld } from './support/gateway-with-upstream.js';
import { chatOver, createAgent, echo, MEMORIES_HEADING, memorySections, type SentMessage, SYSTEM } from './support/memory.js';

/**
 * How many embedding requests a chat costs, counted at the fake upstream, and when: before the
 * model request (on the way to the first token) or after the answer (indexing). PGlite, so vectors
 * are on. BUFFER_SIZE=3: the new message and the two before it; BUFFER_SEMANTIC_K=1.
 */

const SEARCH = `query($query: String!) { searchMemory(query: $query, k: 5) { source content } }`;
const ADD_MEMORY = `mutation($input: AddLongTermMemoryInput!) { addLongTermMemory(input: $input) { id embedded } }`;

describe('the query embedding of a chat (PGlite, embeddings on)', () => {
  let fake: FakeOpenAI, gw: TestGateway;
  let users = 0;

  /** A token for a user nobody has used yet: no memories, no conversations. */
  const newUser = async () => {
    const userId = `user-${++users}`;
    const response = await gw.gql(`mutation($u: ID!) { issueToken(userId: $u) { accessToken } }`, { u: userId }, ADMIN_KEY);
    return response.body.data.issueToken.accessToken as string;
  };
  /** One chat; how many embedding requests the upstream had received when the model request arrived, and how many after the turn was indexed. */
  const chat = async (credential: string, input: Record<string, unknown>) => {
    const start = fake.embeddingRequests.length;
    let atModelRequest = -1;
    let sent: SentMessage[] = [];
    fake.enqueue((request: RecordedRequest) => {
      atModelRequest = fake.embeddingRequests.length - start;
      sent = request.body.messages;
      return echo(request);
    });
    const answered = await chatOver(gw, 'http', credential, input);
    await gw.orchestrator.memoryIndexer.settle();
    return { ...answered, before: atModelRequest, after: fake.embeddingRequests.length - start - atModelRequest, sent, requests: fake.embeddingRequests.slice(start) };
  };
  /** Each message of the conversation with whether its embedding is stored. */
  const embeddedRows = async (conversationId: string) =>
    (
      await sql<{ content: string; embedded: boolean }>`select content, embedding is not null as embedded from messages where conversation_id = ${conversationId} order by ordinal`.execute(
        gw.database.db,
      )
    ).rows;
  const search = async (credential: string, query: string) => {
    const response = await gw.gql(SEARCH, { query }, credential);
    expect(response.body.errors).toBeUndefined();
    return response.body.data.searchMemory as Array<{ source: string; content: string }>;
  };

  const world = upstreamWorld(
    'pglite',
    {
      BUFFER_SIZE: '3',
      BUFFER_SEMANTIC_K: '1',
      BUFFER_MULTIPLIER: '2',
      MEMORY_K: '2',
      ROUTING_STRATEGY: 'embedding',
      // No catch-up round lands in the middle of a count.
      EMBEDDING_RETRY_MS: '3600000',
    },
    () => createAgent(gw, { id: 'assistant', systemMessage: SYSTEM, description: 'General questions' }),
  );
  beforeAll(() => {
    ({ fake, gw } = world);
  });

  it('first chat of a new user: no embedding before the answer; question and answer embedded together after it, and found', async () => {
    const alice = await newUser();
    const first = await chat(alice, { agentId: 'assistant', message: 'My cat Miso likes salmon' });
    expect(first.before).toBe(0);
    expect(first.requests.map((r) => r.body.input)).toEqual([['My cat Miso likes salmon', 'echo: My cat Miso likes salmon']]);
    expect(await embeddedRows(first.conversationId)).toEqual([
      { content: 'My cat Miso likes salmon', embedded: true },
      { content: 'echo: My cat Miso likes salmon', embedded: true },
    ]);
    expect(await search(alice, 'Miso salmon')).toEqual(
      expect.arrayContaining([
        { source: 'BUFFER', content: 'My cat Miso likes salmon' },
        { source: 'BUFFER', content: 'echo: My cat Miso likes salmon' },
      ]),
    );
  });

  it('a conversation that fits the recent buffer asks for none; once longer than it, one before the answer', async () => {
    const alice = await newUser();
    const first = await chat(alice, { agentId: 'assistant', message: 'My cat Miso likes salmon' });
    // Two stored messages fit the recent buffer (BUFFER_SIZE 3 − the new message): nothing older to match.
    const second = await chat(alice, { agentId: 'assistant', conversationId: first.conversationId, message: 'And my dog Rex likes bones' });
    expect(second.before).toBe(0);
    expect(second.requests.map((r) => r.body.input)).toEqual([['And my dog Rex likes bones', 'echo: And my dog Rex likes bones']]);
    // Four stored messages: the first turn is older than the recent buffer, so the semantic buffer ranks it by vector.
    const third = await chat(alice, { agentId: 'assistant', conversationId: first.conversationId, message: 'What does Miso eat?' });
    expect(third.before).toBe(1);
    expect(third.requests[0]!.body.input).toEqual(['What does Miso eat?']);
    // The question's vector is kept: only the answer is embedded after.
    expect(third.requests.slice(1).map((r) => r.body.input)).toEqual([['echo: What does Miso eat?']]);
    // The older matching turn came back into the buffer.
    expect(third.sent.map((m) => m.content)).toContain('My cat Miso likes salmon');
    expect((await embeddedRows(first.conversationId)).every((row) => row.embedded)).toBe(true);
  });

  it('a conversation grown on another replica: the read finds it longer than known, and the vector is asked for then', async () => {
    const alice = await newUser();
    const first = await chat(alice, { agentId: 'assistant', message: 'My cat Miso likes salmon' });
    // Another replica answers two turns in it (written to the same database, not through this gateway).
    const elsewhere = new ConversationStore(gw.database.db);
    for (const text of ['The weather is grey', 'Trains run late']) {
      const runId = randomUUID();
      const routing = { agentId: 'assistant', strategy: 'EXPLICIT' as const, confidence: 1, reason: 'named', cached: false, latencyMs: 0, candidates: [] };
      const turn = await elsewhere.addTurn(first.conversationId, { user: { content: text, runId, metadata: null }, answer: { agentId: 'assistant', runId, routing } });
      await elsewhere.finishAnswer(turn.answerId, first.conversationId, { content: `noted: ${text}`, status: 'COMPLETE', finishReason: 'stop', usage: null, lastSeq: 1, toolRounds: [] });
    }
    const asked = await chat(alice, { agentId: 'assistant', conversationId: first.conversationId, message: 'What does Miso eat?' });
    expect(asked.before).toBe(1);
    expect(asked.requests[0]!.body.input).toEqual(['What does Miso eat?']);
    expect(asked.sent.map((m) => m.content)).toContain('My cat Miso likes salmon');
  });

  it('a user with long-term memories: one embedding before the answer, and the memory is in the prompt', async () => {
    const alice = await newUser();
    // Known to have none first: the memory written next must be noticed at once.
    expect((await chat(alice, { agentId: 'assistant', message: 'Hello there' })).before).toBe(0);
    const added = await gw.gql(ADD_MEMORY, { input: { content: 'The cat is named Miso and eats salmon' } }, alice);
    expect(added.body.errors).toBeUndefined();
    expect(added.body.data.addLongTermMemory.embedded).toBe(true);
    const asked = await chat(alice, { agentId: 'assistant', message: 'What does my cat Miso eat?' });
    expect(asked.before).toBe(1);
    expect(asked.requests[0]!.body.input).toEqual(['What does my cat Miso eat?']);
    expect(asked.requests.slice(1).map((r) => r.body.input)).toEqual([['echo: What does my cat Miso eat?']]);
    expect(asked.sent[0]!.content).toContain(MEMORIES_HEADING);
    expect(memorySections(asked.sent[0]!.content!).memories).toEqual(['The cat is named Miso and eats salmon']);
  });

  it('routing by embedding and memory share one embedding of the message before the answer', async () => {
    await createAgent(gw, { id: 'billing', systemMessage: SYSTEM, description: 'Billing: invoices, refunds, payments and charges' });
    await createAgent(gw, { id: 'travel', systemMessage: SYSTEM, description: 'Travel: flights, hotels, trains and trips' });
    const alice = await newUser();
    const added = await gw.gql(ADD_MEMORY, { input: { content: 'Invoices go to the accounts payable team' } }, alice);
    expect(added.body.errors).toBeUndefined();
    const asked = await chat(alice, { message: 'Where do my invoices and refunds go?' });
    expect(asked.before).toBe(1);
    // One request: the message (and the descriptions not yet embedded), ranked by routing and reused by memory.
    expect(asked.requests[0]!.body.input[0]).toBe('Where do my invoices and refunds go?');
    expect(asked.requests.slice(1).map((r) => r.body.input)).toEqual([['echo: Where do my invoices and refunds go?']]);
    const decision = await gw.gql(`query($id: ID!) { conversation(id: $id) { messages { role agentId } } }`, { id: asked.conversationId }, alice);
    expect(decision.body.data.conversation.messages.at(-1)).toEqual({ role: 'ASSISTANT', agentId: 'billing' });
    expect(memorySections(asked.sent[0]!.content!).memories).toEqual(['Invoices go to the accounts payable team']);
    expect((await embeddedRows(asked.conversationId)).every((row) => row.embedded)).toBe(true);
  });
});
