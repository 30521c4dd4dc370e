import { type Client, createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createBackend, type StorageBackend } from './support/backends.js';
import { FakeOpenAI } from './support/fake-openai.js';
import { ADMIN_KEY, type GraphQLResponse, SECRET_KEY } from './support/gateway.js';
import { testMcpStdioCommand } from './support/mcp-servers.js';
import { type GatewayProcess, runGateway } from './support/process.js';
import { hasRedisServer, TestRedis } from './support/redis-server.js';
import { collect } from './support/subscriptions.js';

/**
 * Two gateway processes (A and B, `node dist/main.js` as `npm start` runs it) on one PostgreSQL
 * schema and one Redis server this file starts on a free port of its own.
 */
const SLOW = 120_000;
const CHAT = `mutation($input: ChatInput!) { chat(input: $input) { runId message { content } } }`;
const AGENT_CHANGED = `subscription { agentChanged { kind agentId agent { id description } } }`;

/** Polls until `probe` returns something truthy (a generous deadline, not a timing assertion). */
async function waitFor<T>(probe: () => T | Promise<T>, what: string, timeoutMs = 30_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** One replica: a gateway process, and how the test talks to it. */
class Replica {
  private readonly clients: Client[] = [];
  private constructor(
    readonly process: GatewayProcess,
    readonly url: string,
  ) {}

  static async start(env: Record<string, string>): Promise<Replica> {
    const gateway = runGateway({ HOST: '127.0.0.1', PORT: '0', ADMIN_API_KEY: ADMIN_KEY, SECRET_KEY, SHUTDOWN_GRACE_MS: '0', ...env });
    const [, url] = await gateway.waitFor(/listening on (http:\/\/\S+)/, 60_000);
    return new Replica(gateway, url!);
  }

  async gql<T = any>(query: string, variables: Record<string, unknown> = {}, credential?: string): Promise<GraphQLResponse<T>> {
    const response = await fetch(`${this.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...(credential ? { authorization: `Bearer ${credential}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, headers: response.headers, body: (await response.json()) as GraphQLResponse<T>['body'] };
  }

  ws(connectionParams?: Record<string, unknown>): Client {
    const client = createClient({ url: `${this.url.replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams, retryAttempts: 0, lazy: true });
    this.clients.push(client);
    return client;
  }

  async stop(): Promise<void> {
    await Promise.all(this.clients.map((client) => client.dispose()));
    if (this.process.child.exitCode === null) this.process.child.kill('SIGTERM');
    await this.process.exited;
  }
}

type TestGateway = Replica;

const skipReason = !process.env.TEST_DATABASE_URL ? 'TEST_DATABASE_URL is not set' : !hasRedisServer ? 'redis-server is not installed' : undefined;
if (skipReason) console.info(`${skipReason}: test/replicas-feeds.test.ts (two replicas on PostgreSQL and Redis) is skipped.`);

describe.skipIf(skipReason !== undefined)('replicas sharing a change feed, caches and limits through Redis', () => {
  let redis: TestRedis;
  let fake: FakeOpenAI;
  let backend: StorageBackend;
  let a: TestGateway;
  let b: TestGateway;

  beforeAll(async () => {
    redis = await TestRedis.start();
    fake = await FakeOpenAI.start();
    fake.setDefault({ text: 'fine thanks' });
    backend = await createBackend('postgres');
    const env = { ...backend.env(), OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: 'test-key', REDIS_URL: redis.url, CHAT_RATE_LIMIT: '4', MAX_CONCURRENT_RUNS_PER_USER: '1' };
    // One after the other: the first creates the schema.
    a = await Replica.start(env);
    b = await Replica.start(env);
    await a.gql(`mutation { createAgent(input: { id: "assistant" }) { id } }`, {}, ADMIN_KEY);
  }, SLOW);
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
    await backend?.dispose();
    await fake?.close();
    await redis?.stop();
  });

  const health = async (gw: TestGateway) => (await gw.gql(`{ health { status redis } }`)).body.data.health as { status: string; redis: string };
  const agentOn = async (gw: TestGateway, id: string) => (await gw.gql(`query($id: ID!) { agent(id: $id) { id description } }`, { id }, ADMIN_KEY)).body;

  /**
   * Subscribes to agentChanged on `gw` and waits until the subscription is live: the server
   * subscribes asynchronously, so probe agents are created (on A) until one arrives; `changes()`
   * leaves the probes out.
   */
  let probes = 0;
  async function subscribeAgents(gw: TestGateway) {
    const sub = collect(gw.ws({ apiKey: ADMIN_KEY }), AGENT_CHANGED);
    await waitFor(async () => {
      await a.gql(`mutation($id: ID!) { createAgent(input: { id: $id }) { id } }`, { id: `probe-${probes++}` }, ADMIN_KEY);
      await new Promise((resolve) => setTimeout(resolve, 100));
      return sub.results.length > 0;
    }, 'the agentChanged subscription');
    return {
      ...sub,
      /** The changes other than the probes'. */
      changes: () => sub.results.filter((result: any) => !result.data?.agentChanged?.agentId?.startsWith('probe-')),
      /** Waits until `count` changes other than the probes' have arrived. */
      async nextChanges(count: number) {
        await waitFor(() => this.changes().length >= count || sub.error !== undefined || sub.completed, `${count} changes`);
        return this.changes();
      },
    };
  }

  it("an agent created on A reaches agentChanged on B, and B's reads see it at once", async () => {
    const sub = await subscribeAgents(b);
    // B has read (and remembered) the agent as missing, and the list without it.
    expect((await agentOn(b, 'beta')).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    await b.gql(`{ agents { id } }`, {}, ADMIN_KEY);
    await a.gql(`mutation { createAgent(input: { id: "beta", description: "first" }) { id } }`, {}, ADMIN_KEY);
    expect((await sub.nextChanges(1))[0]).toEqual({ data: { agentChanged: { kind: 'CREATED', agentId: 'beta', agent: { id: 'beta', description: 'first' } } } });
    // The next reads on B, well inside the 5 s renewal: from a cache the change cleared.
    expect((await agentOn(b, 'beta')).data).toEqual({ agent: { id: 'beta', description: 'first' } });
    expect((await b.gql(`{ agents { id } }`, {}, ADMIN_KEY)).body.data.agents.map((agent: { id: string }) => agent.id)).toContain('beta');

    await a.gql(`mutation { updateAgent(id: "beta", input: { description: "second" }) { id } }`, {}, ADMIN_KEY);
    await a.gql(`mutation { removeAgent(id: "beta") }`, {}, ADMIN_KEY);
    expect((await sub.nextChanges(3)).slice(1).map((r: any) => [r.data.agentChanged.kind, r.data.agentChanged.agent?.description ?? null])).toEqual([
      ['UPDATED', 'second'],
      ['REMOVED', null],
    ]);
    expect((await agentOn(b, 'beta')).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    sub.unsubscribe();
  });

  it('a key revoked on A is refused on B at the next request', async () => {
    const key = (await a.gql(`mutation { createApiKey(isAdmin: false, userId: "kim") { id key } }`, {}, ADMIN_KEY)).body.data.createApiKey;
    // B verifies the key, and remembers it.
    expect((await b.gql(`{ agents { id } }`, {}, key.key)).body.errors).toBeUndefined();
    expect((await a.gql(`mutation($id: ID!) { revokeApiKey(id: $id) }`, { id: key.id }, ADMIN_KEY)).body.data).toEqual({ revokeApiKey: true });
    // Pub/sub delivery is asynchronous: poll a little, far below the 5 s the cache alone would take.
    await waitFor(async () => (await b.gql(`{ agents { id } }`, {}, key.key)).body.errors?.[0]?.extensions?.code === 'UNAUTHENTICATED', 'B to refuse the key', 2_000);
  });

  it('a JWT revoked on A is refused on B', async () => {
    const token = (await a.gql(`mutation { issueToken(userId: "lee") { id accessToken } }`, {}, ADMIN_KEY)).body.data.issueToken;
    expect((await b.gql(`{ agents { id } }`, {}, token.accessToken)).body.errors).toBeUndefined();
    expect((await a.gql(`mutation($t: String) { revokeToken(token: $t) }`, { t: token.accessToken }, ADMIN_KEY)).body.data).toEqual({ revokeToken: true });
    await waitFor(async () => (await b.gql(`{ agents { id } }`, {}, token.accessToken)).body.errors?.[0]?.extensions?.code === 'UNAUTHENTICATED', 'B to refuse the token', 2_000);
  });

  it("a user's context written on A is read fresh on B", async () => {
    const read = async (gw: TestGateway) => (await gw.gql(`{ userContext(userId: "uma") { knowledge } }`, {}, ADMIN_KEY)).body.data.userContext.knowledge;
    expect(await read(b)).toEqual({}); // remembered by B
    const added = await a.gql(`mutation($input: AddUserContextInput!) { addUserContext(input: $input) { knowledge } }`, { input: { userId: 'uma', knowledge: { theme: 'dark' } } }, ADMIN_KEY);
    expect(added.body.errors).toBeUndefined();
    await waitFor(async () => (await read(b)).theme === 'dark', "B to read uma's context afresh", 2_000);
  });

  it('CHAT_RATE_LIMIT is counted across replicas', async () => {
    const token = (await a.gql(`mutation { issueToken(userId: "rita") { accessToken } }`, {}, ADMIN_KEY)).body.data.issueToken.accessToken as string;
    const chat = (gw: TestGateway) => gw.gql(CHAT, { input: { message: 'hi', agentId: 'assistant' } }, token);
    // 4 a minute: two on each replica use it up, for both.
    for (const gw of [a, b, a, b]) expect((await chat(gw)).body.errors).toBeUndefined();
    expect((await chat(a)).body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect((await chat(b)).body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
  });

  it('MAX_CONCURRENT_RUNS_PER_USER is counted across replicas: a run in flight on A holds the slot on B, until it ends', async () => {
    const token = (await a.gql(`mutation { issueToken(userId: "carl") { accessToken } }`, {}, ADMIN_KEY)).body.data.issueToken.accessToken as string;
    // The agent named: with several agents a routing model call could take the enqueued answer.
    fake.enqueue({ text: 'still going strong', hangAfterTokens: 2 });
    const stream = collect(a.ws({ authorization: `Bearer ${token}` }), `subscription { chatStream(input: { message: "long one", agentId: "assistant" }) { __typename ... on RunStarted { runId } } }`);
    await stream.next(2);
    const { runId } = (stream.results[0]!.data as any).chatStream;
    const busy = await b.gql(CHAT, { input: { message: 'and another', agentId: 'assistant' } }, token);
    expect(busy.body.errors?.[0]).toMatchObject({ message: expect.stringMatching(/runs in flight/), extensions: { code: 'RATE_LIMITED' } });
    expect((await a.gql(`mutation($r: ID!) { cancelRun(runId: $r) }`, { r: runId }, ADMIN_KEY)).body).toEqual({ data: { cancelRun: true } });
    await stream.ended();
    // The slot is given back as the run ends (asynchronously, on Redis): poll.
    await waitFor(async () => (await b.gql(CHAT, { input: { message: 'now?', agentId: 'assistant' } }, token)).body.data?.chat?.message?.content === 'fine thanks', 'the slot to come back', 10_000);
  });

  it('an MCP server registered on A appears in B\'s mcpServers, connected by B; removed on A, it leaves B', { timeout: SLOW }, async () => {
    const command = testMcpStdioCommand();
    const input = { id: 'shared-tools', command: command.command, args: command.args, env: [] };
    const registered = await a.gql(`mutation($input: RegisterMcpServerInput!) { registerMcpServer(input: $input) { id status } }`, { input }, ADMIN_KEY);
    expect(registered.body.data.registerMcpServer).toEqual({ id: 'shared-tools', status: 'CONNECTED' });
    const serversOnB = async () => (await b.gql(`{ mcpServers { id status } }`, {}, ADMIN_KEY)).body.data.mcpServers as Array<{ id: string; status: string }>;
    await waitFor(async () => (await serversOnB()).some((s) => s.id === 'shared-tools' && s.status === 'CONNECTED'), 'B to connect the server', 60_000);
    expect((await a.gql(`mutation { removeMcpServer(id: "shared-tools") }`, {}, ADMIN_KEY)).body.data).toEqual({ removeMcpServer: true });
    await waitFor(async () => !(await serversOnB()).some((s) => s.id === 'shared-tools'), 'B to drop the server');
  });

  it('Redis down: health says so, what can be served is, agentChanged says UPSTREAM_UNAVAILABLE; back: health UP and changes flow again', { timeout: SLOW }, async () => {
    const token = (await a.gql(`mutation { issueToken(userId: "otto") { accessToken } }`, {}, ADMIN_KEY)).body.data.issueToken.accessToken as string;
    const live = await subscribeAgents(b);
    await redis.stop();
    await waitFor(async () => (await health(b)).redis === 'DOWN' && (await health(a)).redis === 'DOWN', 'both replicas to report Redis down');
    // Reported, not a 503: the load balancer keeps both.
    expect(await health(a)).toEqual({ status: 'OK', redis: 'DOWN' });
    expect((await fetch(`${b.url}/health`)).status).toBe(200);

    // Served from memory and the database: reads, auth, chats (rate limits counted per replica meanwhile).
    expect((await b.gql(`{ agents { id } }`, {}, ADMIN_KEY)).body.errors).toBeUndefined();
    expect((await b.gql(CHAT, { input: { message: 'still there?', agentId: 'assistant' } }, token)).body.data.chat.message.content).toBe('fine thanks');
    expect((await a.gql(`mutation { createAgent(input: { id: "offline" }) { id } }`, {}, ADMIN_KEY)).body.data).toEqual({ createAgent: { id: 'offline' } });
    // A new live feed of every replica's changes cannot be promised without Redis.
    const refused = collect(b.ws({ apiKey: ADMIN_KEY }), AGENT_CHANGED);
    await refused.next(1);
    const refusal = (refused.results[0]?.errors ?? (refused.error as any))?.[0];
    expect(refusal?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(refusal?.message).toMatch(/Redis is unavailable/);

    await redis.start();
    await waitFor(async () => (await health(a)).redis === 'UP' && (await health(b)).redis === 'UP', 'both replicas to reconnect', 60_000);
    // After the reconnect B forgot its caches once: the agent created while Redis was down is seen.
    expect((await agentOn(b, 'offline')).data).toEqual({ agent: { id: 'offline', description: null } });
    // Changes flow again, to the subscription that lived through the outage and to new ones.
    const fresh = await subscribeAgents(b);
    const liveBefore = live.changes().length;
    await a.gql(`mutation { createAgent(input: { id: "after-outage" }) { id } }`, {}, ADMIN_KEY);
    expect((await fresh.nextChanges(1))[0]).toMatchObject({ data: { agentChanged: { kind: 'CREATED', agentId: 'after-outage' } } });
    expect((await live.nextChanges(liveBefore + 1)).at(-1)).toMatchObject({ data: { agentChanged: { kind: 'CREATED', agentId: 'after-outage' } } });
    fresh.unsubscribe();
    live.unsubscribe();
  });
});
