import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { storageBackendNames } from './support/backends.js';
import { ADMIN_KEY, SECRET_KEY, startTestGateway, type TestGateway, USER_KEY } from './support/gateway.js';
import { rawSocket } from './support/raw-socket.js';

const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
const ME = `{ me { kind userId } }`;

describe.each(storageBackendNames())('revocation on %s', (backend) => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway(backend);
  });
  afterAll(() => gw?.stop());
  beforeEach(async () => {
    await gw.reset();
    await gw.database.db.deleteFrom('revoked_tokens').execute();
  });

  const issue = async (userId: string, credential: string, ttlSeconds?: number) => {
    const response = await gw.gql(`mutation($u: ID!, $t: Int) { issueToken(userId: $u, ttlSeconds: $t) { id accessToken expiresAt } }`, { u: userId, t: ttlSeconds }, credential);
    expect(response.body.errors).toBeUndefined();
    return response.body.data.issueToken as { id: string; accessToken: string; expiresAt: string };
  };
  const createKey = async (userId?: string) => {
    const response = await gw.gql(`mutation($u: ID) { createApiKey(isAdmin: false, userId: $u) { id key } }`, { u: userId }, ADMIN_KEY);
    return response.body.data.createApiKey as { id: string; key: string };
  };
  const revokeToken = (args: { token?: string; id?: string }, credential: string) =>
    gw.gql(`mutation($token: String, $id: ID) { revokeToken(token: $token, id: $id) }`, args, credential);
  const connected = async (credential: string) => {
    const socket = rawSocket(gw.wsUrl);
    expect(await socket.init({ authorization: `Bearer ${credential}` })).toBe('ack');
    return socket;
  };

  it('puts a jti and the issuing key in every token', async () => {
    const key = await createKey();
    const token = await issue('alice', key.key);
    expect(claimsOf(token.accessToken)).toMatchObject({ sub: 'alice', jti: token.id, key: key.id });
    const fromEnvironmentKey = claimsOf((await issue('alice', USER_KEY)).accessToken);
    expect(fromEnvironmentKey.key).toMatch(/^env:[0-9a-f]{16}$/);
    expect(JSON.stringify(fromEnvironmentKey)).not.toContain(USER_KEY);
  });

  it('closes every socket of a revoked API key, and of the tokens it issued, with 4403 at once', async () => {
    const key = await createKey('alice');
    const token = await issue('alice', key.key);
    const bySocketKey = await connected(key.key);
    const byToken = await connected(token.accessToken);
    const unrelated = await connected(USER_KEY);
    expect((await bySocketKey.run('1', ME))[0].payload).toEqual({ data: { me: { kind: 'USER', userId: 'alice' } } });
    expect((await byToken.run('1', ME))[0].payload).toEqual({ data: { me: { kind: 'USER', userId: 'alice' } } });

    expect((await gw.gql(`mutation($id: ID!) { revokeApiKey(id: $id) }`, { id: key.id }, ADMIN_KEY)).body.data).toEqual({ revokeApiKey: true });
    expect(await bySocketKey.closed).toEqual({ code: 4403, reason: 'Credential revoked' });
    expect(await byToken.closed).toEqual({ code: 4403, reason: 'Credential revoked' });
    expect(unrelated.isOpen).toBe(true);
    expect((await unrelated.run('1', ME))[0].payload.data.me.kind).toBe('USER');

    // The token dies with its key, over HTTP and for a new socket.
    const overHttp = await gw.gql(ME, {}, token.accessToken);
    expect(overHttp.status).toBe(401);
    expect(overHttp.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(await rawSocket(gw.wsUrl).init({ authorization: `Bearer ${token.accessToken}` })).toMatchObject({ code: 4403 });
    await unrelated.close();
  });

  it('checks a socket’s credential again for every operation: a key revoked elsewhere stops working on an open socket', async () => {
    const key = await createKey('alice');
    const socket = await connected(key.key);
    expect((await socket.run('1', ME))[0].payload.data.me.userId).toBe('alice');
    // Revoked by another replica: only the database knows; this one's key cache forgets within seconds.
    await gw.database.db.updateTable('api_keys').set({ revoked_at: new Date() }).where('id', '=', key.id).execute();
    for (let i = 0; i < 100 && (await gw.gql(ME, {}, key.key)).status !== 401; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(socket.isOpen).toBe(true);
    const answer = await socket.run('2', ME);
    expect(answer.some((message) => message.payload?.data?.me)).toBe(false);
    expect(await socket.closed).toEqual({ code: 4403, reason: 'Credential revoked' });
  });

  it('lets a user revoke their own token: it stops on HTTP, its sockets close with 4403, a row remembers it', async () => {
    const token = await issue('alice', ADMIN_KEY, 600);
    const other = await issue('alice', ADMIN_KEY, 600);
    const socket = await connected(token.accessToken);

    expect((await revokeToken({ token: token.accessToken }, token.accessToken)).body).toEqual({ data: { revokeToken: true } });
    expect(await socket.closed).toEqual({ code: 4403, reason: 'Credential revoked' });
    const after = await gw.gql(ME, {}, token.accessToken);
    expect(after.status).toBe(401);
    expect(after.body.errors?.[0]).toMatchObject({ message: 'The token has been revoked', extensions: { code: 'UNAUTHENTICATED' } });
    // Another token of the same user is untouched.
    expect((await gw.gql(ME, {}, other.accessToken)).body.data.me).toEqual({ kind: 'USER', userId: 'alice' });

    const rows = await gw.database.db.selectFrom('revoked_tokens').selectAll().execute();
    expect(rows).toEqual([expect.objectContaining({ jti: token.id, user_id: 'alice', expires_at: new Date(token.expiresAt) })]);
    expect((await revokeToken({ token: token.accessToken }, ADMIN_KEY)).body).toEqual({ data: { revokeToken: false } });
  });

  it('lets admins revoke by id; others may revoke only tokens of users they act for', async () => {
    const alice = await issue('alice', ADMIN_KEY);
    const bob = await issue('bob', ADMIN_KEY);
    const bobsKey = await createKey('bob');
    const codeOf = async (response: ReturnType<typeof revokeToken>) => (await response).body.errors?.[0]?.extensions?.code;

    expect(await codeOf(revokeToken({ token: alice.accessToken }, bob.accessToken))).toBe('FORBIDDEN');
    expect(await codeOf(revokeToken({ token: alice.accessToken }, bobsKey.key))).toBe('FORBIDDEN');
    expect(await codeOf(revokeToken({ id: alice.id }, alice.accessToken))).toBe('FORBIDDEN');
    expect(await codeOf(revokeToken({ id: alice.id }, USER_KEY))).toBe('FORBIDDEN');
    expect(await codeOf(revokeToken({}, ADMIN_KEY))).toBe('BAD_USER_INPUT');
    expect(await codeOf(revokeToken({ id: alice.id, token: alice.accessToken }, ADMIN_KEY))).toBe('BAD_USER_INPUT');
    expect(await codeOf(revokeToken({ token: 'a.b.c' }, ADMIN_KEY))).toBe('BAD_USER_INPUT');
    expect((await gw.gql(ME, {}, alice.accessToken)).status).toBe(200);

    // An unbound user key (a backend) issues tokens for anyone, so it may revoke them.
    expect((await revokeToken({ token: bob.accessToken }, USER_KEY)).body.data).toEqual({ revokeToken: true });
    expect((await revokeToken({ id: alice.id }, ADMIN_KEY)).body.data).toEqual({ revokeToken: true });
    expect((await gw.gql(ME, {}, alice.accessToken)).status).toBe(401);
    expect((await gw.gql(ME, {}, bob.accessToken)).status).toBe(401);
    const rows = await gw.database.db.selectFrom('revoked_tokens').select(['jti', 'user_id']).orderBy('revoked_at').execute();
    expect(rows).toEqual([
      { jti: bob.id, user_id: 'bob' },
      { jti: alice.id, user_id: null },
    ]);
  });

  it('caps ttlSeconds at MAX_TOKEN_TTL_SECONDS (one day by default)', async () => {
    expect((await issue('alice', ADMIN_KEY, 86_400)).accessToken).toBeTruthy();
    const tooLong = await gw.gql(`mutation { issueToken(userId: "alice", ttlSeconds: 86401) { accessToken } }`, {}, ADMIN_KEY);
    expect(tooLong.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(tooLong.body.errors?.[0]?.message).toContain('MAX_TOKEN_TTL_SECONDS');
  });

  it('refuses tokens without a jti or an issuing key: they could never be withdrawn', async () => {
    const now = Math.floor(Date.now() / 1000);
    const { key } = claimsOf((await issue('alice', ADMIN_KEY)).accessToken);
    const sign = (claims: Record<string, unknown>) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuer('muxgate').setIssuedAt(now).setExpirationTime(now + 600).sign(new TextEncoder().encode(SECRET_KEY));
    expect((await gw.gql(ME, {}, await sign({ sub: 'alice', key }))).status).toBe(401);
    expect((await gw.gql(ME, {}, await sign({ sub: 'alice', jti: randomUUID() }))).status).toBe(401);
    expect((await gw.gql(ME, {}, await sign({ sub: 'alice', jti: randomUUID(), key }))).status).toBe(200);
  });

  it('remembers revocations across a restart, and refuses tokens of an environment key no longer configured', async () => {
    const revoked = await issue('alice', ADMIN_KEY);
    const kept = await issue('alice', ADMIN_KEY);
    const fromUserKey = await issue('alice', USER_KEY);
    expect((await revokeToken({ token: revoked.accessToken }, ADMIN_KEY)).body.data).toEqual({ revokeToken: true });
    await gw.stop({ keepData: true });
    gw = await startTestGateway(gw.backend, { USER_API_KEY: 'a-rotated-user-key-0123456789' });
    expect((await gw.gql(ME, {}, revoked.accessToken)).status).toBe(401);
    expect((await gw.gql(ME, {}, kept.accessToken)).body.data).toEqual({ me: { kind: 'USER', userId: 'alice' } });
    const rotated = await gw.gql(ME, {}, fromUserKey.accessToken);
    expect(rotated.status).toBe(401);
    expect(rotated.body.errors?.[0]?.message).toBe('The token was issued by an API key that is no longer configured');
  });
});
