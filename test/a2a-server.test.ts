import { randomUUID } from 'node:crypto';
import { AgentCard, SendMessageRequest, type StreamResponse, type Task, TaskState } from '@a2a-js/sdk';
import { type Client, ClientFactory, ClientFactoryOptions, JsonRpcTransportFactory } from '@a2a-js/sdk/client';
import { beforeAll, describe, expect, it } from 'vitest';
import { storageBackendNames } from './support/backends.js';
import type { FakeOpenAI } from './support/fake-openai.js';
import { ADMIN_KEY, type TestGateway } from './support/gateway.js';
import { upstreamWorld } from './support/gateway-with-upstream.js';
import { createAgent, SYSTEM } from './support/memory.js';
import { weatherTool } from './support/tools.js';

/**
 * Agents marked a2a published under A2A, driven by @a2a-js/sdk's client unchanged: card discovery,
 * message/send, message/stream, tasks/get, tasks/cancel, tasks/resubscribe after a dropped stream,
 * an input-required round trip (a client tool's result, an approval), and the refusals: no
 * credential (401), an unpublished agent, another user's task.
 */

const LOCATE = { name: 'locate', description: 'The caller’s position', parameters: { type: 'object', properties: {} } };

describe.each(storageBackendNames())('A2A server on %s', (backend) => {
  let fake: FakeOpenAI, gw: TestGateway, alice: string, bob: string;
  const db = () => gw.database.db;

  const world = upstreamWorld(
    backend,
    { ENABLE_EMBEDDINGS: 'false' },
    async () => {
      await createAgent(gw, { id: 'helper', description: 'Answers questions about the weather', systemMessage: SYSTEM, tools: ['weather'], a2a: true });
      await createAgent(gw, { id: 'second', description: 'Another published agent', systemMessage: SYSTEM, a2a: true });
      await createAgent(gw, { id: 'hidden', description: 'Not published', systemMessage: SYSTEM });
    },
    (started) => started.orchestrator.registerTool(weatherTool()),
  );
  beforeAll(() => {
    ({ fake, gw, alice, bob } = world);
  });

  /** The SDK's client as a remote agent builds it: the card fetched from the agent's address, a bearer token on every request. */
  async function client(token: string | undefined, agentPath = '/a2a/helper'): Promise<Client> {
    const fetchImpl: typeof fetch = (input, init) => {
      const headers = new Headers(init?.headers);
      if (token) headers.set('authorization', `Bearer ${token}`);
      return fetch(input, { ...init, headers });
    };
    const factory = new ClientFactory(ClientFactoryOptions.createFrom(ClientFactoryOptions.default, { transports: [new JsonRpcTransportFactory({ fetchImpl })] }));
    // The card's path is resolved against this base (a URL): the trailing slash keeps the agent's segment.
    return factory.createFromUrl(`${gw.url}${agentPath}/`);
  }

  const message = (text: string, extra: Record<string, unknown> = {}) =>
    SendMessageRequest.fromJSON({ message: { messageId: randomUUID(), role: 'ROLE_USER', parts: [{ text }], ...extra } });
  const answers = (taskId: string, ...data: unknown[]) =>
    SendMessageRequest.fromJSON({ message: { messageId: randomUUID(), role: 'ROLE_USER', taskId, parts: data.map((value) => ({ data: value })) } });

  const collect = async (stream: AsyncGenerator<StreamResponse>) => {
    const events: StreamResponse[] = [];
    for await (const event of stream) events.push(event);
    return events;
  };
  const textOf = (task: Task) => task.artifacts.flatMap((artifact) => artifact.parts).flatMap((part) => (part.content?.$case === 'text' ? [part.content.value] : [])).join('');
  const answerRow = (runId: string) => db().selectFrom('messages').select(['status', 'content', 'agent_id']).where('run_id', '=', runId).where('role', '=', 'assistant').executeTakeFirstOrThrow();

  it('publishes a card per agent and a discovery card that links the others; an unpublished agent is not found', async () => {
    const card = await (await client(alice)).getAgentCard();
    expect(card).toMatchObject({ name: 'helper', description: 'Answers questions about the weather', capabilities: { streaming: true }, skills: [{ id: 'helper', tags: ['weather'] }] });
    expect(card.supportedInterfaces[0]).toMatchObject({ url: `${gw.url}/a2a/helper`, protocolBinding: 'JSONRPC', protocolVersion: '1.0' });
    expect(card.securitySchemes.bearer!.scheme).toMatchObject({ $case: 'httpAuthSecurityScheme', value: { scheme: 'Bearer' } });

    // The discovery card is the default agent's (helper, the first global agent), the others under an extension.
    const response = await fetch(`${gw.url}/.well-known/agent-card.json`);
    expect(response.status).toBe(200);
    const discovery = AgentCard.fromJSON(await response.json());
    expect(discovery.name).toBe('helper');
    expect(discovery.capabilities!.extensions[0]!.params).toEqual({ agents: [{ id: 'second', description: 'Another published agent', cardUrl: `${gw.url}/a2a/second/.well-known/agent-card.json`, url: `${gw.url}/a2a/second` }] });

    for (const path of ['/a2a/hidden/.well-known/agent-card.json', '/a2a/nobody/.well-known/agent-card.json']) expect((await fetch(`${gw.url}${path}`)).status).toBe(404);
    const post = await fetch(`${gw.url}/a2a/hidden`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${alice}` }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'GetTask', params: { id: randomUUID() } }) });
    expect(post.status).toBe(404);
    // A per-user agent cannot be published: its card would be public.
    const refused = await gw.gql(`mutation { createAgent(input: { id: "mine", userId: "alice", a2a: true }) { id } }`, {}, ADMIN_KEY);
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('answers message/send with a completed task: the run, its conversation as the context, the answer as the artifact', async () => {
    fake.enqueue({ text: 'Sunny in Oslo.' });
    const task = (await (await client(alice)).sendMessage(message('Weather?'))) as Task;
    expect(task.status!.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(textOf(task)).toBe('Sunny in Oslo.');
    expect(await answerRow(task.id)).toEqual({ status: 'COMPLETE', content: 'Sunny in Oslo.', agent_id: 'helper' });
    const conversation = await db().selectFrom('conversations').select('user_id').where('id', '=', task.contextId).executeTakeFirstOrThrow();
    expect(conversation.user_id).toBe('alice');

    // The same context goes on with the stored conversation; tasks/get reads the task back.
    fake.enqueue({ text: 'Still sunny.' });
    const next = (await (await client(alice)).sendMessage(message('And now?', { contextId: task.contextId }))) as Task;
    expect(next.contextId).toBe(task.contextId);
    expect(fake.requests[1]!.body.messages.map((m: { role: string }) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    const read = await (await client(alice)).getTask({ tenant: '', id: task.id });
    expect(read).toMatchObject({ id: task.id, contextId: task.contextId, status: { state: TaskState.TASK_STATE_COMPLETED } });
    expect(textOf(read)).toBe('Sunny in Oslo.');
  });

  it('streams message/stream: the task, the answer as it grows, then the final artifact and completed', async () => {
    fake.enqueue({ text: 'one two three' });
    const events = await collect((await client(alice)).sendMessageStream(message('count')));
    expect(events.map((event) => event.payload!.$case)).toEqual(['task', 'artifactUpdate', 'artifactUpdate', 'artifactUpdate', 'artifactUpdate', 'statusUpdate']);
    const task = events[0]!.payload!.value as Task;
    expect(task.status!.state).toBe(TaskState.TASK_STATE_WORKING);
    const deltas = events.slice(1, 4).map((event) => event.payload!.value as { append: boolean; artifact: { parts: Array<{ content: { value: string } }> } });
    expect(deltas.map((delta) => delta.artifact.parts[0]!.content.value).join('')).toBe('one two three');
    expect(deltas.map((delta) => delta.append)).toEqual([false, true, true]);
    expect(events[4]!.payload!.value).toMatchObject({ append: false, lastChunk: true, artifact: { parts: [{ content: { $case: 'text', value: 'one two three' } }] } });
    expect(events[5]!.payload!.value).toMatchObject({ taskId: task.id, status: { state: TaskState.TASK_STATE_COMPLETED } });
  });

  it('carries a structured answer’s JSON as a data part', async () => {
    await gw.gql(`mutation { updateAgent(id: "second", input: { responseFormat: { name: "city", schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } } }) { id } }`, {}, ADMIN_KEY);
    fake.enqueue({ text: '{"city":"Oslo"}' });
    const task = (await (await client(alice, '/a2a/second')).sendMessage(message('Where?'))) as Task;
    expect(task.artifacts[0]!.parts.map((part) => part.content)).toEqual([{ $case: 'text', value: '{"city":"Oslo"}' }, { $case: 'data', value: { city: 'Oslo' } }]);
    const read = await (await client(alice, '/a2a/second')).getTask({ tenant: '', id: task.id });
    expect(read.artifacts[0]!.parts[1]!.content).toEqual({ $case: 'data', value: { city: 'Oslo' } });
  });

  it('resubscribes after a dropped stream, then cancels the task: canceled, and not cancelable again', async () => {
    let release!: () => void;
    fake.enqueue({ text: 'one two three four', waitAfterTokens: { tokens: 2, until: new Promise<void>((resolve) => (release = resolve)) } });
    const dropped = new AbortController();
    const stream = (await client(alice)).sendMessageStream(message('count'), { signal: dropped.signal });
    const first = (await stream.next()).value as StreamResponse;
    const taskId = (first.payload!.value as Task).id;
    // Two deltas arrive, then the client's connection drops.
    await stream.next();
    await stream.next();
    dropped.abort();
    await stream.return(undefined).catch(() => {});

    // The run goes on (a drop is not a cancel): a new stream replays it and follows it to the end.
    const resubscribed = (await client(alice)).resubscribeTask({ tenant: '', id: taskId });
    const snapshot = (await resubscribed.next()).value as StreamResponse;
    expect(snapshot.payload).toMatchObject({ $case: 'task', value: { id: taskId, status: { state: TaskState.TASK_STATE_WORKING } } });
    release();
    const rest = await collect(resubscribed);
    expect(rest.at(-1)!.payload!.value).toMatchObject({ status: { state: TaskState.TASK_STATE_COMPLETED } });
    expect(rest.at(-2)!.payload!.value).toMatchObject({ artifact: { parts: [{ content: { value: 'one two three four' } }] } });

    // A task held mid-answer is canceled; its stored answer says so, and a second cancel is refused.
    let hold!: () => void;
    fake.enqueue({ text: 'a b c', waitAfterTokens: { tokens: 1, until: new Promise<void>((resolve) => (hold = resolve)) } });
    const running = (await client(alice)).sendMessageStream(message('slow'));
    const started = ((await running.next()).value as StreamResponse).payload!.value as Task;
    await running.next();
    const canceled = await (await client(alice)).cancelTask({ tenant: '', id: started.id, metadata: undefined });
    expect(canceled.status!.state).toBe(TaskState.TASK_STATE_CANCELED);
    const ended = await collect(running);
    expect(ended.at(-1)!.payload!.value).toMatchObject({ status: { state: TaskState.TASK_STATE_CANCELED } });
    expect((await answerRow(started.id)).status).toBe('CANCELLED');
    hold();
    await expect((await client(alice)).cancelTask({ tenant: '', id: started.id, metadata: undefined })).rejects.toMatchObject({ name: 'TaskNotCancelableError' });
  });

  it('asks for input when the run waits for a client tool, and the next message’s data part resumes it', async () => {
    fake.enqueue({ tokens: ['Let me see. '], toolCalls: [{ id: 'call_loc', name: 'locate', arguments: {} }] }, { text: 'You are in Oslo.' });
    const a2a = await client(alice);
    const waiting = (await a2a.sendMessage(message('Where am I?', { metadata: { clientTools: [LOCATE] } }))) as Task;
    expect(waiting.status!.state).toBe(TaskState.TASK_STATE_INPUT_REQUIRED);
    const asked = waiting.status!.message!.parts.find((part) => part.content?.$case === 'data')!.content!.value;
    expect(asked).toEqual({ pendingToolCalls: [{ callId: 'call_loc', kind: 'CLIENT_TOOL', tool: 'locate', arguments: {} }] });
    expect((await answerRow(waiting.id)).status).toBe('WAITING');

    // A new message with the task's id answers the call; the same run goes on to its answer.
    const events = await collect(a2a.sendMessageStream(answers(waiting.id, { callId: 'call_loc', output: { city: 'Oslo' } })));
    expect(events[0]!.payload).toMatchObject({ $case: 'task', value: { id: waiting.id } });
    expect(events.at(-1)!.payload!.value).toMatchObject({ status: { state: TaskState.TASK_STATE_COMPLETED } });
    expect(fake.requests[1]!.body.messages.at(-1)).toMatchObject({ role: 'tool', tool_call_id: 'call_loc', content: '{"city":"Oslo"}' });
    expect(await answerRow(waiting.id)).toMatchObject({ status: 'COMPLETE', content: 'Let me see. You are in Oslo.' });

    // An ended task takes no more answers.
    await expect(a2a.sendMessage(answers(waiting.id, { callId: 'call_loc', output: 'again' }))).rejects.toMatchObject({ name: 'UnsupportedOperationError' });
  });

  it('asks for an approval, and { callId, approved } lets the call run', async () => {
    await gw.gql(`mutation { updateAgent(id: "helper", input: { requireApproval: ["weather"] }) { id } }`, {}, ADMIN_KEY);
    fake.enqueue({ toolCalls: [{ id: 'call_w', name: 'weather', arguments: { city: 'Oslo' } }] }, { text: 'Cold.' });
    const a2a = await client(alice);
    const waiting = (await a2a.sendMessage(message('Weather in Oslo?'))) as Task;
    expect(waiting.status!.state).toBe(TaskState.TASK_STATE_INPUT_REQUIRED);
    expect(waiting.status!.message!.parts[1]!.content!.value).toEqual({ pendingToolCalls: [{ callId: 'call_w', kind: 'APPROVAL', tool: 'weather', arguments: { city: 'Oslo' } }] });
    const done = (await a2a.sendMessage(answers(waiting.id, { callId: 'call_w', approved: true }))) as Task;
    expect(done.status!.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(textOf(done)).toBe('Cold.');
  });

  it('refuses a request without a credential (401, Bearer), another user’s task, and bad input, in JSON-RPC terms', async () => {
    const anonymous = await client(undefined);
    await expect(anonymous.sendMessage(message('hi'))).rejects.toThrow(/401/);
    const raw = await fetch(`${gw.url}/a2a/helper`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SendMessage', params: {} }) });
    expect(raw.status).toBe(401);
    expect(raw.headers.get('www-authenticate')).toBe('Bearer');

    fake.enqueue({ text: 'Alice’s.' });
    const task = (await (await client(alice)).sendMessage(message('mine'))) as Task;
    const asBob = await client(bob);
    await expect(asBob.getTask({ tenant: '', id: task.id })).rejects.toMatchObject({ name: 'TaskNotFoundError' });
    await expect(asBob.cancelTask({ tenant: '', id: task.id, metadata: undefined })).rejects.toMatchObject({ name: 'TaskNotFoundError' });
    await expect(collect(asBob.resubscribeTask({ tenant: '', id: task.id }))).rejects.toMatchObject({ name: 'TaskNotFoundError' });
    // Bob may not write into Alice's context either.
    await expect(asBob.sendMessage(message('hi', { contextId: task.contextId }))).rejects.toThrow();
    // A task is its agent's: another published agent does not know it.
    await expect((await client(alice, '/a2a/second')).getTask({ tenant: '', id: task.id })).rejects.toMatchObject({ name: 'TaskNotFoundError' });

    const rpc = async (body: unknown, headers: Record<string, string> = {}) => {
      const response = await fetch(`${gw.url}/a2a/helper`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${alice}`, 'a2a-version': '1.0', ...headers }, body: JSON.stringify(body) });
      return { status: response.status, body: await response.json() };
    };
    expect((await rpc({ jsonrpc: '2.0', id: 7, method: 'NoSuchMethod', params: {} })).body).toMatchObject({ id: 7, error: { code: -32601 } });
    expect((await rpc({ jsonrpc: '2.0', id: 8, method: 'GetTask', params: { id: 'not-a-task' } })).body).toMatchObject({ id: 8, error: { code: -32001 } });
    expect((await rpc({ jsonrpc: '2.0', id: 9, method: 'SendMessage', params: { message: { messageId: 'm', role: 'ROLE_USER', parts: [{ text: 'x' }], contextId: 'not-a-uuid' } } })).body).toMatchObject({ id: 9, error: { code: -32602, message: expect.stringContaining('contextId') } });
    expect((await rpc({ jsonrpc: '2.0', id: 10, method: 'GetTask', params: { id: task.id } }, { 'a2a-version': '9.9' })).body).toMatchObject({ id: 10, error: { code: -32009 } });
    // v0.3 names (no A2A-Version header) reach the same tasks.
    const legacy = await rpc({ jsonrpc: '2.0', id: 11, method: 'tasks/get', params: { id: task.id } }, { 'a2a-version': '0.3' });
    expect(legacy.body).toMatchObject({ id: 11, result: { id: task.id, contextId: task.contextId, status: { state: 'completed' } } });
    expect(fake.requests).toHaveLength(1);
  });
});
