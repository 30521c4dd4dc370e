import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeOpenAI } from './support/fake-openai.js';
import { ADMIN_KEY, startTestGateway, type TestGateway, USER_KEY } from './support/gateway.js';
import { send, TRANSPORTS } from './support/transports.js';

let fake: FakeOpenAI;
let gw: TestGateway;
beforeAll(async () => {
  fake = await FakeOpenAI.start();
  fake.setDefault({ text: 'Hello there' });
  gw = await startTestGateway('pglite', { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: 'test-key' });
});
afterAll(async () => {
  await gw?.stop();
  await fake?.close();
});
beforeEach(async () => {
  fake.requests.length = 0;
  await gw.reset();
  expect((await gw.gql(`mutation { createAgent(input: { id: "assistant" }) { id } }`, {}, ADMIN_KEY)).body.errors).toBeUndefined();
});

const CHAT = `mutation($input: ChatInput!) { chat(input: $input) { runId } }`;
const badInput = { extensions: { code: 'BAD_USER_INPUT' } };
/** JSON text nested `depth` objects deep: too deep for the test runner's own JSON.stringify at 5,000. */
const nestedJson = (depth: number) => `${'{"a":'.repeat(depth)}"leaf"${'}'.repeat(depth)}`;
const nested = (depth: number): unknown => JSON.parse(nestedJson(depth));
const rows = async () => ({
  messages: await gw.database.db.selectFrom('messages').select('content').execute(),
  agents: await gw.database.db.selectFrom('agents').select('id').execute(),
});

for (const transport of TRANSPORTS) {
  describe(`bad input over ${transport}`, () => {
    it('refuses NUL bytes in a message, metadata keys and values, and string literals, storing nothing', async () => {
      const attempts = [
        { query: CHAT, variables: { input: { message: 'hi\u0000there' } } },
        { query: CHAT, variables: { input: { message: 'hi', metadata: { 'k\u0000': 1 } } } },
        { query: CHAT, variables: { input: { message: 'hi', metadata: { deep: [{ v: 'x\u0000' }] } } } },
        { query: `mutation { createAgent(input: { id: "nul", description: "a\\u0000b" }) { id } }` },
        { query: `mutation($s: String) { createAgent(input: { id: "nul", systemMessage: $s }) { id } }`, variables: { s: '\u0000' } },
      ];
      for (const attempt of attempts) {
        const outcome = await send(gw, transport, attempt, ADMIN_KEY);
        expect(outcome.firstError).toMatchObject({ ...badInput, message: expect.stringContaining('NUL') });
      }
      expect(await rows()).toEqual({ messages: [], agents: [{ id: 'assistant' }] });
      expect(fake.requests).toHaveLength(0);
    });

    it('refuses metadata nested 5,000 deep or larger than 16 KiB', async () => {
      for (const metadata of [nestedJson(5_000), nestedJson(33), JSON.stringify({ notes: 'x'.repeat(17_000) })]) {
        const variablesJson = `{"input":{"message":"hi","metadata":${metadata}}}`;
        const outcome = await send(gw, transport, { query: CHAT, variablesJson }, USER_KEY);
        expect(outcome.firstError).toMatchObject({ ...badInput, message: expect.stringContaining('metadata') });
      }
      expect((await rows()).messages).toEqual([]);
    });

    it('answers a query nested 10,000 deep as bad input and keeps serving (the socket stays open)', async () => {
      const client = transport === 'ws' ? gw.ws({ authorization: `Bearer ${USER_KEY}` }) : undefined;
      const deep = await send(gw, transport, { query: `${'{ a '.repeat(10_000)}${'}'.repeat(10_000)}` }, USER_KEY, client);
      expect(deep.firstError).toMatchObject({ ...badInput, extensions: { reason: 'GRAPHQL_PARSE_FAILED' } });
      expect(JSON.stringify(deep).length).toBeLessThan(1_000);
      const after = await send(gw, transport, { query: '{ health { status } }' }, USER_KEY, client);
      expect(after.results[0]?.data).toEqual({ health: { status: 'OK' } });
    });
  });
}

describe('sizes and shapes of ids, labels and cursors', () => {
  const tooLong = 'u'.repeat(201);
  it('holds every userId argument, key labels and ids to 200 characters', async () => {
    const attempts: Array<[string, Record<string, unknown>]> = [
      [`mutation($u: ID!) { issueToken(userId: $u) { accessToken } }`, { u: 'u'.repeat(1_000_000) }],
      [`mutation($u: ID!) { issueToken(userId: $u) { accessToken } }`, { u: tooLong }],
      [`mutation($u: ID) { createApiKey(isAdmin: false, userId: $u) { id } }`, { u: tooLong }],
      [`mutation($l: String) { createApiKey(isAdmin: false, label: $l) { id } }`, { l: 'l'.repeat(201) }],
      [`mutation($u: ID) { createAgent(input: { id: "long", userId: $u }) { id } }`, { u: tooLong }],
      [`query($u: ID) { agents(userId: $u) { id } }`, { u: tooLong }],
      [`query($u: ID) { conversations(userId: $u) { edges { cursor } } }`, { u: tooLong }],
      [CHAT, { input: { message: 'hi', userId: tooLong } }],
      [CHAT, { input: { message: 'hi', conversationId: 'c'.repeat(201) } }],
    ];
    for (const [query, variables] of attempts) {
      const response = await gw.gql(query, variables, ADMIN_KEY);
      expect(response.body.errors?.[0], query).toMatchObject({ ...badInput, message: expect.stringContaining('at most 200 characters') });
      expect(JSON.stringify(response.body).length).toBeLessThan(1_000);
    }
    expect(await gw.database.db.selectFrom('api_keys').select('id').execute()).toEqual([]);
    expect(await rows()).toEqual({ messages: [], agents: [{ id: 'assistant' }] });
  });

  it('refuses a conversations cursor dated year 275760 as bad input', async () => {
    const after = Buffer.from(JSON.stringify(['+275760-09-13T00:00:00.000Z', 'x'])).toString('base64url');
    const response = await gw.gql(`query($a: String) { conversations(after: $a) { edges { cursor } } }`, { a: after }, USER_KEY);
    expect(response.body.errors?.[0]).toMatchObject({ ...badInput, message: 'after is not a cursor this API returned' });
  });

  it('checks the values core stores in core too, for surfaces other than GraphQL', async () => {
    const { principal: admin } = await gw.orchestrator.auth.authenticate(ADMIN_KEY);
    const { chat, agents, auth } = gw.orchestrator;
    await expect(chat.start(admin, { message: 'a\u0000b' })).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    await expect(chat.start(admin, { message: 'hi', metadata: nested(5_000) })).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    await expect(agents.create(admin, { id: 'nul', description: '\u0000' })).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    await expect(auth.createApiKey(admin, { isAdmin: false, label: '\u0000' })).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    await expect(auth.issueToken(admin, 'a\u0000b')).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(await rows()).toEqual({ messages: [], agents: [{ id: 'assistant' }] });
  });
});

describe('a document deeper than the parser can recurse (GRAPHQL_MAX_TOKENS raised)', () => {
  let lax: TestGateway;
  beforeAll(async () => {
    lax = await startTestGateway('pglite', { GRAPHQL_MAX_TOKENS: '1000000' });
  });
  afterAll(() => lax?.stop());

  for (const transport of TRANSPORTS) {
    it(`is a syntax error over ${transport}, not INTERNAL or a closed socket`, async () => {
      const client = transport === 'ws' ? lax.ws({ authorization: `Bearer ${USER_KEY}` }) : undefined;
      const deep = await send(lax, transport, { query: `${'{ a '.repeat(100_000)}${'}'.repeat(100_000)}` }, USER_KEY, client);
      expect(deep.firstError).toMatchObject({ message: expect.stringContaining('nested too deeply'), extensions: { code: 'BAD_USER_INPUT', reason: 'GRAPHQL_PARSE_FAILED' } });
      const after = await send(lax, transport, { query: '{ health { status } }' }, USER_KEY, client);
      expect(after.results[0]?.data).toEqual({ health: { status: 'OK' } });
    });
  }
});
