import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { storageBackendNames } from './support/backends.js';
import { type Behaviour, FakeOpenAI, type RecordedRequest } from './support/fake-openai.js';
import { ADMIN_KEY, startTestGateway, type TestGateway } from './support/gateway.js';
import { upstreamWorld } from './support/gateway-with-upstream.js';
import { KIND, OtlpReceiver, type ReceivedSpan } from './support/otlp-receiver.js';
import { collect } from './support/subscriptions.js';
import { ConfigError, loadConfig } from '../src/config.js';

/**
 * Traces: the gateway exports OTLP/HTTP to a receiver this file starts; the spans that arrive are
 * decoded and checked as a collector would show them: the tree of a chat (request or operation ->
 * run -> route, context, model, store), GenAI attributes, no message text unless asked, a caller's
 * traceparent honoured (HTTP and connection_init) and returned, log lines carrying the trace id,
 * delegation, a collector that is down, and tracing off.
 */

const receiver = await OtlpReceiver.start();
afterAll(() => receiver.close());

const TRACED = { OTEL_EXPORTER_OTLP_ENDPOINT: '', OTEL_BSP_SCHEDULE_DELAY: '10', OTEL_SERVICE_NAME: 'muxgate-test', LOG_LEVEL: 'debug', ENABLE_EMBEDDINGS: 'false' };
const CHAT = `mutation Ask($input: ChatInput!) { chat(input: $input) { runId conversationId message { content } } }`;
const CHAT_STREAM = `subscription Stream($input: ChatInput!) { chatStream(input: $input) { __typename ... on RunEventFields { runId } ... on MessageCompleted { content } } }`;
const CREATE = `mutation($input: CreateAgentInput!) { createAgent(input: $input) { id } }`;
const usage = { prompt_tokens: 11, completion_tokens: 3, total_tokens: 14 };
const SECRET_WORDS = 'my very secret question';
const CALLER_TRACE = '0af7651916cd43dd8448eb211c80319c';
const CALLER_SPAN = 'b7ad6b7169203331';
const traceparent = `00-${CALLER_TRACE}-${CALLER_SPAN}-01`;

const oneAgent = ({ gw }: { gw: TestGateway }) => gw.gql(CREATE, { input: { id: 'helper', systemMessage: 'You are helper.' } }, ADMIN_KEY);
const runSpanOf = (runId: string) => receiver.waitFor((span) => span.name.startsWith('invoke_agent') && span.attributes['muxgate.run.id'] === runId, `for run ${runId}`);
/** A run's stages, once its last one (the answer's store) has arrived. */
async function stagesOf(run: ReceivedSpan): Promise<string[]> {
  await receiver.waitFor((span) => span.parentSpanId === run.spanId && span.name === 'store_answer', 'store_answer');
  return receiver.childrenOf(run).map((span) => span.name).sort();
}

describe.each(storageBackendNames())('traces on %s', (backend) => {
  let fake: FakeOpenAI, gw: TestGateway;
  const world = upstreamWorld(backend, { ...TRACED, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url }, async ({ gw }) => {
    await gw.gql(CREATE, { input: { id: 'helper', systemMessage: 'You are helper.', description: 'Answers questions' } }, ADMIN_KEY);
    await gw.gql(CREATE, { input: { id: 'other', systemMessage: 'You are other.', description: 'Answers other questions' } }, ADMIN_KEY);
  });
  beforeAll(() => {
    ({ fake, gw } = world);
  });
  beforeEach(() => {
    receiver.clear();
    gw.logs.length = 0;
  });

  it('a chat over HTTP GraphQL: request -> operation -> run -> route, context, model, stores; GenAI attributes; no message text', async () => {
    // Two agents, none named: the routing model chooses (its call is a `chat` span under `route`).
    fake.enqueue({ text: '{"agentId":"helper","confidence":0.9,"reason":"fits"}', usage }, { text: 'Hello there', usage });
    const response = await gw.gql(CHAT, { input: { message: SECRET_WORDS } }, ADMIN_KEY);
    expect(response.body.errors).toBeUndefined();
    const { runId, conversationId } = response.body.data.chat;

    const run = await runSpanOf(runId);
    expect(run.name).toBe('invoke_agent helper');
    expect(run.attributes).toMatchObject({ 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'helper', 'gen_ai.conversation.id': conversationId, 'muxgate.run.id': runId, 'gen_ai.usage.input_tokens': 11, 'gen_ai.usage.output_tokens': 3 });
    expect(await stagesOf(run)).toEqual(['build_context', 'chat gpt-4o', 'route', 'store_answer', 'store_turn']);

    const model = receiver.childrenOf(run).find((span) => span.name === 'chat gpt-4o')!;
    expect(model.kind).toBe(KIND.client);
    expect(model.attributes).toMatchObject({ 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 11, 'gen_ai.usage.output_tokens': 3, 'gen_ai.response.finish_reasons': ['stop'] });
    const route = receiver.childrenOf(run).find((span) => span.name === 'route')!;
    expect(route.attributes).toMatchObject({ 'gen_ai.agent.name': 'helper', 'muxgate.routing.strategy': 'ROUTING_MODEL' });
    expect(receiver.childrenOf(route).map((span) => span.name)).toEqual(['chat gpt-4o-mini']);

    // Above the run: the operation, then the HTTP request (a server span, the trace's root).
    const operation = receiver.spans.find((span) => span.spanId === run.parentSpanId)!;
    expect(operation).toMatchObject({ name: 'mutation Ask', kind: KIND.internal, attributes: { 'graphql.operation.type': 'mutation', 'graphql.operation.name': 'Ask' } });
    const request = await receiver.waitFor((span) => span.spanId === operation.parentSpanId, 'the HTTP request');
    expect(request).toMatchObject({ name: 'POST /graphql', kind: KIND.server, parentSpanId: undefined, attributes: { 'http.request.method': 'POST', 'url.path': '/graphql', 'http.response.status_code': 200 } });
    expect(request.resource['service.name']).toBe('muxgate-test');
    // The response names the request's span.
    expect(response.headers.get('traceparent')).toBe(`00-${request.traceId}-${request.spanId}-01`);
    // Message text stays out of spans unless OTEL_CAPTURE_CONTENT=true.
    expect(receiver.bodies.join('\n')).not.toContain(SECRET_WORDS);
    expect(receiver.bodies.join('\n')).not.toContain('Hello there');
  });

  it('honours a caller’s traceparent over HTTP: the request span is its child, in its trace; log lines carry the trace id', async () => {
    fake.setDefault({ text: 'Fine', usage });
    const response = await fetch(gw.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}`, traceparent },
      body: JSON.stringify({ query: CHAT, variables: { input: { agentId: 'helper', message: 'hi' } } }),
    });
    const body = await response.json();
    const run = await runSpanOf(body.data.chat.runId);
    expect(run.traceId).toBe(CALLER_TRACE);
    const request = await receiver.waitFor((span) => span.kind === KIND.server && span.traceId === CALLER_TRACE, 'the request');
    expect(request.parentSpanId).toBe(CALLER_SPAN);
    expect(response.headers.get('traceparent')).toBe(`00-${CALLER_TRACE}-${request.spanId}-01`);
    const lines = gw.logs.map((line) => JSON.parse(line) as { reqId?: string; traceId?: string; msg: string });
    const requestLines = lines.filter((line) => line.reqId);
    expect(requestLines.length).toBeGreaterThan(1);
    expect(requestLines.every((line) => line.traceId === CALLER_TRACE)).toBe(true);
  });

  it('follows the caller’s sampling decision (parentbased): an unsampled traceparent records nothing, and says so back', async () => {
    fake.setDefault({ text: 'Quiet', usage });
    const traceId = randomBytes(16).toString('hex');
    const response = await fetch(gw.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}`, traceparent: `00-${traceId}-${CALLER_SPAN}-00` },
      body: JSON.stringify({ query: CHAT, variables: { input: { agentId: 'helper', message: 'hi' } } }),
    });
    const { runId } = (await response.json()).data.chat;
    expect(response.headers.get('traceparent')).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-00$`));
    // A sampled chat after it: once its spans have arrived, the unsampled one's would have too.
    const next = await gw.gql(CHAT, { input: { agentId: 'helper', message: 'hi again' } }, ADMIN_KEY);
    await stagesOf(await runSpanOf(next.body.data.chat.runId));
    expect(receiver.spans.filter((span) => span.traceId === traceId || span.attributes['muxgate.run.id'] === runId)).toEqual([]);
  });

  /** Each HTTP surface, its body read to the end; each call with a trace of its own. */
  const surfaces: Array<[string, (headers: Record<string, string>) => Promise<Response>]> = [
    ['POST /graphql (GraphQL over SSE)', (headers) => fetch(gw.graphqlUrl, { method: 'POST', headers: { ...headers, 'content-type': 'application/json', accept: 'text/event-stream' }, body: JSON.stringify({ query: CHAT_STREAM, variables: { input: { agentId: 'helper', message: 'hi' } } }) })],
    ['POST /chat/:agent_name (REST)', (headers) => fetch(`${gw.url}/chat/helper`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ message: 'hi' }) })],
    ['POST /runs (REST event stream)', (headers) => fetch(`${gw.url}/runs`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ message: 'hi', agent_id: 'helper' }) })],
    ['POST /v1/chat/completions (streaming)', (headers) => fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'helper', stream: true, messages: [{ role: 'user', content: 'hi' }] }) })],
  ];
  for (const [surface, call] of surfaces) {
    it(`honours a caller’s traceparent on ${surface}: the run is in the caller’s trace, under the request span`, async () => {
      fake.setDefault({ text: 'Fine', usage });
      const traceId = randomBytes(16).toString('hex');
      const response = await call({ authorization: `Bearer ${ADMIN_KEY}`, traceparent: `00-${traceId}-${CALLER_SPAN}-01` });
      expect(response.status).toBe(200);
      await response.text();
      const request = await receiver.waitFor((span) => span.traceId === traceId && span.kind === KIND.server, 'the request');
      expect(request.parentSpanId).toBe(CALLER_SPAN);
      expect(response.headers.get('traceparent')).toBe(`00-${traceId}-${request.spanId}-01`);
      const run = await receiver.waitFor((span) => span.traceId === traceId && span.name === 'invoke_agent helper', 'the run');
      // Directly under the request, or under the GraphQL operation under it.
      const parent = receiver.spans.find((span) => span.spanId === run.parentSpanId)!;
      expect(parent.spanId === request.spanId || parent.parentSpanId === request.spanId).toBe(true);
      expect(await stagesOf(run)).toContain('chat gpt-4o');
    });
  }

  it('a chatStream over graphql-ws: a server span per operation, a child of connection_init’s traceparent; the run under it', async () => {
    fake.setDefault({ text: 'Streamed words', usage });
    const sub = collect(gw.ws({ authorization: `Bearer ${ADMIN_KEY}`, traceparent }), CHAT_STREAM, { input: { agentId: 'helper', message: 'stream it' } });
    await sub.ended();
    expect(sub.error).toBeUndefined();
    const runId = sub.results[0]!.data!.chatStream.runId;
    const run = await runSpanOf(runId);
    expect(await stagesOf(run)).toEqual(['build_context', 'chat gpt-4o', 'store_answer', 'store_turn']);
    const operation = await receiver.waitFor((span) => span.spanId === run.parentSpanId, 'the operation');
    expect(operation).toMatchObject({ name: 'subscription Stream', kind: KIND.server, traceId: CALLER_TRACE, parentSpanId: CALLER_SPAN });

    // An operation's log lines (a client error, logged at debug) carry its trace id beside the socket's reqId.
    const missing = collect(gw.ws({ authorization: `Bearer ${ADMIN_KEY}`, traceparent }), `query Missing { agent(id: "nobody") { id } }`);
    await missing.ended();
    expect(missing.results[0]?.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const line = gw.logs.map((text) => JSON.parse(text)).find((logged) => logged.code === 'NOT_FOUND');
    const missingOperation = await receiver.waitFor((span) => span.name === 'query Missing', 'the failed operation');
    expect(missingOperation.status).toMatchObject({ code: 2, message: 'NOT_FOUND' });
    expect(line).toMatchObject({ reqId: expect.stringMatching(/^ws-/), traceId: CALLER_TRACE, spanId: missingOperation.spanId });
  });

  it('each tool call is an execute_tool span; a delegation’s child run is a child of its tool call', async () => {
    await gw.gql(CREATE, { input: { id: 'triage', systemMessage: 'You are triage.', delegates: ['helper'] } }, ADMIN_KEY);
    fake.setDefault((request: RecordedRequest): Behaviour => {
      const system = request.body.messages[0]?.content ?? '';
      if (system.startsWith('You are helper.')) return { text: 'Helped', usage };
      const asked = request.body.messages.some((message: any) => message.role === 'tool');
      return asked ? { text: 'Done', usage } : { toolCalls: [{ id: 'call_1', name: 'ask_helper', arguments: { question: 'Help?' } }], finishReason: 'tool_calls', usage };
    });
    const response = await gw.gql(CHAT, { input: { agentId: 'triage', message: 'go' } }, ADMIN_KEY);
    expect(response.body.errors).toBeUndefined();
    const parent = await runSpanOf(response.body.data.chat.runId);
    await stagesOf(parent);
    const tool = receiver.childrenOf(parent).find((span) => span.name === 'execute_tool ask_helper')!;
    expect(tool.attributes).toMatchObject({ 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'ask_helper', 'gen_ai.tool.call.id': 'call_1' });
    const child = await receiver.waitFor((span) => span.name === 'invoke_agent helper' && span.parentSpanId === tool.spanId, 'the child run');
    expect(child.traceId).toBe(parent.traceId);
    expect(child.attributes['muxgate.run.parent_id']).toBe(response.body.data.chat.runId);
    expect(receiver.childrenOf(child).map((span) => span.name)).toContain('chat gpt-4o');
  });

  it('/metrics counts no dropped spans while the collector answers; probes and scrapes are not traced', async () => {
    const scrape = await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    expect(await scrape.text()).toContain('muxgate_trace_spans_dropped_total{reason="export_failed"} 0');
    const probe = await fetch(`${gw.url}/health`);
    expect([scrape.headers.get('traceparent'), probe.headers.get('traceparent')]).toEqual([null, null]);
  });
});

describe('traces with OTEL_CAPTURE_CONTENT=true and fact extraction', () => {
  const world = upstreamWorld('pglite', { ...TRACED, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_CAPTURE_CONTENT: 'true', AUTO_EXTRACT_USER_INFO: 'true' }, oneAgent);
  beforeEach(() => receiver.clear());

  it('traces fact extraction (AUTO_EXTRACT_USER_INFO) as a model call in the run’s trace, after the answer', async () => {
    world.fake.enqueue({ text: 'Noted', usage }, { text: JSON.stringify({ facts: [] }), usage });
    const response = await world.gw.gql(CHAT, { input: { message: 'I live in Oslo' } }, world.alice);
    expect(response.body.errors).toBeUndefined();
    await world.gw.orchestrator.extractor!.settle();
    const run = await runSpanOf(response.body.data.chat.runId);
    const extracting = await receiver.waitFor((span) => span.name === 'extract_facts' && span.parentSpanId === run.spanId, 'the extraction');
    const extraction = await receiver.waitFor((span) => span.name === 'chat gpt-4o-mini' && span.parentSpanId === extracting.spanId, 'the extraction’s model call');
    expect(extraction.attributes).toMatchObject({ 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 11 });
  });

  it('puts the messages and the answer in gen_ai.input.messages / gen_ai.output.messages', async () => {
    world.fake.setDefault({ text: 'The secret answer', usage });
    const response = await world.gw.gql(CHAT, { input: { message: SECRET_WORDS } }, ADMIN_KEY);
    const run = await runSpanOf(response.body.data.chat.runId);
    await stagesOf(run);
    const model = receiver.childrenOf(run).find((span) => span.name.startsWith('chat '))!;
    expect(JSON.parse(String(model.attributes['gen_ai.input.messages']))).toContainEqual({ role: 'user', parts: [{ type: 'text', content: SECRET_WORDS }] });
    expect(JSON.parse(String(model.attributes['gen_ai.output.messages']))).toEqual([{ role: 'assistant', parts: [{ type: 'text', content: 'The secret answer' }] }]);
    expect(run.attributes['gen_ai.output.messages']).toContain('The secret answer');
  });
});

describe('a collector that is down', () => {
  let fake: FakeOpenAI;
  const world = upstreamWorld('pglite', { ...TRACED, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', OTEL_EXPORTER_OTLP_TIMEOUT: '500' }, oneAgent);
  beforeAll(() => {
    fake = world.fake;
  });

  it('leaves the chat unaffected; the spans it could not send are counted on /metrics', async () => {
    fake.setDefault({ text: 'Still here', usage });
    const response = await world.gw.gql(CHAT, { input: { message: 'hello' } }, ADMIN_KEY);
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data.chat.message.content).toBe('Still here');
    const dropped = async () => {
      const text = await (await fetch(`${world.gw.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).text();
      return Number(/muxgate_trace_spans_dropped_total\{reason="export_failed"\} (\d+)/.exec(text)?.[1] ?? 0);
    };
    const deadline = Date.now() + 10_000;
    while ((await dropped()) === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await dropped()).toBeGreaterThan(0);
  });
});

describe('a collector that hangs', () => {
  let hanging: OtlpReceiver;
  let release: () => void;
  let fake: FakeOpenAI;
  let gw: TestGateway;
  beforeAll(async () => {
    hanging = await OtlpReceiver.start();
    release = hanging.hold();
    fake = await FakeOpenAI.start();
    // One span per export, a queue of two: while the first export hangs (no timeout near), two spans wait and the rest overflow.
    gw = await startTestGateway('pglite', { ...TRACED, OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: 'test-key', OTEL_EXPORTER_OTLP_ENDPOINT: hanging.url, OTEL_BSP_MAX_QUEUE_SIZE: '2', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '1', OTEL_EXPORTER_OTLP_TIMEOUT: '120000', OTEL_BSP_EXPORT_TIMEOUT: '120000' });
    await oneAgent({ gw });
  });
  afterAll(async () => {
    release?.();
    await gw?.stop();
    await fake?.close();
    await hanging?.close();
  });

  it('leaves the chat unaffected; the spans its full queue could not take are counted as queue_full, and the queued ones arrive once it answers', async () => {
    hanging.clear();
    fake.setDefault({ text: 'Still here', usage });
    const response = await gw.gql(CHAT, { input: { message: 'hello' } }, ADMIN_KEY);
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data.chat.message.content).toBe('Still here');
    const scrape = await (await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).text();
    const counted = (reason: string) => Number(new RegExp(`muxgate_trace_spans_dropped_total\\{reason="${reason}"\\} (\\d+)`).exec(scrape)?.[1]);
    expect(counted('queue_full')).toBeGreaterThan(0);
    expect(counted('export_failed')).toBe(0);
    // Once it answers: the export that hung and the two queued behind it arrive, and nothing more was kept.
    release();
    await hanging.waitFor(() => hanging.spans.length >= 3, 'the three spans kept');
    await gw.stop();
    expect(hanging.spans.length).toBe(3);
  });
});

describe('shutdown', () => {
  let fake: FakeOpenAI;
  let gw: TestGateway;
  beforeAll(async () => {
    fake = await FakeOpenAI.start();
    // Ten minutes between exports: only the shutdown's flush can send this file's last spans.
    gw = await startTestGateway('pglite', { ...TRACED, OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: 'test-key', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '600000' });
    await oneAgent({ gw });
  });
  afterAll(() => fake?.close());

  it('flushes the spans still queued when the gateway stops', async () => {
    receiver.clear();
    fake.setDefault({ text: 'Bye', usage });
    const response = await gw.gql(CHAT, { input: { message: 'last words' } }, ADMIN_KEY);
    expect(response.body.errors).toBeUndefined();
    expect(receiver.spans).toEqual([]);
    await gw.stop();
    expect(receiver.spans.map((span) => span.name)).toEqual(expect.arrayContaining(['POST /graphql', 'mutation Ask', 'invoke_agent helper', 'chat gpt-4o', 'store_answer']));
  });
});

describe('tracing off (no OTEL_EXPORTER_OTLP_ENDPOINT)', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    receiver.clear();
    gw = await startTestGateway('pglite', { OTEL_BSP_SCHEDULE_DELAY: '10' });
  });
  afterAll(() => gw.stop());

  it('returns no traceparent, exports nothing, and /metrics has no span counter', async () => {
    const response = await fetch(gw.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json', traceparent }, body: JSON.stringify({ query: '{ health { status } }' }) });
    expect(await response.json()).toEqual({ data: { health: { status: 'OK' } } });
    expect(response.headers.get('traceparent')).toBeNull();
    const metrics = await (await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).text();
    expect(metrics).not.toContain('muxgate_trace_spans_dropped_total');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(receiver.spans).toEqual([]);
  });
});

describe('tracing configuration (the standard OTEL_* variables)', () => {
  const problems = (env: Record<string, string>) => {
    try {
      loadConfig(env);
      return [];
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      return error.problems;
    }
  };

  it('is off without an endpoint, or with OTEL_SDK_DISABLED', () => {
    expect(loadConfig({ OTEL_TRACES_SAMPLER: 'always_on', OTEL_CAPTURE_CONTENT: 'true' }).tracing).toBeUndefined();
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' }).tracing).toBeUndefined();
  });

  it('reads the endpoint, headers, sampler, batch settings and resource as the specification does', () => {
    expect(
      loadConfig({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/',
        OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=abc%20def,x-team=ai',
        OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-team=traces',
        OTEL_SERVICE_NAME: 'gw',
        OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=prod',
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0.1',
        OTEL_BSP_SCHEDULE_DELAY: '200',
      }).tracing,
    ).toMatchObject({
      tracesUrl: 'http://collector:4318/v1/traces',
      headers: { 'x-api-key': 'abc def', 'x-team': 'traces' },
      serviceName: 'gw',
      resourceAttributes: { 'deployment.environment.name': 'prod' },
      sampler: 'parentbased_traceidratio',
      samplerRatio: 0.1,
      captureContent: false,
      batch: { scheduleDelayMs: 200, maxQueueSize: 2048, maxExportBatchSize: 512 },
    });
    // The traces' own endpoint is used as given.
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://b/otlp/traces' }).tracing?.tracesUrl).toBe('https://b/otlp/traces');
  });

  it('stops start-up naming the variable when one is malformed, hiding header values', () => {
    expect(
      problems({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'localhost:4318',
        OTEL_TRACES_SAMPLER: 'jaeger_remote',
        OTEL_TRACES_SAMPLER_ARG: '1.5',
        OTEL_EXPORTER_OTLP_HEADERS: 'secret-token-without-a-key',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      }),
    ).toEqual([
      expect.stringMatching(/^OTEL_EXPORTER_OTLP_ENDPOINT="localhost:4318": must be an http:\/\/ or https:\/\/ URL/),
      expect.stringMatching(/^OTEL_EXPORTER_OTLP_PROTOCOL="grpc": must be http\/json or http\/protobuf/),
      'OTEL_EXPORTER_OTLP_HEADERS=(hidden): must be a comma-separated list of key=value pairs',
      expect.stringMatching(/^OTEL_TRACES_SAMPLER="jaeger_remote": must be one of always_on, /),
      'OTEL_TRACES_SAMPLER_ARG="1.5": must be at most 1',
    ]);
  });
});

describe.each(storageBackendNames())('traces beside the usage ledger on %s', (backend) => {
  // Embeddings on: hybrid routing embeds the message inside the traced `route` stage.
  const world = upstreamWorld(backend, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '10', ROUTING_LLM_MODEL: 'gpt-4o-mini' }, async ({ gw }) => {
    await gw.gql(CREATE, { input: { id: 'helper', systemMessage: 'You are helper.', description: 'Answers questions' } }, ADMIN_KEY);
    await gw.gql(CREATE, { input: { id: 'aide', systemMessage: 'You are aide.', description: 'Answers questions' } }, ADMIN_KEY);
  });

  it('a traced embedding call is still charged in the ledger, and its span carries its input tokens', async () => {
    world.fake.enqueue({ text: '{"agentId":"helper","confidence":0.9,"reason":"fits"}', usage }, { text: 'Hello there', usage });
    const response = await world.gw.gql(CHAT, { input: { message: 'hello there friend' } }, ADMIN_KEY);
    expect(response.body.errors).toBeUndefined();
    const { runId } = response.body.data.chat;
    await world.gw.orchestrator.usage.flush();
    const rows = await world.gw.database.db.selectFrom('usage_entries').selectAll().where('run_id', '=', runId).orderBy('id').execute();
    const embedding = rows.find((row) => row.purpose === 'EMBEDDING');
    expect(embedding).toMatchObject({ run_id: runId, model: 'text-embedding-3-small', output_tokens: 0 });
    expect(embedding!.input_tokens).toBeGreaterThan(0);
    const route = await receiver.waitFor((span) => span.name === 'route' && span.traceId === (receiver.spans.find((s) => s.attributes['muxgate.run.id'] === runId)?.traceId ?? ''), 'the route span');
    const embeddings = await receiver.waitFor((span) => span.parentSpanId === route.spanId && span.name === 'embeddings text-embedding-3-small', 'the embeddings span');
    expect(embeddings.attributes['gen_ai.usage.input_tokens']).toBe(embedding!.input_tokens);
  });
});
