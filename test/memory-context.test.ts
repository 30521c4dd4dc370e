import { beforeAll, describe, expect, it } from 'vitest';
import { storageBackendNames } from './support/backends.js';
import type { FakeOpenAI } from './support/fake-openai.js';
import { ADMIN_KEY, type TestGateway } from './support/gateway.js';
import { upstreamWorld } from './support/gateway-with-upstream.js';
import {
  chatOver,
  createAgent,
  issueTokens,
  MEMORIES_HEADING,
  memorySections,
  memoryTokensOf,
  messageTokens,
  promptTokens,
  resetMemory,
  type SentMessage,
  SYSTEM,
  TRANSPORTS,
} from './support/memory.js';

/**
 * The "build context" stage as the model sees it: what a real gateway sent the fake upstream
 * (`body.messages`) after long-term memories were added and conversations had history. Here
 * BUFFER_SIZE=3 (the new message and the two before it), BUFFER_SEMANTIC_K=1 older matching
 * message (with its neighbour) from the last BUFFER_SIZE × BUFFER_MULTIPLIER = 6, MEMORY_K=2.
 */

const ADD_MEMORY = `mutation($input: AddLongTermMemoryInput!) { addLongTermMemory(input: $input) { id userId embedded } }`;

describe.each(storageBackendNames())('memory in the context on %s', (backend) => {
  let fake: FakeOpenAI, gw: TestGateway, alice: string, bob: string;

  const sent = (index = -1): SentMessage[] => fake.requests.at(index)!.body.messages;
  const addMemory = async (credential: string, input: Record<string, unknown>) => {
    const response = await gw.gql(ADD_MEMORY, { input }, credential);
    expect(response.body.errors).toBeUndefined();
    return response.body.data.addLongTermMemory;
  };
  /** A conversation of these (question, answer) turns, indexed as the chat leaves it; its id. */
  const converse = async (turns: Array<[string, string]>, credential = alice) => {
    let conversationId: string | undefined;
    for (const [question, answer] of turns) {
      fake.enqueue({ text: answer });
      conversationId = (await chatOver(gw, 'http', credential, { message: question, conversationId })).conversationId;
      await gw.orchestrator.memoryIndexer.settle();
    }
    return conversationId!;
  };

  const world = upstreamWorld(backend, { BUFFER_SIZE: '3', BUFFER_SEMANTIC_K: '1', BUFFER_MULTIPLIER: '2', MEMORY_K: '2' }, () => createAgent(gw, { id: 'assistant', systemMessage: SYSTEM }));
  beforeAll(() => {
    ({ fake, gw, alice, bob } = world);
  });

  describe('long-term memories', () => {
    it('puts the user’s matching memory under the memories heading, and leaves unrelated ones out', async () => {
      const cat = await addMemory(alice, { content: "Alice's cat is named Miso" });
      expect(cat.userId).toBe('alice');
      await addMemory(alice, { content: 'Her favourite tea is sencha' });
      await chatOver(gw, 'http', alice, { message: 'What should I feed my cat?' });
      expect(sent()).toEqual([
        { role: 'system', content: `${SYSTEM}${MEMORIES_HEADING}\n- Alice's cat is named Miso` },
        { role: 'user', content: 'What should I feed my cat?' },
      ]);
    });

    it('never puts another user’s memory in the context, however well it matches', async () => {
      await addMemory(alice, { content: "Alice's cat is named Miso" });
      await addMemory(bob, { content: "Bob's cat is named Pepper" });
      // The admin's memory for no user (the backend's own) is nobody's context either.
      await addMemory(ADMIN_KEY, { content: 'The office cat is named Byte' });
      await chatOver(gw, 'http', alice, { message: 'What should I feed my cat?' });
      expect(memorySections(sent()[0]!.content!).memories).toEqual(["Alice's cat is named Miso"]);
      await chatOver(gw, 'http', bob, { message: 'What should I feed my cat?' });
      expect(memorySections(sent()[0]!.content!).memories).toEqual(["Bob's cat is named Pepper"]);
    });

    it('puts at most MEMORY_K (2) memories in the context', async () => {
      const contents = ["Alice's cat is named Miso", 'The cat eats salmon', 'The cat sleeps on the sofa', 'The cat was born in May'];
      for (const content of contents) await addMemory(alice, { content });
      await chatOver(gw, 'http', alice, { message: 'Tell me about my cat' });
      const { memories } = memorySections(sent()[0]!.content!);
      expect(memories).toHaveLength(2);
      for (const memory of memories) expect(contents).toContain(memory);
    });

    it('gives an agent’s memories to that agent alone; memories of no agent to every agent', async () => {
      await createAgent(gw, { id: 'vet', systemMessage: 'You are a vet.' });
      await addMemory(alice, { content: 'The cat had its vaccine in March', agentId: 'vet' });
      await addMemory(alice, { content: "Alice's cat is named Miso" });
      await chatOver(gw, 'http', alice, { message: 'Is my cat healthy?', agentId: 'assistant' });
      expect(memorySections(sent()[0]!.content!).memories).toEqual(["Alice's cat is named Miso"]);
      await chatOver(gw, 'http', alice, { message: 'Is my cat healthy?', agentId: 'vet' });
      expect(memorySections(sent()[0]!.content!, 'You are a vet.').memories.sort()).toEqual(["Alice's cat is named Miso", 'The cat had its vaccine in March']);
    });
  });

  describe('buffer memory', () => {
    const QUESTION = 'When does the glacier expedition leave?';

    it('brings back an older matching question with its answer, in conversation order, before the recent messages', async () => {
      const conversationId = await converse([
        ['Hello there', 'Hi'],
        ['The glacier expedition starts in Tromso', 'Pack crampons and wool socks'],
        ['Lunch ideas please', 'Soup and bread'],
      ]);
      await chatOver(gw, 'http', alice, { message: QUESTION, conversationId });
      expect(sent()).toEqual([
        { role: 'system', content: SYSTEM },
        { role: 'user', content: 'The glacier expedition starts in Tromso' },
        { role: 'assistant', content: 'Pack crampons and wool socks' },
        { role: 'user', content: 'Lunch ideas please' },
        { role: 'assistant', content: 'Soup and bread' },
        { role: 'user', content: QUESTION },
      ]);
    });

    it('brings back a matching answer with the question it answered', async () => {
      const conversationId = await converse([
        ['Hello there', 'Hi'],
        ['Plan my trip north', 'The glacier expedition leaves Tromso on Monday'],
        ['Lunch ideas please', 'Soup and bread'],
      ]);
      await chatOver(gw, 'http', alice, { message: QUESTION, conversationId });
      expect(sent().map((m) => m.content)).toEqual([SYSTEM, 'Plan my trip north', 'The glacier expedition leaves Tromso on Monday', 'Lunch ideas please', 'Soup and bread', QUESTION]);
    });

    it('reaches back BUFFER_SIZE × BUFFER_MULTIPLIER (6) settled messages: the sixth before the new one is still found', async () => {
      const conversationId = await converse([
        ['The glacier expedition starts in Tromso', 'Pack crampons and wool socks'],
        ['My bicycle needs a new chain', 'Try a local repair shop'],
        ['Lunch ideas please', 'Soup and bread'],
      ]);
      await chatOver(gw, 'http', alice, { message: QUESTION, conversationId });
      expect(sent().map((m) => m.content)).toEqual([SYSTEM, 'The glacier expedition starts in Tromso', 'Pack crampons and wool socks', 'Lunch ideas please', 'Soup and bread', QUESTION]);
    });

    it('does not reach past BUFFER_SIZE × BUFFER_MULTIPLIER messages: the seventh before the new one is not found', async () => {
      const conversationId = await converse([
        ['Plan my trip north', 'The glacier expedition leaves Tromso on Monday'],
        ['Hello there', 'Hi'],
        ['My bicycle needs a new chain', 'Try a local repair shop'],
        ['Lunch ideas please', 'Soup and bread'],
      ]);
      await chatOver(gw, 'http', alice, { message: QUESTION, conversationId });
      expect(sent().map((m) => m.content)).toEqual([SYSTEM, 'Lunch ideas please', 'Soup and bread', QUESTION]);
    });
  });

  describe('usage.memoryTokens', () => {
    it.each(TRANSPORTS)('is 0 for a first message with nothing in memory (%s), stored with the answer', async (transport) => {
      const answered = await chatOver(gw, transport, alice, { message: 'Hello there' });
      expect(answered.usage).toMatchObject({ memoryTokens: 0 });
      const row = await gw.database.db.selectFrom('messages').select('memory_tokens').where('id', '=', answered.messageId).executeTakeFirstOrThrow();
      expect(row.memory_tokens).toBe(0);
    });

    it.each(TRANSPORTS)('counts exactly the tokens memory added: user context, memories, buffer (%s)', async (transport) => {
      const added = await gw.gql(`mutation { addUserContext(input: { knowledge: { pets: { cat: "Miso" } } }) { userId } }`, {}, alice);
      expect(added.body.errors).toBeUndefined();
      await addMemory(alice, { content: 'The cat eats salmon on Sundays' });
      const conversationId = await converse([['Hello there', 'Hi, how can I help?']]);
      const answered = await chatOver(gw, transport, alice, { message: 'What does my cat eat?', conversationId });

      const messages = sent();
      expect(memorySections(messages[0]!.content!)).toEqual({ userContext: ['pets.cat: "Miso"'], memories: ['The cat eats salmon on Sundays'] });
      expect(messages.slice(1).map((m) => m.content)).toEqual(['Hello there', 'Hi, how can I help?', 'What does my cat eat?']);
      const memoryTokens = answered.usage!.memoryTokens!;
      expect(memoryTokens).toBe(memoryTokensOf(messages));
      // Never less than the buffer alone or what memory grew the prompt by; never more than the prompt.
      const buffer = messageTokens(messages[1]!) + messageTokens(messages[2]!);
      const withoutMemory = promptTokens([{ role: 'system', content: SYSTEM }, messages.at(-1)!]);
      expect(memoryTokens).toBeGreaterThan(buffer);
      expect(memoryTokens).toBeGreaterThanOrEqual(promptTokens(messages) - withoutMemory);
      expect(memoryTokens).toBeLessThan(promptTokens(messages));

      const read = await gw.gql(`query($id: ID!) { conversation(id: $id) { messages { usage { memoryTokens } } } }`, { id: conversationId }, alice);
      expect(read.body.data.conversation.messages.at(-1).usage).toEqual({ memoryTokens });
    });
  });
});
