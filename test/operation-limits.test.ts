import { getIntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startTestGateway, type TestGateway, USER_KEY } from './support/gateway.js';
import { gatewayWithUpstream } from './support/gateway-with-upstream.js';
import { send, TRANSPORTS } from './support/transports.js';

const world = gatewayWithUpstream({ OPENAI_API_KEY: 'test-key' });

const aliased = (count: number, field: string) => `{ ${Array.from({ length: count }, (_, i) => `a${i}: ${field}`).join(' ')} }`;
const ofType = (levels: number): string => (levels === 0 ? 'name' : `name ofType { ${ofType(levels - 1)} }`);
const refused = { extensions: { code: 'BAD_USER_INPUT', reason: expect.stringMatching(/^GRAPHQL_(VALIDATION|PARSE)_FAILED$/) } };

for (const transport of TRANSPORTS) {
  describe(`operation limits over ${transport}`, () => {
    // Single-connection mode needs a credential; the limits are the same for any caller.
    const anyone = transport === 'sse-single' ? USER_KEY : undefined;
    it('refuses more than 30 aliases, even of the anonymous health field', async () => {
      expect((await send(world.gw, transport, { query: aliased(30, 'health { status }') }, anyone)).results[0]?.data).toBeDefined();
      const outcome = await send(world.gw, transport, { query: aliased(31, 'health { status }') }, anyone);
      expect(outcome.firstError).toMatchObject({ ...refused, message: expect.stringContaining('Aliases limit of 30') });
    });

    it('refuses 10,000 aliases with a short message, before any field runs', async () => {
      const outcome = await send(world.gw, transport, { query: aliased(10_000, 'health { status database }') }, anyone);
      expect(outcome.firstError).toMatchObject({ ...refused, message: expect.stringContaining('Token limit of 2000') });
      expect(JSON.stringify(outcome).length).toBeLessThan(1_000);
    });

    it('refuses a selection deeper than 12 levels', async () => {
      const query = `{ __type(name: "Query") { fields { type { ${ofType(10)} } } } }`;
      const outcome = await send(world.gw, transport, { query }, ADMIN_KEY);
      expect(outcome.firstError).toMatchObject({ ...refused, message: expect.stringContaining('depth limit of 12') });
    });

    it('refuses more than 20 directives', async () => {
      const outcome = await send(world.gw, transport, { query: `{ health { status ${'@include(if: true) '.repeat(21)} } }` }, anyone);
      expect(outcome.firstError).toMatchObject({ ...refused, message: expect.stringContaining('Directives limit of 20') });
    });

    it('refuses an operation costing more than 5,000 within the other limits', async () => {
      const query = aliased(30, `__type(name: "Query") { fields { name description args { name description type { ${ofType(6)} } } } }`);
      const outcome = await send(world.gw, transport, { query }, ADMIN_KEY);
      expect(outcome.firstError).toMatchObject({ ...refused, message: expect.stringContaining('Cost limit of 5000') });
    });

    it('lets an authenticated caller run the full standard introspection query', async () => {
      const query = getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true, oneOf: true });
      const outcome = await send(world.gw, transport, { query }, USER_KEY);
      expect(outcome.firstError).toBeUndefined();
      expect((outcome.results[0]?.data as any).__schema.queryType.name).toBe('Query');
    });

    it('runs at most one chat per operation: two, aliased or spread, reach no model and store nothing', async () => {
      await world.gw.gql(`mutation { createAgent(input: { id: "assistant" }) { id } }`, {}, ADMIN_KEY);
      for (const query of [
        `mutation { a: chat(input: { message: "one" }) { runId } b: chat(input: { message: "two" }) { runId } }`,
        `mutation { ...Twice } fragment Twice on Mutation { chat(input: { message: "one" }) { runId } ... on Mutation { again: chat(input: { message: "two" }) { runId } } }`,
      ]) {
        const outcome = await send(world.gw, transport, { query }, USER_KEY);
        expect(outcome.firstError).toMatchObject({ ...refused, message: expect.stringContaining('`chat` at most once') });
      }
      expect(world.fake.requests).toHaveLength(0);
      expect(await world.gw.database.db.selectFrom('messages').selectAll().execute()).toEqual([]);
    });
  });
}

describe('health asked many times in one request', () => {
  it('checks the database once and gives every alias the same report', async () => {
    const database = world.gw.database;
    const ping = database.ping.bind(database);
    let pings = 0;
    // Counts the real check; the database still answers it.
    database.ping = () => {
      pings++;
      return ping();
    };
    try {
      await new Promise((resolve) => setTimeout(resolve, 1_100)); // let an earlier test's cached report expire
      const response = await world.gw.gql(aliased(30, 'health { status database uptimeSeconds }'));
      expect(response.body.errors).toBeUndefined();
      expect(new Set(Object.values(response.body.data).map((health) => JSON.stringify(health))).size).toBe(1);
      expect(pings).toBe(1);
    } finally {
      database.ping = ping;
    }
  });
});

describe('limits from the environment', () => {
  let strict: TestGateway;
  beforeAll(async () => {
    strict = await startTestGateway('pglite', { GRAPHQL_MAX_ALIASES: '2', GRAPHQL_MAX_DEPTH: '2', GRAPHQL_MAX_TOKENS: '100', GRAPHQL_MAX_DIRECTIVES: '1', GRAPHQL_MAX_COST: '10' });
  });
  afterAll(() => strict?.stop());

  it('applies GRAPHQL_MAX_* instead of the defaults', async () => {
    const cases: Array<[string, string]> = [
      [aliased(3, 'health { status }'), 'Aliases limit of 2'],
      [`{ __type(name: "Query") { fields { name } } }`, 'depth limit of 2'],
      [`{ health { status } ${'__typename '.repeat(100)} }`, 'Token limit of 100'],
      [`{ health { status @include(if: true) database @include(if: true) } }`, 'Directives limit of 1'],
      [`{ a: health { status database uptimeSeconds version } b: health { status database uptimeSeconds version } }`, 'Cost limit of 10'],
    ];
    for (const [query, message] of cases) {
      const response = await strict.gql(query, {}, ADMIN_KEY);
      expect(response.body.errors?.map((e) => e.message).join(' | ')).toContain(message);
      expect(response.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    }
  });
});
