import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startTestGateway, type TestGateway } from './support/gateway.js';
import { send, TRANSPORTS } from './support/transports.js';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway('pglite');
});
afterAll(() => gw?.stop());

const CONTRACT_CODES = ['UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'BAD_USER_INPUT', 'UPSTREAM_UNAVAILABLE', 'RATE_LIMITED', 'BUDGET_EXCEEDED', 'INTERNAL'];

for (const transport of TRANSPORTS) {
  describe(`the error contract over ${transport}`, () => {
    it('reports an operationName the document lacks as BAD_USER_INPUT', async () => {
      const outcome = await send(gw, transport, { query: 'query Known { health { status } }', operationName: 'Unknown' }, ADMIN_KEY);
      expect(outcome.firstError).toEqual({
        message: 'Could not determine what operation to execute.',
        extensions: { code: 'BAD_USER_INPUT', reason: 'OPERATION_RESOLUTION_FAILURE' },
      });
    });

    it('masks an unexpected failure as INTERNAL with nothing but the code', async () => {
      await sql`alter table agents rename to agents_hidden`.execute(gw.database.db);
      try {
        const outcome = await send(gw, transport, { query: '{ agents { id } }' }, ADMIN_KEY);
        expect(outcome.firstError).toMatchObject({ message: 'Unexpected error.', extensions: { code: 'INTERNAL' } });
        expect(outcome.firstError?.extensions).toEqual({ code: 'INTERNAL' });
      } finally {
        await sql`alter table agents_hidden rename to agents`.execute(gw.database.db);
      }
    });

    it('reports a spent budget as BUDGET_EXCEEDED with its budget, scope, reset time and retryAfterSeconds', async () => {
      const user = `budget-${transport}`;
      // Spend through the ledger, as a model call would.
      gw.orchestrator.usage.record({ userId: user, keyId: null, agentId: null, runId: null }, 'gpt-4o-mini', 'ANSWER', { inputTokens: 10, outputTokens: 0, cachedTokens: 0, reasoningTokens: 0 });
      await gw.orchestrator.usage.flush();
      const set = await gw.gql(`mutation($input: BudgetInput!) { setBudget(input: $input) { id resetsAt } }`, { input: { userId: user, tokens: 5, period: 'MONTH' } }, ADMIN_KEY);
      const { id, resetsAt } = set.body.data.setBudget;
      const outcome = await send(gw, transport, { query: 'mutation($input: ChatInput!) { chat(input: $input) { runId } }', variables: { input: { message: 'hi', userId: user } } }, ADMIN_KEY);
      expect(outcome.firstError?.extensions).toEqual({ code: 'BUDGET_EXCEEDED', budgetId: id, scope: 'USER', resetsAt, retryAfterSeconds: expect.any(Number) });
    });

    it('uses only the documented codes for request-shape errors', async () => {
      const attempts = [
        { query: '{ agents { id ' },
        { query: '{ agentz { id } }' },
        { query: 'query($id: ID!) { agent(id: $id) { id } }', variables: { id: { not: 'an id' } } },
        { query: 'query($id: ID!) { agent(id: $id) { id } }' },
        { query: 'query A { health { status } } query B { health { status } }' },
      ];
      for (const attempt of attempts) {
        const outcome = await send(gw, transport, attempt, ADMIN_KEY);
        expect(outcome.firstError, attempt.query).toBeDefined();
        expect(CONTRACT_CODES, attempt.query).toContain(outcome.firstError?.extensions?.code);
        expect(outcome.firstError?.extensions?.code).toBe('BAD_USER_INPUT');
      }
    });
  });
}

describe('refusals before GraphQL (HTTP only)', () => {
  const post = (body: BodyInit, headers: Record<string, string>) =>
    fetch(gw.graphqlUrl, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_KEY}`, ...headers }, body });

  it('answers an unsupported content type with 415 and a JSON error body', async () => {
    const response = await post('{ health { status } }', { 'content-type': 'text/plain' });
    expect(response.status).toBe(415);
    expect(await response.json()).toEqual({
      errors: [{ message: expect.stringContaining('application/json'), extensions: { code: 'BAD_USER_INPUT', reason: 'UNSUPPORTED_MEDIA_TYPE' } }],
    });
  });

  it('answers an unacceptable Accept with 406 and a JSON error body', async () => {
    const response = await fetch(`${gw.graphqlUrl}?query=${encodeURIComponent('{ health { status } }')}`, { headers: { accept: 'image/png' } });
    expect(response.status).toBe(406);
    expect((await response.json()).errors[0].extensions).toEqual({ code: 'BAD_USER_INPUT', reason: 'NOT_ACCEPTABLE' });
  });

  it('answers a body over BODY_LIMIT_BYTES (1 MiB by default) with 413 and BAD_USER_INPUT', async () => {
    const response = await post(JSON.stringify({ query: '{ health { status } }', padding: 'x'.repeat(1_100_000) }), { 'content-type': 'application/json' });
    expect(response.status).toBe(413);
    expect((await response.json()).errors[0].extensions).toEqual({ code: 'BAD_USER_INPUT', reason: 'REQUEST_ENTITY_TOO_LARGE' });
  });

  it('never sends a malformed body back: the answer to 900 KB of bad JSON stays small', async () => {
    const response = await post(`{"query": "${'a'.repeat(900_000)}`, { 'content-type': 'application/json', accept: 'application/graphql-response+json' });
    expect(response.status).toBe(400);
    const body = await response.text();
    expect(body.length).toBeLessThan(2_000);
    expect(JSON.parse(body).errors[0].extensions).toEqual({ code: 'BAD_USER_INPUT', reason: 'BAD_REQUEST' });
  });
});
