import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { storageBackendNames } from './support/backends.js';
import { ADMIN_KEY, startTestGateway, type TestGateway, USER_KEY } from './support/gateway.js';
import { collect } from './support/subscriptions.js';

const AGENT_FIELDS = 'id description systemMessage model temperature maxTokens tools isDefault userId createdAt updatedAt';
const CREATE = `mutation($input: CreateAgentInput!) { createAgent(input: $input) { ${AGENT_FIELDS} } }`;
const LIST = `{ agents { id isDefault userId } }`;

describe.each(storageBackendNames())('agents on %s', (backendName) => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway(backendName);
  });
  afterAll(() => gw?.stop());
  beforeEach(() => gw.reset());

  const create = (input: Record<string, unknown>, key = ADMIN_KEY) => gw.gql(CREATE, { input }, key);

  it('creates an agent with every field and reads it back', async () => {
    const input = {
      id: 'code',
      description: 'Expert in programming',
      systemMessage: 'You are a coding expert.',
      model: 'openai:gpt-4o-mini',
      temperature: 0.2,
      maxTokens: 512,
      tools: ['github'],
    };
    const created = await create(input);
    expect(created.body.errors).toBeUndefined();
    const agent = created.body.data.createAgent;
    expect(agent).toMatchObject({ ...input, isDefault: true, userId: null });
    expect(new Date(agent.createdAt).getTime()).toBeGreaterThan(Date.now() - 60_000);

    const read = await gw.gql(`{ agent(id: "code") { ${AGENT_FIELDS} } }`, {}, USER_KEY);
    expect(read.body.data.agent).toEqual(agent);
    const rows = await gw.database.db.selectFrom('agents').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: 'code', model: 'openai:gpt-4o-mini', tools: ['github'], user_id: null });
  });

  it('fills in the default model and makes only the first global agent the default', async () => {
    await create({ id: 'assistant' });
    await create({ id: 'code' });
    const list = await gw.gql(`{ agents { id model isDefault } defaultAgent { id } }`, {}, ADMIN_KEY);
    expect(list.body.data).toEqual({
      agents: [
        { id: 'assistant', model: 'gpt-4o', isDefault: true },
        { id: 'code', model: 'gpt-4o', isDefault: false },
      ],
      defaultAgent: { id: 'assistant' },
    });
  });

  it('moves the default with setDefaultAgent and with setAsDefault, keeping exactly one', async () => {
    await create({ id: 'a' });
    await create({ id: 'b' });
    const moved = await gw.gql(`mutation { setDefaultAgent(id: "b") { id isDefault } }`, {}, ADMIN_KEY);
    expect(moved.body.data.setDefaultAgent).toEqual({ id: 'b', isDefault: true });
    await create({ id: 'c', setAsDefault: true });
    const setting = await gw.database.db.selectFrom('settings').select('value').where('key', '=', 'default_agent_id').execute();
    expect(setting).toEqual([{ value: 'c' }]);
    const list = await gw.gql(LIST, {}, ADMIN_KEY);
    expect(list.body.data.agents.filter((a: { isDefault: boolean }) => a.isDefault)).toEqual([{ id: 'c', isDefault: true, userId: null }]);
  });

  it('updates only the fields given and clears the ones set to null', async () => {
    await create({ id: 'a', description: 'first', temperature: 1, maxTokens: 100 });
    const updated = await gw.gql(
      `mutation { updateAgent(id: "a", input: { description: "second", maxTokens: null }) { description temperature maxTokens updatedAt createdAt } }`,
      {},
      ADMIN_KEY,
    );
    expect(updated.body.data.updateAgent).toMatchObject({ description: 'second', temperature: 1, maxTokens: null });
    const row = await gw.database.db.selectFrom('agents').selectAll().where('id', '=', 'a').executeTakeFirstOrThrow();
    expect(row.description).toBe('second');
    expect(row.max_tokens).toBeNull();
    expect(row.updated_at.getTime()).toBeGreaterThanOrEqual(row.created_at.getTime());
  });

  it('passes the default to the oldest global agent when the default is removed', async () => {
    await create({ id: 'a' });
    await create({ id: 'mine', userId: 'alice' });
    await create({ id: 'b' });
    await create({ id: 'c' });
    const removed = await gw.gql(`mutation { removeAgent(id: "a") }`, {}, ADMIN_KEY);
    expect(removed.body.data).toEqual({ removeAgent: true });
    const after = await gw.gql(`{ defaultAgent { id } agents { id } }`, {}, ADMIN_KEY);
    expect(after.body.data).toEqual({ defaultAgent: { id: 'b' }, agents: [{ id: 'mine' }, { id: 'b' }, { id: 'c' }] });
  });

  it('has no default agent once the last agent is gone', async () => {
    await create({ id: 'only' });
    await gw.gql(`mutation { removeAgent(id: "only") }`, {}, ADMIN_KEY);
    const after = await gw.gql(`{ defaultAgent { id } agents { id } }`, {}, ADMIN_KEY);
    expect(after.body.data).toEqual({ defaultAgent: null, agents: [] });
  });

  it('rejects invalid ids and values with BAD_USER_INPUT naming the field', async () => {
    for (const id of ['', 'Upper', '-leading', 'has space', 'x'.repeat(65), 'dot.ted']) {
      const response = await create({ id });
      expect(response.body.errors?.[0]?.extensions?.code, id).toBe('BAD_USER_INPUT');
      expect(response.body.errors?.[0]?.message).toContain('id');
    }
    const hot = await create({ id: 'hot', temperature: 3 });
    expect(hot.body.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    expect(hot.body.errors?.[0]?.message).toContain('temperature');
    const tokens = await create({ id: 'tokens', maxTokens: 0 });
    expect(tokens.body.errors?.[0]?.message).toContain('maxTokens');
    expect(await gw.database.db.selectFrom('agents').selectAll().execute()).toEqual([]);
  });

  it('rejects a duplicate id naming it, and keeps the original', async () => {
    await create({ id: 'dup', description: 'original' });
    const again = await create({ id: 'dup', description: 'copy' });
    expect(again.body.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', id: 'dup' } });
    expect(again.body.errors?.[0]?.message).toContain('"dup"');
    const rows = await gw.database.db.selectFrom('agents').select(['id', 'description']).execute();
    expect(rows).toEqual([{ id: 'dup', description: 'original' }]);
  });

  it('answers NOT_FOUND for unknown ids in every operation', async () => {
    const operations = [
      `{ agent(id: "ghost") { id } }`,
      `mutation { updateAgent(id: "ghost", input: { description: "x" }) { id } }`,
      `mutation { removeAgent(id: "ghost") }`,
      `mutation { setDefaultAgent(id: "ghost") { id } }`,
    ];
    for (const operation of operations) {
      const response = await gw.gql(operation, {}, ADMIN_KEY);
      expect(response.body.errors?.[0]?.extensions?.code, operation).toBe('NOT_FOUND');
      expect(response.body.errors?.[0]?.message).toContain('ghost');
    }
  });

  it('refuses to make a per-user agent the default', async () => {
    await create({ id: 'global' });
    const viaCreate = await create({ id: 'mine', userId: 'alice', setAsDefault: true });
    expect(viaCreate.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    await create({ id: 'mine', userId: 'alice' });
    const viaSet = await gw.gql(`mutation { setDefaultAgent(id: "mine") { id } }`, {}, ADMIN_KEY);
    expect(viaSet.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const list = await gw.gql(LIST, {}, ADMIN_KEY);
    expect(list.body.data.agents).toEqual([
      { id: 'global', isDefault: true, userId: null },
      { id: 'mine', isDefault: false, userId: 'alice' },
    ]);
  });

  it('has exactly one default, the oldest, after concurrent creates', async () => {
    const results = await Promise.all(['p1', 'p2', 'p3', 'p4', 'p5'].map((id) => create({ id })));
    expect(results.map((r) => r.body.errors)).toEqual([undefined, undefined, undefined, undefined, undefined]);
    const list = await gw.gql(`{ agents { id isDefault } defaultAgent { id } }`, {}, ADMIN_KEY);
    const defaults = list.body.data.agents.filter((a: { isDefault: boolean }) => a.isDefault);
    expect(defaults).toEqual([{ id: list.body.data.agents[0].id, isDefault: true }]);
    expect(list.body.data.defaultAgent).toEqual({ id: list.body.data.agents[0].id });
  });

  it('forgets an explicit default when that agent is removed, even if its id comes back', async () => {
    await create({ id: 'first' });
    await create({ id: 'chosen', setAsDefault: true });
    await gw.gql(`mutation { removeAgent(id: "chosen") }`, {}, ADMIN_KEY);
    await create({ id: 'chosen' });
    const after = await gw.gql(`{ defaultAgent { id } }`, {}, ADMIN_KEY);
    expect(after.body.data.defaultAgent).toEqual({ id: 'first' });
  });

  it('reports every kind of change over agentChanged, in order, as it happens', async () => {
    const sub = collect(gw.ws({ apiKey: ADMIN_KEY }), `subscription { agentChanged { kind agentId agent { id isDefault } } }`);
    // The server subscribes asynchronously: wait until a probe change arrives before the real ones.
    for (let probe = 0; sub.results.length === 0; probe++) {
      await create({ id: `probe-${probe}` });
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const before = sub.results.length;
    await create({ id: 'alpha' });
    await gw.gql(`mutation { updateAgent(id: "alpha", input: { description: "changed" }) { id } }`, {}, ADMIN_KEY);
    await gw.gql(`mutation { setDefaultAgent(id: "alpha") { id } }`, {}, ADMIN_KEY);
    await gw.gql(`mutation { removeAgent(id: "alpha") }`, {}, ADMIN_KEY);
    await sub.next(before + 5);
    const changes = sub.results.slice(before).map((r: any) => r.data.agentChanged);
    expect(changes).toEqual([
      { kind: 'CREATED', agentId: 'alpha', agent: { id: 'alpha', isDefault: false } },
      { kind: 'UPDATED', agentId: 'alpha', agent: { id: 'alpha', isDefault: false } },
      { kind: 'DEFAULT_CHANGED', agentId: 'alpha', agent: { id: 'alpha', isDefault: true } },
      { kind: 'REMOVED', agentId: 'alpha', agent: null },
      { kind: 'DEFAULT_CHANGED', agentId: 'probe-0', agent: { id: 'probe-0', isDefault: true } },
    ]);
    sub.unsubscribe();
  });
});
