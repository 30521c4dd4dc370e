import { beforeAll, describe, expect, it } from 'vitest';
import { storageBackendNames } from './support/backends.js';
import type { FakeOpenAI } from './support/fake-openai.js';
import { ADMIN_KEY, startTestGateway, type TestGateway } from './support/gateway.js';
import { upstreamWorld } from './support/gateway-with-upstream.js';
import { createAgent, type SentMessage, SYSTEM } from './support/memory.js';
import { collect } from './support/subscriptions.js';
import { weatherTool } from './support/tools.js';

/**
 * Runs that wait for their client over GraphQL: a client tool's call pauses the run (stored
 * WAITING, shown to every subscriber), submitToolResults resumes the same run; a tool that needs
 * approval waits for approveToolCall; cancel, bad input and a restart while paused.
 */

const EVENTS = `
  __typename
  ... on RunEventFields { runId seq }
  ... on TokenDelta { text }
  ... on ToolCallStarted { callId tool arguments }
  ... on ToolCallCompleted { callId result isError }
  ... on ToolCallRequested { callId tool arguments }
  ... on ToolApprovalRequested { callId tool serverId arguments }
  ... on ToolCallDecided { callId approved reason decidedBy }
  ... on RunPaused { callIds expiresAt }
  ... on MessageCompleted { messageId content finishReason }
  ... on RunFailed { code message partialMessageId }`;
const CHAT_STREAM = `subscription($input: ChatInput!) { chatStream(input: $input) { ${EVENTS} } }`;
const RUN_EVENTS = `subscription($runId: ID!, $after: Int) { runEvents(runId: $runId, after: $after) { ${EVENTS} } }`;
const RESULT = 'runId conversationId status message { id content status } pendingToolCalls { callId kind tool serverId arguments }';
const CHAT = `mutation($input: ChatInput!) { chat(input: $input) { ${RESULT} } }`;
const SUBMIT = `mutation($runId: ID!, $results: [ToolResultInput!]!) { submitToolResults(runId: $runId, results: $results) { ${RESULT} } }`;
const APPROVE = `mutation($runId: ID!, $callId: ID!, $approved: Boolean!, $reason: String) { approveToolCall(runId: $runId, callId: $callId, approved: $approved, reason: $reason) { ${RESULT} } }`;
const RUN = `query($id: ID!) { run(id: $id) { ${RESULT} } }`;
const HISTORY = `query($id: ID!) { conversation(id: $id) { messages {
  role content status pendingToolCalls { callId kind tool }
  toolCalls { callId tool arguments result isError executedBy round submittedBy { userId admin } approval { approved reason decidedBy { userId admin } } } } } }`;

const LOCATE = { name: 'locate', description: 'The user’s position, from the browser', parameters: { type: 'object', properties: { precise: { type: 'boolean' } } } };
const CONFIRM = { name: 'confirm', description: 'Asks the user to confirm in the UI', parameters: { type: 'object', properties: { question: { type: 'string' } }, required: ['question'] } };

type Event = Record<string, any>;

describe.each(storageBackendNames())('runs that wait for their client on %s', (backend) => {
  let fake: FakeOpenAI, gw: TestGateway, alice: string, bob: string;
  const weatherCalls: unknown[] = [];

  const sent = (index: number): SentMessage[] => fake.requests[index]!.body.messages;
  const answerRow = (runId: string) =>
    gw.database.db.selectFrom('messages').select(['status', 'content', 'tool_calls', 'pending', 'error_code']).where('run_id', '=', runId).where('role', '=', 'assistant').executeTakeFirstOrThrow();
  const gql = async (query: string, variables: Record<string, unknown>, credential = alice) => {
    const response = await gw.gql(query, variables, credential);
    return response.body as { data?: any; errors?: Array<{ message: string; extensions?: { code?: string } }> };
  };
  const ok = async (query: string, variables: Record<string, unknown>, credential = alice) => {
    const body = await gql(query, variables, credential);
    expect(body.errors).toBeUndefined();
    return body.data;
  };

  const world = upstreamWorld(
    backend,
    { ENABLE_EMBEDDINGS: 'false' },
    async () => {
      weatherCalls.length = 0;
      await createAgent(gw, { id: 'helper', systemMessage: SYSTEM, tools: ['weather'] });
    },
    (started) => started.orchestrator.registerTool(weatherTool(weatherCalls)),
  );
  beforeAll(() => {
    ({ fake, gw, alice, bob } = world);
  });

  /** A chatStream with the client tools, read until the run pauses. */
  async function pausedStream(input: Record<string, unknown>) {
    const stream = collect(gw.ws({ authorization: `Bearer ${alice}` }), CHAT_STREAM, { input: { agentId: 'helper', clientTools: [LOCATE, CONFIRM], ...input } });
    await stream.until(() => stream.results.some((r) => r.data?.chatStream.__typename === 'RunPaused'), 'RunPaused');
    const events = stream.results.map((r) => r.data!.chatStream as Event);
    return { stream, events, runId: events[0]!.runId as string, conversationId: undefined as string | undefined };
  }
  const eventsOf = (stream: { results: Array<{ data?: any }> }) => stream.results.map((r) => r.data!.chatStream as Event);

  it('pauses on a client tool call, shows it stored and to new subscribers, and resumes the same run with submitToolResults', async () => {
    fake.enqueue({ tokens: ['Let me look. '], toolCalls: [{ id: 'call_loc', name: 'locate', arguments: { precise: true } }] }, { text: 'You are in Oslo.' });
    const { stream, events, runId } = await pausedStream({ message: 'Where am I?' });
    expect(events.map((e) => e.__typename)).toEqual(['RunStarted', 'AgentSelected', 'TokenDelta', 'ToolCallRequested', 'RunPaused']);
    expect(events[3]).toMatchObject({ callId: 'call_loc', tool: 'locate', arguments: { precise: true } });
    expect(events[4]).toMatchObject({ callIds: ['call_loc'], seq: 5 });
    // The model saw the client tools beside the agent's own.
    expect(fake.requests[0]!.body.tools.map((tool: any) => tool.function.name)).toEqual(['weather', 'locate', 'confirm']);

    // Stored: the answer so far is WAITING with its paused step; the conversation and run queries show the pending call.
    const row = await answerRow(runId);
    expect(row).toMatchObject({ status: 'WAITING', content: 'Let me look. ' });
    expect(row.pending).toMatchObject({ version: 1, step: { pending: [{ callId: 'call_loc', kind: 'CLIENT_TOOL' }] } });
    const run = (await ok(RUN, { id: runId })).run;
    expect(run).toMatchObject({ status: 'WAITING', message: { status: 'WAITING', content: 'Let me look. ' }, pendingToolCalls: [{ callId: 'call_loc', kind: 'CLIENT_TOOL', tool: 'locate', serverId: null, arguments: { precise: true } }] });
    const history = (await ok(HISTORY, { id: run.conversationId })).conversation.messages;
    expect(history[1]).toMatchObject({ status: 'WAITING', pendingToolCalls: [{ callId: 'call_loc', kind: 'CLIENT_TOOL', tool: 'locate' }] });

    // A second subscriber (a reconnect from seq 0) sees the pending call too.
    const late = collect(gw.ws({ authorization: `Bearer ${alice}` }), RUN_EVENTS, { runId, after: 0 });
    await late.until(() => late.results.some((r) => r.data?.runEvents.__typename === 'RunPaused'), 'the replayed pause');
    expect(late.results.map((r) => r.data!.runEvents.__typename)).toEqual(events.map((e) => e.__typename));
    expect(fake.requests).toHaveLength(1);

    const submitted = (await ok(SUBMIT, { runId, results: [{ callId: 'call_loc', output: { city: 'Oslo' } }] })).submitToolResults;
    expect(submitted).toMatchObject({ runId, status: 'COMPLETE', pendingToolCalls: [], message: { status: 'COMPLETE', content: 'Let me look. You are in Oslo.' } });

    // The open subscription received the rest of the same run, seq numbering continued.
    await stream.ended();
    const all = eventsOf(stream);
    expect(all.map((e) => e.__typename)).toEqual([
      'RunStarted', 'AgentSelected', 'TokenDelta', 'ToolCallRequested', 'RunPaused', 'RunResumed', 'ToolCallCompleted', 'TokenDelta', 'TokenDelta', 'TokenDelta', 'TokenDelta', 'MessageCompleted',
    ]);
    expect(all.map((e) => e.seq)).toEqual(all.map((_e, i) => i + 1));
    expect(all.every((e) => e.runId === runId)).toBe(true);
    expect(all[6]).toMatchObject({ callId: 'call_loc', result: { city: 'Oslo' }, isError: false });
    expect(all.at(-1)).toMatchObject({ content: 'Let me look. You are in Oslo.', finishReason: 'stop' });
    await late.ended();
    expect(late.results.map((r) => r.data!.runEvents.seq)).toEqual(all.map((e) => e.seq));

    // The model got the call and its result as one round, as it would for its own tools.
    const second = sent(1);
    expect(second.at(-2)).toMatchObject({ role: 'assistant', content: 'Let me look. ', tool_calls: [{ id: 'call_loc', type: 'function', function: { name: 'locate', arguments: '{"precise":true}' } }] });
    expect(second.at(-1)).toEqual({ role: 'tool', tool_call_id: 'call_loc', content: '{"city":"Oslo"}' });

    const stored = await answerRow(runId);
    expect(stored).toMatchObject({ status: 'COMPLETE', pending: null, content: 'Let me look. You are in Oslo.' });
    const messages = (await ok(HISTORY, { id: run.conversationId })).conversation.messages;
    expect(messages[1].toolCalls).toEqual([
      { callId: 'call_loc', tool: 'locate', arguments: { precise: true }, result: '{"city":"Oslo"}', isError: false, executedBy: 'CLIENT', round: 1, submittedBy: { userId: 'alice', admin: false }, approval: null },
    ]);

    // The next turn replays the round exactly as the model saw it.
    fake.enqueue({ text: 'Still Oslo.' });
    await ok(CHAT, { input: { agentId: 'helper', conversationId: run.conversationId, message: 'And now?' } });
    const next = sent(2);
    expect(next.slice(1, 5)).toEqual([{ role: 'user', content: 'Where am I?' }, second.at(-2), second.at(-1), { role: 'assistant', content: 'You are in Oslo.' }]);
  });

  it('runs server tools of the same step at once and waits only for the client’s; errors are told to the model', async () => {
    fake.enqueue(
      { toolCalls: [{ id: 'call_w', name: 'weather', arguments: { city: 'Oslo' } }, { id: 'call_c', name: 'confirm', arguments: { question: 'Umbrella?' } }] },
      { text: 'Take no umbrella.' },
    );
    const { events, runId } = await pausedStream({ message: 'Weather?' });
    expect(events.map((e) => e.__typename)).toEqual(['RunStarted', 'AgentSelected', 'ToolCallStarted', 'ToolCallCompleted', 'ToolCallRequested', 'RunPaused']);
    expect(weatherCalls).toEqual([{ city: 'Oslo' }]);
    expect(events.at(-1)).toMatchObject({ callIds: ['call_c'] });

    const done = (await ok(SUBMIT, { runId, results: [{ callId: 'call_c', error: 'the user closed the dialog' }] })).submitToolResults;
    expect(done).toMatchObject({ status: 'COMPLETE', message: { content: 'Take no umbrella.' } });
    // One round, in the model's order: the server's result and the client's error.
    expect(sent(1).slice(-3)).toEqual([
      { role: 'assistant', content: null, tool_calls: [expect.objectContaining({ id: 'call_w' }), expect.objectContaining({ id: 'call_c' })] },
      { role: 'tool', tool_call_id: 'call_w', content: '{"city":"Oslo","celsius":-3}' },
      { role: 'tool', tool_call_id: 'call_c', content: 'the user closed the dialog' },
    ]);
  });

  it('answers the chat mutation with the pause; refuses bad results and leaves the run unchanged', async () => {
    fake.enqueue({ toolCalls: [{ id: 'call_a', name: 'locate', arguments: {} }, { id: 'call_b', name: 'confirm', arguments: { question: 'Share?' } }] }, { text: 'Done.' });
    const paused = (await ok(CHAT, { input: { agentId: 'helper', message: 'Go', clientTools: [LOCATE, CONFIRM] } })).chat;
    expect(paused).toMatchObject({ status: 'WAITING', message: { status: 'WAITING', content: '' } });
    expect(paused.pendingToolCalls.map((call: any) => call.callId)).toEqual(['call_a', 'call_b']);
    const runId = paused.runId as string;
    const before = await answerRow(runId);

    const refusals: Array<[Record<string, unknown>, string, string?]> = [
      [{ runId, results: [{ callId: 'call_zz', output: 'x' }] }, 'BAD_USER_INPUT'],
      [{ runId, results: [{ callId: 'call_a', output: 'x' }, { callId: 'call_a', output: 'y' }] }, 'BAD_USER_INPUT'],
      [{ runId, results: [{ callId: 'call_a' }] }, 'BAD_USER_INPUT'],
      [{ runId, results: [{ callId: 'call_a', output: 'x', error: 'y' }] }, 'BAD_USER_INPUT'],
      [{ runId, results: [{ callId: 'call_a', output: 'x' }] }, 'NOT_FOUND', bob],
      [{ runId: '00000000-0000-4000-8000-000000000000', results: [{ callId: 'call_a', output: 'x' }] }, 'NOT_FOUND'],
    ];
    for (const [variables, code, credential] of refusals) {
      const body = await gql(SUBMIT, variables, credential);
      expect(body.errors?.[0]?.extensions?.code, JSON.stringify(variables)).toBe(code);
    }
    // A result for a call that waits for approval is the other mutation's; an approval for a client call too.
    expect((await gql(APPROVE, { runId, callId: 'call_a', approved: true })).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await answerRow(runId)).toEqual(before);

    // Partial results are kept; the run goes on once both are in.
    const partial = (await ok(SUBMIT, { runId, results: [{ callId: 'call_a', output: 'Oslo' }] })).submitToolResults;
    expect(partial).toMatchObject({ status: 'WAITING', pendingToolCalls: [{ callId: 'call_b' }] });
    expect((await gql(SUBMIT, { runId, results: [{ callId: 'call_a', output: 'again' }] })).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const done = (await ok(SUBMIT, { runId, results: [{ callId: 'call_b', output: 'yes' }] })).submitToolResults;
    expect(done).toMatchObject({ status: 'COMPLETE', message: { content: 'Done.' } });
    // The run is no longer paused: another result is refused.
    expect((await gql(SUBMIT, { runId, results: [{ callId: 'call_b', output: 'yes' }] })).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('refuses invalid client tools before anything is stored', async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ clientTools: [{ name: 'weather', parameters: { type: 'object' } }] }, /agent's own tools/],
      [{ clientTools: [{ name: 'bad name!' }] }, /clientTools\.0\.name|clientTools\[0\]\.name/],
      [{ clientTools: [LOCATE, LOCATE] }, /given twice/],
      [{ clientTools: [{ name: 'x', parameters: { type: 'string' } }] }, /object/],
      [{ clientTools: [{ name: 'x', parameters: { type: 'object', properties: { a: { type: 'nonsense' } } } }] }, /not a valid JSON Schema/],
      [{ clientTools: [LOCATE], toolChoice: { tool: 'nowhere' } }, /no tool "nowhere"/],
    ];
    for (const [input, message] of cases) {
      const body = await gql(CHAT, { input: { agentId: 'helper', message: 'Hi', ...input } });
      expect(body.errors?.[0]?.extensions?.code, JSON.stringify(input)).toBe('BAD_USER_INPUT');
      expect(body.errors?.[0]?.message).toMatch(message);
    }
    expect(fake.requests).toHaveLength(0);
    expect(await gw.database.db.selectFrom('messages').select('id').execute()).toEqual([]);
  });

  it('passes toolChoice and parallelToolCalls to the first model step', async () => {
    fake.enqueue({ toolCalls: [{ id: 'call_l', name: 'locate', arguments: {} }] }, { text: 'Found you.' });
    const paused = (await ok(CHAT, { input: { agentId: 'helper', message: 'Go', clientTools: [LOCATE], toolChoice: { tool: 'locate' }, parallelToolCalls: false } })).chat;
    expect(fake.requests[0]!.body).toMatchObject({ tool_choice: { type: 'function', function: { name: 'locate' } }, parallel_tool_calls: false });
    await ok(SUBMIT, { runId: paused.runId, results: [{ callId: 'call_l', output: 'Oslo' }] });
    // Forced for the first step only: the model may answer afterwards.
    expect(fake.requests[1]!.body.tool_choice).toBeUndefined();
  });

  it('waits for approval before a tool that needs it; approved, it runs; refused, the model is told why; both stored with who decided', async () => {
    await gw.gql(`mutation { updateAgent(id: "helper", input: { requireApproval: ["weather"] }) { id requireApproval } }`, {}, ADMIN_KEY);
    fake.enqueue({ toolCalls: [{ id: 'call_1', name: 'weather', arguments: { city: 'Oslo' } }] }, { toolCalls: [{ id: 'call_2', name: 'weather', arguments: { city: 'Rome' } }] }, { text: 'Oslo is cold; Rome I may not check.' });
    const stream = collect(gw.ws({ authorization: `Bearer ${alice}` }), CHAT_STREAM, { input: { agentId: 'helper', message: 'Oslo and Rome?' } });
    const pauses = () => eventsOf(stream).filter((e) => e.__typename === 'RunPaused').length;
    await stream.until(() => pauses() === 1, 'the first pause');
    const runId = eventsOf(stream)[0]!.runId as string;
    expect(eventsOf(stream).at(-2)).toMatchObject({ __typename: 'ToolApprovalRequested', callId: 'call_1', tool: 'weather', serverId: null, arguments: { city: 'Oslo' } });
    expect(weatherCalls).toEqual([]);
    // Bob may not decide alice's run.
    expect((await gql(APPROVE, { runId, callId: 'call_1', approved: true }, bob)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');

    const first = (await ok(APPROVE, { runId, callId: 'call_1', approved: true, reason: 'fine' })).approveToolCall;
    expect(first).toMatchObject({ status: 'WAITING', pendingToolCalls: [{ callId: 'call_2', kind: 'APPROVAL', tool: 'weather', arguments: { city: 'Rome' } }] });
    expect(weatherCalls).toEqual([{ city: 'Oslo' }]);
    // An admin may decide too.
    const second = (await ok(APPROVE, { runId, callId: 'call_2', approved: false, reason: 'not Rome' }, ADMIN_KEY)).approveToolCall;
    expect(second).toMatchObject({ status: 'COMPLETE', message: { content: 'Oslo is cold; Rome I may not check.' } });
    expect(weatherCalls).toEqual([{ city: 'Oslo' }]);
    expect(sent(2).at(-1)).toEqual({ role: 'tool', tool_call_id: 'call_2', content: 'The call was not approved: not Rome; it did not run.' });

    await stream.ended();
    const types = eventsOf(stream).map((e) => e.__typename);
    expect(types.slice(2)).toEqual([
      'ToolApprovalRequested', 'RunPaused', 'RunResumed', 'ToolCallDecided', 'ToolCallStarted', 'ToolCallCompleted',
      'ToolApprovalRequested', 'RunPaused', 'RunResumed', 'ToolCallDecided', 'ToolCallCompleted', 'TokenDelta', 'TokenDelta', 'TokenDelta', 'TokenDelta', 'TokenDelta', 'TokenDelta', 'TokenDelta', 'TokenDelta', 'MessageCompleted',
    ]);
    expect(eventsOf(stream).find((e) => e.__typename === 'ToolCallDecided' && e.callId === 'call_2')).toMatchObject({ approved: false, reason: 'not Rome', decidedBy: null });
    const conversationId = first.conversationId;
    const calls = (await ok(HISTORY, { id: conversationId })).conversation.messages[1].toolCalls;
    expect(calls).toEqual([
      expect.objectContaining({ callId: 'call_1', executedBy: 'GATEWAY', isError: false, approval: { approved: true, reason: 'fine', decidedBy: { userId: 'alice', admin: false } } }),
      expect.objectContaining({ callId: 'call_2', executedBy: 'GATEWAY', isError: true, approval: { approved: false, reason: 'not Rome', decidedBy: { userId: null, admin: true } } }),
    ]);
  });

  it('cancelRun ends a paused run: RunFailed CANCELLED, the answer stored as it stood', async () => {
    fake.enqueue({ tokens: ['Hold on. '], toolCalls: [{ id: 'call_x', name: 'locate', arguments: {} }] });
    const { stream, runId } = await pausedStream({ message: 'Where?' });
    expect((await ok(`mutation($id: ID!) { cancelRun(runId: $id) }`, { id: runId })).cancelRun).toBe(true);
    await stream.ended();
    expect(eventsOf(stream).at(-1)).toMatchObject({ __typename: 'RunFailed', code: 'CANCELLED' });
    expect(await answerRow(runId)).toMatchObject({ status: 'CANCELLED', content: 'Hold on. ', pending: null, error_code: 'CANCELLED' });
    expect((await gql(SUBMIT, { runId, results: [{ callId: 'call_x', output: 'x' }] })).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(fake.requests).toHaveLength(1);
  });

  it('a new message in the conversation ends the run that waited there', async () => {
    fake.enqueue({ toolCalls: [{ id: 'call_x', name: 'locate', arguments: {} }] }, { text: 'New answer.' });
    const paused = (await ok(CHAT, { input: { agentId: 'helper', message: 'Where?', clientTools: [LOCATE] } })).chat;
    const next = (await ok(CHAT, { input: { agentId: 'helper', conversationId: paused.conversationId, message: 'Never mind.' } })).chat;
    expect(next).toMatchObject({ status: 'COMPLETE', message: { content: 'New answer.' } });
    expect(await answerRow(paused.runId)).toMatchObject({ status: 'CANCELLED' });
  });

  it('survives a restart while paused: the result is taken after it and the run goes on', async () => {
    fake.enqueue({ tokens: ['Checking. '], toolCalls: [{ id: 'call_r', name: 'locate', arguments: {} }] }, { text: 'Oslo.' });
    const paused = (await ok(CHAT, { input: { agentId: 'helper', message: 'Where?', clientTools: [LOCATE] } })).chat;
    gw = await world.restart();
    // A subscriber after the restart sees the pending call, at its seq.
    const follower = collect(gw.ws({ authorization: `Bearer ${alice}` }), RUN_EVENTS, { runId: paused.runId, after: 0 });
    await follower.until(() => follower.results.some((r) => r.data?.runEvents.__typename === 'RunPaused'), 'the pause after a restart');
    // Rebuilt from storage: its start, its text so far as one merged delta (at the last one's seq), its pause.
    expect(follower.results.map((r) => [r.data!.runEvents.__typename, r.data!.runEvents.seq])).toEqual([['RunStarted', 1], ['AgentSelected', 2], ['TokenDelta', 3], ['ToolCallRequested', 4], ['RunPaused', 5]]);
    expect(follower.results[2]!.data!.runEvents.text).toBe('Checking. ');
    const done = (await ok(SUBMIT, { runId: paused.runId, results: [{ callId: 'call_r', output: 'Oslo' }] })).submitToolResults;
    expect(done).toMatchObject({ runId: paused.runId, status: 'COMPLETE', message: { content: 'Checking. Oslo.' } });
    await follower.ended();
    expect(follower.results.map((r) => r.data!.runEvents.__typename)).toEqual(['RunStarted', 'AgentSelected', 'TokenDelta', 'ToolCallRequested', 'RunPaused', 'RunResumed', 'ToolCallCompleted', 'TokenDelta', 'MessageCompleted']);
    expect(follower.results.map((r) => r.data!.runEvents.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // The context was rebuilt from what is stored: the question, then the round.
    expect(sent(1).slice(-3)).toEqual([
      { role: 'user', content: 'Where?' },
      { role: 'assistant', content: 'Checking. ', tool_calls: [{ id: 'call_r', type: 'function', function: { name: 'locate', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'call_r', content: 'Oslo' },
    ]);
  });

  it('tells the model a call timed out after CLIENT_TOOL_TIMEOUT_MS and goes on', async () => {
    const other = await startTestGateway(backend, { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: 'test-key', MODEL_MAX_RETRIES: '0', ENABLE_EMBEDDINGS: 'false', CLIENT_TOOL_TIMEOUT_MS: '1000' });
    try {
      const token = (await other.gql(`mutation { issueToken(userId: "alice") { accessToken } }`, {}, ADMIN_KEY)).body.data.issueToken.accessToken;
      await other.gql(`mutation { createAgent(input: { id: "quick" }) { id } }`, {}, ADMIN_KEY);
      fake.enqueue({ toolCalls: [{ id: 'call_t', name: 'locate', arguments: {} }] }, { text: 'I could not locate you.' });
      const stream = collect(other.ws({ authorization: `Bearer ${token}` }), CHAT_STREAM, { input: { agentId: 'quick', message: 'Where?', clientTools: [LOCATE] } });
      await stream.ended();
      const events = eventsOf(stream);
      expect(events.map((e) => e.__typename)).toContain('RunPaused');
      expect(events.find((e) => e.__typename === 'ToolCallCompleted')).toMatchObject({ callId: 'call_t', isError: true, result: expect.stringContaining('CLIENT_TOOL_TIMEOUT_MS') });
      expect(events.at(-1)).toMatchObject({ __typename: 'MessageCompleted', content: 'I could not locate you.' });
    } finally {
      await other.stop();
    }
  });
});
