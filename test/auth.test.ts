import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ADMIN_KEY, SECRET_KEY, startTestGateway, type TestGateway, USER_KEY } from './support/gateway.js';
import { collect } from './support/subscriptions.js';

let gw: TestGateway;
/** The `key` claim of tokens ADMIN_API_KEY issues; forged tokens carry it (and a jti) to pass for real ones. */
let adminKeyClaim: string;
beforeAll(async () => {
  gw = await startTestGateway('pglite');
  const issued = await gw.gql(`mutation { issueToken(userId: "x") { accessToken } }`, {}, ADMIN_KEY);
  adminKeyClaim = JSON.parse(Buffer.from(issued.body.data.issueToken.accessToken.split('.')[1], 'base64url').toString()).key;
});
afterAll(() => gw?.stop());

const secret = new TextEncoder().encode(SECRET_KEY);
/** `issuedAt`: seconds from now for iat (null: no iat); `expiresIn` counts from now. */
const forge = (claims: Record<string, unknown>, options: { key?: Uint8Array; issuer?: string; expiresIn?: number; issuedAt?: number | null } = {}) => {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ jti: randomUUID(), key: adminKeyClaim, ...claims }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(now + (options.expiresIn ?? 600));
  if (options.issuedAt !== null) jwt.setIssuedAt(now + (options.issuedAt ?? 0));
  if (options.issuer !== '') jwt.setIssuer(options.issuer ?? 'muxgate');
  return jwt.sign(options.key ?? secret);
};
const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

async function tokenFor(userId: string, credential = ADMIN_KEY): Promise<string> {
  const response = await gw.gql(`mutation($u: ID!) { issueToken(userId: $u) { accessToken tokenType expiresIn expiresAt } }`, { u: userId }, credential);
  expect(response.body.errors).toBeUndefined();
  return response.body.data.issueToken.accessToken;
}

describe('the auth matrix', () => {
  type Caller = 'anonymous' | 'userKey' | 'alice' | 'bob' | 'admin';
  type Outcome = 'ok' | 'UNAUTHENTICATED' | 'FORBIDDEN';
  const credentials: Record<Caller, string | undefined> = { anonymous: undefined, userKey: USER_KEY, alice: '', bob: '', admin: ADMIN_KEY };

  beforeEach(async () => {
    await gw.reset();
    credentials.alice = await tokenFor('alice');
    credentials.bob = await tokenFor('bob');
    const created = await gw.gql(`mutation { createAgent(input: { id: "assistant" }) { id } }`, {}, ADMIN_KEY);
    expect(created.body.errors).toBeUndefined();
  });

  // Every operation of this issue, and what each caller gets.
  const adminOnly: Record<Caller, Outcome> = { anonymous: 'UNAUTHENTICATED', userKey: 'FORBIDDEN', alice: 'FORBIDDEN', bob: 'FORBIDDEN', admin: 'ok' };
  const anyUser: Record<Caller, Outcome> = { anonymous: 'UNAUTHENTICATED', userKey: 'ok', alice: 'ok', bob: 'ok', admin: 'ok' };
  const everyone: Record<Caller, Outcome> = { anonymous: 'ok', userKey: 'ok', alice: 'ok', bob: 'ok', admin: 'ok' };
  const operations: Array<[string, string, Record<Caller, Outcome>]> = [
    ['health', `{ health { status database } }`, everyone],
    ['me', `{ me { kind userId } }`, anyUser],
    ['agents', `{ agents { id } }`, anyUser],
    ['agent', `{ agent(id: "assistant") { id } }`, anyUser],
    ['defaultAgent', `{ defaultAgent { id } }`, anyUser],
    ['apiKeys', `{ apiKeys { id } }`, adminOnly],
    ['createAgent', `mutation { createAgent(input: { id: "made" }) { id } }`, adminOnly],
    ['updateAgent', `mutation { updateAgent(id: "assistant", input: { description: "x" }) { id } }`, adminOnly],
    ['setDefaultAgent', `mutation { setDefaultAgent(id: "assistant") { id } }`, adminOnly],
    ['removeAgent', `mutation { removeAgent(id: "assistant") }`, adminOnly],
    ['createApiKey', `mutation { createApiKey(isAdmin: false) { id key } }`, adminOnly],
    ['issueToken for alice', `mutation { issueToken(userId: "alice") { accessToken } }`, { anonymous: 'UNAUTHENTICATED', userKey: 'ok', alice: 'FORBIDDEN', bob: 'FORBIDDEN', admin: 'ok' }],
  ];

  for (const [name, query, outcomes] of operations) {
    it(`${name}: ${JSON.stringify(outcomes)}`, async () => {
      for (const caller of Object.keys(outcomes) as Caller[]) {
        const response = await gw.gql(query, {}, credentials[caller]);
        const expected = outcomes[caller];
        if (expected === 'ok') {
          expect(response.body.errors, `${caller} ${name}`).toBeUndefined();
          expect(response.status).toBe(200);
        } else {
          expect(response.body.errors?.[0]?.extensions?.code, `${caller} ${name}`).toBe(expected);
          // Nullable fields answer null beside the error; nothing of the value leaks either way.
          expect(Object.values(response.body.data ?? {}).every((value) => value === null), `${caller} ${name}`).toBe(true);
        }
        // Put back what an allowed mutation changed, so every caller meets the same state.
        if (name === 'removeAgent' && expected === 'ok') await gw.gql(`mutation { createAgent(input: { id: "assistant" }) { id } }`, {}, ADMIN_KEY);
        if (name === 'createAgent' && expected === 'ok') await gw.gql(`mutation { removeAgent(id: "made") }`, {}, ADMIN_KEY);
      }
    });
  }

  it('revokeApiKey: admin only', async () => {
    for (const caller of ['anonymous', 'userKey', 'alice', 'admin'] as Caller[]) {
      const key = await gw.gql(`mutation { createApiKey(isAdmin: false) { id } }`, {}, ADMIN_KEY);
      const id = key.body.data.createApiKey.id;
      const response = await gw.gql(`mutation($id: ID!) { revokeApiKey(id: $id) }`, { id }, credentials[caller]);
      const expected = adminOnly[caller];
      if (expected === 'ok') expect(response.body.data).toEqual({ revokeApiKey: true });
      else expect(response.body.errors?.[0]?.extensions?.code).toBe(expected);
    }
  });

  it('agentChanged: an anonymous subscriber gets UNAUTHENTICATED, any credential subscribes', async () => {
    const anonymous = collect(gw.ws(), `subscription { agentChanged { kind } }`);
    await anonymous.ended();
    // An execution error, as graphql-ws sends them: one `next` carrying it, then `complete`.
    expect(anonymous.error).toBeUndefined();
    expect(anonymous.results).toEqual([{ errors: [expect.objectContaining({ path: ['agentChanged'], extensions: { code: 'UNAUTHENTICATED' } })] }]);
    for (const caller of ['userKey', 'alice', 'admin'] as Caller[]) {
      const sub = collect(gw.ws({ authorization: `Bearer ${credentials[caller]}` }), `subscription { agentChanged { kind agentId } }`);
      await new Promise((resolve) => setTimeout(resolve, 150));
      await gw.gql(`mutation { updateAgent(id: "assistant", input: { description: "${caller}" }) { id } }`, {}, ADMIN_KEY);
      await sub.next(1);
      expect(sub.results[0]).toEqual({ data: { agentChanged: { kind: 'UPDATED', agentId: 'assistant' } } });
      sub.unsubscribe();
    }
  });

  it('forgets agentChanged subscribers that unsubscribe or whose socket closes', async () => {
    const until = async (done: () => boolean) => {
      for (let i = 0; i < 100 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    };
    const kept = gw.ws({ apiKey: ADMIN_KEY });
    const closing = gw.ws({ apiKey: ADMIN_KEY });
    const subs = [collect(kept, `subscription { agentChanged { kind } }`), collect(closing, `subscription { agentChanged { kind } }`), collect(closing, `subscription { agentChanged { kind } }`)];
    await until(() => gw.orchestrator.agents.subscriberCount === 3);
    expect(gw.orchestrator.agents.subscriberCount).toBe(3);
    subs[0]!.unsubscribe();
    await closing.dispose();
    await until(() => gw.orchestrator.agents.subscriberCount === 0);
    expect(gw.orchestrator.agents.subscriberCount).toBe(0);
  });

  it('reports who the caller is', async () => {
    expect((await gw.gql(`{ me { kind userId } }`, {}, credentials.alice)).body.data.me).toEqual({ kind: 'USER', userId: 'alice' });
    expect((await gw.gql(`{ me { kind userId } }`, {}, USER_KEY)).body.data.me).toEqual({ kind: 'USER', userId: null });
    expect((await gw.gql(`{ me { kind userId } }`, {}, ADMIN_KEY)).body.data.me).toEqual({ kind: 'ADMIN', userId: null });
  });
});

describe('per-user agents', () => {
  let alice: string;
  let bob: string;
  beforeEach(async () => {
    await gw.reset();
    alice = await tokenFor('alice');
    bob = await tokenFor('bob');
    for (const input of [`{ id: "global" }`, `{ id: "alice-agent", userId: "alice" }`, `{ id: "bob-agent", userId: "bob" }`]) {
      await gw.gql(`mutation { createAgent(input: ${input}) { id } }`, {}, ADMIN_KEY);
    }
  });

  const ids = async (credential: string, userId?: string) => {
    const response = await gw.gql(`query($u: ID) { agents(userId: $u) { id } }`, { u: userId }, credential);
    if (response.body.errors) return response.body.errors[0]!.extensions!.code as string;
    return response.body.data.agents.map((a: { id: string }) => a.id);
  };

  it('shows a user the global agents and their own, never another user’s', async () => {
    expect(await ids(alice)).toEqual(['global', 'alice-agent']);
    expect(await ids(bob)).toEqual(['global', 'bob-agent']);
    const peek = await gw.gql(`{ agent(id: "bob-agent") { id } }`, {}, alice);
    expect(peek.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await gw.gql(`{ agent(id: "alice-agent") { id userId } }`, {}, alice)).body.data.agent).toEqual({ id: 'alice-agent', userId: 'alice' });
  });

  it('pins a JWT to its user: naming another user is FORBIDDEN', async () => {
    expect(await ids(alice, 'alice')).toEqual(['global', 'alice-agent']);
    expect(await ids(alice, 'bob')).toBe('FORBIDDEN');
  });

  it('lets an unbound user key act for any user it names, and a bound key only for its own', async () => {
    expect(await ids(USER_KEY)).toEqual(['global']);
    expect(await ids(USER_KEY, 'bob')).toEqual(['global', 'bob-agent']);
    const bound = await gw.gql(`mutation { createApiKey(isAdmin: false, userId: "alice") { key userId isAdmin } }`, {}, ADMIN_KEY);
    const key = bound.body.data.createApiKey.key as string;
    expect(bound.body.data.createApiKey).toMatchObject({ userId: 'alice', isAdmin: false });
    expect(await ids(key)).toEqual(['global', 'alice-agent']);
    expect(await ids(key, 'bob')).toBe('FORBIDDEN');
    const token = await gw.gql(`mutation { issueToken(userId: "bob") { accessToken } }`, {}, key);
    expect(token.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('shows admins every agent, or one user’s view when they name a user', async () => {
    expect(await ids(ADMIN_KEY)).toEqual(['global', 'alice-agent', 'bob-agent']);
    expect(await ids(ADMIN_KEY, 'alice')).toEqual(['global', 'alice-agent']);
  });

  it('sends agentChanged events for another user’s agents to nobody but admins and that user', async () => {
    const aliceSub = collect(gw.ws({ authorization: `Bearer ${alice}` }), `subscription { agentChanged { kind agentId } }`);
    const adminSub = collect(gw.ws({ apiKey: ADMIN_KEY }), `subscription { agentChanged { kind agentId } }`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await gw.gql(`mutation { updateAgent(id: "bob-agent", input: { description: "b" }) { id } }`, {}, ADMIN_KEY);
    await gw.gql(`mutation { updateAgent(id: "alice-agent", input: { description: "a" }) { id } }`, {}, ADMIN_KEY);
    await adminSub.next(2);
    await aliceSub.next(1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(adminSub.results.map((r) => r.data)).toEqual([
      { agentChanged: { kind: 'UPDATED', agentId: 'bob-agent' } },
      { agentChanged: { kind: 'UPDATED', agentId: 'alice-agent' } },
    ]);
    expect(aliceSub.results.map((r) => r.data)).toEqual([{ agentChanged: { kind: 'UPDATED', agentId: 'alice-agent' } }]);
  });
});

describe('JWT', () => {
  beforeEach(() => gw.reset());
  const meWith = async (token: string) => gw.gql(`{ me { kind userId } }`, {}, token);

  it('issues a token that authenticates as its user and says when it expires', async () => {
    const response = await gw.gql(`mutation { issueToken(userId: "carol", ttlSeconds: 120) { accessToken tokenType expiresIn expiresAt } }`, {}, ADMIN_KEY);
    const token = response.body.data.issueToken;
    expect(token).toMatchObject({ tokenType: 'Bearer', expiresIn: 120 });
    expect(Math.abs(new Date(token.expiresAt).getTime() - (Date.now() + 120_000))).toBeLessThan(5_000);
    const payload = JSON.parse(Buffer.from(token.accessToken.split('.')[1], 'base64url').toString());
    expect(payload).toMatchObject({ sub: 'carol', iss: 'muxgate' });
    expect((await meWith(token.accessToken)).body.data.me).toEqual({ kind: 'USER', userId: 'carol' });
  });

  it('rejects alg none, a wrong signature, an expired token, a wrong issuer and a missing subject', async () => {
    const now = Math.floor(Date.now() / 1000);
    const attacks: Record<string, string> = {
      'alg none': `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ sub: 'alice', iss: 'muxgate', iat: now, exp: now + 600 })}.`,
      'wrong signature': await forge({ sub: 'alice' }, { key: new TextEncoder().encode('another-secret-another-secret-another') }),
      expired: await forge({ sub: 'alice' }, { expiresIn: -10 }),
      'wrong issuer': await forge({ sub: 'alice' }, { issuer: 'someone-else' }),
      'no issuer': await forge({ sub: 'alice' }, { issuer: '' }),
      'no subject': await forge({}),
      'tampered payload': await (async () => {
        const [header, , signature] = (await forge({ sub: 'alice' })).split('.');
        return `${header}.${base64url({ sub: 'admin', iss: 'muxgate', exp: now + 600 })}.${signature}`;
      })(),
    };
    for (const [attack, token] of Object.entries(attacks)) {
      const response = await meWith(token);
      expect(response.status, attack).toBe(401);
      expect(response.body.errors?.[0]?.extensions?.code, attack).toBe('UNAUTHENTICATED');
      expect(response.body.data, attack).toBeUndefined();
    }
    // The same secret and claims, properly signed, pass: the attacks fail for their flaw alone.
    expect((await meWith(await forge({ sub: 'alice' }))).body.data.me).toEqual({ kind: 'USER', userId: 'alice' });
  });

  it('rejects a token living longer than MAX_TOKEN_TTL_SECONDS (86400 here) or issued in the future (beyond 30 s of skew)', async () => {
    const DAY = 86_400;
    const refused: Record<string, [string, RegExp]> = {
      'a two-day lifetime': [await forge({ sub: 'alice' }, { expiresIn: 2 * DAY }), /longer than MAX_TOKEN_TTL_SECONDS/],
      'a lifetime one second too long, issued an hour ago': [await forge({ sub: 'alice' }, { issuedAt: -3600, expiresIn: DAY - 3600 + 1 }), /longer than MAX_TOKEN_TTL_SECONDS/],
      'iat an hour ahead': [await forge({ sub: 'alice' }, { issuedAt: 3600, expiresIn: 7200 }), /issued in the future/],
      'no iat, expiring in two days': [await forge({ sub: 'alice' }, { issuedAt: null, expiresIn: 2 * DAY }), /no iat/],
    };
    for (const [name, [token, message]] of Object.entries(refused)) {
      const response = await meWith(token);
      expect(response.status, name).toBe(401);
      expect(response.body.errors?.[0]?.extensions?.code, name).toBe('UNAUTHENTICATED');
      expect(response.body.errors?.[0]?.message, name).toMatch(message);
    }
    const accepted: Record<string, string> = {
      'exactly the maximum': await forge({ sub: 'alice' }, { issuedAt: -60, expiresIn: DAY - 60 }),
      'iat 10 s ahead (within the skew)': await forge({ sub: 'alice' }, { issuedAt: 10, expiresIn: 600 }),
      'no iat, expiring within the maximum': await forge({ sub: 'alice' }, { issuedAt: null, expiresIn: 600 }),
    };
    for (const [name, token] of Object.entries(accepted)) {
      expect((await meWith(token)).body, name).toEqual({ data: { me: { kind: 'USER', userId: 'alice' } } });
    }
  });

  it('refuses a JWT sent in X-API-Key (that header carries API keys) with UNAUTHENTICATED, on GraphQL and REST', async () => {
    const token = await tokenFor('alice');
    const graphql = await fetch(gw.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': token },
      body: JSON.stringify({ query: '{ me { kind userId } }' }),
    });
    expect(graphql.status).toBe(401);
    const body = await graphql.json();
    expect(body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(body.errors[0].message).toMatch(/X-API-Key carries API keys only.*Authorization: Bearer/);
    expect(body.data).toBeUndefined();
    const rest = await fetch(gw.graphqlUrl.replace(/\/graphql$/, '/agents'), { headers: { 'x-api-key': token } });
    expect(rest.status).toBe(401);
    expect(await rest.text()).toMatch(/X-API-Key carries API keys only/);
    // The same token as a bearer is fine.
    expect((await meWith(token)).body.data.me).toEqual({ kind: 'USER', userId: 'alice' });
  });

  it('rejects a bad ttlSeconds with BAD_USER_INPUT', async () => {
    const response = await gw.gql(`mutation { issueToken(userId: "x", ttlSeconds: 0) { accessToken } }`, {}, ADMIN_KEY);
    expect(response.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('API keys', () => {
  beforeEach(() => gw.reset());

  it('returns a new key once, stores only its hash, and stops accepting it once revoked', async () => {
    const created = await gw.gql(`mutation { createApiKey(isAdmin: true, label: "ci") { id key isAdmin userId createdAt } }`, {}, ADMIN_KEY);
    const { id, key } = created.body.data.createApiKey;
    expect(key).toMatch(/^mxg_[a-z0-9]{12}_/);
    expect(key).toContain(id);
    const row = await gw.database.db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(key.slice(`mxg_${id}_`.length));
    expect(row.key_hash).toMatch(/^[0-9a-f]{64}$/);

    expect((await gw.gql(`{ me { kind } }`, {}, key)).body.data.me.kind).toBe('ADMIN');
    const listed = await gw.gql(`{ apiKeys { id isAdmin label revokedAt } }`, {}, key);
    expect(listed.body.data.apiKeys).toEqual([{ id, isAdmin: true, label: 'ci', revokedAt: null }]);
    expect(JSON.stringify(listed.body)).not.toContain(key);

    expect((await gw.gql(`mutation($id: ID!) { revokeApiKey(id: $id) }`, { id }, ADMIN_KEY)).body.data.revokeApiKey).toBe(true);
    const after = await gw.gql(`{ me { kind } }`, {}, key);
    expect(after.status).toBe(401);
    expect(after.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const again = await gw.gql(`mutation($id: ID!) { revokeApiKey(id: $id) }`, { id }, ADMIN_KEY);
    expect(again.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('rejects a key with the right id but a wrong secret', async () => {
    const created = await gw.gql(`mutation { createApiKey(isAdmin: true) { key } }`, {}, ADMIN_KEY);
    const key: string = created.body.data.createApiKey.key;
    const forged = key.slice(0, -4) + (key.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    const response = await gw.gql(`{ me { kind } }`, {}, forged);
    expect(response.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('accepts a key in X-API-Key as well as in Authorization', async () => {
    const response = await fetch(gw.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': ADMIN_KEY },
      body: JSON.stringify({ query: '{ me { kind } }' }),
    });
    expect(await response.json()).toEqual({ data: { me: { kind: 'ADMIN' } } });
  });
});

describe('WebSocket connection_init', () => {
  const closeCodeFor = (payload: Record<string, unknown>) =>
    new Promise<{ code: number; reason: string }>((resolve, reject) => {
      const socket = new WebSocket(gw.wsUrl, 'graphql-transport-ws');
      socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload })));
      socket.on('message', (data) => {
        const message = JSON.parse(String(data));
        if (message.type === 'connection_ack') {
          socket.close(1000);
          resolve({ code: 0, reason: 'ack' });
        }
      });
      socket.on('close', (code, reason) => resolve({ code, reason: String(reason) }));
      socket.on('error', reject);
    });

  it('closes the socket with 4403 for bad credentials and acknowledges good ones', async () => {
    expect(await closeCodeFor({ authorization: 'Bearer not-a-key' })).toMatchObject({ code: 4403 });
    expect(await closeCodeFor({ apiKey: 'mxg_aaaaaaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb' })).toMatchObject({ code: 4403 });
    expect(await closeCodeFor({ authorization: `Bearer ${await forge({ sub: 'a' }, { expiresIn: -5 })}` })).toMatchObject({ code: 4403 });
    expect(await closeCodeFor({ authorization: `Bearer ${ADMIN_KEY}` })).toEqual({ code: 0, reason: 'ack' });
    expect(await closeCodeFor({ apiKey: USER_KEY })).toEqual({ code: 0, reason: 'ack' });
    expect(await closeCodeFor({})).toEqual({ code: 0, reason: 'ack' });
  });

  it('closes a socket with 4403 when its JWT expires', async () => {
    const response = await gw.gql(`mutation { issueToken(userId: "dora", ttlSeconds: 1) { accessToken } }`, {}, ADMIN_KEY);
    const token = response.body.data.issueToken.accessToken;
    const started = Date.now();
    const closed = await new Promise<{ code: number; reason: string }>((resolve) => {
      const socket = new WebSocket(gw.wsUrl, 'graphql-transport-ws');
      socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })));
      socket.on('close', (code, reason) => resolve({ code, reason: String(reason) }));
    });
    expect(closed).toEqual({ code: 4403, reason: 'Token expired' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('answers queries over the socket with the same errors and masking as HTTP', async () => {
    const client = gw.ws({ apiKey: USER_KEY });
    const forbidden = collect(client, `mutation { createAgent(input: { id: "nope" }) { id } }`);
    await forbidden.ended();
    expect(forbidden.results[0]?.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const syntax = collect(client, `{ agents { id `);
    await syntax.ended();
    expect(syntax.error).toEqual([expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT', reason: 'GRAPHQL_PARSE_FAILED' } })]);
    const invalid = collect(client, `{ agentz }`);
    await invalid.ended();
    expect(invalid.error).toEqual([expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT', reason: 'GRAPHQL_VALIDATION_FAILED' } })]);
  });
});
