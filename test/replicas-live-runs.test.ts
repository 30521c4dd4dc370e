import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type StorageBackend } from './support/backends.js';
import { FakeOpenAI } from './support/fake-openai.js';
import { SECRET_KEY } from './support/gateway.js';
import { type GatewayProcess, postGraphQL, runGateway } from './support/process.js';
import { TestRedis } from './support/redis-server.js';
import { sseSubscription, until } from './support/replica-streams.js';

/**
 * The console's Runs page across two replicas sharing PostgreSQL and Redis: a run executing on A
 * is listed by B's `runs` (with A's replica id, its tokens as A last told them) and told by B's
 * `runsChanged`, to its owner and admins only; cancelled from B, its end reaches B's subscribers.
 */

const ADMIN = 'replicas-live-runs-admin-key-0123456789';
const asAdmin = { authorization: `Bearer ${ADMIN}` };
const LIVE = 'id status agentId userId replicaId tokens timeToFirstTokenMs';
const RUNS = `query { runs { ${LIVE} } }`;
const RUNS_CHANGED = `subscription { runsChanged { kind run { ${LIVE} } } }`;

if (!process.env.TEST_DATABASE_URL) console.info('TEST_DATABASE_URL is not set: replicas-live-runs.test.ts is skipped (two replicas need a PostgreSQL server).');

describe.skipIf(!process.env.TEST_DATABASE_URL)('live runs across two replicas sharing PostgreSQL and Redis', { timeout: 180_000 }, () => {
  let fake: FakeOpenAI;
  let backend: StorageBackend;
  let redis: TestRedis | undefined;
  const gateways: GatewayProcess[] = [];
  let urlA: string;
  let urlB: string;

  const start = async () => {
    const gateway = runGateway({
      ...backend.env(),
      PORT: '0',
      HOST: '127.0.0.1',
      ADMIN_API_KEY: ADMIN,
      SECRET_KEY,
      SHUTDOWN_GRACE_MS: '0',
      OPENAI_BASE_URL: fake.url,
      REDIS_URL: redis!.url,
      // Short: a stopped replica's runs are ended by a survivor within the test.
      RUN_LEASE_MS: '1500',
      ANSWER_CHECKPOINT_MS: '100',
    });
    gateways.push(gateway);
    const [, url] = await gateway.waitFor(/listening on (http:\/\/\S+)/);
    return url!;
  };
  const gql = async (url: string, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = asAdmin) => {
    const body = (await postGraphQL(url, query, headers, variables)) as any;
    expect(body.errors).toBeUndefined();
    return body.data;
  };
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    fake = await FakeOpenAI.start();
    backend = await createBackend('postgres');
    redis = await TestRedis.start();
    urlA = await start();
    urlB = await start();
    await gql(urlA, 'mutation { createAgent(input: { id: "assistant" }) { id } }');
  });
  afterAll(async () => {
    for (const gateway of gateways) gateway.child.kill('SIGKILL');
    await redis?.stop();
    await fake?.close();
    await backend?.dispose();
  });

  it('lists and tells on B a run executing on A, to its owner and admins; cancelled from B, its end is told', async () => {
    const alice = (await gql(urlA, `mutation { issueToken(userId: "alice") { accessToken } }`)).issueToken.accessToken as string;
    const bob = (await gql(urlA, `mutation { issueToken(userId: "bob") { accessToken } }`)).issueToken.accessToken as string;
    const replicaA = (await gql(urlA, `query { metrics(windowSeconds: 0) { replicaId } }`)).metrics.replicaId as string;
    const replicaB = (await gql(urlB, `query { metrics(windowSeconds: 0) { replicaId } }`)).metrics.replicaId as string;
    expect(replicaA).not.toBe(replicaB);

    const adminFeed = sseSubscription(urlB, RUNS_CHANGED, {}, asAdmin);
    const bobFeed = sseSubscription(urlB, RUNS_CHANGED, {}, bearer(bob));
    // The feeds are open on B once a run of bob's on A reaches both.
    fake.enqueue({ text: 'Hi bob' });
    const bobsRun = (await gql(urlA, `mutation { chat(input: { message: "hi" }) { runId } }`, {}, bearer(bob))).chat.runId as string;
    await until(() => bobFeed.events.some((e) => e.kind === 'ENDED' && e.run.id === bobsRun) && adminFeed.events.some((e) => e.kind === 'ENDED' && e.run.id === bobsRun), 'bob’s run told on B');

    // Alice's run on A, held after three tokens.
    let open!: () => void;
    const held = new Promise<void>((resolve) => (open = resolve));
    fake.enqueue({ tokens: ['One', ' two', ' three', ' four'], waitAfterTokens: { tokens: 3, until: held } });
    const alicesChat = postGraphQL(urlA, `mutation { chat(input: { message: "count" }) { runId status } }`, bearer(alice)) as Promise<any>;
    const told = await until(() => adminFeed.events.find((e) => e.kind === 'STARTED' && e.run.userId === 'alice'), 'alice’s run started, told on B');
    const runId = told.run.id as string;
    expect(told.run).toMatchObject({ status: 'RUNNING', agentId: 'assistant', replicaId: replicaA });

    // B lists it, with A's replica and its tokens as A last told them; to alice and the admin, not to bob.
    const listed = await until(async () => ((await gql(urlB, RUNS)).runs as any[]).find((run) => run.id === runId && run.tokens === 3), 'alice’s run with three tokens, listed on B');
    expect(listed).toMatchObject({ status: 'RUNNING', userId: 'alice', replicaId: replicaA });
    expect(listed.timeToFirstTokenMs).toBeGreaterThanOrEqual(0);
    expect((await gql(urlB, RUNS, {}, bearer(alice))).runs.map((run: any) => run.id)).toEqual([runId]);
    expect((await gql(urlB, RUNS, {}, bearer(bob))).runs).toEqual([]);
    // Told by PROGRESSED, or already by STARTED when A registered the run after its first tokens.
    await until(() => adminFeed.events.some((e) => (e.kind === 'PROGRESSED' || e.kind === 'STARTED') && e.run.id === runId && e.run.tokens === 3), 'its progress, told on B');

    // Cancelled from B: A stops it, and its end reaches B's feed; nobody lists it any more.
    expect(await gql(urlB, `mutation($r: ID!) { cancelRun(runId: $r) }`, { r: runId }, bearer(alice))).toEqual({ cancelRun: true });
    open();
    expect((await alicesChat).data.chat.status).toBe('CANCELLED');
    await until(() => adminFeed.events.some((e) => e.kind === 'ENDED' && e.run.id === runId), 'its end, told on B');
    expect(adminFeed.events.find((e) => e.kind === 'ENDED' && e.run.id === runId).run).toMatchObject({ status: 'CANCELLED', replicaId: replicaA, tokens: 3 });
    await until(async () => ((await gql(urlB, RUNS)).runs as any[]).length === 0, 'no run listed on B');
    expect((await gql(urlA, RUNS)).runs).toEqual([]);

    // Bob was told of his own run only.
    expect(new Set(bobFeed.events.map((e) => e.run.id))).toEqual(new Set([bobsRun]));
    expect([...adminFeed.errors, ...bobFeed.errors]).toEqual([]);
    adminFeed.drop();
    bobFeed.drop();
  });

  it('a run of a replica that stops is ended by a survivor, and its end is told', async () => {
    const urlC = await start();
    const victim = gateways.at(-1)!;
    const adminFeed = sseSubscription(urlB, RUNS_CHANGED, {}, asAdmin);
    fake.enqueue({ text: 'warm up' });
    const warmUp = (await gql(urlC, `mutation { chat(input: { message: "hi" }) { runId } }`)).chat.runId as string;
    await until(() => adminFeed.events.some((e) => e.kind === 'ENDED' && e.run.id === warmUp), 'the feed on B to be open');

    let open!: () => void;
    const held = new Promise<void>((resolve) => (open = resolve));
    fake.enqueue({ tokens: ['One', ' two', ' three', ' four'], waitAfterTokens: { tokens: 3, until: held } });
    void postGraphQL(urlC, `mutation { chat(input: { message: "count" }) { runId } }`, asAdmin).catch(() => {});
    const started = await until(() => adminFeed.events.find((e) => e.kind === 'STARTED' && e.run.id !== warmUp), 'the run on C, told on B');
    const runId = started.run.id as string;
    await until(async () => ((await gql(urlB, RUNS)).runs as any[]).some((run) => run.id === runId), 'the run on C, listed on B');

    victim.child.kill('SIGKILL');
    const ended = await until(() => adminFeed.events.find((e) => e.kind === 'ENDED' && e.run.id === runId), 'its end, told by the survivor');
    expect(ended.run).toMatchObject({ status: 'FAILED', userId: null, agentId: 'assistant' });
    expect((await gql(urlB, RUNS)).runs).toEqual([]);
    expect(adminFeed.errors).toEqual([]);
    adminFeed.drop();
    open();
  });
});
