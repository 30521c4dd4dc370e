import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storageBackendNames } from './support/backends.js';
import { keywordRouter } from './support/fake-routing.js';
import type { RecordedRequest } from './support/fake-openai.js';
import { ADMIN_KEY, startTestGateway, type TestGateway, USER_KEY } from './support/gateway.js';
import { gatewayWithUpstream } from './support/gateway-with-upstream.js';
import { delta, Samples } from './support/prometheus.js';
import { collect, readEventStream } from './support/subscriptions.js';

const METRICS_TOKEN = 'metrics-token-0123456789abcdef';
const CHAT = `mutation($input: ChatInput!) { chat(input: $input) { runId message { content } } }`;
const CHAT_STREAM = `subscription($input: ChatInput!) { chatStream(input: $input) { __typename ... on RunFailed { code } } }`;

/** Routing requests get the keyword router's pick; answers echo. */
const routingOrEcho = (request: RecordedRequest) =>
  String(request.body.messages?.[0]?.content ?? '').startsWith('You route a user message') ? keywordRouter(request) : { text: 'routed answer' };

const world = gatewayWithUpstream(
  {
    METRICS_TOKEN,
    MODEL_MAX_RETRIES: '0',
    ENABLE_MODEL_CACHE: 'true',
    ROUTING_STRATEGY: 'model',
    ENABLE_EMBEDDINGS: 'false',
    RUN_ORPHAN_GRACE_MS: '0',
  },
  async ({ gw }) => {
    await gw.gql(`mutation { createAgent(input: { id: "assistant" }) { id } }`, {}, ADMIN_KEY);
  },
);

const get = (url: string, headers: Record<string, string> = {}) => fetch(url, { headers });

async function scrape(gw: TestGateway = world.gw): Promise<Samples> {
  const response = await get(`${gw.url}/metrics`, { authorization: `Bearer ${ADMIN_KEY}` });
  expect(response.status).toBe(200);
  return new Samples(await response.text());
}

/** Scrapes until `done` holds (a stream's end reaches the gauges when its socket or response closes). */
async function scrapeUntil(done: (samples: Samples) => boolean, what: string): Promise<Samples> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const samples = await scrape();
    if (done(samples)) return samples;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The sum of a histogram's counts over every statement label. */
const statementCounts = (samples: Samples) => new Map(samples.series('muxgate_db_query_duration_seconds_count').map(({ labels, value }) => [labels.statement!, value]));

describe('who may read /metrics', () => {
  it('refuses a request without a credential with 401 and the error contract', async () => {
    const response = await get(`${world.gw.url}/metrics`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(await response.json()).toEqual({
      errors: [{ message: 'Metrics need an admin API key or METRICS_TOKEN (Authorization: Bearer …)', extensions: { code: 'UNAUTHENTICATED' } }],
    });
  });

  it('refuses a wrong credential with 401', async () => {
    const response = await get(`${world.gw.url}/metrics`, { authorization: 'Bearer not-the-metrics-token-0000' });
    expect(response.status).toBe(401);
    expect((await response.json()).errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it('refuses a user key and a user token with 403', async () => {
    const token = (await world.gw.gql(`mutation { issueToken(userId: "alice") { accessToken } }`, {}, ADMIN_KEY)).body.data.issueToken.accessToken;
    for (const credential of [USER_KEY, token]) {
      const response = await get(`${world.gw.url}/metrics`, { authorization: `Bearer ${credential}` });
      expect(response.status).toBe(403);
      expect(await response.json()).toEqual({
        errors: [{ message: 'Metrics need an admin API key or METRICS_TOKEN (Authorization: Bearer …)', extensions: { code: 'FORBIDDEN' } }],
      });
    }
  });

  it('serves an admin key (Authorization or X-API-Key) and METRICS_TOKEN as Prometheus text', async () => {
    const credentials: Array<Record<string, string>> = [{ authorization: `Bearer ${ADMIN_KEY}` }, { 'x-api-key': ADMIN_KEY }, { authorization: `Bearer ${METRICS_TOKEN}` }];
    for (const headers of credentials) {
      const response = await get(`${world.gw.url}/metrics`, headers);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
      const samples = new Samples(await response.text());
      expect(samples.get('muxgate_runs_total', { status: 'completed' })).toBeGreaterThanOrEqual(0);
    }
  });

  it('a database-stored admin key reads metrics too', async () => {
    const created = await world.gw.gql(`mutation { createApiKey(isAdmin: true) { key } }`, {}, ADMIN_KEY);
    const response = await get(`${world.gw.url}/metrics`, { authorization: `Bearer ${created.body.data.createApiKey.key}` });
    expect(response.status).toBe(200);
  });

  it('METRICS_TOKEN opens /metrics and nothing else', async () => {
    const response = await world.gw.gql(`{ agents { id } }`, {}, METRICS_TOKEN);
    expect(response.status).toBe(401);
    expect(response.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('what a chat records', () => {
  it('counts a completed run, its tokens, time to first token, duration and database statements, with no user in any label', async () => {
    const before = await scrape();
    world.fake.enqueue({ text: 'one two three', usage: { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 } });
    const token = (await world.gw.gql(`mutation { issueToken(userId: "alice-metrics") { accessToken } }`, {}, ADMIN_KEY)).body.data.issueToken.accessToken;
    const chat = await world.gw.gql(CHAT, { input: { message: 'a private question about metrics' } }, token);
    expect(chat.body.data.chat.message.content).toBe('one two three');
    const after = await scrape();
    const moved = delta(before, after);

    expect(moved('muxgate_runs_total', { status: 'completed' })).toBe(1);
    expect(moved('muxgate_runs_total', { status: 'failed' })).toBe(0);
    expect(after.get('muxgate_runs_active')).toBe(before.get('muxgate_runs_active'));
    expect(moved('muxgate_model_tokens_total', { type: 'input' })).toBe(12);
    expect(moved('muxgate_model_tokens_total', { type: 'output' })).toBe(3);

    expect(moved('muxgate_time_to_first_token_seconds_count')).toBe(1);
    expect(moved('muxgate_time_to_first_token_seconds_bucket', { le: '30' })).toBe(1);
    expect(moved('muxgate_time_to_first_token_seconds_bucket', { le: '+Inf' })).toBe(1);
    expect(moved('muxgate_run_duration_seconds_count', { status: 'completed' })).toBe(1);
    expect(moved('muxgate_run_duration_seconds_bucket', { status: 'completed', le: '300' })).toBe(1);
    const firstToken = moved('muxgate_time_to_first_token_seconds_sum');
    const duration = moved('muxgate_run_duration_seconds_sum', { status: 'completed' });
    expect(firstToken).toBeGreaterThan(0);
    expect(duration).toBeGreaterThanOrEqual(firstToken);

    // The chat wrote its messages: statements on the messages table were timed under a name without values.
    const counts = { before: statementCounts(before), after: statementCounts(after) };
    const onMessages = [...counts.after].filter(([statement]) => /^(insert|update) messages$/.test(statement));
    expect(onMessages.reduce((sum, [statement, count]) => sum + count - (counts.before.get(statement) ?? 0), 0)).toBeGreaterThanOrEqual(2);
    for (const statement of counts.after.keys()) expect(statement).toMatch(/^[a-z_]+( [a-z_][a-z0-9_]*)?$/);
    expect(after.get('muxgate_db_query_duration_seconds_bucket', { statement: onMessages[0]![0], le: '+Inf' })).toBe(counts.after.get(onMessages[0]![0]));

    expect(after.text).not.toContain('alice-metrics');
    expect(after.text).not.toContain('private question');
  });

  it('counts failed runs and upstream errors by code and status', async () => {
    const before = await scrape();
    world.fake.enqueue({ status: 500 }, { status: 429, errorMessage: 'slow down' }, { text: 'cut short here', dropAfterTokens: 1, delayMs: 20 });
    for (let i = 0; i < 3; i++) {
      const response = await world.gw.gql(CHAT, { input: { message: `failing ${i}` } }, USER_KEY);
      expect(response.body.errors?.[0]?.extensions?.code).toMatch(/^(UPSTREAM_UNAVAILABLE|RATE_LIMITED)$/);
    }
    const after = await scrape();
    const moved = delta(before, after);
    expect(moved('muxgate_upstream_errors_total', { code: 'UPSTREAM_UNAVAILABLE', status: '500' })).toBe(1);
    expect(moved('muxgate_upstream_errors_total', { code: 'RATE_LIMITED', status: '429' })).toBe(1);
    // A stream cut midway got no HTTP error: it counts without a status.
    expect(moved('muxgate_upstream_errors_total', { code: 'UPSTREAM_UNAVAILABLE', status: 'none' })).toBe(1);
    expect(moved('muxgate_runs_total', { status: 'failed' })).toBe(3);
    expect(moved('muxgate_runs_total', { status: 'completed' })).toBe(0);
    expect(moved('muxgate_run_duration_seconds_count', { status: 'failed' })).toBe(3);
    // Only the cut stream sent text before failing.
    expect(moved('muxgate_time_to_first_token_seconds_count')).toBe(1);
  });

  it('counts the model cache: a miss that calls the upstream, then a hit whose replayed tokens are not counted again', async () => {
    await world.gw.gql(`mutation { createAgent(input: { id: "exact", temperature: 0 }) { id } }`, {}, ADMIN_KEY);
    const before = await scrape();
    for (let i = 0; i < 2; i++) {
      const response = await world.gw.gql(CHAT, { input: { message: 'the same question', agentId: 'exact' } }, USER_KEY);
      expect(response.body.data.chat.message.content).toBe('echo: the same question');
    }
    expect(world.fake.requests).toHaveLength(1);
    const after = await scrape();
    const moved = delta(before, after);
    expect(moved('muxgate_cache_misses_total', { cache: 'model' })).toBe(1);
    expect(moved('muxgate_cache_hits_total', { cache: 'model' })).toBe(1);
    expect(moved('muxgate_model_tokens_total', { type: 'input' })).toBe(10);
    expect(moved('muxgate_runs_total', { status: 'completed' })).toBe(2);
  });

  it('counts the routing cache: the routing model asked once, then the cached choice', async () => {
    await world.gw.gql(`mutation { createAgent(input: { id: "travel", description: "Travel planning: flights, hotels, trains" }) { id } }`, {}, ADMIN_KEY);
    world.fake.setDefault(routingOrEcho);
    const before = await scrape();
    for (let i = 0; i < 2; i++) {
      const response = await world.gw.gql(CHAT, { input: { message: 'Book flights and a hotel' } }, USER_KEY);
      expect(response.body.data.chat.message.content).toBe('routed answer');
    }
    const after = await scrape();
    const moved = delta(before, after);
    expect(moved('muxgate_cache_misses_total', { cache: 'routing' })).toBe(1);
    expect(moved('muxgate_cache_hits_total', { cache: 'routing' })).toBe(1);
  });

  it('counts the key cache: a stored key is read from the database once, then remembered', async () => {
    const created = await world.gw.gql(`mutation { createApiKey(isAdmin: false) { key } }`, {}, ADMIN_KEY);
    const key = created.body.data.createApiKey.key;
    const before = await scrape();
    for (let i = 0; i < 2; i++) expect((await world.gw.gql(`{ agents { id } }`, {}, key)).status).toBe(200);
    const moved = delta(before, await scrape());
    expect(moved('muxgate_cache_misses_total', { cache: 'auth' })).toBe(1);
    expect(moved('muxgate_cache_hits_total', { cache: 'auth' })).toBe(1);
  });

  it('counts the agents cache: a second chat right after the first finds its agent remembered', async () => {
    await world.gw.gql(CHAT, { input: { message: 'first' } }, USER_KEY);
    const before = await scrape();
    await world.gw.gql(CHAT, { input: { message: 'second' } }, USER_KEY);
    const moved = delta(before, await scrape());
    expect(moved('muxgate_cache_hits_total', { cache: 'agents' })).toBeGreaterThanOrEqual(1);
    expect(moved('muxgate_cache_misses_total', { cache: 'agents' })).toBe(0);
  });
});

describe('what is in flight', () => {
  const active = (samples: Samples, transport: string) => samples.get('muxgate_subscriptions_active', { transport });

  it('shows a run and a WebSocket subscription while they stream, and neither once the client leaves', async () => {
    const before = await scrape();
    world.fake.enqueue({ text: 'never finished', hangAfterTokens: 1 });
    const sub = collect(world.gw.ws({ apiKey: USER_KEY }), CHAT_STREAM, { input: { message: 'hold on' } });
    await sub.next(3);
    const during = await scrape();
    expect(during.get('muxgate_runs_active')).toBe(before.get('muxgate_runs_active') + 1);
    expect(active(during, 'websocket')).toBe(active(before, 'websocket') + 1);
    expect(active(during, 'sse')).toBe(active(before, 'sse'));

    sub.unsubscribe();
    const after = await scrapeUntil((s) => s.get('muxgate_runs_active') === before.get('muxgate_runs_active') && active(s, 'websocket') === active(before, 'websocket'), 'the run and the subscription to end');
    expect(delta(before, after)('muxgate_runs_total', { status: 'cancelled' })).toBe(1);
  });

  it('shows an SSE subscription while its event stream is open', async () => {
    const before = await scrape();
    world.fake.enqueue({ text: 'never finished', hangAfterTokens: 1 });
    const abort = new AbortController();
    const response = await fetch(world.gw.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${USER_KEY}` },
      body: JSON.stringify({ query: CHAT_STREAM, variables: { input: { message: 'hold on' } } }),
      signal: abort.signal,
    });
    const events = readEventStream(response);
    for (let i = 0; i < 3; i++) await events.next();
    const during = await scrape();
    expect(active(during, 'sse')).toBe(active(before, 'sse') + 1);
    expect(active(during, 'websocket')).toBe(active(before, 'websocket'));

    abort.abort();
    await scrapeUntil((s) => active(s, 'sse') === active(before, 'sse') && s.get('muxgate_runs_active') === before.get('muxgate_runs_active'), 'the event stream to close');
  });

  it('includes the process metrics: event-loop lag, CPU, memory', async () => {
    const samples = await scrape();
    for (const name of ['nodejs_eventloop_lag_seconds', 'nodejs_eventloop_lag_p99_seconds', 'process_cpu_user_seconds_total', 'process_resident_memory_bytes']) {
      expect(Number.isFinite(samples.get(name)), name).toBe(true);
      expect(samples.get(name), name).toBeGreaterThanOrEqual(0);
    }
    expect(samples.get('process_cpu_user_seconds_total')).toBeGreaterThan(0);
  });
});

describe('METRICS_PORT', () => {
  const inMemory = { name: 'pglite' as const, env: () => ({ DATA_DIR: 'memory://' }), dispose: async () => {} };
  let open: TestGateway;
  let guarded: TestGateway;
  beforeAll(async () => {
    open = await startTestGateway(inMemory, { METRICS_PORT: '0' });
    guarded = await startTestGateway(inMemory, { METRICS_PORT: '0', METRICS_TOKEN });
  });
  afterAll(async () => {
    await open?.stop();
    await guarded?.stop();
  });

  it('serves /metrics on its own port without a credential, and not on the main port', async () => {
    expect(open.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(new URL(open.metricsUrl!).port).not.toBe(String(open.port));
    const response = await get(open.metricsUrl!);
    expect(response.status).toBe(200);
    // A registry of its own: the chats of the other gateway in this process are not counted here.
    const samples = new Samples(await response.text());
    expect(samples.get('muxgate_runs_total', { status: 'completed' })).toBe(0);
    expect(samples.get('muxgate_runs_active')).toBe(0);

    expect((await get(`${open.url}/metrics`, { authorization: `Bearer ${ADMIN_KEY}` })).status).toBe(404);
    expect((await get(`${open.metricsUrl!.replace('/metrics', '/graphql')}`)).status).toBe(404);
  });

  it('still asks for METRICS_TOKEN there when one is set', async () => {
    expect((await get(guarded.metricsUrl!)).status).toBe(401);
    expect((await get(guarded.metricsUrl!, { authorization: `Bearer ${USER_KEY}` })).status).toBe(403);
    expect((await get(guarded.metricsUrl!, { authorization: `Bearer ${METRICS_TOKEN}` })).status).toBe(200);
    expect((await get(`${guarded.url}/metrics`, { authorization: `Bearer ${METRICS_TOKEN}` })).status).toBe(404);
  });
});

describe.skipIf(!storageBackendNames().includes('postgres'))('database statements on a PostgreSQL server', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway('postgres');
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it('are timed through the same query log', async () => {
    const before = statementCounts(await scrape(gw));
    await gw.gql(`mutation { createAgent(input: { id: "timed" }) { id } }`, {}, ADMIN_KEY);
    const after = statementCounts(await scrape(gw));
    expect((after.get('insert agents') ?? 0) - (before.get('insert agents') ?? 0)).toBe(1);
  });
});
