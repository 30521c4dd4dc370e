import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { storageBackendNames } from './support/backends.js';
import { FakeOpenAI } from './support/fake-openai.js';
import { startTestGateway, type TestGateway } from './support/gateway.js';
import { createAgent, issueTokens, resetMemory, type SentMessage, SYSTEM } from './support/memory.js';
import { collect } from './support/subscriptions.js';
import { send } from './support/transports.js';

/**
 * An answer's tool calls outlive its run: stored with the answer (messages.tool_calls), shown on
 * `conversation { messages { toolCalls } }`, and sent again in the next turn's context as the
 * model first saw them. MAX_TOOL_ITERATIONS=3: the third step that still calls tools ends the answer.
 */

const EVENTS = `
  __typename
  ... on RunEventFields { runId seq }
  ... on TokenDelta { text }
  ... on ToolCallStarted { callId serverId tool arguments }
  ... on ToolCallCompleted { callId result isError }
  ... on MessageCompleted { messageId content finishReason }
  ... on RunFailed { code partialMessageId }`;
const CHAT_STREAM = `subscription($input: ChatInput!) { chatStream(input: $input) { ${EVENTS} } }`;
const CHAT = `mutation($input: ChatInput!) { chat(input: $input) { runId conversationId message { id content status } } }`;
const HISTORY = `query($id: ID!) { conversation(id: $id) { messages {
  role content status finishReason
  toolCalls { callId tool arguments result isError serverId round durationMs } } } }`;

describe.each(storageBackendNames())('tool calls in the history on %s', (backend) => {
  let fake: FakeOpenAI;
  let gw: TestGateway;
  let alice: string;
  const unregister: Array<() => void> = [];

  const chat = async (input: Record<string, unknown>) => {
    const response = await gw.gql(CHAT, { input: { agentId: 'forecaster', ...input } }, alice);
    expect(response.body.errors).toBeUndefined();
    return response.body.data.chat as { runId: string; conversationId: string; message: { id: string; content: string; status: string } };
  };
  const history = async (conversationId: string) => {
    const response = await gw.gql(HISTORY, { id: conversationId }, alice);
    expect(response.body.errors).toBeUndefined();
    return response.body.data.conversation.messages as any[];
  };
  const rows = () =>
    gw.database.db.selectFrom('messages').select(['role', 'content', 'status', 'finish_reason', 'tool_calls', 'conversation_id']).orderBy('ordinal').execute();
  const sent = (index: number): SentMessage[] => fake.requests[index]!.body.messages;

  beforeAll(async () => {
    fake = await FakeOpenAI.start();
    gw = await startTestGateway(backend, {
      OPENAI_BASE_URL: fake.url,
      OPENAI_API_KEY: 'test-key',
      MODEL_MAX_RETRIES: '0',
      MAX_TOOL_ITERATIONS: '3',
      ENABLE_EMBEDDINGS: 'false',
    });
    ({ alice } = await issueTokens(gw));
    unregister.push(
      gw.orchestrator.registerTool({
        name: 'weather',
        description: 'Current temperature in a city',
        parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        execute: async (args) => {
          const { city } = args as { city: string };
          return { city, celsius: city === 'Tromsø' ? -12 : -3 };
        },
      }),
      gw.orchestrator.registerTool({
        name: 'broken',
        description: 'A weather station that is down',
        parameters: { type: 'object', properties: {} },
        execute: async () => {
          throw new Error('station offline');
        },
      }),
      gw.orchestrator.registerTool({
        name: 'slow',
        description: 'Searches the archive; answers only when stopped',
        parameters: { type: 'object', properties: {} },
        execute: (_args, { signal }) =>
          new Promise((_resolve, reject) => {
            if (signal.aborted) reject(signal.reason);
            signal.addEventListener('abort', () => reject(signal.reason), { once: true });
          }),
      }),
    );
  });
  afterAll(async () => {
    for (const remove of unregister) remove();
    await gw?.stop();
    await fake?.close();
  });
  beforeEach(async () => {
    fake.reset();
    await resetMemory(gw);
    await createAgent(gw, { id: 'forecaster', systemMessage: SYSTEM, tools: ['weather', 'broken', 'slow'] });
  });

  /** Two rounds: two calls side by side, then one (its arguments as the model spaced them); then the answer. */
  async function weatherTurn() {
    fake.enqueue(
      {
        tokens: ['Let me check. '],
        toolCalls: [
          { id: 'call_oslo', name: 'weather', arguments: { city: 'Oslo' } },
          { id: 'call_bergen', name: 'weather', arguments: { city: 'Bergen' } },
        ],
      },
      { toolCalls: [{ id: 'call_tromso', name: 'weather', arguments: '{"city": "Tromsø"}' }] },
      { text: 'Oslo and Bergen are cold; Tromsø colder.' },
    );
    return chat({ message: 'Weather up north?' });
  }

  it('shows each call and its result on conversation.messages, and stores them with the answer', async () => {
    const { conversationId, message } = await weatherTurn();
    expect(message).toMatchObject({ content: 'Let me check. Oslo and Bergen are cold; Tromsø colder.', status: 'COMPLETE' });
    const oslo = '{"city":"Oslo","celsius":-3}';
    const bergen = '{"city":"Bergen","celsius":-3}';
    const tromso = '{"city":"Tromsø","celsius":-12}';
    // What the model was given is what is stored.
    expect(sent(2).filter((m) => m.role === 'tool').map((m) => m.content)).toEqual([oslo, bergen, tromso]);

    const [question, answer] = await history(conversationId);
    expect(question).toMatchObject({ role: 'USER', toolCalls: [] });
    expect(answer).toMatchObject({ role: 'ASSISTANT', content: message.content, status: 'COMPLETE', finishReason: 'stop' });
    const call = { tool: 'weather', isError: false, serverId: null, durationMs: expect.any(Number) };
    expect(answer.toolCalls).toEqual([
      { ...call, callId: 'call_oslo', arguments: { city: 'Oslo' }, result: oslo, round: 1 },
      { ...call, callId: 'call_bergen', arguments: { city: 'Bergen' }, result: bergen, round: 1 },
      { ...call, callId: 'call_tromso', arguments: { city: 'Tromsø' }, result: tromso, round: 2 },
    ]);

    const stored = { tool: 'weather', serverId: null, isError: false, durationMs: expect.any(Number) };
    expect((await rows()).map((row) => [row.role, row.tool_calls])).toEqual([
      ['user', null],
      [
        'assistant',
        [
          {
            text: 'Let me check. ',
            calls: [
              { ...stored, callId: 'call_oslo', arguments: '{"city":"Oslo"}', result: oslo },
              { ...stored, callId: 'call_bergen', arguments: '{"city":"Bergen"}', result: bergen },
            ],
          },
          // The raw text the model sent, spacing and all.
          { text: '', calls: [{ ...stored, callId: 'call_tromso', arguments: '{"city": "Tromsø"}', result: tromso }] },
        ],
      ],
    ]);
  });

  it('sends the next turn the calls and results the model saw, in order, before the answer’s text', async () => {
    const { conversationId } = await weatherTurn();
    fake.enqueue({ text: 'Warmer tomorrow.' });
    await chat({ message: 'And tomorrow?', conversationId });

    expect(fake.requests).toHaveLength(4);
    // The first turn's last request: its question, then both rounds as the model saw them.
    const seen = sent(2);
    const call = (id: string, city: string, raw = JSON.stringify({ city })) => ({ id, type: 'function', function: { name: 'weather', arguments: raw } });
    expect(seen.slice(1)).toEqual([
      { role: 'user', content: 'Weather up north?' },
      { role: 'assistant', content: 'Let me check. ', tool_calls: [call('call_oslo', 'Oslo'), call('call_bergen', 'Bergen')] },
      { role: 'tool', tool_call_id: 'call_oslo', content: '{"city":"Oslo","celsius":-3}' },
      { role: 'tool', tool_call_id: 'call_bergen', content: '{"city":"Bergen","celsius":-3}' },
      { role: 'assistant', content: null, tool_calls: [call('call_tromso', 'Tromsø', '{"city": "Tromsø"}')] },
      { role: 'tool', tool_call_id: 'call_tromso', content: '{"city":"Tromsø","celsius":-12}' },
    ]);
    expect(sent(3)).toEqual([
      ...seen,
      { role: 'assistant', content: 'Oslo and Bergen are cold; Tromsø colder.' },
      { role: 'user', content: 'And tomorrow?' },
    ]);

    // An answer without tools stores no rounds and shows none.
    const [, , , latest] = await history(conversationId);
    expect(latest).toMatchObject({ content: 'Warmer tomorrow.', toolCalls: [] });
    expect((await rows()).at(-1)).toMatchObject({ content: 'Warmer tomorrow.', tool_calls: null });
  });

  it('stores a failing tool’s error as the result, with isError', async () => {
    fake.enqueue(
      { toolCalls: [{ id: 'call_broken', name: 'broken', arguments: {} }, { id: 'call_teleport', name: 'teleport', arguments: { to: 'Mars' } }] },
      { text: 'The station is offline.' },
    );
    const streamed = await send(gw, 'ws', { query: CHAT_STREAM, variables: { input: { message: 'Weather?', agentId: 'forecaster' } } }, alice);
    const events = streamed.results.map((r: any) => r.data.chatStream);
    // Side by side: they complete in either order; the stored rounds keep the call order.
    const completedCalls = events.filter((e) => e.__typename === 'ToolCallCompleted').sort((x, y) => x.callId.localeCompare(y.callId));
    expect(completedCalls).toEqual([
      { __typename: 'ToolCallCompleted', runId: events[0].runId, seq: expect.any(Number), callId: 'call_broken', result: 'station offline', isError: true },
      { __typename: 'ToolCallCompleted', runId: events[0].runId, seq: expect.any(Number), callId: 'call_teleport', result: 'Unknown tool "teleport"', isError: true },
    ]);
    expect(events.at(-1)).toMatchObject({ __typename: 'MessageCompleted', content: 'The station is offline.' });

    const conversationId = (await rows())[0]!.conversation_id;
    const [, answer] = await history(conversationId);
    const failed = { isError: true, serverId: null, round: 1, durationMs: expect.any(Number) };
    expect(answer.toolCalls).toEqual([
      { ...failed, callId: 'call_broken', tool: 'broken', arguments: {}, result: 'station offline' },
      { ...failed, callId: 'call_teleport', tool: 'teleport', arguments: { to: 'Mars' }, result: 'Unknown tool "teleport"' },
    ]);
    const [, row] = await rows();
    expect(row!.tool_calls).toEqual([
      {
        text: '',
        calls: [
          { callId: 'call_broken', serverId: null, tool: 'broken', arguments: '{}', result: 'station offline', isError: true, durationMs: expect.any(Number) },
          { callId: 'call_teleport', serverId: null, tool: 'teleport', arguments: '{"to":"Mars"}', result: 'Unknown tool "teleport"', isError: true, durationMs: expect.any(Number) },
        ],
      },
    ]);
  });

  it.each(['ws', 'sse'] as const)('ends at MAX_TOOL_ITERATIONS with the text so far, finishReason max_tool_iterations (%s)', async (transport) => {
    fake.enqueue(
      { tokens: ['Checking. '], toolCalls: [{ id: 'call_1', name: 'weather', arguments: { city: 'Oslo' } }] },
      { toolCalls: [{ id: 'call_2', name: 'weather', arguments: { city: 'Bergen' } }] },
      { tokens: ['Still checking.'], toolCalls: [{ id: 'call_3', name: 'weather', arguments: { city: 'Tromsø' } }] },
    );
    const streamed = await send(gw, transport, { query: CHAT_STREAM, variables: { input: { message: 'Weather everywhere?', agentId: 'forecaster' } } }, alice);
    expect(streamed.firstError).toBeUndefined();
    const events = streamed.results.map((r: any) => r.data.chatStream);
    expect(fake.requests).toHaveLength(3);
    // The third step's call is not run: a call without its result is no round.
    expect(events.filter((e) => e.__typename === 'ToolCallStarted').map((e) => e.callId)).toEqual(['call_1', 'call_2']);
    const completed = events.at(-1);
    expect(completed).toMatchObject({ __typename: 'MessageCompleted', content: 'Checking. Still checking.', finishReason: 'max_tool_iterations' });
    expect(events.filter((e) => e.__typename === 'TokenDelta').map((e) => e.text).join('')).toBe(completed.content);

    const [, row] = await rows();
    expect(row).toMatchObject({ content: 'Checking. Still checking.', status: 'COMPLETE', finish_reason: 'max_tool_iterations' });
    expect((row!.tool_calls as any[]).map((round) => [round.text, round.calls.map((c: any) => c.callId)])).toEqual([
      ['Checking. ', ['call_1']],
      ['', ['call_2']],
    ]);
    const [, answer] = await history(row!.conversation_id);
    expect(answer).toMatchObject({ status: 'COMPLETE', finishReason: 'max_tool_iterations' });
    expect(answer.toolCalls.map((c: any) => [c.callId, c.round])).toEqual([
      ['call_1', 1],
      ['call_2', 2],
    ]);

    // The next turn sees both rounds and then the text that came with the call that was not run.
    fake.enqueue({ text: 'Done.' });
    await chat({ message: 'Well?', conversationId: row!.conversation_id });
    const next = sent(3);
    expectEveryCallAnswered(next);
    expect(next.slice(-3)).toEqual([
      { role: 'tool', tool_call_id: 'call_2', content: '{"city":"Bergen","celsius":-3}' },
      { role: 'assistant', content: 'Still checking.' },
      { role: 'user', content: 'Well?' },
    ]);
    expect(JSON.stringify(next)).not.toContain('call_3');
  });

  it('stores only the rounds that completed when the run is cancelled during a tool call; the next turn has no dangling call', async () => {
    fake.enqueue(
      { tokens: ['Looking. '], toolCalls: [{ id: 'call_quick', name: 'weather', arguments: { city: 'Oslo' } }] },
      { tokens: ['Checking the archive. '], toolCalls: [{ id: 'call_slow', name: 'slow', arguments: {} }] },
    );
    const sub = collect(gw.ws({ authorization: `Bearer ${alice}` }), CHAT_STREAM, { input: { message: 'Weather last winter?', agentId: 'forecaster' } });
    const events = () => sub.results.map((r: any) => r.data.chatStream);
    for (let n = 1; !events().some((e) => e.__typename === 'ToolCallStarted' && e.callId === 'call_slow'); n++) {
      await sub.next(n);
      expect(sub.completed).toBe(false);
    }
    const cancelled = await gw.gql(`mutation($id: ID!) { cancelRun(runId: $id) }`, { id: events()[0].runId }, alice);
    expect(cancelled.body.data).toEqual({ cancelRun: true });
    await sub.ended();
    const failed = events().at(-1);
    expect(failed).toMatchObject({ __typename: 'RunFailed', code: 'CANCELLED' });
    expect(events().filter((e) => e.__typename === 'ToolCallCompleted').map((e) => e.callId)).toEqual(['call_quick']);

    const [, row] = await rows();
    expect(row).toMatchObject({ content: 'Looking. Checking the archive. ', status: 'CANCELLED' });
    expect((row!.tool_calls as any[]).map((round) => [round.text, round.calls.map((c: any) => c.callId)])).toEqual([['Looking. ', ['call_quick']]]);
    const [, answer] = await history(row!.conversation_id);
    expect(answer).toMatchObject({ status: 'CANCELLED', content: 'Looking. Checking the archive. ' });
    expect(answer.toolCalls.map((c: any) => c.callId)).toEqual(['call_quick']);

    fake.enqueue({ text: 'Sure.' });
    await chat({ message: 'Try again?', conversationId: row!.conversation_id });
    const next = sent(2);
    expectEveryCallAnswered(next);
    expect(next.slice(1)).toEqual([
      { role: 'user', content: 'Weather last winter?' },
      { role: 'assistant', content: 'Looking. ', tool_calls: [{ id: 'call_quick', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } }] },
      { role: 'tool', tool_call_id: 'call_quick', content: '{"city":"Oslo","celsius":-3}' },
      { role: 'assistant', content: 'Checking the archive. ' },
      { role: 'user', content: 'Try again?' },
    ]);
    expect(JSON.stringify(next)).not.toContain('call_slow');
  });
});

/** What OpenAI requires of a request: every assistant tool call is followed by its tool result, before anything else. */
function expectEveryCallAnswered(messages: SentMessage[]) {
  messages.forEach((message, index) => {
    if (message.role !== 'assistant' || !message.tool_calls) return;
    const ids = message.tool_calls.map((call) => call.id);
    const results = messages.slice(index + 1, index + 1 + ids.length);
    expect(results.map((m) => [m.role, m.tool_call_id])).toEqual(ids.map((id) => ['tool', id]));
  });
}
