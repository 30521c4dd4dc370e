import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startTestGateway, type TestGateway, USER_KEY } from './support/gateway.js';
import { readEventStream } from './support/subscriptions.js';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway('pglite');
});
afterAll(() => gw?.stop());
beforeEach(() => gw.reset());

const post = (body: string, headers: Record<string, string> = {}) =>
  fetch(gw.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}`, ...headers }, body });

describe('GraphQL over HTTP', () => {
  it('answers application/graphql-response+json when asked, application/json otherwise', async () => {
    const modern = await post(JSON.stringify({ query: '{ health { status } }' }), { accept: 'application/graphql-response+json' });
    expect(modern.status).toBe(200);
    expect(modern.headers.get('content-type')).toContain('application/graphql-response+json');
    const legacy = await post(JSON.stringify({ query: '{ health { status } }' }), { accept: 'application/json' });
    expect(legacy.headers.get('content-type')).toContain('application/json');
    expect(await legacy.json()).toEqual({ data: { health: { status: 'OK' } } });
  });

  it('runs queries over GET and refuses mutations over GET with 405', async () => {
    const query = await fetch(`${gw.graphqlUrl}?query=${encodeURIComponent('{ agents { id } }')}`, {
      headers: { authorization: `Bearer ${ADMIN_KEY}`, accept: 'application/graphql-response+json' },
    });
    expect(query.status).toBe(200);
    expect(await query.json()).toEqual({ data: { agents: [] } });
    const mutation = await fetch(`${gw.graphqlUrl}?query=${encodeURIComponent('mutation { createAgent(input: { id: "viaget" }) { id } }')}`, {
      headers: { authorization: `Bearer ${ADMIN_KEY}`, accept: 'application/graphql-response+json' },
    });
    expect(mutation.status).toBe(405);
    expect(mutation.headers.get('allow')).toBe('POST');
    expect((await mutation.json()).errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(await gw.database.db.selectFrom('agents').selectAll().execute()).toEqual([]);
  });

  it('answers malformed JSON with 400 and BAD_USER_INPUT', async () => {
    const response = await post('{"query": "{ health { status } }"', { accept: 'application/graphql-response+json' });
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'BAD_REQUEST' });
    expect(body.errors[0].message).toContain('JSON');
  });

  it('answers a syntax error with 400, its location and BAD_USER_INPUT', async () => {
    const response = await post(JSON.stringify({ query: '{ agents { id ' }), { accept: 'application/graphql-response+json' });
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.errors[0]).toMatchObject({
      message: expect.stringContaining('Syntax Error'),
      locations: [{ line: 1, column: 15 }],
      extensions: { code: 'BAD_USER_INPUT', reason: 'GRAPHQL_PARSE_FAILED' },
    });
  });

  it('answers an unknown field and a wrongly typed variable with BAD_USER_INPUT', async () => {
    const unknown = await post(JSON.stringify({ query: '{ agentz { id } }' }), { accept: 'application/graphql-response+json' });
    expect(unknown.status).toBe(400);
    expect((await unknown.json()).errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'GRAPHQL_VALIDATION_FAILED' });
    const variable = await post(JSON.stringify({ query: 'query($t: Float) { agents { id } }', variables: { t: 'hot' } }), {
      accept: 'application/graphql-response+json',
    });
    expect(variable.status).toBe(400);
    const body = await variable.json();
    expect(body.errors[0].message).toContain('$t');
    expect(body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });

  it('masks unexpected errors as INTERNAL without their message', async () => {
    // A database fault the resolver did not expect: its SQL message must not reach the client.
    await sql`alter table agents rename to agents_hidden`.execute(gw.database.db);
    gw.orchestrator.agents.invalidate();
    try {
      const response = await post(JSON.stringify({ query: '{ agents { id } }' }));
      const body = await response.json();
      expect(body.errors[0].extensions.code).toBe('INTERNAL');
      expect(body.errors[0].message).toBe('Unexpected error.');
      expect(JSON.stringify(body)).not.toContain('agents_hidden');
      expect(JSON.stringify(body)).not.toContain('relation');
    } finally {
      await sql`alter table agents_hidden rename to agents`.execute(gw.database.db);
    }
    const after = await post(JSON.stringify({ query: '{ agents { id } }' }));
    expect(await after.json()).toEqual({ data: { agents: [] } });
  });

  it('rejects bad credentials before execution with 401', async () => {
    const response = await post(JSON.stringify({ query: '{ health { status } }' }), { authorization: 'Bearer wrong', accept: 'application/graphql-response+json' });
    expect(response.status).toBe(401);
    expect((await response.json()).errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it('serves GraphiQL without any CDN', async () => {
    const page = await fetch(gw.graphqlUrl, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('muxgate');
    expect(html).not.toMatch(/<script[^>]+src="https?:\/\//);
    expect(html).not.toMatch(/<link[^>]+href="https?:\/\//);
  });
});

describe('subscriptions over SSE', () => {
  it('streams agentChanged as text/event-stream with buffering off', async () => {
    const controller = new AbortController();
    const response = await fetch(gw.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${USER_KEY}` },
      body: JSON.stringify({ query: 'subscription { agentChanged { kind agentId agent { id isDefault } } }' }),
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    expect(response.headers.get('x-accel-buffering')).toBe('no');
    expect([null, 'none']).toContain(response.headers.get('content-encoding'));
    const events = readEventStream(response);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await gw.gql(`mutation { createAgent(input: { id: "sse" }) { id } }`, {}, ADMIN_KEY);
    const received = [];
    for await (const event of events) {
      if (event.event !== 'next') continue;
      received.push(event.data);
      if (received.length === 2) break;
    }
    controller.abort();
    expect(received).toEqual([
      { data: { agentChanged: { kind: 'CREATED', agentId: 'sse', agent: { id: 'sse', isDefault: true } } } },
      { data: { agentChanged: { kind: 'DEFAULT_CHANGED', agentId: 'sse', agent: { id: 'sse', isDefault: true } } } },
    ]);
  });

  it('refuses an anonymous SSE subscription with UNAUTHENTICATED', async () => {
    const response = await fetch(gw.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: 'subscription { agentChanged { kind } }' }),
    });
    const events = [];
    for await (const event of readEventStream(response)) events.push(event);
    expect(events[0]).toMatchObject({ event: 'next', data: { errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] } });
    expect(events.at(-1)?.event).toBe('complete');
  });
});

describe('GET /health', () => {
  it('answers 200 with the status as JSON', async () => {
    const response = await fetch(`${gw.url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok', version: '0.1.0', database: 'up', database_kind: 'pglite' });
  });
});

describe('chat without a model provider', () => {
  it('fails the run with UPSTREAM_UNAVAILABLE naming the variable to set', async () => {
    await gw.gql(`mutation { createAgent(input: { id: "assistant" }) { id } }`, {}, ADMIN_KEY);
    const response = await gw.gql(`mutation { chat(input: { message: "hello" }) { runId } }`, {}, USER_KEY);
    expect(response.body.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retryable: false });
    expect(response.body.errors?.[0]?.message).toContain('OPENAI_API_KEY');
    const rows = await gw.database.db.selectFrom('messages').select(['role', 'status', 'error_code']).orderBy('ordinal').execute();
    expect(rows).toEqual([
      { role: 'user', status: 'COMPLETE', error_code: null },
      { role: 'assistant', status: 'FAILED', error_code: 'UPSTREAM_UNAVAILABLE' },
    ]);
  });
});
