import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import type { UsageEntry } from '../src/core/usage/usage-entry.js';
import { UsageStore } from '../src/core/usage/usage-store.js';
import { FakeOpenAI } from './support/fake-openai.js';
import { ADMIN_KEY, startTestGateway, type TestGateway, USER_KEY } from './support/gateway.js';
import { storageBackendNames } from './support/backends.js';

const CHAT = `mutation($input: ChatInput!) { chat(input: $input) { runId } }`;
const USAGE = `query($from: DateTime, $to: DateTime, $groupBy: [UsageDimension!], $filter: UsageFilter, $userId: ID) {
  usage(from: $from, to: $to, groupBy: $groupBy, filter: $filter, userId: $userId) {
    from to groupBy
    totals { calls inputTokens outputTokens cachedTokens reasoningTokens totalTokens costUsd unpricedCalls }
    groups { userId keyId agentId model purpose bucketStart calls inputTokens outputTokens cachedTokens reasoningTokens totalTokens costUsd unpricedCalls }
    unpricedModels
  }
}`;
// gpt-4o-mini is priced; local-llama is not.
const PRICES = JSON.stringify({ 'gpt-4o-mini': { input: 0.15, output: 0.6, cached: 0.075 } });
const DIMENSIONS = ['USER', 'KEY', 'AGENT', 'MODEL', 'PURPOSE'] as const;
type Dimension = (typeof DIMENSIONS)[number];

/** One ledger row as the test expects it; cost in dollars (null: unpriced). */
interface Row {
  userId: string | null;
  keyId: string | null;
  agentId: string | null;
  model: string;
  purpose: string;
  input: number;
  output: number;
  cached: number;
  reasoning: number;
  cost: number | null;
}

const FIELD: Record<Dimension, 'userId' | 'keyId' | 'agentId' | 'model' | 'purpose'> = { USER: 'userId', KEY: 'keyId', AGENT: 'agentId', MODEL: 'model', PURPOSE: 'purpose' };
/** Dollars compared to a millionth of a cent: sums in another order differ in the last bits. */
const dollars = (value: number) => Math.round(value * 1e8);

/** What the API should answer for these rows grouped by these dimensions, worked out here; groups in a fixed order. */
function expectedGroups(rows: Row[], groupBy: Dimension[]) {
  const groups = new Map<string, ReturnType<typeof emptyGroup>>();
  for (const row of rows) {
    const values = Object.fromEntries(DIMENSIONS.map((d) => [FIELD[d], groupBy.includes(d) ? row[FIELD[d]] : null]));
    const key = JSON.stringify(values);
    const group = groups.get(key) ?? emptyGroup(values);
    groups.set(key, group);
    group.calls += 1;
    group.inputTokens += row.input;
    group.outputTokens += row.output;
    group.cachedTokens += row.cached;
    group.reasoningTokens += row.reasoning;
    group.totalTokens += row.input + row.output;
    group.costUsd += dollars(row.cost ?? 0);
    group.unpricedCalls += row.cost === null ? 1 : 0;
  }
  return [...groups.values()].sort(byValues);
}
const emptyGroup = (values: Record<string, unknown>): Record<string, unknown> & Record<'calls' | 'inputTokens' | 'outputTokens' | 'cachedTokens' | 'reasoningTokens' | 'totalTokens' | 'costUsd' | 'unpricedCalls', number> => ({ ...values, bucketStart: null, calls: 0, inputTokens: 0, outputTokens: 0, cachedTokens: 0, reasoningTokens: 0, totalTokens: 0, costUsd: 0, unpricedCalls: 0 });
const byValues = (a: Record<string, unknown>, b: Record<string, unknown>) => JSON.stringify([a.userId, a.keyId, a.agentId, a.model, a.purpose]).localeCompare(JSON.stringify([b.userId, b.keyId, b.agentId, b.model, b.purpose]));
const inDollars = (groups: Array<Record<string, any>>) => groups.map((group) => ({ ...group, costUsd: dollars(group.costUsd) }));

const isJson = (text: string) => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

function* combinations(dimensions: readonly Dimension[]): Generator<Dimension[]> {
  for (let mask = 1; mask < 1 << dimensions.length; mask++) yield dimensions.filter((_, i) => mask & (1 << i));
}

describe.each(storageBackendNames())('usage reports on %s', (backend) => {
  let fake: FakeOpenAI;
  let gw: TestGateway;
  const usage = async (variables: Record<string, unknown>, credential = ADMIN_KEY) => gw.gql(USAGE, variables, credential);
  const report = async (variables: Record<string, unknown>, credential = ADMIN_KEY) => {
    const { body } = await usage(variables, credential);
    expect(body.errors).toBeUndefined();
    return body.data.usage;
  };
  const rest = (query: string, credential = ADMIN_KEY) => fetch(`${gw.url}/usage${query}`, { headers: { authorization: `Bearer ${credential}` } });

  beforeAll(async () => {
    fake = await FakeOpenAI.start();
    // No embeddings: every model call here is one of the chats below.
    gw = await startTestGateway(backend, { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: 'test-key', MODEL_PRICES: PRICES, ENABLE_EMBEDDINGS: 'false' });
  });
  afterAll(async () => {
    await gw?.stop();
    await fake?.close();
  });

  describe('after chats by two users, with three keys and two agents', () => {
    let aliceKey: string;
    let bobKey: string;
    let rows: Row[];

    beforeAll(async () => {
      await gw.reset();
      for (const [id, model] of [['assistant', 'gpt-4o-mini'], ['coder', 'local-llama']]) {
        await gw.gql(`mutation($id: ID!, $model: String!) { createAgent(input: { id: $id, model: $model }) { id } }`, { id, model }, ADMIN_KEY);
      }
      const keyFor = async (user: string) => (await gw.gql(`mutation($u: ID!) { createApiKey(isAdmin: false, userId: $u) { id key } }`, { u: user }, ADMIN_KEY)).body.data.createApiKey;
      const alice = await keyFor('alice');
      const bob = await keyFor('bob');
      aliceKey = alice.key;
      bobKey = bob.key;
      const chats = [
        { credential: aliceKey, agentId: 'assistant', usage: { prompt_tokens: 1000, completion_tokens: 200, total_tokens: 1200, prompt_tokens_details: { cached_tokens: 400 }, completion_tokens_details: { reasoning_tokens: 50 } } },
        { credential: USER_KEY, userId: 'alice', agentId: 'coder', usage: { prompt_tokens: 300, completion_tokens: 100, total_tokens: 400 } },
        { credential: bobKey, agentId: 'assistant', usage: { prompt_tokens: 500, completion_tokens: 50, total_tokens: 550 } },
        { credential: bobKey, agentId: 'coder', usage: { prompt_tokens: 200, completion_tokens: 20, total_tokens: 220 } },
      ];
      for (const chat of chats) {
        fake.enqueue({ text: 'fine', usage: chat.usage });
        const { body } = await gw.gql(CHAT, { input: { message: 'hi', agentId: chat.agentId, ...(chat.userId ? { userId: chat.userId } : {}) } }, chat.credential);
        expect(body.errors).toBeUndefined();
      }
      await gw.orchestrator.usage.flush();
      const userKeyId = (await gw.database.db.selectFrom('usage_entries').select('key_id').where('agent_id', '=', 'coder').where('user_id', '=', 'alice').executeTakeFirstOrThrow()).key_id;
      expect(userKeyId).toMatch(/^env:/);
      // A routing call recorded through the ledger and not yet written: a report includes it.
      gw.orchestrator.usage.record({ userId: 'bob', keyId: bob.id, agentId: null, runId: null }, 'gpt-4o-mini', 'ROUTING', { inputTokens: 100, outputTokens: 10, cachedTokens: 0, reasoningTokens: 0 });
      rows = [
        { userId: 'alice', keyId: alice.id, agentId: 'assistant', model: 'gpt-4o-mini', purpose: 'ANSWER', input: 1000, output: 200, cached: 400, reasoning: 50, cost: (600 * 0.15 + 400 * 0.075 + 200 * 0.6) / 1e6 },
        { userId: 'alice', keyId: userKeyId, agentId: 'coder', model: 'local-llama', purpose: 'ANSWER', input: 300, output: 100, cached: 0, reasoning: 0, cost: null },
        { userId: 'bob', keyId: bob.id, agentId: 'assistant', model: 'gpt-4o-mini', purpose: 'ANSWER', input: 500, output: 50, cached: 0, reasoning: 0, cost: (500 * 0.15 + 50 * 0.6) / 1e6 },
        { userId: 'bob', keyId: bob.id, agentId: 'coder', model: 'local-llama', purpose: 'ANSWER', input: 200, output: 20, cached: 0, reasoning: 0, cost: null },
        { userId: 'bob', keyId: bob.id, agentId: null, model: 'gpt-4o-mini', purpose: 'ROUTING', input: 100, output: 10, cached: 0, reasoning: 0, cost: (100 * 0.15 + 10 * 0.6) / 1e6 },
      ];
    });

    it('gives an admin the totals of every call, the cost of the priced ones and the unpriced models', async () => {
      const result = await report({});
      expect(result.groupBy).toEqual([]);
      expect(result.groups).toEqual([]);
      expect(result.unpricedModels).toEqual(['local-llama']);
      expect({ ...result.totals, costUsd: dollars(result.totals.costUsd) }).toEqual({
        calls: 5,
        inputTokens: 2100,
        outputTokens: 380,
        cachedTokens: 400,
        reasoningTokens: 50,
        totalTokens: 2480,
        costUsd: dollars((240 + 105 + 21) / 1e6),
        unpricedCalls: 2,
      });
      // The last 30 days up to now by default.
      expect(new Date(result.to).getTime() - new Date(result.from).getTime()).toBe(30 * 86_400_000);
      expect(Math.abs(Date.now() - new Date(result.to).getTime())).toBeLessThan(60_000);
    });

    it('groups by each dimension and every combination of them, with exact sums', async () => {
      for (const groupBy of combinations(DIMENSIONS)) {
        const result = await report({ groupBy });
        expect(result.groupBy, groupBy.join()).toEqual(groupBy);
        expect(inDollars(result.groups).sort(byValues), groupBy.join()).toEqual(expectedGroups(rows, groupBy));
      }
    });

    it('orders groups costliest first, then by tokens', async () => {
      const result = await report({ groupBy: ['AGENT'] });
      expect(result.groups.map((group: { agentId: string | null }) => group.agentId)).toEqual(['assistant', null, 'coder']);
      const byModel = await report({ groupBy: ['MODEL'] });
      expect(byModel.groups.map((group: { model: string; unpricedCalls: number }) => [group.model, group.unpricedCalls])).toEqual([
        ['gpt-4o-mini', 0],
        ['local-llama', 2],
      ]);
    });

    it('filters by user, key, agent, model and purpose', async () => {
      const sumOf = (kept: Row[]) => expectedGroups(kept, [])[0];
      const cases: Array<[Record<string, string>, (row: Row) => boolean]> = [
        [{ userId: 'bob' }, (row) => row.userId === 'bob'],
        [{ keyId: rows[1]!.keyId! }, (row) => row.keyId === rows[1]!.keyId],
        [{ agentId: 'coder' }, (row) => row.agentId === 'coder'],
        [{ model: 'gpt-4o-mini' }, (row) => row.model === 'gpt-4o-mini'],
        [{ purpose: 'ROUTING' }, (row) => row.purpose === 'ROUTING'],
        [{ userId: 'alice', model: 'local-llama' }, (row) => row.userId === 'alice' && row.model === 'local-llama'],
      ];
      for (const [filter, keep] of cases) {
        const result = await report({ filter });
        const { userId, keyId, agentId, model, purpose, bucketStart, ...sums } = sumOf(rows.filter(keep))!;
        expect({ ...result.totals, costUsd: dollars(result.totals.costUsd) }, JSON.stringify(filter)).toEqual(sums);
      }
      expect((await report({ filter: { model: 'gpt-4o-mini' } })).unpricedModels).toEqual([]);
      expect((await report({ filter: { agentId: 'nobody' } })).totals).toMatchObject({ calls: 0, totalTokens: 0, costUsd: 0, unpricedCalls: 0 });
    });

    it('shows a user their own calls only; naming another user is FORBIDDEN', async () => {
      for (const [credential, user] of [[aliceKey, 'alice'], [bobKey, 'bob']] as const) {
        const result = await report({ groupBy: ['USER', 'KEY', 'MODEL'] }, credential);
        expect(inDollars(result.groups).sort(byValues)).toEqual(expectedGroups(rows.filter((row) => row.userId === user), ['USER', 'KEY', 'MODEL']));
        expect(result.unpricedModels).toEqual(['local-llama']);
        expect((await report({ filter: { userId: user } }, credential)).totals.calls).toBe(user === 'alice' ? 2 : 3);
        const other = user === 'alice' ? 'bob' : 'alice';
        for (const variables of [{ filter: { userId: other } }, { userId: other }]) {
          const { body } = await usage(variables, credential);
          expect(body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
          expect(body.data).toBeNull();
        }
      }
      // An unbound user key acts for the user it names, and for no user when it names none.
      expect((await report({ userId: 'alice' }, USER_KEY)).totals.calls).toBe(2);
      expect((await report({}, USER_KEY)).totals.calls).toBe(0);
      // An admin may read one user's.
      expect((await report({ userId: 'bob', groupBy: ['USER'] })).groups.map((group: { userId: string }) => group.userId)).toEqual(['bob']);
      const { body } = await gw.gql(USAGE, {});
      expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    });

    it('answers GET /usage with the same figures, snake_case', async () => {
      const response = await rest('?group_by=user,model');
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('application/json');
      const json = await response.json();
      const graphql = await report({ groupBy: ['USER', 'MODEL'], from: json.from, to: json.to });
      expect(json.group_by).toEqual(['USER', 'MODEL']);
      expect(json.unpriced_models).toEqual(graphql.unpricedModels);
      const snake = (group: Record<string, unknown>) => Object.fromEntries(Object.entries(group).map(([name, value]) => [name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), value]));
      expect(json.totals).toEqual(snake(graphql.totals));
      expect(json.groups).toEqual(graphql.groups.map(snake));
      expect(json.groups).toHaveLength(4);

      const alice = await (await rest('?group_by=agent&purpose=answer', aliceKey)).json();
      expect(alice.groups.map((group: { agent_id: string; calls: number }) => [group.agent_id, group.calls])).toEqual([
        ['assistant', 1],
        ['coder', 1],
      ]);
      const bobByKey = await (await rest(`?key_id=${encodeURIComponent(rows[2]!.keyId!)}&user_id=bob`)).json();
      expect(bobByKey.totals.calls).toBe(3);
      const refused = await rest('?user_id=bob', aliceKey);
      expect(refused.status).toBe(403);
      expect((await refused.json()).error.code).toBe('FORBIDDEN');
    });

    it('answers the README example as written (curl against this gateway)', async () => {
      const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
      const script = readme.match(/<!-- example: usage -->\n```sh\n([\s\S]*?)\n```/)?.[1];
      expect(script).toBeDefined();
      // The prices it starts the gateway with cover the models a fresh gateway calls by default (agents, routing, embeddings).
      const defaults = loadConfig({});
      expect(Object.keys(JSON.parse(/MODEL_PRICES='([^']*)'/.exec(script!)![1]!)).sort()).toEqual([...new Set([defaults.defaultModel, defaults.routing.model, defaults.embeddingModel])].sort());
      const { stdout } = await promisify(execFile)('bash', ['-e', '-c', script!.replaceAll('localhost:8000', gw.url)], { env: { ...process.env, KEY: ADMIN_KEY }, timeout: 30_000 });
      // Two JSON bodies, one after the other.
      const split = [...stdout.matchAll(/\}\{/g)].map((m) => m.index! + 1).find((at) => isJson(stdout.slice(0, at)))!;
      const [graphql, restJson] = [JSON.parse(stdout.slice(0, split)), JSON.parse(stdout.slice(split))];
      expect(graphql.data.usage.totals.calls).toBe(5);
      expect(dollars(graphql.data.usage.totals.costUsd)).toBe(dollars((240 + 105 + 21) / 1e6));
      expect(graphql.data.usage.groups.map((group: { model: string; totalTokens: number }) => [group.model, group.totalTokens])).toEqual([
        ['gpt-4o-mini', 1200 + 550 + 110],
        ['local-llama', 400 + 220],
      ]);
      expect(graphql.data.usage.unpricedModels).toEqual(['local-llama']);
      expect(restJson.groups.map((group: { user_id: string; agent_id: string; calls: number }) => [group.user_id, group.agent_id, group.calls])).toEqual([
        ['alice', 'assistant', 1],
        ['bob', 'assistant', 1],
        ['alice', 'coder', 1],
        ['bob', 'coder', 1],
      ]);
    });

    it('refuses bad input with BAD_USER_INPUT, over GraphQL and REST', async () => {
      const now = Date.now();
      const iso = (ms: number) => new Date(ms).toISOString();
      const refusals: Array<[string, Record<string, unknown>]> = [
        ['from after to', { from: iso(now), to: iso(now - 3_600_000) }],
        ['an empty range', { from: iso(now), to: iso(now) }],
        ['more than 400 days', { from: iso(now - 401 * 86_400_000), to: iso(now) }],
        ['hours over more than 31 days', { from: iso(now - 32 * 86_400_000), to: iso(now), groupBy: ['HOUR'] }],
        ['DAY and HOUR', { groupBy: ['DAY', 'HOUR'] }],
        ['an unknown dimension', { groupBy: ['WEEK'] }],
        ['an unknown purpose', { filter: { purpose: 'FUN' } }],
        ['a date that is not one', { from: 'yesterday' }],
        ['two different users', { userId: 'alice', filter: { userId: 'bob' } }],
      ];
      for (const [what, variables] of refusals) {
        const { body } = await usage(variables);
        expect(body.errors?.[0]?.extensions?.code, what).toBe('BAD_USER_INPUT');
      }
      for (const query of [`?from=${iso(now)}&to=${iso(now - 1000)}`, '?group_by=user,week', '?purpose=fun', '?from=yesterday', `?from=${iso(now - 401 * 86_400_000)}`, '?colour=red']) {
        const response = await rest(query);
        expect(response.status, query).toBe(400);
        expect((await response.json()).error.code, query).toBe('BAD_USER_INPUT');
      }
      expect((await (await rest('?group_by=user,week')).json()).error.message).toContain('group_by');
    });
  });

  describe('in UTC days and hours', () => {
    const at = (iso: string, userId: string, model: string, input: number, costUsd: number | null): UsageEntry => ({
      id: randomUUID(),
      at: new Date(iso),
      userId,
      keyId: null,
      agentId: 'assistant',
      runId: null,
      model,
      purpose: 'ANSWER',
      inputTokens: input,
      outputTokens: 0,
      cachedTokens: 0,
      reasoningTokens: 0,
      costUsd,
    });

    const entries = [
      at('2026-03-01T10:15:00.000Z', 'alice', 'gpt-4o-mini', 100, 0.25),
      at('2026-03-01T10:45:00.000Z', 'bob', 'gpt-4o-mini', 200, 0.5),
      at('2026-03-01T23:59:59.999Z', 'alice', 'gpt-4o-mini', 400, 1),
      at('2026-03-02T00:00:00.000Z', 'bob', 'gpt-4o-mini', 800, 2),
      at('2026-03-03T00:00:00.000Z', 'alice', 'local-llama', 1600, null),
    ];

    beforeAll(async () => {
      await gw.reset();
      const store = new UsageStore(gw.database.db);
      await store.insert(entries);
      // The ledger's retry after a commit whose answer was lost: the same entries again, with one new.
      await store.insert([...entries.slice(3), at('2026-03-04T00:00:00.000Z', 'carol', 'gpt-4o-mini', 1, 0)]);
    });

    it('stores a batch written again once: six rows, one per entry id', async () => {
      const rows = await gw.database.db.selectFrom('usage_entries').select(['entry_id', 'user_id', 'input_tokens']).orderBy('at').execute();
      expect(rows.map((row) => [row.entry_id, row.user_id, row.input_tokens])).toEqual([
        ...entries.map((entry) => [entry.id, entry.userId, entry.inputTokens]),
        [expect.any(String), 'carol', 1],
      ]);
    });

    it('sums by day over [from, to): the end is excluded', async () => {
      const result = await report({ from: '2026-03-01T00:00:00Z', to: '2026-03-03T00:00:00Z', groupBy: ['DAY'] });
      expect(result.from).toBe('2026-03-01T00:00:00.000Z');
      expect(result.groups.map((group: any) => [group.bucketStart, group.calls, group.inputTokens, group.costUsd])).toEqual([
        ['2026-03-01T00:00:00.000Z', 3, 700, 1.75],
        ['2026-03-02T00:00:00.000Z', 1, 800, 2],
      ]);
      expect(result.unpricedModels).toEqual([]);
      const wider = await report({ from: '2026-03-01T00:00:00Z', to: '2026-03-04T00:00:00Z', groupBy: ['DAY'] });
      expect(wider.groups.at(-1)).toMatchObject({ bucketStart: '2026-03-03T00:00:00.000Z', calls: 1, costUsd: 0, unpricedCalls: 1 });
      expect(wider.unpricedModels).toEqual(['local-llama']);
    });

    it('sums by hour, and by day and user together', async () => {
      const hours = await report({ from: '2026-03-01T00:00:00Z', to: '2026-03-02T12:00:00Z', groupBy: ['HOUR'] });
      expect(hours.groups.map((group: any) => [group.bucketStart, group.calls, group.inputTokens])).toEqual([
        ['2026-03-01T10:00:00.000Z', 2, 300],
        ['2026-03-01T23:00:00.000Z', 1, 400],
        ['2026-03-02T00:00:00.000Z', 1, 800],
      ]);
      const daysByUser = await report({ from: '2026-03-01T00:00:00Z', to: '2026-03-04T00:00:00Z', groupBy: ['DAY', 'USER'] });
      // Within a day, the costlier user first.
      expect(daysByUser.groups.map((group: any) => [group.bucketStart.slice(0, 10), group.userId, group.inputTokens, group.costUsd])).toEqual([
        ['2026-03-01', 'alice', 500, 1.25],
        ['2026-03-01', 'bob', 200, 0.5],
        ['2026-03-02', 'bob', 800, 2],
        ['2026-03-03', 'alice', 1600, 0],
      ]);
      const rest = await (await fetch(`${gw.url}/usage?from=2026-03-01T00:00:00Z&to=2026-03-02T12:00:00Z&group_by=hour`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).json();
      expect(rest.groups.map((group: any) => [group.bucket_start, group.calls])).toEqual(hours.groups.map((group: any) => [group.bucketStart, group.calls]));
    });
  });
});
