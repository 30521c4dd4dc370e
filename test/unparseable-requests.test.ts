import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startTestGateway, type TestGateway, USER_KEY } from './support/gateway.js';
import { createAgent } from './support/memory.js';
import { type RawAnswer, rawHttp } from './support/raw-http.js';

/**
 * Requests the gateway cannot parse, sent byte for byte over a bare socket: each is answered at
 * once (a 4xx before the socket's bound, never a hang) with the error body of its surface.
 */
let gw: TestGateway;
beforeAll(async () => {
  // A short request timeout: a body that stops coming is answered 408 within the test's bound.
  gw = await startTestGateway('pglite', { REQUEST_TIMEOUT_MS: '1000' });
});
afterAll(() => gw?.stop());
beforeEach(() => gw.reset());

/** A request head; `credential` goes in `Authorization: Bearer`. */
const head = (method: string, path: string, headers: Record<string, string | undefined>, credential?: string) => [
  `${method} ${path} HTTP/1.1`,
  'Host: localhost',
  'Connection: close',
  ...(credential ? [`Authorization: Bearer ${credential}`] : []),
  ...Object.entries(headers)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `${name}: ${value}`),
];

const send = async (method: string, path: string, headers: Record<string, string | undefined>, body = '', options: { credential?: string; end?: boolean } = {}) => {
  const answer = await rawHttp(gw.url, head(method, path, headers, options.credential), body, { end: options.end });
  expect(answer, `${method} ${path} was never answered`).not.toBe('no answer');
  return answer as RawAnswer;
};

const json = (answer: RawAnswer) => JSON.parse(answer.body);

/** What each surface is sent: an empty body, one that is not JSON, one cut short, one of another type. */
const EMPTY = { 'Content-Type': 'application/json', 'Content-Length': '0' };
const NO_LENGTH = { 'Content-Type': 'application/json' };
const MALFORMED = '{"query": "{ __typename }",}';
const TRUNCATED = '{"query": "{ __typ';
const length = (body: string) => String(Buffer.byteLength(body));

const callers = [
  ['anonymous', undefined],
  ['authenticated', USER_KEY],
] as const;

describe.each(callers)('POST /graphql, %s', (_who, credential) => {
  const expectGraphQLRefusal = (answer: RawAnswer, status = 400) => {
    expect(answer.status).toBe(status);
    expect(json(answer).errors[0].extensions.code).toBe('BAD_USER_INPUT');
  };

  it('answers an empty body with 400, with Content-Length: 0 or none, in the media type asked for', async () => {
    for (const accept of [undefined, 'application/json', 'application/graphql-response+json']) {
      for (const headers of [EMPTY, NO_LENGTH]) {
        const answer = await send('POST', '/graphql', { ...headers, Accept: accept }, '', { credential });
        expectGraphQLRefusal(answer);
        expect(json(answer).errors[0].message).toContain('The body is empty');
        expect(answer.headers['content-type']).toContain(accept === 'application/graphql-response+json' ? accept : 'application/json');
      }
    }
  });

  it('answers malformed and truncated JSON with 400 whatever the client accepts', async () => {
    for (const accept of [undefined, 'application/json', 'application/graphql-response+json']) {
      for (const body of [MALFORMED, TRUNCATED]) {
        const answer = await send('POST', '/graphql', { 'Content-Type': 'application/json', 'Content-Length': length(body), Accept: accept }, body, { credential });
        expectGraphQLRefusal(answer);
        expect(json(answer).errors[0].extensions.reason).toBe('BAD_REQUEST');
      }
    }
  });

  it('answers a body of another type, or of none, with 415', async () => {
    const body = JSON.stringify({ query: '{ __typename }' });
    for (const type of ['text/plain', undefined]) {
      expectGraphQLRefusal(await send('POST', '/graphql', { 'Content-Type': type, 'Content-Length': length(body) }, body, { credential }), 415);
    }
  });

  it('answers a body shorter than its Content-Length once the client stops sending, and runs none of it', async () => {
    const body = JSON.stringify({ query: 'mutation { createAgent(input: { id: "cut-short" }) { id } }' });
    const answer = await send('POST', '/graphql', { 'Content-Type': 'application/json', 'Content-Length': String(body.length + 100) }, body, { credential, end: true });
    expectGraphQLRefusal(answer);
    expect(await gw.database.db.selectFrom('agents').select('id').execute()).toEqual([]);
  });

  it('answers 408 to a body that stops coming while the client keeps the socket open, and runs none of it', async () => {
    const body = JSON.stringify({ query: 'mutation { createAgent(input: { id: "never-finished" }) { id } }' });
    const answer = await send('POST', '/graphql', { 'Content-Type': 'application/json', 'Content-Length': String(body.length + 100) }, body, { credential });
    expect(answer).not.toBe('no answer');
    expect((answer as RawAnswer).status).toBe(408);
    expect(json(answer as RawAnswer).errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(await gw.database.db.selectFrom('agents').select('id').execute()).toEqual([]);
  });

  it('answers a Content-Length that is no number with 400', async () => {
    expectGraphQLRefusal(await send('POST', '/graphql', { 'Content-Type': 'application/json', 'Content-Length': 'ten' }, '{}', { credential }));
  });
});

describe.each(callers)('REST, %s', (who, credential) => {
  /** Anonymous callers are refused (401) before their body is read; either way, at once and in the REST shape. */
  const expectRestRefusal = (answer: RawAnswer, status: number, message?: string) => {
    const body = json(answer);
    if (who === 'anonymous') {
      expect(answer.status).toBe(401);
      expect(body.error.code).toBe('UNAUTHENTICATED');
      return;
    }
    expect(answer.status).toBe(status);
    expect(body.error.code).toBe('BAD_USER_INPUT');
    if (message) expect(body.error.message).toBe(message);
  };

  it('refuses an empty body where one is needed: 400 "The body is empty"', async () => {
    for (const path of ['/chat', '/agents']) {
      for (const headers of [EMPTY, NO_LENGTH]) {
        expectRestRefusal(await send('POST', path, headers, '', { credential }), 400, 'The body is empty: send a JSON object');
      }
    }
  });

  it('refuses malformed and truncated JSON with 400, a body of another type with 415', async () => {
    for (const body of [MALFORMED, TRUNCATED]) {
      expectRestRefusal(await send('POST', '/chat', { 'Content-Type': 'application/json', 'Content-Length': length(body) }, body, { credential }), 400, 'The request body is not valid JSON');
    }
    const body = JSON.stringify({ message: 'hello' });
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', undefined]) {
      expectRestRefusal(await send('POST', '/chat', { 'Content-Type': type, 'Content-Length': length(body) }, body, { credential }), 415);
    }
  });

  it('answers a body shorter than its Content-Length once the client stops sending', async () => {
    const body = JSON.stringify({ id: 'cut-short' });
    const answer = await send('POST', '/agents', { 'Content-Type': 'application/json', 'Content-Length': String(body.length + 100) }, body, { credential, end: true });
    expectRestRefusal(answer, 400);
    expect(await gw.database.db.selectFrom('agents').select('id').execute()).toEqual([]);
  });
});

describe.each(callers)('/v1, %s', (who, credential) => {
  const expectOpenAIRefusal = (answer: RawAnswer, status: number, code: string) => {
    const body = json(answer);
    expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
    if (who === 'anonymous' && status !== 415) {
      // The body is read before the caller is known: a refusal of the body comes first; a readable one is then refused 401.
      expect([status, 401]).toContain(answer.status);
      return;
    }
    expect(answer.status).toBe(status);
    expect(body.error).toMatchObject({ type: 'invalid_request_error', code });
  };

  it('answers empty, malformed and truncated bodies with 400 invalid_json, another type with 415', async () => {
    for (const headers of [EMPTY, NO_LENGTH]) expectOpenAIRefusal(await send('POST', '/v1/chat/completions', headers, '', { credential }), 400, 'invalid_json');
    for (const body of [MALFORMED, TRUNCATED]) {
      expectOpenAIRefusal(await send('POST', '/v1/chat/completions', { 'Content-Type': 'application/json', 'Content-Length': length(body) }, body, { credential }), 400, 'invalid_json');
    }
    const body = JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] });
    expectOpenAIRefusal(await send('POST', '/v1/chat/completions', { 'Content-Type': 'text/plain', 'Content-Length': length(body) }, body, { credential }), 415, 'unsupported_media_type');
  });

  it('answers a body shorter than its Content-Length once the client stops sending', async () => {
    const body = JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] });
    const answer = await send('POST', '/v1/chat/completions', { 'Content-Type': 'application/json', 'Content-Length': String(body.length + 100) }, body, { credential, end: true });
    expectOpenAIRefusal(answer, 400, 'invalid_request');
  });
});

describe('REST routes that take no body', () => {
  it('ignore an empty one, whatever its declared type', async () => {
    for (const [id, type] of [
      ['json-delete', 'application/json'],
      ['text-delete', 'text/plain'],
    ] as const) {
      await createAgent(gw, { id });
      for (const headers of [{ 'Content-Type': type, 'Content-Length': '0' }, { 'Content-Type': type, 'Transfer-Encoding': 'chunked' }]) {
        const chunkedEmpty = headers['Transfer-Encoding'] ? '0\r\n\r\n' : '';
        const read = await send('GET', `/agents/${id}`, headers, chunkedEmpty, { credential: ADMIN_KEY });
        expect(read.status).toBe(200);
        expect(json(read).agent_id ?? json(read).id).toBe(id);
      }
      const removed = await send('DELETE', `/agents/${id}`, { 'Content-Type': type, 'Content-Length': '0' }, '', { credential: ADMIN_KEY });
      expect(removed.status).toBe(204);
      expect(await gw.database.db.selectFrom('agents').select('id').where('id', '=', id).execute()).toEqual([]);
    }
    const list = await send('GET', '/agents', EMPTY, '', { credential: ADMIN_KEY });
    expect(list.status).toBe(200);
    expect(json(list)).toEqual({ agents: [] });
  });
});

describe('a body that stalls after the request was already answered', () => {
  it('gets no second answer: an anonymous REST caller refused 401 before its body is read hears only the 401', async () => {
    const body = JSON.stringify({ id: 'never-finished' });
    // Keep-alive: Node waits for the rest of the body after the 401 until REQUEST_TIMEOUT_MS.
    const keepAlive = head('POST', '/agents', { 'Content-Type': 'application/json', 'Content-Length': String(body.length + 100) }).map((line) =>
      line === 'Connection: close' ? 'Connection: keep-alive' : line,
    );
    const answer = (await rawHttp(gw.url, keepAlive, body)) as RawAnswer;
    expect(answer).not.toBe('no answer');
    expect(answer.status).toBe(401);
    // Exactly one HTTP response on the wire: the 408 of the request timeout must not follow the 401.
    expect(answer.body).not.toContain('HTTP/1.1');
    expect(json(answer).error.code).toBe('UNAUTHENTICATED');
  });
});
