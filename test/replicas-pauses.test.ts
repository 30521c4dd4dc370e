import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createBackend, type StorageBackend } from './support/backends.js';
import { FakeOpenAI } from './support/fake-openai.js';
import { startTestMcpHttpServer, type TestMcpHttpServer } from './support/mcp-servers.js';
import { type GatewayProcess, postGraphQL, runGateway } from './support/process.js';
import { hasRedisServer, TestRedis } from './support/redis-server.js';
import { sseSubscription, until } from './support/replica-streams.js';

/**
 * Runs that wait for their client across two replicas sharing PostgreSQL and Redis: a run paused
 * on A is decided, cancelled or followed on B; A stopped or killed while it waits, B revives it.
 */

const ADMIN = 'replicas-pauses-admin-key-0123456789';
const asAdmin = { authorization: `Bearer ${ADMIN}` };
const EVENTS = `__typename
  ... on RunEventFields { runId seq }
  ... on RunStarted { conversationId }
  ... on TokenDelta { text }
  ... on ToolCallRequested { callId tool arguments }
  ... on ToolApprovalRequested { callId tool serverId arguments }
  ... on ToolCallDecided { callId approved reason decidedBy }
  ... on ToolCallStarted { callId tool }
  ... on ToolCallCompleted { callId result isError }
  ... on RunPaused { callIds }
  ... on MessageCompleted { content }
  ... on RunFailed { code message }`;
const CHAT_STREAM = `subscription($input: ChatInput!) { chatStream(input: $input) { ${EVENTS} } }`;
const RUN_EVENTS = `subscription($r: ID!, $after: Int) { runEvents(runId: $r, after: $after) { ${EVENTS} } }`;
const RESULT = 'runId status message { content status } pendingToolCalls { callId kind }';
const SUBMIT = `mutation($r: ID!, $results: [ToolResultInput!]!) { submitToolResults(runId: $r, results: $results) { ${RESULT} } }`;
const APPROVE = `mutation($r: ID!, $c: ID!, $ok: Boolean!, $why: String) { approveToolCall(runId: $r, callId: $c, approved: $ok, reason: $why) { ${RESULT} } }`;
const LOCATE = { name: 'locate', description: 'The user’s position, from the browser', parameters: { type: 'object', properties: { precise: { type: 'boolean' } } } };
const typesOf = (events: any[]) => events.map((e) => e.__typename);

const skipReason = !process.env.TEST_DATABASE_URL ? 'TEST_DATABASE_URL is not set' : !hasRedisServer ? 'redis-server is not installed' : undefined;
if (skipReason) console.info(`${skipReason}: test/replicas-pauses.test.ts (two replicas on PostgreSQL and Redis) is skipped.`);

describe.skipIf(skipReason !== undefined)('runs that wait for their client across two replicas', { timeout: 120_000 }, () => {
  let fake: FakeOpenAI;
  let backend: StorageBackend;
  let redis: TestRedis;
  let mcp: TestMcpHttpServer;
  let database: pg.Client;
  let a: GatewayProcess;
  let b: GatewayProcess;
  let urlA: string;
  let urlB: string;
  let alice: Record<string, string>;

  const start = async () => {
    const gateway = runGateway({
      ...backend.env(),
      PORT: '0',
      HOST: '127.0.0.1',
      ADMIN_API_KEY: ADMIN,
      OPENAI_BASE_URL: fake.url,
      OPENAI_API_KEY: 'test-key',
      MODEL_MAX_RETRIES: '0',
      ENABLE_EMBEDDINGS: 'false',
      ANSWER_CHECKPOINT_MS: '100',
      REDIS_URL: redis.url,
      RUN_LEASE_MS: '1500',
      MCP_ALLOW_PRIVATE_URLS: 'true',
    });
    const [, url] = await gateway.waitFor(/listening on (http:\/\/\S+)/);
    return { gateway, url: url! };
  };
  const gql = async (url: string, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = alice) => (await postGraphQL(url, query, headers, variables)) as any;
  const ok = async (url: string, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = alice) => {
    const body = await gql(url, query, variables, headers);
    expect(body.errors).toBeUndefined();
    return body.data;
  };
  /** The answer's row as stored (the database both replicas share). */
  const answerRow = async (runId: string) => {
    const { rows } = await database.query(`select status, content, pending, tool_calls, error_code from messages where run_id = $1 and role = 'assistant'`, [runId]);
    return rows[0] as { status: string; content: string; pending: any; tool_calls: any; error_code: string | null };
  };
  /** A chatStream on `url` with the client tool, read until the run pauses. */
  const pausedOn = async (url: string, message: string, input: Record<string, unknown> = { clientTools: [LOCATE] }) => {
    const stream = sseSubscription(url, CHAT_STREAM, { input: { agentId: 'assistant', message, ...input } }, alice);
    await until(() => stream.ended || stream.events.some((e) => e.__typename === 'RunPaused'), `the run to pause on ${url}`);
    expect(stream.errors).toEqual([]);
    return { stream, runId: stream.events[0].runId as string, conversationId: stream.events[0].conversationId as string };
  };

  beforeAll(async () => {
    fake = await FakeOpenAI.start();
    backend = await createBackend('postgres');
    redis = await TestRedis.start();
    ({ gateway: a, url: urlA } = await start());
    ({ gateway: b, url: urlB } = await start());
    database = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL, options: `-c search_path=${backend.env().DATABASE_SCHEMA}` });
    await database.connect();
    await gql(urlA, 'mutation { createAgent(input: { id: "assistant" }) { id } }', {}, asAdmin);
    const created = await gql(urlA, `mutation { createApiKey(isAdmin: false, userId: "alice") { key } }`, {}, asAdmin);
    alice = { authorization: `Bearer ${created.data.createApiKey.key}` };
    // An MCP server both replicas reach, for a tool that needs approval.
    mcp = await startTestMcpHttpServer({ mode: 'sessions' });
    const registered = await gql(urlA, `mutation($input: RegisterMcpServerInput!) { registerMcpServer(input: $input) { status } }`, { input: { id: 'fixture', url: mcp.url } }, asAdmin);
    expect(registered.data.registerMcpServer.status).toBe('CONNECTED');
    await until(async () => (await gql(urlB, '{ mcpServers { id status } }', {}, asAdmin)).data.mcpServers.some((s: any) => s.id === 'fixture' && s.status === 'CONNECTED'), 'B to connect the MCP server');
    await gql(urlA, 'mutation { createAgent(input: { id: "careful", tools: ["fixture"], requireApproval: ["fixture/echo"] }) { id } }', {}, asAdmin);
  });
  afterAll(async () => {
    for (const gateway of [a, b]) gateway?.child.kill('SIGKILL');
    await database?.end();
    await mcp?.close();
    await redis?.stop();
    await fake?.close();
    await backend?.dispose();
  });
  beforeEach(() => fake.reset());

  it('paused on A, its result submitted on B: A’s subscriber sees the rest, seq continuous; B’s mutation answers with the final result', async () => {
    fake.enqueue({ tokens: ['Let me look. '], toolCalls: [{ id: 'call_loc', name: 'locate', arguments: { precise: true } }] }, { text: 'You are in Oslo.' });
    const { stream, runId } = await pausedOn(urlA, 'Where am I?');
    expect(typesOf(stream.events)).toEqual(['RunStarted', 'AgentSelected', 'TokenDelta', 'ToolCallRequested', 'RunPaused']);
    expect(await answerRow(runId)).toMatchObject({ status: 'WAITING', content: 'Let me look. ', pending: { step: { pending: [{ callId: 'call_loc', kind: 'CLIENT_TOOL' }] } } });

    const submitted = (await ok(urlB, SUBMIT, { r: runId, results: [{ callId: 'call_loc', output: { city: 'Oslo' } }] })).submitToolResults;
    expect(submitted).toEqual({ runId, status: 'COMPLETE', message: { content: 'Let me look. You are in Oslo.', status: 'COMPLETE' }, pendingToolCalls: [] });

    await stream.done;
    expect(stream.errors).toEqual([]);
    expect(typesOf(stream.events).slice(4)).toEqual(['RunPaused', 'RunResumed', 'ToolCallCompleted', 'TokenDelta', 'TokenDelta', 'TokenDelta', 'TokenDelta', 'MessageCompleted']);
    expect(stream.events.map((e) => e.seq)).toEqual(stream.events.map((_e, i) => i + 1));
    expect(stream.events.every((e) => e.runId === runId)).toBe(true);
    expect(stream.events.at(-1)).toMatchObject({ content: 'Let me look. You are in Oslo.' });

    const row = await answerRow(runId);
    expect(row).toMatchObject({ status: 'COMPLETE', pending: null, content: 'Let me look. You are in Oslo.' });
    expect(row.tool_calls).toEqual([
      {
        text: 'Let me look. ',
        calls: [expect.objectContaining({ callId: 'call_loc', tool: 'locate', result: '{"city":"Oslo"}', isError: false, executedBy: 'client', submitted: { by: { userId: 'alice', credentialId: expect.any(String), admin: false }, at: expect.any(String) } })],
      },
    ]);
    // The model saw the round once, from B's continuation or A's: one request after the pause.
    expect(fake.requests).toHaveLength(2);
    expect(fake.requests[1]!.body.messages.at(-1)).toEqual({ role: 'tool', tool_call_id: 'call_loc', content: '{"city":"Oslo"}' });
  });

  it('an approval decided on B lets the MCP tool run; A’s subscriber sees it decided, run and the answer; stored with who decided', async () => {
    const callsBefore = mcp.record.calls.length;
    fake.enqueue({ toolCalls: [{ id: 'call_echo', name: 'fixture__echo', arguments: { text: 'ping' } }] }, { text: 'It said ping.' });
    const { stream, runId } = await pausedOn(urlA, 'Echo ping', { agentId: 'careful' });
    expect(typesOf(stream.events).slice(2)).toEqual(['ToolApprovalRequested', 'RunPaused']);
    expect(stream.events[2]).toMatchObject({ callId: 'call_echo', tool: 'fixture__echo', serverId: 'fixture', arguments: { text: 'ping' } });
    expect(mcp.record.calls.length).toBe(callsBefore);

    const decided = (await ok(urlB, APPROVE, { r: runId, c: 'call_echo', ok: true, why: 'harmless' })).approveToolCall;
    expect(decided).toEqual({ runId, status: 'COMPLETE', message: { content: 'It said ping.', status: 'COMPLETE' }, pendingToolCalls: [] });
    await stream.done;
    expect(typesOf(stream.events).slice(3)).toEqual(['RunPaused', 'RunResumed', 'ToolCallDecided', 'ToolCallStarted', 'ToolCallCompleted', 'TokenDelta', 'TokenDelta', 'TokenDelta', 'MessageCompleted']);
    expect(stream.events.map((e) => e.seq)).toEqual(stream.events.map((_e, i) => i + 1));
    expect(stream.events.find((e) => e.__typename === 'ToolCallDecided')).toMatchObject({ approved: true, reason: 'harmless', decidedBy: 'alice' });
    expect(mcp.record.calls.slice(callsBefore).map((call) => [call.tool, call.args])).toEqual([['echo', { text: 'ping' }]]);

    const row = await answerRow(runId);
    expect(row).toMatchObject({ status: 'COMPLETE', pending: null });
    expect(row.tool_calls[0].calls).toEqual([
      expect.objectContaining({ callId: 'call_echo', serverId: 'fixture', result: 'ping', isError: false, approval: { approved: true, reason: 'harmless', by: { userId: 'alice', credentialId: expect.any(String), admin: false }, at: expect.any(String) } }),
    ]);
  });

  it('cancelRun on B ends a run paused on A: A’s subscriber gets RunFailed CANCELLED, the answer stored as it stood', async () => {
    fake.enqueue({ tokens: ['Hold on. '], toolCalls: [{ id: 'call_x', name: 'locate', arguments: {} }] });
    const { stream, runId } = await pausedOn(urlA, 'Where?');
    expect(await ok(urlB, `mutation($r: ID!) { cancelRun(runId: $r) }`, { r: runId })).toEqual({ cancelRun: true });
    await stream.done;
    expect(stream.events.at(-1)).toMatchObject({ __typename: 'RunFailed', code: 'CANCELLED', seq: 6 });
    expect(await answerRow(runId)).toMatchObject({ status: 'CANCELLED', content: 'Hold on. ', pending: null, error_code: 'CANCELLED' });
    expect((await gql(urlB, SUBMIT, { r: runId, results: [{ callId: 'call_x', output: 'x' }] })).errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(await ok(urlA, `mutation($r: ID!) { cancelRun(runId: $r) }`, { r: runId })).toEqual({ cancelRun: false });
    expect(fake.requests).toHaveLength(1);
  });

  it('runEvents on B follows a run paused on A: the request and the pause, then the rest once A takes the result', async () => {
    fake.enqueue({ toolCalls: [{ id: 'call_f', name: 'locate', arguments: {} }] }, { text: 'Found.' });
    const { stream, runId } = await pausedOn(urlA, 'Follow me');
    const follower = sseSubscription(urlB, RUN_EVENTS, { r: runId, after: 0 }, alice);
    await until(() => follower.events.some((e) => e.__typename === 'RunPaused'), 'B to see the pause');
    expect(typesOf(follower.events)).toEqual(['RunStarted', 'AgentSelected', 'ToolCallRequested', 'RunPaused']);
    expect(follower.events[2]).toMatchObject({ callId: 'call_f', tool: 'locate', seq: 3 });

    const submitted = (await ok(urlA, SUBMIT, { r: runId, results: [{ callId: 'call_f', error: 'denied by the browser' }] })).submitToolResults;
    expect(submitted).toMatchObject({ status: 'COMPLETE', message: { content: 'Found.' } });
    await Promise.all([follower.done, stream.done]);
    expect(follower.errors).toEqual([]);
    expect(typesOf(follower.events).slice(3)).toEqual(['RunPaused', 'RunResumed', 'ToolCallCompleted', 'TokenDelta', 'MessageCompleted']);
    expect(follower.events.map((e) => e.seq)).toEqual(stream.events.map((e) => e.seq));
    expect(follower.events.find((e) => e.__typename === 'ToolCallCompleted')).toMatchObject({ callId: 'call_f', isError: true, result: 'denied by the browser' });
    expect((await answerRow(runId)).tool_calls[0].calls[0]).toMatchObject({ isError: true, submitted: { by: { userId: 'alice' } } });
  });

  describe.each([
    ['stopped (SIGTERM)', 'SIGTERM'],
    ['killed (SIGKILL)', 'SIGKILL'],
  ] as const)('A %s while a run waits there', (_how, signal) => {
    it('the result submitted on B revives the run on B and completes it; a runEvents subscriber on B sees the pause and the rest', async () => {
      fake.enqueue({ tokens: ['Checking. '], toolCalls: [{ id: 'call_r', name: 'locate', arguments: {} }] }, { text: 'Oslo.' });
      const { stream, runId } = await pausedOn(urlA, `Where? (${signal})`);
      a.child.kill(signal);
      await a.exited;
      await stream.done;
      // Stopping never ends a paused run: it still waits, stored.
      expect(await answerRow(runId)).toMatchObject({ status: 'WAITING', content: 'Checking. ' });

      const follower = sseSubscription(urlB, RUN_EVENTS, { r: runId, after: 0 }, alice);
      await until(() => follower.events.some((e) => e.__typename === 'RunPaused'), 'B to show the pause');
      const submitted = (await ok(urlB, SUBMIT, { r: runId, results: [{ callId: 'call_r', output: 'Oslo' }] })).submitToolResults;
      expect(submitted).toEqual({ runId, status: 'COMPLETE', message: { content: 'Checking. Oslo.', status: 'COMPLETE' }, pendingToolCalls: [] });
      await follower.done;
      expect(follower.errors).toEqual([]);
      expect(typesOf(follower.events)).toEqual(['RunStarted', 'AgentSelected', 'TokenDelta', 'ToolCallRequested', 'RunPaused', 'RunResumed', 'ToolCallCompleted', 'TokenDelta', 'MessageCompleted']);
      expect(follower.events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(follower.events.at(-1)).toMatchObject({ content: 'Checking. Oslo.' });

      const row = await answerRow(runId);
      expect(row).toMatchObject({ status: 'COMPLETE', pending: null, error_code: null });
      expect(row.tool_calls[0].calls[0]).toMatchObject({ callId: 'call_r', result: 'Oslo', executedBy: 'client', submitted: { by: { userId: 'alice', admin: false } } });
      // The context was rebuilt from what is stored: the question, then the round.
      expect(fake.requests).toHaveLength(2);
      expect(fake.requests[1]!.body.messages.slice(-3)).toEqual([
        { role: 'user', content: `Where? (${signal})` },
        { role: 'assistant', content: 'Checking. ', tool_calls: [{ id: 'call_r', type: 'function', function: { name: 'locate', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'call_r', content: 'Oslo' },
      ]);
      ({ gateway: a, url: urlA } = await start());
    });
  });
});
