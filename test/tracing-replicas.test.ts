import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createBackend, type StorageBackend } from './support/backends.js';
import { FakeOpenAI } from './support/fake-openai.js';
import { ADMIN_KEY, startTestGateway, type TestGateway } from './support/gateway.js';
import { OtlpReceiver } from './support/otlp-receiver.js';
import { hasRedisServer, TestRedis } from './support/redis-server.js';
import { collect } from './support/subscriptions.js';

/**
 * Traces across two replicas sharing PostgreSQL and Redis: a run started on A and followed, or
 * paused and resumed, through B stays one trace: B's operation links to A's run span, and the
 * resumed stretch is a child of the run's span as it paused.
 */

const skipReason = !process.env.TEST_DATABASE_URL ? 'TEST_DATABASE_URL is not set' : !hasRedisServer ? 'redis-server is not installed' : undefined;
if (skipReason) console.info(`${skipReason}: test/tracing-replicas.test.ts (two replicas on PostgreSQL and Redis) is skipped.`);

const LOCATE = { name: 'locate', description: 'The user’s position', parameters: { type: 'object', properties: {} } };
const CHAT = `mutation Ask($input: ChatInput!) { chat(input: $input) { runId status pendingToolCalls { callId } } }`;
const SUBMIT = `mutation Submit($r: ID!, $results: [ToolResultInput!]!) { submitToolResults(runId: $r, results: $results) { runId status message { content } } }`;
const CHAT_STREAM = `subscription Stream($input: ChatInput!) { chatStream(input: $input) { __typename ... on RunEventFields { runId } } }`;
const RUN_EVENTS = `subscription Follow($r: ID!) { runEvents(runId: $r) { __typename ... on MessageCompleted { content } } }`;

describe.skipIf(skipReason !== undefined)('traces across two replicas', { timeout: 60_000 }, () => {
  let receiver: OtlpReceiver;
  let fake: FakeOpenAI;
  let redis: TestRedis;
  let backend: StorageBackend;
  let a: TestGateway;
  let b: TestGateway;
  const env = (replica: string) => ({
    OPENAI_BASE_URL: fake.url,
    OPENAI_API_KEY: 'test-key',
    MODEL_MAX_RETRIES: '0',
    ENABLE_EMBEDDINGS: 'false',
    REDIS_URL: redis.url,
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_BSP_SCHEDULE_DELAY: '10',
    OTEL_RESOURCE_ATTRIBUTES: `service.instance.id=${replica}`,
  });

  beforeAll(async () => {
    [receiver, fake, redis, backend] = await Promise.all([OtlpReceiver.start(), FakeOpenAI.start(), TestRedis.start(), createBackend('postgres')]);
    a = await startTestGateway({ ...backend, dispose: async () => {} }, env('a'));
    b = await startTestGateway({ ...backend, dispose: async () => {} }, env('b'));
    await a.gql(`mutation { createAgent(input: { id: "helper", systemMessage: "You are helper." }) { id } }`, {}, ADMIN_KEY);
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
    await backend?.dispose();
    await Promise.all([fake?.close(), redis?.stop(), receiver?.close()]);
  });
  beforeEach(() => {
    receiver.clear();
    fake.reset();
  });

  const runSpans = (runId: string) => receiver.spans.filter((span) => span.name === 'invoke_agent helper' && span.attributes['muxgate.run.id'] === runId);

  it('a run paused on A and resumed through B is one trace: the resumed stretch is the paused span’s child, B’s operation links to it', async () => {
    fake.enqueue({ toolCalls: [{ id: 'call_loc', name: 'locate', arguments: {} }], finishReason: 'tool_calls' }, { text: 'You are in Oslo.' });
    const paused = (await a.gql(CHAT, { input: { agentId: 'helper', message: 'Where am I?', clientTools: [LOCATE] } }, ADMIN_KEY)).body.data.chat;
    expect(paused.status).toBe('WAITING');
    const first = await receiver.waitFor((span) => span.attributes['muxgate.run.id'] === paused.runId && span.attributes['muxgate.run.status'] === 'WAITING', 'the paused run');
    expect(first.resource['service.instance.id']).toBe('a');

    const submitted = (await b.gql(SUBMIT, { r: paused.runId, results: [{ callId: 'call_loc', output: { city: 'Oslo' } }] }, ADMIN_KEY)).body.data.submitToolResults;
    expect(submitted).toMatchObject({ status: 'COMPLETE', message: { content: 'You are in Oslo.' } });

    const resumed = await receiver.waitFor((span) => span.attributes['muxgate.run.id'] === paused.runId && span.attributes['muxgate.run.resumed'] === true, 'the resumed run');
    expect(resumed).toMatchObject({ traceId: first.traceId, parentSpanId: first.spanId });
    expect(receiver.childrenOf(resumed).map((span) => span.name)).toContain('chat gpt-4o');
    const operation = await receiver.waitFor((span) => span.name === 'mutation Submit', 'B’s operation');
    expect(operation.resource['service.instance.id']).toBe('b');
    expect(operation.links).toContainEqual({ traceId: first.traceId, spanId: first.spanId });
    expect(runSpans(paused.runId)).toHaveLength(2);
  });

  it('a run executing on A and followed on B: B’s runEvents operation links to A’s run span', async () => {
    let release!: () => void;
    fake.enqueue({ tokens: ['One ', 'two ', 'three'], waitAfterTokens: { tokens: 1, until: new Promise<void>((resolve) => (release = resolve)) } });
    const stream = collect(a.ws({ authorization: `Bearer ${ADMIN_KEY}` }), CHAT_STREAM, { input: { agentId: 'helper', message: 'count' } });
    await stream.next(3);
    const runId = stream.results[0]!.data!.chatStream.runId as string;
    const follower = collect(b.ws({ authorization: `Bearer ${ADMIN_KEY}` }), RUN_EVENTS, { r: runId });
    await follower.next(1);
    release();
    await follower.ended();
    await stream.ended();
    expect(follower.results.at(-1)!.data!.runEvents).toEqual({ __typename: 'MessageCompleted', content: 'One two three' });

    const run = await receiver.waitFor((span) => span.attributes['muxgate.run.id'] === runId && span.name === 'invoke_agent helper', 'A’s run');
    const operation = await receiver.waitFor((span) => span.name === 'subscription Follow', 'B’s operation');
    expect(operation.resource['service.instance.id']).toBe('b');
    expect(operation.attributes['muxgate.run.id']).toBe(runId);
    expect(operation.links).toContainEqual({ traceId: run.traceId, spanId: run.spanId });
  });
});
