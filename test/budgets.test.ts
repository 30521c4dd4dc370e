import { sql } from 'kysely';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { storageBackendNames } from './support/backends.js';
import { FakeOpenAI } from './support/fake-openai.js';
import { ADMIN_KEY, startTestGateway, type TestGateway, USER_KEY } from './support/gateway.js';
import { Samples } from './support/prometheus.js';
import { rest } from './support/rest.js';

const CHAT = `mutation($input: ChatInput!) { chat(input: $input) { runId message { content finishReason status } } }`;
const SET = `mutation($input: BudgetInput!) { setBudget(input: $input) { id scope keyId userId metric period limit hard spent remaining resetsAt exceeded } }`;
const BUDGETS = `query($keyId: ID, $userId: ID) { budgets(keyId: $keyId, userId: $userId) { id scope keyId userId metric period limit hard spent remaining exceeded resetsAt } }`;
const CREATE_KEY = `mutation($userId: ID, $budget: KeyBudgetInput) { createApiKey(isAdmin: false, userId: $userId, label: "app", budget: $budget) { id key budget { id keyId metric period limit hard } } }`;
/** 100 prompt + 50 completion: 150 tokens a call. */
const USAGE = { prompt_tokens: 100, completion_tokens: 50, total_tokens: 150 };
const PRICES = JSON.stringify({ 'gpt-4o-mini': { input: 1, output: 2 } });
const endOfUtcDay = () => {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1)).toISOString();
};

describe.each(storageBackendNames())('budgets on %s', (backend) => {
  let fake: FakeOpenAI;
  let gw: TestGateway;
  /** A user key bound to alice: she is known, and her chats are charged to her and to this key. */
  let alice: { id: string; key: string };
  let toolCalls = 0;

  const admin = (query: string, variables: Record<string, unknown> = {}) => gw.gql(query, variables, ADMIN_KEY);
  const chatAs = (key: string, message = 'hi') => gw.gql(CHAT, { input: { message, agentId: 'assistant' } }, key);

  beforeAll(async () => {
    fake = await FakeOpenAI.start();
    gw = await startTestGateway(backend, { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: 'test-key', MODEL_PRICES: PRICES, MODEL_MAX_RETRIES: '0', CHAT_RATE_LIMIT: '1000' });
    gw.orchestrator.registerTool({
      name: 'lookup',
      description: 'Looks something up',
      parameters: { type: 'object', properties: {} },
      execute: async () => {
        toolCalls++;
        return { found: true };
      },
    });
  });
  afterAll(async () => {
    await gw?.stop();
    await fake?.close();
  });
  beforeEach(async () => {
    await gw.reset();
    fake.requests.length = 0;
    toolCalls = 0;
    await admin(`mutation { createAgent(input: { id: "assistant", model: "gpt-4o-mini", tools: ["lookup"] }) { id } }`);
    const created = await admin(CREATE_KEY, { userId: 'alice' });
    alice = created.body.data.createApiKey;
  });

  describe('setting, listing and removing', () => {
    it('sets a budget with its spend, replaces it on a second set, lists and removes it', async () => {
      const first = await admin(SET, { input: { userId: 'alice', tokens: 1000, period: 'DAY' } });
      expect(first.body.errors).toBeUndefined();
      expect(first.body.data.setBudget).toEqual({
        id: expect.any(String), scope: 'USER', keyId: null, userId: 'alice', metric: 'TOKENS', period: 'DAY', limit: 1000, hard: true, spent: 0, remaining: 1000, resetsAt: endOfUtcDay(), exceeded: false,
      });
      const again = await admin(SET, { input: { userId: 'alice', tokens: 2000, period: 'DAY', hard: false } });
      expect(again.body.data.setBudget).toMatchObject({ id: first.body.data.setBudget.id, limit: 2000, hard: false });
      await admin(SET, { input: { keyId: alice.id, costUsd: 5, period: 'MONTH' } });
      const listed = await admin(BUDGETS);
      expect(listed.body.data.budgets.map((b: any) => [b.scope, b.metric, b.period, b.limit])).toEqual([
        ['USER', 'TOKENS', 'DAY', 2000],
        ['KEY', 'COST', 'MONTH', 5],
      ]);
      expect((await admin(BUDGETS, { keyId: alice.id })).body.data.budgets).toHaveLength(1);
      expect((await gw.database.db.selectFrom('budgets').selectAll().execute()).length).toBe(2);

      const removed = await admin(`mutation($id: ID!) { removeBudget(id: $id) }`, { id: first.body.data.setBudget.id });
      expect(removed.body.data.removeBudget).toBe(true);
      const missing = await admin(`mutation($id: ID!) { removeBudget(id: $id) }`, { id: first.body.data.setBudget.id });
      expect(missing.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    });

    it('refuses unknown keys and users (NOT_FOUND), bad amounts and subjects (BAD_USER_INPUT naming the field), non-admins (FORBIDDEN)', async () => {
      const refusal = async (input: Record<string, unknown>, key = ADMIN_KEY) => (await gw.gql(SET, { input }, key)).body.errors?.[0];
      expect(await refusal({ keyId: 'nosuchkey000', tokens: 10, period: 'DAY' })).toMatchObject({ message: 'API key "nosuchkey000" was not found', extensions: { code: 'NOT_FOUND' } });
      expect(await refusal({ userId: 'nobody', tokens: 10, period: 'DAY' })).toMatchObject({ message: expect.stringContaining('User "nobody" was not found'), extensions: { code: 'NOT_FOUND' } });
      expect(await refusal({ userId: 'alice', tokens: -5, period: 'DAY' })).toMatchObject({ message: 'Invalid input: tokens must be more than 0', extensions: { code: 'BAD_USER_INPUT' } });
      expect(await refusal({ userId: 'alice', tokens: 0, period: 'DAY' })).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
      expect(await refusal({ userId: 'alice', tokens: 2e12, period: 'DAY' })).toMatchObject({ message: 'Invalid input: tokens must be at most 1000000000000 tokens' });
      expect(await refusal({ userId: 'alice', tokens: 1.5, period: 'DAY' })).toMatchObject({ message: 'Invalid input: tokens must be a whole number of tokens' });
      expect(await refusal({ userId: 'alice', costUsd: 5e9, period: 'DAY' })).toMatchObject({ message: 'Invalid input: costUsd must be at most 1000000000 dollars' });
      expect(await refusal({ userId: 'alice', tokens: 5, costUsd: 5, period: 'DAY' })).toMatchObject({ message: 'Invalid input: costUsd cannot be given with tokens: a budget counts tokens or dollars, not both' });
      expect(await refusal({ userId: 'alice', period: 'DAY' })).toMatchObject({ message: 'Invalid input: tokens is required, or a cost in dollars instead' });
      expect(await refusal({ userId: 'alice', keyId: alice.id, tokens: 5, period: 'DAY' })).toMatchObject({ message: 'Invalid input: userId cannot be given with a key id: a budget is one key’s or one user’s' });
      expect(await refusal({ tokens: 5, period: 'DAY' })).toMatchObject({ message: 'Invalid input: keyId is required, or a user id instead' });
      expect(await refusal({ userId: 'alice', tokens: 5, period: 'DAY' }, USER_KEY)).toMatchObject({ extensions: { code: 'FORBIDDEN' } });
      expect(await gw.database.db.selectFrom('budgets').selectAll().execute()).toEqual([]);
    });

    it('creates a key with its budget in one step, and makes no key when the budget is refused', async () => {
      const created = await admin(CREATE_KEY, { userId: 'bob', budget: { tokens: 500, period: 'MONTH' } });
      expect(created.body.errors).toBeUndefined();
      const key = created.body.data.createApiKey;
      expect(key.budget).toEqual({ id: expect.any(String), keyId: key.id, metric: 'TOKENS', period: 'MONTH', limit: 500, hard: true });
      const refused = await admin(CREATE_KEY, { userId: 'carol', budget: { tokens: -1, period: 'DAY' } });
      expect(refused.body.errors?.[0]).toMatchObject({ message: 'Invalid input: tokens must be more than 0', extensions: { code: 'BAD_USER_INPUT' } });
      const keys = await gw.database.db.selectFrom('api_keys').select('user_id').execute();
      expect(keys.map((k) => k.user_id).sort()).toEqual(['alice', 'bob']);
    });

    it('shows a user their own and their key’s budgets, not others’', async () => {
      await admin(SET, { input: { userId: 'alice', tokens: 1000, period: 'DAY' } });
      await admin(SET, { input: { keyId: alice.id, tokens: 2000, period: 'DAY' } });
      const bob = (await admin(CREATE_KEY, { userId: 'bob' })).body.data.createApiKey;
      await admin(SET, { input: { userId: 'bob', tokens: 3000, period: 'DAY' } });
      // Bob's key has a budget too: alice must not see it (nor bob alice's key's).
      await admin(SET, { input: { keyId: bob.id, tokens: 4000, period: 'DAY' } });
      const seen = await gw.gql(BUDGETS, {}, alice.key);
      expect(seen.body.data.budgets.map((b: any) => b.limit).sort()).toEqual([1000, 2000]);
      expect((await gw.gql(BUDGETS, {}, bob.key)).body.data.budgets.map((b: any) => b.limit).sort()).toEqual([3000, 4000]);
    });

    it('removes a key’s budgets when the key is revoked', async () => {
      await admin(SET, { input: { keyId: alice.id, tokens: 2000, period: 'DAY' } });
      await admin(`mutation($id: ID!) { revokeApiKey(id: $id) }`, { id: alice.id });
      await expect.poll(async () => (await gw.database.db.selectFrom('budgets').selectAll().execute()).length).toBe(0);
    });

    it('speaks REST: GET/POST/DELETE /budgets in snake_case, refusals in the REST error shape', async () => {
      const set = await rest(gw, 'POST', '/budgets', { key: ADMIN_KEY, body: { user_id: 'alice', cost_usd: 2.5, period: 'MONTH', hard: false } });
      expect(set.status).toBe(200);
      expect(set.body).toMatchObject({ scope: 'USER', key_id: null, user_id: 'alice', metric: 'COST', period: 'MONTH', limit: 2.5, hard: false, spent: 0, remaining: 2.5, exceeded: false });
      const listed = await rest(gw, 'GET', '/budgets?user_id=alice', { key: ADMIN_KEY });
      expect(listed.body.budgets).toHaveLength(1);
      const bad = await rest(gw, 'POST', '/budgets', { key: ADMIN_KEY, body: { user_id: 'alice', cost_usd: -1, period: 'DAY' } });
      expect(bad.status).toBe(400);
      expect(bad.body.error).toMatchObject({ code: 'BAD_USER_INPUT', message: 'Invalid input: cost_usd must be more than 0' });
      const both = await rest(gw, 'POST', '/budgets', { key: ADMIN_KEY, body: { user_id: 'alice', key_id: 'env:0', tokens: 5, cost_usd: 1, period: 'DAY' } });
      expect(both.body.error).toMatchObject({ code: 'BAD_USER_INPUT', message: 'Invalid input: user_id cannot be given with a key id: a budget is one key’s or one user’s; cost_usd cannot be given with tokens: a budget counts tokens or dollars, not both' });
      const unknown = await rest(gw, 'POST', '/budgets', { key: ADMIN_KEY, body: { key_id: 'nosuchkey000', tokens: 5, period: 'DAY' } });
      expect(unknown.status).toBe(404);
      expect((await rest(gw, 'DELETE', `/budgets/${set.body.id}`, { key: ADMIN_KEY })).status).toBe(204);
      expect((await rest(gw, 'DELETE', `/budgets/${set.body.id}`, { key: ADMIN_KEY })).status).toBe(404);
    });
  });

  describe('before a run', () => {
    /** Alice spends 150 tokens against a 100-token budget: her next chat is refused. */
    async function spend() {
      const set = await admin(SET, { input: { userId: 'alice', tokens: 100, period: 'DAY' } });
      fake.enqueue({ text: 'first answer', usage: USAGE });
      const first = await chatAs(alice.key);
      expect(first.body.errors).toBeUndefined();
      return set.body.data.setBudget.id as string;
    }

    it('refuses a user over their token budget over GraphQL: 429, Retry-After, BUDGET_EXCEEDED with resetsAt', async () => {
      const budgetId = await spend();
      const refused = await chatAs(alice.key);
      expect(refused.status).toBe(429);
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(86_400);
      expect(refused.body.errors?.[0]).toEqual({
        message: `The budget of user "alice" (100 tokens per day) is spent; it resets at ${endOfUtcDay()}`,
        path: ['chat'],
        locations: expect.any(Array),
        extensions: { code: 'BUDGET_EXCEEDED', budgetId, scope: 'USER', resetsAt: endOfUtcDay(), retryAfterSeconds: retryAfter },
      });
      expect(fake.requests).toHaveLength(1);
      const listed = await gw.gql(BUDGETS, {}, alice.key);
      expect(listed.body.data.budgets[0]).toMatchObject({ spent: 150, remaining: 0, exceeded: true });
    });

    it('refuses over REST with 429, Retry-After and the REST error body', async () => {
      const budgetId = await spend();
      const refused = await rest(gw, 'POST', '/chat', { key: alice.key, body: { message: 'hi again' } });
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(refused.body).toEqual({
        error: { code: 'BUDGET_EXCEEDED', message: expect.stringContaining('is spent'), budget_id: budgetId, scope: 'USER', resets_at: endOfUtcDay(), retry_after_seconds: Number(refused.headers.get('retry-after')) },
      });
      // AG-UI answers a refused run with its RUN_ERROR event, the reset time in its metadata.
      const agUi = await fetch(`${gw.url}/ag-ui/assistant`, {
        method: 'POST',
        headers: { authorization: `Bearer ${alice.key}`, 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({ threadId: crypto.randomUUID(), runId: crypto.randomUUID(), messages: [{ id: crypto.randomUUID(), role: 'user', content: 'hi' }], tools: [], context: [] }),
      });
      const frames = (await agUi.text()).split('\n').filter((line) => line.startsWith('data: ')).map((line) => JSON.parse(line.slice(6)));
      expect(frames).toEqual([
        { type: 'RUN_ERROR', message: expect.stringContaining('is spent'), code: 'BUDGET_EXCEEDED', metadata: { budgetId, resetsAt: endOfUtcDay(), retryAfterSeconds: expect.any(Number) } },
      ]);
    });

    it('refuses over /v1 in OpenAI’s shape: the openai SDK raises RateLimitError with the message', async () => {
      await spend();
      const client = new OpenAI({ apiKey: alice.key, baseURL: `${gw.url}/v1`, timeout: 20_000 });
      const error = await client.chat.completions.create({ model: 'assistant', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.RateLimitError);
      const rateLimit = error as InstanceType<typeof OpenAI.RateLimitError>;
      expect(rateLimit.status).toBe(429);
      expect(rateLimit.message).toContain('is spent');
      expect(rateLimit.error).toEqual({ message: expect.stringContaining('is spent'), type: 'insufficient_quota', param: null, code: 'budget_exceeded' });
      // Retrying before the reset cannot succeed: the SDK (maxRetries 2 by default) is told not to.
      expect(rateLimit.headers?.get('x-should-retry')).toBe('false');
      expect(Number(rateLimit.headers?.get('retry-after'))).toBeGreaterThan(0);
      expect(fake.requests).toHaveLength(1);
      const raw = await fetch(`${gw.url}/v1/responses`, { method: 'POST', headers: { authorization: `Bearer ${alice.key}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'assistant', input: 'hi' }) });
      expect(raw.status).toBe(429);
      expect(Number(raw.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await raw.json()).error).toMatchObject({ type: 'insufficient_quota', code: 'budget_exceeded' });
    });

    it('refuses the key’s budget whoever the key acts for, and a soft budget never refuses', async () => {
      await admin(SET, { input: { keyId: alice.id, tokens: 100, period: 'MONTH' } });
      await admin(SET, { input: { userId: 'alice', tokens: 100, period: 'DAY', hard: false } });
      fake.enqueue({ text: 'first answer', usage: USAGE });
      expect((await chatAs(alice.key)).body.errors).toBeUndefined();
      const refused = await chatAs(alice.key);
      expect(refused.body.errors?.[0]?.extensions).toMatchObject({ code: 'BUDGET_EXCEEDED', scope: 'KEY' });
      // Without the hard key budget, the soft user budget lets her go on.
      const keyBudget = (await admin(BUDGETS, { keyId: alice.id })).body.data.budgets[0].id;
      await admin(`mutation($id: ID!) { removeBudget(id: $id) }`, { id: keyBudget });
      fake.enqueue({ text: 'second answer', usage: USAGE });
      expect((await chatAs(alice.key)).body.errors).toBeUndefined();
    });

    it('counts dollars from MODEL_PRICES for a cost budget', async () => {
      // 100 × $1 + 50 × $2 per million = $0.0002 a call.
      await admin(SET, { input: { userId: 'alice', costUsd: 0.0003, period: 'MONTH' } });
      fake.enqueue({ text: 'one', usage: USAGE }, { text: 'two', usage: USAGE });
      expect((await chatAs(alice.key)).body.errors).toBeUndefined();
      expect((await gw.gql(BUDGETS, {}, alice.key)).body.data.budgets[0]).toMatchObject({ spent: expect.closeTo(0.0002, 10), exceeded: false });
      expect((await chatAs(alice.key)).body.errors).toBeUndefined();
      const refused = await chatAs(alice.key);
      expect(refused.body.errors?.[0]?.extensions?.code).toBe('BUDGET_EXCEEDED');
      expect((await gw.gql(BUDGETS, {}, alice.key)).body.data.budgets[0]).toMatchObject({ spent: expect.closeTo(0.0004, 10), exceeded: true });
    });
  });

  describe('during a run', () => {
    const lookup = { text: 'Let me look that up.', toolCalls: [{ name: 'lookup', arguments: {} }], usage: USAGE };
    /** A run of two steps; `stopped`: only the first is queued (the fake keeps what no request took). */
    const lookupThenAnswer = (stopped = true) => (stopped ? fake.enqueue(lookup) : fake.enqueue(lookup, { text: 'Here it is.', usage: USAGE }));

    it('stops a run that crosses a hard budget after its current step, its text kept and stored', async () => {
      await admin(SET, { input: { userId: 'alice', tokens: 100, period: 'DAY' } });
      lookupThenAnswer();
      const result = await chatAs(alice.key);
      expect(result.body.errors).toBeUndefined();
      expect(result.body.data.chat.message).toEqual({ content: 'Let me look that up.', finishReason: 'budget_exceeded', status: 'COMPLETE' });
      // The step's tool call was not run and the model was not asked again.
      expect(toolCalls).toBe(0);
      expect(fake.requests).toHaveLength(1);
      const rows = await gw.database.db.selectFrom('messages').select(['content', 'finish_reason']).where('role', '=', 'assistant').execute();
      expect(rows).toEqual([{ content: 'Let me look that up.', finish_reason: 'budget_exceeded' }]);
    });

    it('lets a soft budget warn and the run go on', async () => {
      await admin(SET, { input: { userId: 'alice', tokens: 100, period: 'DAY', hard: false } });
      lookupThenAnswer(false);
      const result = await chatAs(alice.key);
      expect(result.body.data.chat.message).toMatchObject({ content: 'Let me look that up.Here it is.', finishReason: 'stop' });
      expect(toolCalls).toBe(1);
      const metrics = new Samples(await (await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).text());
      expect(metrics.get('muxgate_budgets_crossed_total', { scope: 'USER', hard: 'false' })).toBeGreaterThanOrEqual(1);
    });

    it('ends a /v1 answer cut by a budget with finish_reason length', async () => {
      await admin(SET, { input: { userId: 'alice', tokens: 100, period: 'DAY' } });
      lookupThenAnswer();
      const client = new OpenAI({ apiKey: alice.key, baseURL: `${gw.url}/v1`, maxRetries: 0, timeout: 20_000 });
      const completion = await client.chat.completions.create({ model: 'assistant', messages: [{ role: 'user', content: 'hi' }] });
      expect(completion.choices[0]).toMatchObject({ finish_reason: 'length', message: { content: 'Let me look that up.' } });
    });
  });

  it('shows spend on /metrics by key group and model, never by user', async () => {
    fake.enqueue({ text: 'one', usage: USAGE }, { text: 'two', usage: USAGE });
    await chatAs(alice.key);
    await gw.gql(CHAT, { input: { message: 'hi', agentId: 'assistant', userId: 'dave' } }, USER_KEY);
    const text = await (await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).text();
    const metrics = new Samples(text);
    expect(metrics.get('muxgate_spend_tokens_total', { key_group: alice.id, model: 'gpt-4o-mini' })).toBeGreaterThanOrEqual(150);
    expect(metrics.get('muxgate_spend_tokens_total', { key_group: 'env-user', model: 'gpt-4o-mini' })).toBeGreaterThanOrEqual(150);
    expect(metrics.get('muxgate_spend_usd_total', { key_group: alice.id, model: 'gpt-4o-mini' })).toBeGreaterThan(0);
    const spendLines = text.split('\n').filter((line) => line.startsWith('muxgate_spend_'));
    expect(spendLines.length).toBeGreaterThan(0);
    // Labelled by key group and model alone: no user's id, whoever the key acted for.
    for (const line of spendLines) {
      expect(line).toMatch(/^muxgate_spend_(tokens|usd)_total\{key_group="[^"]+",model="[^"]+"\} /);
      expect(line).not.toMatch(/alice|dave/);
    }
  });

  it('rebuilds a counter from the ledger while the database refuses its writes: the queued calls count, and are stored once later', async () => {
    await admin(SET, { input: { userId: 'alice', tokens: 100_000, period: 'DAY' } });
    // A real refusal of the database: reads go on, every write of the ledger fails.
    await sql`alter table usage_entries add constraint refuse_writes check (false) not valid`.execute(gw.database.db);
    let spentWhileRefused: number;
    try {
      fake.enqueue({ text: 'first answer', usage: USAGE });
      expect((await chatAs(alice.key)).body.errors).toBeUndefined();
      await gw.orchestrator.usage.flush();
      expect(await gw.database.db.selectFrom('usage_entries').selectAll().execute()).toEqual([]);
      // Set again, the budget's counter is dropped and rebuilt from the ledger: its queued calls included.
      const again = await admin(SET, { input: { userId: 'alice', tokens: 100_000, period: 'DAY' } });
      spentWhileRefused = again.body.data.setBudget.spent;
      expect(spentWhileRefused).toBeGreaterThanOrEqual(150);
    } finally {
      await sql`alter table usage_entries drop constraint refuse_writes`.execute(gw.database.db);
    }
    await gw.orchestrator.usage.flush();
    const answers = await gw.database.db.selectFrom('usage_entries').select(['input_tokens', 'output_tokens']).where('user_id', '=', 'alice').where('purpose', '=', 'ANSWER').execute();
    expect(answers).toEqual([{ input_tokens: 100, output_tokens: 50 }]);
    const stored = await gw.database.db.selectFrom('usage_entries').select(['input_tokens', 'output_tokens']).where('user_id', '=', 'alice').execute();
    const listed = await admin(BUDGETS, { userId: 'alice' });
    expect(listed.body.data.budgets[0].spent).toBe(stored.reduce((sum, row) => sum + row.input_tokens + row.output_tokens, 0));
  });

  it('keeps a budget’s state over a restart: the ledger is the truth', async () => {
    await admin(SET, { input: { userId: 'alice', tokens: 100, period: 'DAY' } });
    fake.enqueue({ text: 'first answer', usage: USAGE });
    expect((await chatAs(alice.key)).body.errors).toBeUndefined();
    await gw.stop({ keepData: true });
    gw = await startTestGateway(gw.backend, { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: 'test-key', MODEL_PRICES: PRICES, MODEL_MAX_RETRIES: '0', CHAT_RATE_LIMIT: '1000' });
    const refused = await chatAs(alice.key);
    expect(refused.status).toBe(429);
    expect(refused.body.errors?.[0]?.extensions).toMatchObject({ code: 'BUDGET_EXCEEDED', scope: 'USER', resetsAt: endOfUtcDay() });
    expect(fake.requests).toHaveLength(1);
  });
});
