import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createBackend, type StorageBackend } from './support/backends.js';
import { type Behaviour, FakeOpenAI, type RecordedRequest } from './support/fake-openai.js';
import { type GatewayProcess, postGraphQL, runGateway } from './support/process.js';
import { hasRedisServer, TestRedis } from './support/redis-server.js';
import { sseSubscription, until } from './support/replica-streams.js';

/**
 * Delegation across two replicas sharing PostgreSQL and Redis: a parent run executing on A is
 * followed on B with its children's forwarded events, a child run is followed on B on its own,
 * and cancelling the parent on B cancels the child executing on A.
 */

const ADMIN = 'replicas-teams-admin-key-0123456789';
const asAdmin = { authorization: `Bearer ${ADMIN}` };
const EVENTS = `__typename
  ... on RunEventFields { runId seq }
  ... on RunStarted { conversationId agentId }
  ... on TokenDelta { text }
  ... on ToolCallStarted { callId tool }
  ... on ToolCallCompleted { callId result isError }
  ... on DelegationStarted { parentRunId childRunId agentId }
  ... on DelegationCompleted { childRunId isError }
  ... on MessageCompleted { content }
  ... on RunFailed { code message }`;
const CHAT_STREAM = `subscription($input: ChatInput!) { chatStream(input: $input) { ${EVENTS} } }`;
const RUN_EVENTS = `subscription($r: ID!, $after: Int) { runEvents(runId: $r, after: $after) { ${EVENTS} } }`;
const CANCEL = `mutation($r: ID!) { cancelRun(runId: $r) }`;

const systemOf = (request: RecordedRequest): string => request.body.messages[0]?.content ?? '';
const toolResults = (request: RecordedRequest): string[] => request.body.messages.filter((m: any) => m.role === 'tool').map((m: any) => m.content);
/** The run's events apart from its token deltas (Redis may merge deltas written in one tick), in order. */
const shapeOf = (events: any[]) => events.filter((e) => e.__typename !== 'TokenDelta').map((e) => `${e.__typename}:${e.runId}`);
const textOf = (events: any[], runId: string) => events.filter((e) => e.__typename === 'TokenDelta' && e.runId === runId).map((e) => e.text).join('');

const skipReason = !process.env.TEST_DATABASE_URL ? 'TEST_DATABASE_URL is not set' : !hasRedisServer ? 'redis-server is not installed' : undefined;
if (skipReason) console.info(`${skipReason}: test/replicas-teams.test.ts (two replicas on PostgreSQL and Redis) is skipped.`);

describe.skipIf(skipReason !== undefined)('delegation across two replicas', { timeout: 120_000 }, () => {
  let fake: FakeOpenAI;
  let backend: StorageBackend;
  let redis: TestRedis;
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
  /** Each run's answer row as stored (the database both replicas share). */
  const answerRows = async (runIds: string[]) => {
    const { rows } = await database.query(`select run_id, agent_id, status, content, error_code from messages where run_id = any($1) and role = 'assistant'`, [runIds]);
    return Object.fromEntries(rows.map((row) => [row.run_id, row]));
  };

  /** Triage asks billing once, then answers with what it heard; billing answers as `billing` says. */
  const team =
    (billing: Behaviour) =>
    (request: RecordedRequest): Behaviour => {
      if (systemOf(request).startsWith('You are billing.')) return billing;
      const results = toolResults(request);
      if (results.length === 0) return { toolCalls: [{ id: 'call_b', name: 'ask_billing', arguments: { question: 'Is the refund approved?' } }], finishReason: 'tool_calls' };
      return { text: `Billing says: ${results.join('')}` };
    };

  beforeAll(async () => {
    fake = await FakeOpenAI.start();
    backend = await createBackend('postgres');
    redis = await TestRedis.start();
    ({ gateway: a, url: urlA } = await start());
    ({ gateway: b, url: urlB } = await start());
    database = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL, options: `-c search_path=${backend.env().DATABASE_SCHEMA}` });
    await database.connect();
    await ok(urlA, 'mutation { createAgent(input: { id: "billing", systemMessage: "You are billing.", description: "Refunds and invoices" }) { id } }', {}, asAdmin);
    await ok(urlA, 'mutation { createAgent(input: { id: "triage", systemMessage: "You are triage.", delegates: ["billing"] }) { id } }', {}, asAdmin);
    const created = await ok(urlA, `mutation { createApiKey(isAdmin: false, userId: "alice") { key } }`, {}, asAdmin);
    alice = { authorization: `Bearer ${created.createApiKey.key}` };
  });
  afterAll(async () => {
    for (const gateway of [a, b]) gateway?.child.kill('SIGKILL');
    await database?.end();
    await redis?.stop();
    await fake?.close();
    await backend?.dispose();
  });
  beforeEach(() => fake.reset());

  /** A chat with triage on A, read until its child (executing on A) has streamed `tokens` deltas. */
  const delegatingOnA = async (message: string, tokens: number) => {
    const stream = sseSubscription(urlA, CHAT_STREAM, { input: { agentId: 'triage', message } }, alice);
    const started = await until(() => stream.ended || stream.events.find((e) => e.__typename === 'DelegationStarted'), 'the delegation to start on A');
    expect(stream.errors).toEqual([]);
    const childRunId: string = started.childRunId;
    await until(() => stream.ended || stream.events.filter((e) => e.runId === childRunId && e.__typename === 'TokenDelta').length >= tokens, 'the child to stream on A');
    return { stream, parentRunId: stream.events[0].runId as string, childRunId };
  };

  it('a parent executing on A is followed on B, its child’s forwarded events included; runEvents(child) on B follows the child alone', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    fake.setDefault(team({ tokens: ['Refund', ' is', ' approved'], waitAfterTokens: { tokens: 1, until: held } }));
    const { stream, parentRunId, childRunId } = await delegatingOnA('My refund?', 1);

    // Both subscribe on B while the child is held mid-answer on A: each replays what was, then follows.
    const parentOnB = sseSubscription(urlB, RUN_EVENTS, { r: parentRunId, after: 0 }, alice);
    const childOnB = sseSubscription(urlB, RUN_EVENTS, { r: childRunId, after: 0 }, alice);
    await until(() => parentOnB.events.some((e) => e.runId === childRunId && e.__typename === 'TokenDelta'), 'B to show the child’s first delta in the parent’s stream');
    await until(() => childOnB.events.some((e) => e.__typename === 'TokenDelta'), 'B to show the child’s first delta in its own stream');
    expect(parentOnB.ended || childOnB.ended).toBe(false);
    release();
    await Promise.all([stream.done, parentOnB.done, childOnB.done]);
    expect([stream.errors, parentOnB.errors, childOnB.errors]).toEqual([[], [], []]);

    // B's follower of the parent saw what A's client saw: the same events (deltas possibly merged), the same seqs.
    expect(shapeOf(parentOnB.events)).toEqual(shapeOf(stream.events));
    expect(shapeOf(parentOnB.events)).toEqual([
      `RunStarted:${parentRunId}`,
      `AgentSelected:${parentRunId}`,
      `ToolCallStarted:${parentRunId}`,
      `DelegationStarted:${parentRunId}`,
      `RunStarted:${childRunId}`,
      `AgentSelected:${childRunId}`,
      `DelegationCompleted:${parentRunId}`,
      `ToolCallCompleted:${parentRunId}`,
      `MessageCompleted:${parentRunId}`,
    ]);
    expect(parentOnB.events.map((e) => e.seq)).toEqual([...new Set(parentOnB.events.map((e) => e.seq))].sort((x, y) => x - y));
    expect(parentOnB.events.at(-1).seq).toBe(stream.events.at(-1).seq);
    expect(textOf(parentOnB.events, childRunId)).toBe('Refund is approved');
    expect(parentOnB.events.find((e) => e.__typename === 'DelegationStarted')).toMatchObject({ parentRunId, childRunId, agentId: 'billing' });
    expect(parentOnB.events.find((e) => e.__typename === 'ToolCallCompleted')).toMatchObject({ callId: 'call_b', result: 'Refund is approved', isError: false });
    expect(parentOnB.events.at(-1)).toMatchObject({ __typename: 'MessageCompleted', content: 'Billing says: Refund is approved' });

    // The child's own stream, its terminal event included.
    expect(shapeOf(childOnB.events)).toEqual([`RunStarted:${childRunId}`, `AgentSelected:${childRunId}`, `MessageCompleted:${childRunId}`]);
    expect(childOnB.events[0]).toMatchObject({ agentId: 'billing' });
    expect(textOf(childOnB.events, childRunId)).toBe('Refund is approved');
    expect(childOnB.events.at(-1)).toMatchObject({ content: 'Refund is approved' });

    const rows = await answerRows([parentRunId, childRunId]);
    expect(rows[parentRunId]).toMatchObject({ agent_id: 'triage', status: 'COMPLETE', content: 'Billing says: Refund is approved' });
    expect(rows[childRunId]).toMatchObject({ agent_id: 'billing', status: 'COMPLETE', content: 'Refund is approved' });
  });

  it('cancelRun of the parent on B cancels the child executing on A: both followers end CANCELLED, both rows CANCELLED', async () => {
    fake.setDefault(team({ tokens: ['Looking', ' it', ' up'], hangAfterTokens: 1 }));
    const { stream, parentRunId, childRunId } = await delegatingOnA('My refund, again?', 1);
    const parentOnB = sseSubscription(urlB, RUN_EVENTS, { r: parentRunId, after: 0 }, alice);
    const childOnB = sseSubscription(urlB, RUN_EVENTS, { r: childRunId, after: 0 }, alice);
    await until(() => parentOnB.events.some((e) => e.runId === childRunId && e.__typename === 'TokenDelta'), 'B to follow the parent into the child');
    await until(() => childOnB.events.some((e) => e.__typename === 'TokenDelta'), 'B to follow the child');

    expect(await ok(urlB, CANCEL, { r: parentRunId })).toEqual({ cancelRun: true });
    await Promise.all([stream.done, parentOnB.done, childOnB.done]);
    expect([stream.errors, parentOnB.errors, childOnB.errors]).toEqual([[], [], []]);
    for (const parent of [stream, parentOnB]) expect(parent.events.at(-1)).toMatchObject({ __typename: 'RunFailed', runId: parentRunId, code: 'CANCELLED' });
    expect(childOnB.events.at(-1)).toMatchObject({ __typename: 'RunFailed', runId: childRunId, code: 'CANCELLED' });

    const rows = await answerRows([parentRunId, childRunId]);
    expect(rows[parentRunId]).toMatchObject({ status: 'CANCELLED', error_code: 'CANCELLED' });
    expect(rows[childRunId]).toMatchObject({ status: 'CANCELLED', error_code: 'CANCELLED', content: 'Looking' });
    // Cancelled once: the child's model call was dropped, and the parent asked its model no second time.
    expect(fake.requests.filter((r) => systemOf(r).startsWith('You are triage.'))).toHaveLength(1);
    expect(await ok(urlA, CANCEL, { r: childRunId })).toEqual({ cancelRun: false });
  });
});
