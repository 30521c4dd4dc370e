import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type StorageBackend } from './support/backends.js';
import { FakeOpenAI } from './support/fake-openai.js';
import { ADMIN_KEY, startTestGateway, type TestGateway } from './support/gateway.js';
import { hasRedisServer, TestRedis } from './support/redis-server.js';
import { rest } from './support/rest.js';

const CHAT = `mutation($input: ChatInput!) { chat(input: $input) { runId } }`;
const SET = `mutation($input: BudgetInput!) { setBudget(input: $input) { id spent } }`;
const HEALTH = `{ health { redis budgets } }`;
const USAGE = { prompt_tokens: 100, completion_tokens: 50, total_tokens: 150 };

if (!process.env.TEST_DATABASE_URL) console.info('TEST_DATABASE_URL is not set: budgets-replicas.test.ts is skipped (two replicas need a PostgreSQL server).');

/** The budget counters in Redis, by key. */
async function counters(url: string): Promise<Record<string, string>> {
  const client = new Redis(url);
  try {
    const keys = await client.keys('muxgate:budget:*');
    return Object.fromEntries(await Promise.all(keys.map(async (key) => [key, (await client.get(key))!] as const)));
  } finally {
    client.disconnect();
  }
}

describe.skipIf(!process.env.TEST_DATABASE_URL || !hasRedisServer)('budgets across two replicas sharing PostgreSQL and Redis', { timeout: 120_000 }, () => {
  let fake: FakeOpenAI;
  let backend: StorageBackend;
  let redis: TestRedis;
  let a: TestGateway;
  let b: TestGateway;
  let alice: string;

  const chat = (gw: TestGateway) => gw.gql(CHAT, { input: { message: 'hi', agentId: 'assistant' } }, alice);
  const health = async (gw: TestGateway) => (await gw.gql(HEALTH)).body.data.health;

  beforeAll(async () => {
    fake = await FakeOpenAI.start();
    redis = await TestRedis.start();
    backend = await createBackend('postgres');
    const env = { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: 'test-key', REDIS_URL: redis.url, MODEL_MAX_RETRIES: '0' };
    a = await startTestGateway(backend, env);
    b = await startTestGateway(backend, env);
    await a.gql(`mutation { createAgent(input: { id: "assistant", model: "gpt-4o-mini" }) { id } }`, {}, ADMIN_KEY);
    alice = (await a.gql(`mutation { createApiKey(isAdmin: false, userId: "alice") { key } }`, {}, ADMIN_KEY)).body.data.createApiKey.key;
  });
  afterAll(async () => {
    await a?.stop({ keepData: true });
    await b?.stop();
    await redis?.stop();
    await fake?.close();
  });

  it('shares one counter: spend on one replica refuses the next run on the other', async () => {
    expect(await health(a)).toEqual({ redis: 'UP', budgets: 'SHARED' });
    const set = await a.gql(SET, { input: { userId: 'alice', tokens: 100, period: 'DAY' } }, ADMIN_KEY);
    expect(set.body.errors).toBeUndefined();
    fake.enqueue({ text: 'answer', usage: USAGE });
    expect((await chat(a)).body.errors).toBeUndefined();
    await expect.poll(async () => Object.values(await counters(redis.url))).toEqual(['150']);
    const refused = await chat(b);
    expect(refused.status).toBe(429);
    expect(refused.body.errors?.[0]?.extensions).toMatchObject({ code: 'BUDGET_EXCEEDED', budgetId: set.body.data.setBudget.id, scope: 'USER' });
    expect(fake.requests).toHaveLength(1);
  });

  it('enforces budgets per replica from the ledger while Redis is down, says so in health, and rebuilds the counter when it is back', async () => {
    // A's entry reaches the ledger within its flush interval; written now, so B's rebuild finds it.
    await a.orchestrator.usage.flush();
    await redis.stop();
    await expect.poll(async () => (await health(b)).budgets, { timeout: 10_000 }).toBe('PER_REPLICA');
    expect(await health(b)).toEqual({ redis: 'DOWN', budgets: 'PER_REPLICA' });
    const restHealth = await rest(b, 'GET', '/health');
    expect(restHealth.body).toMatchObject({ redis: 'down', budgets: 'per_replica' });
    const refused = await chat(b);
    expect(refused.status).toBe(429);
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('BUDGET_EXCEEDED');

    // Back, and empty (it kept nothing on disk): the counter is rebuilt from the ledger.
    await redis.start();
    await expect.poll(async () => (await health(b)).budgets, { timeout: 15_000 }).toBe('SHARED');
    const again = await chat(b);
    expect(again.body.errors?.[0]?.extensions?.code).toBe('BUDGET_EXCEEDED');
    expect(Object.values(await counters(redis.url))).toEqual(['150']);
    expect(fake.requests).toHaveLength(1);
  });
});
