import { beforeAll, describe, expect, it } from 'vitest';
import { storageBackendNames } from './support/backends.js';
import type { FakeOpenAI } from './support/fake-openai.js';
import { ADMIN_KEY, type TestGateway } from './support/gateway.js';
import { upstreamWorld } from './support/gateway-with-upstream.js';
import type { SentMessage } from './support/memory.js';
import { eventsOf, openStream, rest, type SseBlock } from './support/rest.js';
import { weatherTool } from './support/tools.js';

/**
 * Runs that wait for their client over REST: `client_tools` on the chat routes, the pause on the
 * SSE stream (which stays open) and in the JSON answer (status WAITING), POST /runs/{id}/tool_results
 * and /approvals resuming the same run, GET /runs/{id}, `require_approval` on agents, and refusals
 * that leave the stored run as it was.
 */

const LOCATE = { name: 'locate', description: 'The user’s position, from the browser', parameters: { type: 'object', properties: { precise: { type: 'boolean' } } } };
const CONFIRM = { name: 'confirm', description: 'Asks the user to confirm in the UI', parameters: { type: 'object', properties: { question: { type: 'string' } }, required: ['question'] } };
const MAX_TOOL_RESULT_CHARS = 200;

const textOf = (events: SseBlock[]) => events.filter((e) => e.event === 'TokenDelta').map((e) => e.data.text).join('');
const seqs = (events: SseBlock[]) => events.map((e) => Number(e.id));
const types = (events: SseBlock[]) => events.map((e) => e.event);

/** Reads a stream's events with next() (a for-await would end the reader) until `done` holds. */
async function readUntil(blocks: AsyncGenerator<SseBlock>, done: (events: SseBlock[]) => boolean, seen: SseBlock[] = []): Promise<SseBlock[]> {
  while (!done(seen)) {
    const next = await blocks.next();
    if (next.done) throw new Error(`the stream ended after ${JSON.stringify(types(seen))}`);
    if (next.value.event) seen.push(next.value);
  }
  return seen;
}
const paused = (events: SseBlock[]) => events.some((e) => e.event === 'RunPaused');

describe.each(storageBackendNames())('REST runs that wait for their client on %s', (backend) => {
  let fake: FakeOpenAI, gw: TestGateway, alice: string, bob: string;
  const weatherCalls: unknown[] = [];

  const sent = (index: number): SentMessage[] => fake.requests[index]!.body.messages;
  const answerRow = (runId: string) =>
    gw.database.db.selectFrom('messages').select(['status', 'content', 'tool_calls', 'pending', 'error_code']).where('run_id', '=', runId).where('role', '=', 'assistant').executeTakeFirstOrThrow();

  const world = upstreamWorld(
    backend,
    { ENABLE_EMBEDDINGS: 'false', MAX_TOOL_RESULT_CHARS: String(MAX_TOOL_RESULT_CHARS) },
    async () => {
      weatherCalls.length = 0;
      expect((await rest(gw, 'POST', '/agents', { key: ADMIN_KEY, body: { agent_id: 'helper', system_message: 'You are terse.', tools: ['weather'] } })).status).toBe(201);
    },
    (started) => started.orchestrator.registerTool(weatherTool(weatherCalls)),
  );
  beforeAll(() => {
    ({ fake, gw, alice, bob } = world);
  });

  it('pauses an SSE stream on a client tool call; POST /runs/{id}/tool_results resumes the same run and every open stream gets the rest', async () => {
    fake.enqueue({ tokens: ['Let me look. '], toolCalls: [{ id: 'call_loc', name: 'locate', arguments: { precise: true } }] }, { text: 'You are in Oslo.' });
    const { response, blocks } = await openStream(gw, '/runs', { key: alice, body: { message: 'Where am I?', agent_id: 'helper', client_tools: [LOCATE, CONFIRM] } });
    expect(response.status).toBe(200);
    const runId = response.headers.get('x-run-id')!;
    const conversationId = response.headers.get('x-conversation-id')!;
    const head = await readUntil(blocks, paused);
    expect(types(head)).toEqual(['RunStarted', 'AgentSelected', 'TokenDelta', 'ToolCallRequested', 'RunPaused']);
    expect(head[3]!.data).toEqual({ type: 'ToolCallRequested', run_id: runId, seq: 4, call_id: 'call_loc', server_id: null, tool: 'locate', arguments: { precise: true } });
    expect(head[4]!).toMatchObject({ id: '5', data: { type: 'RunPaused', run_id: runId, seq: 5, call_ids: ['call_loc'], expires_at: expect.any(String) } });
    expect(Date.parse(head[4]!.data.expires_at)).toBeGreaterThan(Date.now());
    // The model was offered the client tools beside the agent's own.
    expect(fake.requests[0]!.body.tools.map((tool: any) => tool.function.name)).toEqual(['weather', 'locate', 'confirm']);

    // Stored WAITING; GET /runs/{id} and the conversation show the pending call.
    expect(await answerRow(runId)).toMatchObject({ status: 'WAITING', content: 'Let me look. ', pending: { version: 1, step: { pending: [{ callId: 'call_loc', kind: 'CLIENT_TOOL' }] } } });
    const pendingCall = { call_id: 'call_loc', kind: 'CLIENT_TOOL', tool: 'locate', server_id: null, arguments: { precise: true } };
    const run = await rest(gw, 'GET', `/runs/${runId}`, { key: alice });
    expect(run).toMatchObject({ status: 200, body: { run_id: runId, conversation_id: conversationId, agent_id: 'helper', response: 'Let me look. ', status: 'WAITING', pending_tool_calls: [pendingCall], json: null } });
    expect(await rest(gw, 'GET', `/runs/${runId}`, { key: bob })).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    const conversation = await rest(gw, 'GET', `/conversations/${conversationId}`, { key: alice });
    expect(conversation.body.messages[1]).toMatchObject({ role: 'assistant', status: 'WAITING', pending_tool_calls: [pendingCall] });
    expect(conversation.body.messages[0]).toMatchObject({ role: 'user', pending_tool_calls: [] });

    // Reconnects while paused: one from before the pause replays it, one from the pause's own seq waits for what follows.
    const replaying = await openStream(gw, `/runs/${runId}/events`, { key: alice, method: 'GET', headers: { 'last-event-id': '3' } });
    const replayed = await readUntil(replaying.blocks, paused);
    expect(replayed.map((e) => [e.event, e.id])).toEqual([['ToolCallRequested', '4'], ['RunPaused', '5']]);
    expect(replayed.map((e) => e.data)).toEqual(head.slice(3).map((e) => e.data));
    const atPause = await openStream(gw, `/runs/${runId}/events`, { key: alice, method: 'GET', headers: { 'last-event-id': '5' } });
    expect(atPause.response.status).toBe(200);
    expect(fake.requests).toHaveLength(1);

    const submitted = await rest(gw, 'POST', `/runs/${runId}/tool_results`, { key: alice, body: { results: [{ call_id: 'call_loc', output: { city: 'Oslo' } }] } });
    expect(submitted.status).toBe(200);
    expect(submitted.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(submitted.body).toMatchObject({ run_id: runId, conversation_id: conversationId, status: 'COMPLETE', pending_tool_calls: [], response: 'Let me look. You are in Oslo.', finish_reason: 'stop' });

    // The first stream stayed open across the pause and received the rest of the same run, seqs continuing.
    const tail = await eventsOf(blocks);
    const all = [...head, ...tail];
    expect(types(tail).slice(0, 2)).toEqual(['RunResumed', 'ToolCallCompleted']);
    expect(tail[0]!.data).toEqual({ type: 'RunResumed', run_id: runId, seq: 6 });
    expect(tail[1]!.data).toMatchObject({ call_id: 'call_loc', result: { city: 'Oslo' }, is_error: false });
    expect(tail.at(-1)).toMatchObject({ event: 'MessageCompleted', data: { content: 'Let me look. You are in Oslo.', finish_reason: 'stop', message_id: submitted.body.message_id } });
    expect(seqs(all)).toEqual(all.map((_e, i) => i + 1));
    expect(all.every((e) => e.data.run_id === runId)).toBe(true);
    expect(textOf(all)).toBe('Let me look. You are in Oslo.');
    // Both reconnected streams got the rest too: no gap, no duplicate.
    const replayedTail = await eventsOf(replaying.blocks);
    expect(seqs([...replayed, ...replayedTail])).toEqual(seqs(all.slice(3)));
    const afterPause = await eventsOf(atPause.blocks);
    expect(afterPause.map((e) => e.data)).toEqual(tail.map((e) => e.data));
    // After the end, a reconnect from before the pause replays across it.
    const later = await eventsOf((await openStream(gw, `/runs/${runId}/events`, { key: alice, method: 'GET', headers: { 'last-event-id': '2' } })).blocks);
    expect(later.map((e) => e.data)).toEqual(all.slice(2).map((e) => e.data));

    // The model got the call and its result as one round; the round is stored with who submitted it.
    expect(sent(1).slice(-2)).toEqual([
      { role: 'assistant', content: 'Let me look. ', tool_calls: [{ id: 'call_loc', type: 'function', function: { name: 'locate', arguments: '{"precise":true}' } }] },
      { role: 'tool', tool_call_id: 'call_loc', content: '{"city":"Oslo"}' },
    ]);
    expect(await answerRow(runId)).toMatchObject({
      status: 'COMPLETE',
      pending: null,
      content: 'Let me look. You are in Oslo.',
      tool_calls: [{ text: 'Let me look. ', calls: [{ callId: 'call_loc', result: '{"city":"Oslo"}', isError: false, executedBy: 'client', submitted: { by: { userId: 'alice', admin: false } } }] }],
    });
    expect((await rest(gw, 'GET', `/runs/${runId}`, { key: alice })).body).toMatchObject({ status: 'COMPLETE', pending_tool_calls: [], response: 'Let me look. You are in Oslo.' });
  });

  it('answers a JSON chat that pauses with status WAITING; refuses bad results with the run unchanged; takes results in parts', async () => {
    fake.enqueue({ toolCalls: [{ id: 'call_a', name: 'locate', arguments: {} }, { id: 'call_b', name: 'confirm', arguments: { question: 'Share?' } }] }, { text: 'Done.' });
    const waiting = await rest(gw, 'POST', '/chat/helper', { key: alice, body: { message: 'Go', client_tools: [LOCATE, CONFIRM] } });
    expect(waiting.status).toBe(200);
    expect(waiting.body).toMatchObject({
      agent_id: 'helper',
      response: '',
      status: 'WAITING',
      json: null,
      pending_tool_calls: [
        { call_id: 'call_a', kind: 'CLIENT_TOOL', tool: 'locate', server_id: null, arguments: {} },
        { call_id: 'call_b', kind: 'CLIENT_TOOL', tool: 'confirm', server_id: null, arguments: { question: 'Share?' } },
      ],
    });
    const runId = waiting.body.run_id as string;
    const before = await answerRow(runId);
    expect(before.status).toBe('WAITING');
    const results = `/runs/${runId}/tool_results`;

    const refusals: Array<[string, unknown, number, string, RegExp, string?]> = [
      [results, { results: [{ call_id: 'call_zz', output: 'x' }] }, 400, 'BAD_USER_INPUT', /not waiting for a call "call_zz"/],
      [results, { results: [{ call_id: 'call_a', output: 'x' }, { call_id: 'call_a', output: 'y' }] }, 400, 'BAD_USER_INPUT', /answered twice/],
      [results, { results: [{ call_id: 'call_a', output: 'x' }, { call_id: 'call_zz', output: 'y' }] }, 400, 'BAD_USER_INPUT', /results\[1\]/],
      [results, { results: [{ call_id: 'call_a' }] }, 400, 'BAD_USER_INPUT', /exactly one of output and error/],
      [results, { results: [{ call_id: 'call_a', output: 'x', error: 'y' }] }, 400, 'BAD_USER_INPUT', /exactly one of output and error/],
      [results, { results: [{ call_id: 'call_a', output: 'x'.repeat(MAX_TOOL_RESULT_CHARS + 1) }] }, 400, 'BAD_USER_INPUT', /MAX_TOOL_RESULT_CHARS/],
      [results, { results: [{ call_id: 'call_a', output: { text: 'x'.repeat(MAX_TOOL_RESULT_CHARS) } }] }, 400, 'BAD_USER_INPUT', /MAX_TOOL_RESULT_CHARS/],
      [results, { results: [] }, 400, 'BAD_USER_INPUT', /results must NOT have fewer than 1 items/],
      [results, { results: [{ call_id: 'call_a', result: 'x' }] }, 400, 'BAD_USER_INPUT', /results\.0\.result is not a known field/],
      [results, {}, 400, 'BAD_USER_INPUT', /results is required/],
      [results, { results: [{ call_id: 'call_a', output: 'x' }] }, 404, 'NOT_FOUND', /Run/, bob],
      [results, { results: [{ call_id: 'call_a', output: 'x' }], user_id: 'bob' }, 403, 'FORBIDDEN', /cannot act for "bob"/],
      ['/runs/00000000-0000-4000-8000-000000000000/tool_results', { results: [{ call_id: 'call_a', output: 'x' }] }, 404, 'NOT_FOUND', /Run/],
      // A client tool's call wants a result, not an approval.
      [`/runs/${runId}/approvals`, { call_id: 'call_a', approved: true }, 400, 'BAD_USER_INPUT', /^call_id: call "call_a" waits for a result \(POST \/runs\/\{run_id\}\/tool_results\)/],
    ];
    for (const [path, body, status, code, message, key] of refusals) {
      const refused = await rest(gw, 'POST', path, { key: key ?? alice, body });
      expect({ status: refused.status, code: refused.body.error?.code }, JSON.stringify(body)).toEqual({ status, code });
      expect(refused.body.error.message).toMatch(message);
    }
    expect(await rest(gw, 'POST', results, { body: { results: [{ call_id: 'call_a', output: 'x' }] } })).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHENTICATED' } } });
    expect(await answerRow(runId)).toEqual(before);
    expect(fake.requests).toHaveLength(1);

    // One call answered: stored, and the answer comes at once, still WAITING for the other.
    const partial = await rest(gw, 'POST', results, { key: alice, body: { results: [{ call_id: 'call_a', output: 'Oslo' }] } });
    expect(partial).toMatchObject({ status: 200, body: { run_id: runId, status: 'WAITING', pending_tool_calls: [{ call_id: 'call_b' }] } });
    expect(partial.body.pending_tool_calls).toHaveLength(1);
    const again = await rest(gw, 'POST', results, { key: alice, body: { results: [{ call_id: 'call_a', output: 'again' }] } });
    expect(again).toMatchObject({ status: 400, body: { error: { code: 'BAD_USER_INPUT', message: expect.stringMatching(/already answered/) } } });
    expect(fake.requests).toHaveLength(1);

    const done = await rest(gw, 'POST', results, { key: alice, body: { results: [{ call_id: 'call_b', error: 'the user closed the dialog' }] } });
    expect(done).toMatchObject({ status: 200, body: { run_id: runId, status: 'COMPLETE', pending_tool_calls: [], response: 'Done.' } });
    expect(sent(1).slice(-3)).toEqual([
      { role: 'assistant', content: null, tool_calls: [expect.objectContaining({ id: 'call_a' }), expect.objectContaining({ id: 'call_b' })] },
      { role: 'tool', tool_call_id: 'call_a', content: 'Oslo' },
      { role: 'tool', tool_call_id: 'call_b', content: 'the user closed the dialog' },
    ]);

    // The run no longer waits: a result now is refused, and the stored answer stays as it ended.
    const ended = await answerRow(runId);
    const late = await rest(gw, 'POST', results, { key: alice, body: { results: [{ call_id: 'call_b', output: 'yes' }] } });
    expect(late).toMatchObject({ status: 400, body: { error: { code: 'BAD_USER_INPUT', message: expect.stringMatching(/not waiting for its client/) } } });
    expect(await answerRow(runId)).toEqual(ended);
  });

  it('waits for approval of an agent’s require_approval tool: approved, it runs; refused, the model is told why; both on the stream and stored with who decided', async () => {
    const created = await rest(gw, 'POST', '/agents', { key: ADMIN_KEY, body: { agent_id: 'guarded', tools: ['weather'], require_approval: ['weather'] } });
    expect(created).toMatchObject({ status: 201, body: { agent_id: 'guarded', require_approval: ['weather'] } });
    expect((await rest(gw, 'GET', '/agents/guarded', { key: alice })).body.require_approval).toEqual(['weather']);
    expect((await rest(gw, 'GET', '/agents/helper', { key: alice })).body.require_approval).toEqual([]);
    const badRule = await rest(gw, 'POST', '/agents', { key: ADMIN_KEY, body: { agent_id: 'other', require_approval: 'weather' } });
    expect(badRule).toMatchObject({ status: 400, body: { error: { code: 'BAD_USER_INPUT', message: expect.stringContaining('require_approval') } } });

    fake.enqueue(
      { toolCalls: [{ id: 'call_1', name: 'weather', arguments: { city: 'Oslo' } }] },
      { toolCalls: [{ id: 'call_2', name: 'weather', arguments: { city: 'Rome' } }] },
      { text: 'Oslo is cold; Rome I may not check.' },
    );
    // The reference's clients: POST /chat with "stream": true.
    const { response, blocks } = await openStream(gw, '/chat/guarded', { key: alice, body: { message: 'Oslo and Rome?', stream: true } });
    const runId = response.headers.get('x-run-id')!;
    const head = await readUntil(blocks, paused);
    expect(types(head)).toEqual(['RunStarted', 'AgentSelected', 'ToolApprovalRequested', 'RunPaused']);
    expect(head[2]!.data).toEqual({ type: 'ToolApprovalRequested', run_id: runId, seq: 3, call_id: 'call_1', server_id: null, tool: 'weather', arguments: { city: 'Oslo' } });
    expect(weatherCalls).toEqual([]);
    const approvals = `/runs/${runId}/approvals`;

    const before = await answerRow(runId);
    for (const [body, status, message, key] of [
      [{ call_id: 'call_1', approved: true }, 404, /Run/, bob],
      [{ call_id: 'call_1' }, 400, /approved is required/],
      [{ call_id: 'call_1', approved: 'yes' }, 400, /approved must be boolean/],
      [{ call_id: 'call_9', approved: true }, 400, /^call_id: run is not waiting for a call "call_9"/],
    ] as Array<[unknown, number, RegExp, string?]>) {
      const refused = await rest(gw, 'POST', approvals, { key: key ?? alice, body });
      expect(refused.status, JSON.stringify(body)).toBe(status);
      expect(refused.body.error.message).toMatch(message);
    }
    // A call that waits for approval takes no tool result.
    expect((await rest(gw, 'POST', `/runs/${runId}/tool_results`, { key: alice, body: { results: [{ call_id: 'call_1', output: 'x' }] } })).body.error.message).toMatch(/^results\[0\]: call "call_1" waits for an approval \(POST \/runs\/\{run_id\}\/approvals\)/);
    expect(await answerRow(runId)).toEqual(before);

    const first = await rest(gw, 'POST', approvals, { key: alice, body: { call_id: 'call_1', approved: true, reason: 'fine' } });
    expect(first).toMatchObject({ status: 200, body: { run_id: runId, status: 'WAITING', pending_tool_calls: [{ call_id: 'call_2', kind: 'APPROVAL', tool: 'weather', server_id: null, arguments: { city: 'Rome' } }] } });
    expect(weatherCalls).toEqual([{ city: 'Oslo' }]);
    // An admin may decide too.
    const second = await rest(gw, 'POST', approvals, { key: ADMIN_KEY, body: { call_id: 'call_2', approved: false, reason: 'not Rome' } });
    expect(second).toMatchObject({ status: 200, body: { status: 'COMPLETE', pending_tool_calls: [], response: 'Oslo is cold; Rome I may not check.' } });
    expect(weatherCalls).toEqual([{ city: 'Oslo' }]);
    expect(sent(2).at(-1)).toEqual({ role: 'tool', tool_call_id: 'call_2', content: 'The call was not approved: not Rome; it did not run.' });

    const all = [...head, ...(await eventsOf(blocks))];
    expect(types(all).filter((type) => type !== 'TokenDelta')).toEqual([
      'RunStarted', 'AgentSelected', 'ToolApprovalRequested', 'RunPaused', 'RunResumed', 'ToolCallDecided', 'ToolCallStarted', 'ToolCallCompleted',
      'ToolApprovalRequested', 'RunPaused', 'RunResumed', 'ToolCallDecided', 'ToolCallCompleted', 'MessageCompleted',
    ]);
    expect(seqs(all)).toEqual(all.map((_e, i) => i + 1));
    const decided = all.filter((e) => e.event === 'ToolCallDecided').map((e) => e.data);
    expect(decided).toEqual([
      { type: 'ToolCallDecided', run_id: runId, seq: expect.any(Number), call_id: 'call_1', approved: true, reason: 'fine', decided_by: 'alice' },
      { type: 'ToolCallDecided', run_id: runId, seq: expect.any(Number), call_id: 'call_2', approved: false, reason: 'not Rome', decided_by: null },
    ]);
    const row = await answerRow(runId);
    expect(row).toMatchObject({ status: 'COMPLETE', pending: null });
    expect((row.tool_calls as any[]).flatMap((round) => round.calls)).toEqual([
      expect.objectContaining({ callId: 'call_1', isError: false, approval: { approved: true, reason: 'fine', by: expect.objectContaining({ userId: 'alice', admin: false }), at: expect.any(String) } }),
      expect.objectContaining({ callId: 'call_2', isError: true, approval: { approved: false, reason: 'not Rome', by: expect.objectContaining({ userId: null, admin: true }), at: expect.any(String) } }),
    ]);
    expect((await rest(gw, 'POST', approvals, { key: alice, body: { call_id: 'call_2', approved: true } })).status).toBe(400);
  });

  it('refuses invalid client tools and tool_choice before anything is stored, naming the REST fields', async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ client_tools: [{ name: 'weather' }] }, /^client_tools\[0\]\.name: "weather" is one of the agent's own tools/],
      [{ client_tools: [{ name: 'bad name!' }] }, /client_tools\.0\.name must match pattern/],
      [{ client_tools: [LOCATE, LOCATE] }, /^client_tools\[1\]\.name: "locate" is given twice/],
      [{ client_tools: [{ name: 'x', parameters: { type: 'string' } }] }, /^client_tools\[0\]\.parameters: must describe an object/],
      [{ client_tools: [{ name: 'x', parameters: { type: 'object', properties: { a: { type: 'nonsense' } } } }] }, /not a valid JSON Schema/],
      [{ client_tools: [{ name: 'x', run: 'alert(1)' }] }, /client_tools\.0\.run is not a known field/],
      [{ client_tools: [LOCATE], tool_choice: { name: 'nowhere' } }, /^tool_choice: no tool "nowhere"/],
      [{ client_tools: [LOCATE], tool_choice: 'sometimes' }, /tool_choice/],
      [{ client_tools: [LOCATE], parallel_tool_calls: 'yes' }, /parallel_tool_calls must be boolean/],
    ];
    for (const [fields, message] of cases) {
      const refused = await rest(gw, 'POST', '/chat/helper', { key: alice, body: { message: 'Hi', ...fields } });
      expect(refused.status, JSON.stringify(fields)).toBe(400);
      expect(refused.body.error.code).toBe('BAD_USER_INPUT');
      expect(refused.body.error.message).toMatch(message);
    }
    const clash = await rest(gw, 'POST', '/chat/helper', { key: alice, body: { message: 'Hi', client_tools: [{ name: 'weather' }] } });
    expect(clash.body.error.field).toBe('client_tools[0].name');
    // The streaming routes refuse the same before any stream opens.
    const streamed = await rest(gw, 'POST', '/runs', { key: alice, body: { message: 'Hi', agent_id: 'helper', client_tools: [LOCATE, LOCATE] } });
    expect(streamed).toMatchObject({ status: 400, body: { error: { code: 'BAD_USER_INPUT', message: expect.stringMatching(/given twice/) } } });
    expect(fake.requests).toHaveLength(0);
    expect(await gw.database.db.selectFrom('messages').select('id').execute()).toEqual([]);
  });

  it('passes tool_choice and parallel_tool_calls to the model; POST /runs/{id}/cancel ends a paused run', async () => {
    fake.enqueue({ tokens: ['Hold on. '], toolCalls: [{ id: 'call_x', name: 'locate', arguments: {} }] });
    const { response, blocks } = await openStream(gw, '/runs', { key: alice, body: { message: 'Where?', agent_id: 'helper', client_tools: [LOCATE], tool_choice: { name: 'locate' }, parallel_tool_calls: false } });
    const runId = response.headers.get('x-run-id')!;
    await readUntil(blocks, paused);
    expect(fake.requests[0]!.body).toMatchObject({ tool_choice: { type: 'function', function: { name: 'locate' } }, parallel_tool_calls: false });

    expect(await rest(gw, 'POST', `/runs/${runId}/cancel`, { key: alice })).toMatchObject({ status: 200, body: { cancelled: true } });
    const tail = await eventsOf(blocks);
    expect(tail).toEqual([expect.objectContaining({ event: 'RunFailed', data: expect.objectContaining({ code: 'CANCELLED', retryable: false }) })]);
    expect(await answerRow(runId)).toMatchObject({ status: 'CANCELLED', content: 'Hold on. ', pending: null, error_code: 'CANCELLED' });
    expect((await rest(gw, 'GET', `/runs/${runId}`, { key: alice })).body).toMatchObject({ status: 'CANCELLED', pending_tool_calls: [], response: 'Hold on. ' });
    expect((await rest(gw, 'POST', `/runs/${runId}/tool_results`, { key: alice, body: { results: [{ call_id: 'call_x', output: 'x' }] } })).status).toBe(400);
    expect(fake.requests).toHaveLength(1);
  });
});
