import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { storageBackendNames } from './support/backends.js';
import { FakeOpenAI } from './support/fake-openai.js';
import { startTestGateway, type TestGateway } from './support/gateway.js';
import { chatOver, createAgent, issueTokens, memorySections, memoryTokensOf, promptTokens, resetMemory, type SentMessage, SYSTEM } from './support/memory.js';

/**
 * MAX_CONTEXT_TOKENS=256 through a real gateway: every request the fake upstream received, counted
 * with gpt-tokenizer's o200k_base as OpenAI bills a chat (4 a message, 3 for the reply), fits; what
 * did not fit went in the stated order: the buffer's stored tool rounds (whole, oldest first), then
 * the oldest buffer messages, then the lowest-ranked memories, then user-context lines; never the
 * system message, the new message or this turn's tool rounds.
 */

const BUDGET = 256;
const QUESTION = 'Who runs the lighthouse today?';
/** Eight settled messages of about 30 tokens each: more than the budget holds. */
const HISTORY = Array.from({ length: 8 }, (_, i) => ({
  role: i % 2 === 0 ? 'user' : 'assistant',
  content: `Entry ${i + 1}: the harbour report lists wind from the west, light rain by evening, and ferries to the outer islands running on time.`,
}));
const SMALL_MEMORIES = ['The lighthouse keeper is named Ada', 'The lighthouse opens at nine'];
/** Five memories of about 75 tokens each: two or three fit beside the new message, not five. The first matches best. */
const LARGE_MEMORIES = Array.from(
  { length: 5 },
  (_, i) =>
    `${i === 0 ? 'Ada runs the lighthouse today' : `Lighthouse note ${i + 1}`}: the lamp room was repainted, the lens cleaned, the stairs checked, the logbook filled in and the fog signal tested twice before the winter storms arrived; ` +
    'the keeper also mended the railing on the gallery, replaced two cracked panes and restocked the oil store for the dark months.',
);
const REPORT = `Report: ${'The lighthouse lamp was serviced and the fog horn tested. '.repeat(8)}`;
/** A tool result of about 75 tokens: one stored round of it fits beside the follow-up below, two do not. */
const LOG = `Log: ${'The lamp was lit at dusk and the fog horn tested. '.repeat(6)}`;
const FOLLOW_UP = `And the lens? ${'The lens, the lamp and the keeper’s logbook; '.repeat(6)}`;

describe.each(storageBackendNames())('the token budget on %s', (backend) => {
  let fake: FakeOpenAI;
  let gw: TestGateway;
  let alice: string;

  const requests = (): SentMessage[][] => fake.requests.map((request) => request.body.messages);
  /** The buffer a request carried: the messages between the system message and the new one. */
  const bufferOf = (messages: SentMessage[]) => messages.slice(1, messages.findIndex((m) => m.role === 'user' && m.content === QUESTION));
  const expectNewestOfHistory = (buffer: SentMessage[]) => expect(buffer).toEqual(HISTORY.slice(HISTORY.length - buffer.length));

  async function conversationWithHistory(): Promise<string> {
    let conversationId: string | undefined;
    for (const { role, content } of HISTORY) {
      const added = await gw.gql(`mutation($input: AddBufferMemoryInput!) { addBufferMemory(input: $input) { conversationId } }`, { input: { message: content, role: role.toUpperCase(), conversationId } }, alice);
      expect(added.body.errors).toBeUndefined();
      conversationId = added.body.data.addBufferMemory.conversationId;
    }
    return conversationId!;
  }
  async function addMemories(contents: string[]): Promise<void> {
    for (const content of contents) {
      const added = await gw.gql(`mutation($input: AddLongTermMemoryInput!) { addLongTermMemory(input: $input) { id } }`, { input: { content } }, alice);
      expect(added.body.errors).toBeUndefined();
    }
  }
  async function addUserContext(knowledge: Record<string, unknown>): Promise<void> {
    const added = await gw.gql(`mutation($input: AddUserContextInput!) { addUserContext(input: $input) { userId } }`, { input: { knowledge } }, alice);
    expect(added.body.errors).toBeUndefined();
  }

  const start = async () => {
    // BUFFER_SEMANTIC_K=0: the buffer is the recent messages alone, so "oldest first" is plain to see.
    gw = await startTestGateway(backend, { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: 'test-key', MODEL_MAX_RETRIES: '0', MAX_CONTEXT_TOKENS: String(BUDGET), BUFFER_SEMANTIC_K: '0' });
    ({ alice } = await issueTokens(gw));
    await createAgent(gw, { id: 'assistant', systemMessage: SYSTEM });
  };
  const stop = () => gw?.stop();

  beforeAll(async () => {
    fake = await FakeOpenAI.start();
  });
  afterAll(async () => {
    await fake?.close();
  });

  describe('before the tokenizer has loaded', () => {
    beforeAll(start);
    afterAll(stop);

    it('fits the first chat too: texts count as their UTF-8 length (an upper bound) while the tokenizer loads', async () => {
      const conversationId = await conversationWithHistory();
      await addMemories(SMALL_MEMORIES);
      const answered = await chatOver(gw, 'http', alice, { message: QUESTION, conversationId });
      const [sent] = requests();
      expect(promptTokens(sent!)).toBeLessThanOrEqual(BUDGET);
      expect(sent!.at(-1)).toEqual({ role: 'user', content: QUESTION });
      expectNewestOfHistory(bufferOf(sent!));
      // Counted exactly all the same, once the tokenizer is there.
      expect(answered.usage!.memoryTokens).toBe(memoryTokensOf(sent!));
    });
  });

  describe('with the tokenizer loaded', () => {
    beforeAll(async () => {
      await start();
      // The tokenizer loads on first use: one chat, and the tests below see exact counts.
      await chatOver(gw, 'http', alice, { message: 'warm up' });
    });
    afterAll(stop);
    beforeEach(async () => {
      await resetMemory(gw);
      fake.reset();
      await createAgent(gw, { id: 'assistant', systemMessage: SYSTEM });
    });

    it('drops the oldest buffer messages first: the newest are kept, and every memory', async () => {
      const conversationId = await conversationWithHistory();
      await addMemories(SMALL_MEMORIES);
      const answered = await chatOver(gw, 'http', alice, { message: QUESTION, conversationId });
      const [sent] = requests();
      expect(promptTokens(sent!)).toBeLessThanOrEqual(BUDGET);
      expect(sent!.at(-1)).toEqual({ role: 'user', content: QUESTION });
      const buffer = bufferOf(sent!);
      expect(buffer.length).toBeGreaterThan(0);
      expect(buffer.length).toBeLessThan(HISTORY.length);
      expectNewestOfHistory(buffer);
      expect(memorySections(sent![0]!.content!).memories.sort()).toEqual([...SMALL_MEMORIES].sort());
      expect(answered.usage!.memoryTokens).toBe(memoryTokensOf(sent!));
    });

    it('drops memories only once the buffer is empty, the lowest-ranked first; user context goes last', async () => {
      const conversationId = await conversationWithHistory();
      await addMemories(LARGE_MEMORIES);
      await addUserContext({ pets: { cat: 'Miso' } });
      await chatOver(gw, 'http', alice, { message: QUESTION, conversationId });
      const [sent] = requests();
      expect(promptTokens(sent!)).toBeLessThanOrEqual(BUDGET);
      expect(sent!.map((m) => m.role)).toEqual(['system', 'user']);
      expect(sent!.at(-1)).toEqual({ role: 'user', content: QUESTION });
      const { userContext, memories } = memorySections(sent![0]!.content!);
      expect(userContext).toEqual(['pets.cat: "Miso"']);
      expect(memories.length).toBeGreaterThan(0);
      expect(memories.length).toBeLessThan(LARGE_MEMORIES.length);
      for (const memory of memories) expect(LARGE_MEMORIES).toContain(memory);
      // The best match (every word of the question) ranks first: it is the last memory to go.
      expect(memories[0]).toBe(LARGE_MEMORIES[0]);
    });

    it('always sends the new message, even when it alone is over the budget (and then nothing of memory)', async () => {
      const conversationId = await conversationWithHistory();
      await addMemories(SMALL_MEMORIES);
      await addUserContext({ pets: { cat: 'Miso' } });
      const long = `Tell me about the lighthouse: ${'the lamp, the lens, the keeper and the stairs; '.repeat(30)}`;
      const answered = await chatOver(gw, 'http', alice, { message: long, conversationId });
      const [sent] = requests();
      expect(sent).toEqual([
        { role: 'system', content: SYSTEM },
        { role: 'user', content: long },
      ]);
      expect(promptTokens(sent!)).toBeGreaterThan(BUDGET);
      expect(answered.usage!.memoryTokens).toBe(0);
    });

    it('holds on the tool loop’s later rounds: the tool result and the new message stay, more of the buffer goes', async () => {
      const unregister = gw.orchestrator.registerTool({
        name: 'read_report',
        description: 'Reads the lighthouse report',
        parameters: { type: 'object', properties: {} },
        execute: async () => REPORT,
      });
      try {
        await createAgent(gw, { id: 'keeper', systemMessage: SYSTEM, tools: ['read_report'] });
        const conversationId = await conversationWithHistory();
        await addMemories(SMALL_MEMORIES);
        fake.enqueue({ toolCalls: [{ id: 'call_report', name: 'read_report', arguments: {} }] }, { text: 'The lamp is fine.' });
        const answered = await chatOver(gw, 'http', alice, { message: QUESTION, conversationId, agentId: 'keeper' });
        expect(answered.content).toBe('The lamp is fine.');

        const [first, second, ...more] = requests();
        expect(more).toEqual([]);
        expect(promptTokens(first!)).toBeLessThanOrEqual(BUDGET);
        expect(promptTokens(second!)).toBeLessThanOrEqual(BUDGET);
        // The second round: the new message, then this turn's tool call and its whole result.
        expect(second!.slice(-3)).toEqual([
          { role: 'user', content: QUESTION },
          { role: 'assistant', content: null, tool_calls: [{ id: 'call_report', type: 'function', function: { name: 'read_report', arguments: '{}' } }] },
          { role: 'tool', tool_call_id: 'call_report', content: REPORT },
        ]);
        const [before, after] = [bufferOf(first!), bufferOf(second!)];
        expectNewestOfHistory(before);
        expectNewestOfHistory(after);
        expect(after.length).toBeLessThan(before.length);
        // memoryTokens sums what memory added to every round.
        expect(answered.usage!.memoryTokens).toBe(memoryTokensOf(first!) + memoryTokensOf(second!));
      } finally {
        unregister();
      }
    });

    it('drops a stored tool round that does not fit whole, the oldest first and before any message; the answer’s text stays', async () => {
      const unregister = gw.orchestrator.registerTool({
        name: 'read_log',
        description: 'Reads the lighthouse log',
        parameters: { type: 'object', properties: {} },
        execute: async () => LOG,
      });
      try {
        await createAgent(gw, { id: 'keeper', systemMessage: SYSTEM, tools: ['read_log'] });
        fake.enqueue(
          { toolCalls: [{ id: 'call_log_1', name: 'read_log', arguments: {} }] },
          { toolCalls: [{ id: 'call_log_2', name: 'read_log', arguments: {} }] },
          { text: 'The lamp is fine.' },
        );
        const first = await chatOver(gw, 'http', alice, { message: QUESTION, agentId: 'keeper' });
        // The two rounds as the model saw them: [assistant call, tool result] twice.
        const rounds = requests()[2]!.slice(2);
        expect(rounds.map((m) => m.role)).toEqual(['assistant', 'tool', 'assistant', 'tool']);

        fake.enqueue({ text: 'Clean.' });
        const answered = await chatOver(gw, 'http', alice, { message: FOLLOW_UP, conversationId: first.conversationId, agentId: 'keeper' });
        const sent = requests()[3]!;
        expect(promptTokens(sent)).toBeLessThanOrEqual(BUDGET);
        // With both rounds it would not have fitted (counted without the tool definitions, which the gateway counts too).
        expect(promptTokens([...sent.slice(0, 2), ...rounds.slice(0, 2), ...sent.slice(2)])).toBeGreaterThan(BUDGET);
        // The older round went whole; the newer one, the question and the answer's text stayed.
        expect(sent.slice(1)).toEqual([
          { role: 'user', content: QUESTION },
          ...rounds.slice(2),
          { role: 'assistant', content: 'The lamp is fine.' },
          { role: 'user', content: FOLLOW_UP },
        ]);
        // The stored round counts as memory, as buffer messages do.
        expect(answered.usage!.memoryTokens).toBe(memoryTokensOf(sent));
      } finally {
        unregister();
      }
    });
  });
});
