import { randomUUID } from 'node:crypto';
import { type AgentSubscriber, type BaseEvent, HttpAgent } from '@ag-ui/client';
import { EventSchema } from '@ag-ui/core/schemas';
import { beforeAll, describe, expect, it } from 'vitest';
import { storageBackendNames } from './support/backends.js';
import type { FakeOpenAI } from './support/fake-openai.js';
import { ADMIN_KEY, type TestGateway } from './support/gateway.js';
import { upstreamWorld } from './support/gateway-with-upstream.js';
import { createAgent, type SentMessage, SYSTEM } from './support/memory.js';
import { weatherTool } from './support/tools.js';

/**
 * AG-UI at /ag-ui/{agentId}, driven by @ag-ui/client's HttpAgent unchanged: a text answer, a server
 * tool round, a frontend tool's round trip (the same muxgate run resumed by the next AG-UI run), an
 * approval as an interrupt, routing, errors; every event checked by @ag-ui/core's schema. Bad
 * input is a RUN_ERROR naming the field, with nothing stored; a dropped stream resumes with Last-Event-ID.
 */

const LOCATE = { name: 'locate', description: 'The user’s position, from the browser', parameters: { type: 'object', properties: { precise: { type: 'boolean' } } } };

describe.each(storageBackendNames())('AG-UI on %s', (backend) => {
  let fake: FakeOpenAI, gw: TestGateway, alice: string, bob: string;

  const sent = (index: number): SentMessage[] => fake.requests[index]!.body.messages;
  const db = () => gw.database.db;
  const rows = async () => ({
    conversations: (await db().selectFrom('conversations').select('id').execute()).length,
    messages: (await db().selectFrom('messages').select('id').execute()).length,
  });

  /** An HttpAgent as a frontend builds it, recording every event after checking it against the protocol's schema. */
  function agent(token: string, path = 'helper', threadId: string = randomUUID(), question = 'Hi') {
    const http = new HttpAgent({ url: `${gw.url}/ag-ui/${path}`, headers: { authorization: `Bearer ${token}` }, threadId, initialMessages: [{ id: randomUUID(), role: 'user', content: question }] });
    const events: BaseEvent[] = [];
    const recorder: AgentSubscriber = {
      onEvent: ({ event }) => {
        events.push(EventSchema.parse(event) as BaseEvent);
      },
    };
    http.subscribe(recorder);
    // Consecutive deltas as one: how many the model's words make is the fake's business.
    const types = () => events.map((event) => event.type).filter((type, at, all) => !(type.endsWith('_CONTENT') && all[at - 1] === type));
    return { http, events, types };
  }

  /** A raw POST (for what HttpAgent would not send), read whole: its SSE frames with their ids. */
  async function post(path: string, body: unknown, headers: Record<string, string> = { authorization: `Bearer ${alice}` }) {
    const response = await fetch(`${gw.url}/ag-ui/${path}`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
    const text = await response.text();
    const frames = text
      .split('\n\n')
      .filter((frame) => frame.includes('data: '))
      .map((frame) => ({ id: /^id: (.*)$/m.exec(frame)?.[1], event: EventSchema.parse(JSON.parse(/^data: (.*)$/m.exec(frame)![1]!)) as Record<string, any> }));
    return { status: response.status, headers: response.headers, text, frames };
  }
  const input = (threadId: string, content: unknown, extra: Record<string, unknown> = {}) => ({ threadId, runId: randomUUID(), messages: [{ id: randomUUID(), role: 'user', content }], tools: [], context: [], ...extra });

  const world = upstreamWorld(
    backend,
    { ENABLE_EMBEDDINGS: 'false' },
    () => createAgent(gw, { id: 'helper', systemMessage: SYSTEM, tools: ['weather'] }),
    (started) => started.orchestrator.registerTool(weatherTool()),
  );
  beforeAll(() => {
    ({ fake, gw, alice, bob } = world);
  });

  it('answers a run with text, steps and the routing decision in state; the thread is the conversation', async () => {
    fake.enqueue({ text: 'Hello there friend' });
    const { http, events, types } = agent(alice);
    const { newMessages } = await http.runAgent();
    expect(types()).toEqual([
      'RUN_STARTED', 'STEP_STARTED', 'STATE_SNAPSHOT', 'STEP_FINISHED', 'STEP_STARTED',
      'TEXT_MESSAGE_START', 'TEXT_MESSAGE_CONTENT', 'TEXT_MESSAGE_END', 'STEP_FINISHED', 'RUN_FINISHED',
    ]);
    expect(events.filter((e) => e.type.startsWith('STEP')).map((e) => e.stepName)).toEqual(['routing', 'routing', 'model-step-1', 'model-step-1']);
    expect(events[0]).toMatchObject({ threadId: http.threadId, metadata: { conversationId: http.threadId } });
    expect(events.at(-1)).toMatchObject({ type: 'RUN_FINISHED', threadId: http.threadId, outcome: { type: 'success' } });
    expect(http.state).toMatchObject({ muxgate: { routing: { agentId: 'helper', strategy: 'EXPLICIT' } } });
    expect(newMessages).toEqual([expect.objectContaining({ role: 'assistant', content: 'Hello there friend' })]);

    // Stored as any chat: the thread's UUID is the conversation, alice's, with the turn.
    const conversation = await db().selectFrom('conversations').selectAll().where('id', '=', http.threadId).executeTakeFirstOrThrow();
    expect(conversation.user_id).toBe('alice');
    const messages = await db().selectFrom('messages').select(['role', 'content', 'status']).where('conversation_id', '=', http.threadId).orderBy('ordinal').execute();
    expect(messages).toEqual([{ role: 'user', content: expect.any(String), status: 'COMPLETE' }, { role: 'assistant', content: 'Hello there friend', status: 'COMPLETE' }]);

    // The next run of the thread continues the stored conversation (not the client's copy).
    fake.enqueue({ text: 'Again' });
    http.addMessage({ id: randomUUID(), role: 'user', content: 'once more' });
    await http.runAgent();
    expect(sent(1).map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(sent(1).at(-1)!.content).toBe('once more');
  });

  it('streams a server tool round: the call, its arguments, its result, then the next model step', async () => {
    fake.enqueue({ toolCalls: [{ id: 'call_w', name: 'weather', arguments: { city: 'Oslo' } }] }, { text: 'It is -3 in Oslo.' });
    const { http, events, types } = agent(alice, 'helper', randomUUID(), 'Weather in Oslo?');
    await http.runAgent();
    expect(types()).toEqual([
      'RUN_STARTED', 'STEP_STARTED', 'STATE_SNAPSHOT', 'STEP_FINISHED', 'STEP_STARTED', 'STEP_FINISHED', 'STEP_STARTED',
      'TOOL_CALL_START', 'TOOL_CALL_ARGS', 'TOOL_CALL_END', 'TOOL_CALL_RESULT', 'STEP_FINISHED', 'STEP_STARTED',
      'TEXT_MESSAGE_START', 'TEXT_MESSAGE_CONTENT', 'TEXT_MESSAGE_END', 'STEP_FINISHED', 'RUN_FINISHED',
    ]);
    expect(events.filter((e) => e.type === 'STEP_STARTED').map((e) => e.stepName)).toEqual(['routing', 'model-step-1', 'tool-round-1', 'model-step-2']);
    expect(events.find((e) => e.type === 'TOOL_CALL_START')).toMatchObject({ toolCallId: 'call_w', toolCallName: 'weather' });
    expect(JSON.parse(events.find((e) => e.type === 'TOOL_CALL_ARGS')!.delta as string)).toEqual({ city: 'Oslo' });
    expect(JSON.parse(events.find((e) => e.type === 'TOOL_CALL_RESULT')!.content as string)).toEqual({ city: 'Oslo', celsius: -3 });
    // The frontend's messages hold the call with its result, then the answer.
    expect(http.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
  });

  it('runs a frontend tool: the run ends with the call pending, and the next run’s tool message resumes the same muxgate run', async () => {
    fake.enqueue({ tokens: ['Let me look. '], toolCalls: [{ id: 'call_loc', name: 'locate', arguments: { precise: true } }] }, { text: 'You are in Oslo.' });
    const { http, events, types } = agent(alice, 'helper', randomUUID(), 'Where am I?');
    let pending: string[] = [];
    await http.runAgent({ tools: [LOCATE] }, { onRunFinishedEvent: (params) => void (pending = params.outcome === 'success' ? params.pendingToolCallIds : []) });
    expect(types().slice(-6)).toEqual(['STEP_STARTED', 'TOOL_CALL_START', 'TOOL_CALL_ARGS', 'TOOL_CALL_END', 'STEP_FINISHED', 'RUN_FINISHED']);
    expect(pending).toEqual(['call_loc']);
    expect(fake.requests[0]!.body.tools.map((tool: any) => tool.function.name)).toEqual(['weather', 'locate']);
    const muxgateRunId = (events[0]!.metadata as { muxgateRunId: string }).muxgateRunId;
    const waiting = await db().selectFrom('messages').select(['status', 'content']).where('run_id', '=', muxgateRunId).where('role', '=', 'assistant').executeTakeFirstOrThrow();
    expect(waiting).toEqual({ status: 'WAITING', content: 'Let me look. ' });

    // The frontend runs the tool and sends the next run with the result.
    events.length = 0;
    http.addMessage({ id: randomUUID(), role: 'tool', toolCallId: 'call_loc', content: JSON.stringify({ city: 'Oslo' }) });
    const second = await http.runAgent({ tools: [LOCATE] });
    expect(types()[0]).toBe('RUN_STARTED');
    expect(types()).not.toContain('TOOL_CALL_RESULT');
    expect(types().at(-1)).toBe('RUN_FINISHED');
    expect(second.newMessages).toEqual([expect.objectContaining({ role: 'assistant', content: 'You are in Oslo.' })]);
    expect(sent(1).slice(-2)).toMatchObject([{ role: 'assistant', tool_calls: [{ id: 'call_loc' }] }, { role: 'tool', tool_call_id: 'call_loc', content: '{"city":"Oslo"}' }]);
    // One muxgate run from the question to the answer, complete.
    const answer = await db().selectFrom('messages').select(['status', 'content']).where('run_id', '=', muxgateRunId).where('role', '=', 'assistant').executeTakeFirstOrThrow();
    expect(answer).toEqual({ status: 'COMPLETE', content: 'Let me look. You are in Oslo.' });
  });

  it('asks for an approval as an interrupt, and the next run’s resume answer lets the call run', async () => {
    await gw.gql(`mutation { updateAgent(id: "helper", input: { requireApproval: ["weather"] }) { id } }`, {}, ADMIN_KEY);
    fake.enqueue({ toolCalls: [{ id: 'call_w', name: 'weather', arguments: { city: 'Oslo' } }] }, { text: 'Cold.' });
    const { http, events, types } = agent(alice, 'helper', randomUUID(), 'Weather in Oslo?');
    await http.runAgent();
    expect(events.at(-1)).toMatchObject({ type: 'RUN_FINISHED', outcome: { type: 'interrupt', interrupts: [{ id: 'call_w', toolCallId: 'call_w', reason: 'tool_approval', metadata: { tool: 'weather', arguments: { city: 'Oslo' } } }] } });
    expect(http.pendingInterrupts.map((interrupt) => interrupt.id)).toEqual(['call_w']);

    events.length = 0;
    await http.runAgent({ resume: [{ interruptId: 'call_w', status: 'resolved', payload: { approved: true } }] });
    expect(types()).toContain('TOOL_CALL_RESULT');
    expect(types()).not.toContain('TOOL_CALL_START');
    expect(http.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
    expect(http.messages.at(-1)).toMatchObject({ content: 'Cold.' });
    const decided = await db().selectFrom('messages').select('tool_calls').where('conversation_id', '=', http.threadId).where('role', '=', 'assistant').executeTakeFirstOrThrow();
    expect(decided.tool_calls).toMatchObject([{ calls: [{ callId: 'call_w', approval: { approved: true, by: { userId: 'alice' } } }] }]);
  });

  it('routes at /ag-ui/auto, and reports a failed model as RUN_ERROR', async () => {
    fake.enqueue({ text: 'Routed.' });
    const routed = agent(alice, 'auto');
    await routed.http.runAgent();
    expect(routed.http.state).toMatchObject({ muxgate: { routing: { agentId: 'helper' } } });
    expect(routed.http.messages.at(-1)).toMatchObject({ content: 'Routed.' });

    fake.enqueue({ status: 500, errorMessage: 'boom' });
    const failing = agent(alice);
    let error: unknown;
    await failing.http.runAgent().catch((caught: unknown) => (error = caught));
    expect(failing.events.at(-1)).toMatchObject({ type: 'RUN_ERROR', code: 'UPSTREAM_UNAVAILABLE' });
    expect(failing.types().filter((type) => type === 'RUN_STARTED')).toHaveLength(1);
    void error;
  });

  it('refuses bad input with RUN_ERROR naming the field, and stores nothing', async () => {
    const before = await rows();
    const missing = await post('helper', { threadId: randomUUID(), runId: randomUUID() });
    expect(missing.status).toBe(200);
    expect(missing.frames).toEqual([{ id: undefined, event: expect.objectContaining({ type: 'RUN_ERROR', code: 'BAD_USER_INPUT', metadata: { field: 'messages' } }) }]);

    // Images are taken (test/adapter-images.test.ts); a plain-http one is refused by the core, named by its part.
    const image = await post('helper', input(randomUUID(), [{ type: 'text', text: 'What is this?' }, { type: 'image', source: { type: 'url', value: 'http://example.com/cat.png' } }]));
    expect(image.frames.map((f) => f.event)).toEqual([expect.objectContaining({ type: 'RUN_ERROR', code: 'BAD_USER_INPUT', metadata: { field: 'messages[0].content[1]' } })]);

    const notJson = await post('helper', '{"threadId": ');
    expect(notJson.frames.map((f) => f.event)).toEqual([expect.objectContaining({ type: 'RUN_ERROR', message: 'body: not valid JSON' })]);

    const clash = await post('helper', input(randomUUID(), 'hi', { tools: [{ name: 'weather', description: 'mine' }] }));
    expect(clash.frames[0]!.event).toMatchObject({ type: 'RUN_ERROR', code: 'BAD_USER_INPUT', metadata: { field: 'tools[0].name' } });

    const noRun = await post('helper', { ...input(randomUUID(), 'hi'), messages: [{ id: 'm1', role: 'user', content: 'hi' }, { id: 'm2', role: 'tool', toolCallId: 'call_x', content: 'x' }] });
    expect(noRun.frames[0]!.event).toMatchObject({ type: 'RUN_ERROR', code: 'NOT_FOUND' });

    const anonymous = await post('helper', input(randomUUID(), 'hi'), {});
    expect(anonymous.status).toBe(401);
    expect(await rows()).toEqual(before);
    expect(fake.requests).toHaveLength(0);
  });

  it('refuses another user’s thread with RUN_ERROR, leaving it as it was; a name that is not a UUID is a thread of its caller only', async () => {
    fake.enqueue({ text: 'Bob’s answer' });
    const bobs = agent(bob);
    await bobs.http.runAgent();
    const before = await rows();
    const intrusion = await post('helper', input(bobs.http.threadId, 'let me in'));
    expect(intrusion.frames.map((f) => f.event)).toEqual([expect.objectContaining({ type: 'RUN_ERROR', code: 'FORBIDDEN' })]);
    expect(await rows()).toEqual(before);

    // "default" is alice's own thread and bob's own thread: two conversations.
    fake.enqueue({ text: 'one' }, { text: 'two' });
    await agent(alice, 'helper', 'default').http.runAgent();
    await agent(bob, 'helper', 'default').http.runAgent();
    const owners = await db().selectFrom('conversations').select('user_id').where('id', '!=', bobs.http.threadId).orderBy('user_id').execute();
    expect(owners.map((row) => row.user_id)).toEqual(['alice', 'bob']);
  });

  it('resumes a dropped stream from Last-Event-ID: the same request again gets the frames after it', async () => {
    fake.enqueue({ text: 'one two three four' });
    const request = input(randomUUID(), 'count');
    const whole = await post('helper', request);
    const contents = whole.frames.filter((f) => f.event.type === 'TEXT_MESSAGE_CONTENT');
    expect(contents.map((f) => f.event.delta).join('')).toBe('one two three four');
    // The client had everything up to the second word.
    const last = contents[1]!.id!;
    const rest = await post('helper', request, { authorization: `Bearer ${alice}`, 'last-event-id': last });
    expect(rest.frames.map((f) => f.event.type)).toEqual(['TEXT_MESSAGE_CONTENT', 'TEXT_MESSAGE_CONTENT', 'TEXT_MESSAGE_END', 'STEP_FINISHED', 'RUN_FINISHED']);
    expect(rest.frames.map((f) => f.event.delta ?? '').join('')).toBe(' three four');
    expect(rest.frames.at(-1)!.event).toMatchObject({ threadId: request.threadId, runId: request.runId });
    // Another user cannot follow it.
    const stolen = await post('helper', request, { authorization: `Bearer ${bob}`, 'last-event-id': last });
    expect(stolen.frames.map((f) => f.event)).toEqual([expect.objectContaining({ type: 'RUN_ERROR', code: 'NOT_FOUND' })]);
  });
});
