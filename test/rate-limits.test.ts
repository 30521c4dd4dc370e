import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeOpenAI } from './support/fake-openai.js';
import { ADMIN_KEY, startTestGateway, type TestGateway, USER_KEY } from './support/gateway.js';
import { rawSocket } from './support/raw-socket.js';
import { collect } from './support/subscriptions.js';

const CHAT = `mutation($input: ChatInput!) { chat(input: $input) { runId message { content } } }`;
const CHAT_STREAM = `subscription($input: ChatInput!) { chatStream(input: $input) { __typename ... on RunEventFields { runId } } }`;

let fake: FakeOpenAI;
let gw: TestGateway;

beforeAll(async () => {
  fake = await FakeOpenAI.start();
  // TRUST_PROXY: each test claims its own client address through X-Forwarded-For.
  gw = await startTestGateway('pglite', {
    OPENAI_BASE_URL: fake.url,
    OPENAI_API_KEY: 'test-key',
    TRUST_PROXY: 'true',
    CHAT_RATE_LIMIT: '3',
    AUTH_FAILURE_LIMIT: '3',
    MAX_CONCURRENT_RUNS_PER_USER: '2',
  });
});
afterAll(async () => {
  await gw?.stop();
  await fake?.close();
});
beforeEach(async () => {
  fake.reset();
  fake.setDefault({ text: 'fine thanks' });
  await gw.reset();
  await gw.gql(`mutation { createAgent(input: { id: "assistant" }) { id } }`, {}, ADMIN_KEY);
});

/** POSTs an operation from a given client address. */
async function post(query: string, variables: Record<string, unknown>, options: { credential?: string; from?: string; accept?: string } = {}) {
  return fetch(gw.graphqlUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: options.accept ?? 'application/graphql-response+json, application/json',
      'x-forwarded-for': options.from ?? '192.0.2.1',
      ...(options.credential ? { authorization: `Bearer ${options.credential}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
}
const tokenFor = async (userId: string) =>
  (await gw.gql(`mutation($u: ID!) { issueToken(userId: $u) { accessToken } }`, { u: userId }, ADMIN_KEY)).body.data.issueToken.accessToken as string;
const userMessages = async () => (await gw.database.db.selectFrom('messages').select('content').where('role', '=', 'user').execute()).length;

describe('chat rate limit per principal (CHAT_RATE_LIMIT)', () => {
  it('answers 429 with Retry-After and RATE_LIMITED over HTTP once the minute’s chats are used, without calling the model', async () => {
    const carol = await tokenFor('carol');
    for (let i = 0; i < 3; i++) {
      const ok = await post(CHAT, { input: { message: `hi ${i}` } }, { credential: carol });
      expect((await ok.json()).data.chat.message.content).toBe('fine thanks');
    }
    const limited = await post(CHAT, { input: { message: 'one more' } }, { credential: carol });
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    const body = await limited.json();
    expect(body.errors[0].extensions).toEqual({ code: 'RATE_LIMITED', retryAfterSeconds: retryAfter });
    expect(fake.requests).toHaveLength(3);
    expect(await userMessages()).toBe(3);

    // chatStream over SSE counts against the same limit and is refused the same way.
    const stream = await post(CHAT_STREAM, { input: { message: 'stream?' } }, { credential: carol, accept: 'text/event-stream' });
    expect(stream.status).toBe(429);
    expect(Number(stream.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);

    // Another user has their own budget.
    const dave = await post(CHAT, { input: { message: 'hi' } }, { credential: await tokenFor('dave') });
    expect(dave.status).toBe(200);
  });

  it('reports RATE_LIMITED (no HTTP status) for chat and chatStream over WebSocket', async () => {
    const erin = await tokenFor('erin');
    const socket = rawSocket(gw.wsUrl, { 'x-forwarded-for': '192.0.2.2' });
    expect(await socket.init({ authorization: `Bearer ${erin}` })).toBe('ack');
    for (let i = 0; i < 3; i++) expect((await socket.run(`ok${i}`, CHAT, { input: { message: 'hi' } }))[0].payload.errors).toBeUndefined();
    const mutation = await socket.run('limited-chat', CHAT, { input: { message: 'hi' } });
    expect(mutation[0].payload.errors[0].extensions).toEqual({ code: 'RATE_LIMITED', retryAfterSeconds: expect.any(Number) });
    const stream = collect(gw.ws({ authorization: `Bearer ${erin}` }), CHAT_STREAM, { input: { message: 'hi' } });
    await stream.ended();
    expect(stream.results[0]?.errors?.[0]?.extensions).toEqual({ code: 'RATE_LIMITED', retryAfterSeconds: expect.any(Number) });
    expect(fake.requests).toHaveLength(3);
    await socket.close();
  });
});

describe('runs in flight per user (MAX_CONCURRENT_RUNS_PER_USER)', () => {
  it('refuses a third run while two are streaming, and admits one again when a run finishes', async () => {
    fake.setDefault({ text: 'a long answer that hangs', hangAfterTokens: 1 });
    const frank = await tokenFor('frank');
    const client = gw.ws({ authorization: `Bearer ${frank}` });
    const streams = [collect(client, CHAT_STREAM, { input: { message: 'one' } }), collect(client, CHAT_STREAM, { input: { message: 'two' } })];
    // Streaming: each has its first token, so its model request (sent after the context is built) is hanging.
    await Promise.all(streams.map((s) => s.next(3)));
    const runIds = streams.map((s) => s.results[0]!.data.chatStream.runId as string);

    const third = await post(CHAT, { input: { message: 'three' } }, { credential: frank });
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBe('1');
    expect((await third.json()).errors[0].extensions.code).toBe('RATE_LIMITED');
    // An unbound key acting for another user is counted for that user.
    fake.setDefault({ text: 'fine thanks' });
    const forGrace = await post(CHAT, { input: { message: 'hi', userId: 'grace' } }, { credential: USER_KEY });
    expect(forGrace.status).toBe(200);

    expect((await post(`mutation($id: ID!) { cancelRun(runId: $id) }`, { id: runIds[0] }, { credential: frank }).then((r) => r.json())).data).toEqual({ cancelRun: true });
    const run = gw.orchestrator.runs.get(runIds[0]!)!;
    await new Promise<void>((resolve) => run.onFinished(resolve));
    const again = await post(CHAT, { input: { message: 'three again' } }, { credential: frank });
    expect(again.status).toBe(200);
    expect((await again.json()).data.chat.message.content).toBe('fine thanks');
  });
});

describe('failed authentications per client address (AUTH_FAILURE_LIMIT)', () => {
  it('answers 401 up to the limit, then 429 with Retry-After for further failures; a good credential from that address still passes', async () => {
    const from = '198.51.100.7';
    for (let i = 0; i < 3; i++) {
      const bad = await post(`{ me { kind } }`, {}, { credential: `not-a-key-${i}`, from });
      expect(bad.status).toBe(401);
    }
    for (const credential of ['not-a-key-again', 'and-another-bad-key']) {
      const limited = await post(`{ me { kind } }`, {}, { credential, from });
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect((await limited.json()).errors[0].extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: expect.any(Number) });
    }
    // Bad keys from an address (every user behind one proxy shares it) cannot lock its real users out.
    const good = await post(`{ me { kind } }`, {}, { credential: ADMIN_KEY, from });
    expect(good.status).toBe(200);
    expect(await good.json()).toEqual({ data: { me: { kind: 'ADMIN' } } });
    // A further failed connection_init from the limited address closes with 1013 (try again later).
    const socket = rawSocket(gw.wsUrl, { 'x-forwarded-for': from });
    expect(await socket.init({ apiKey: 'still-not-a-key' })).toMatchObject({ code: 1013, reason: expect.stringContaining('Too many failed authentications') });
    // Requests without a credential, and other addresses, are not affected.
    expect((await post(`{ health { status } }`, {}, { from })).status).toBe(200);
    expect((await post(`{ me { kind } }`, {}, { credential: 'wrong-but-first', from: '198.51.100.8' })).status).toBe(401);
  });

  it('counts failed connection_init on a WebSocket too', async () => {
    const from = '198.51.100.9';
    for (let i = 0; i < 3; i++) {
      expect(await rawSocket(gw.wsUrl, { 'x-forwarded-for': from }).init({ apiKey: `not-a-key-${i}` })).toMatchObject({ code: 4403 });
    }
    expect((await post(`{ me { kind } }`, {}, { credential: 'not-a-key-either', from })).status).toBe(429);
  });
});
