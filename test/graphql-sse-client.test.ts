import { type Client, createClient } from 'graphql-sse';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { gatewayWithUpstream } from './support/gateway-with-upstream.js';
import { ADMIN_KEY } from './support/gateway.js';
import { until } from './support/rest.js';
import { readEventStream } from './support/subscriptions.js';

const CHAT_STREAM = `subscription($input: ChatInput!) {
  chatStream(input: $input) {
    __typename
    ... on RunEventFields { runId seq }
    ... on TokenDelta { text }
    ... on MessageCompleted { content }
  }
}`;

// A small cap on open single-connection streams per principal, reached in a test below.
const STREAMS_PER_PRINCIPAL = 3;
const world = gatewayWithUpstream({ WS_MAX_CONNECTIONS_PER_ADDRESS: String(STREAMS_PER_PRINCIPAL) }, async ({ gw }) => {
  await gw.gql(`mutation { createAgent(input: { id: "assistant", systemMessage: "You are terse." }) { id } }`, {}, ADMIN_KEY);
});
let alice: string;
let bob: string;
const clients: Client[] = [];

beforeAll(async () => {
  const token = async (userId: string) => (await world.gw.gql(`mutation { issueToken(userId: "${userId}") { accessToken } }`, {}, ADMIN_KEY)).body.data.issueToken.accessToken;
  alice = await token('alice');
  bob = await token('bob');
});
afterEach(() => {
  clients.splice(0).forEach((client) => client.dispose());
});
afterAll(() => clients.forEach((client) => client.dispose()));

/** The graphql-sse client as a user would make it: one URL, the credential in `headers`. */
function sseClient(singleConnection: boolean, credential: string): Client {
  const client = createClient({ url: world.gw.graphqlUrl, singleConnection, headers: { authorization: `Bearer ${credential}` }, retryAttempts: 0 });
  clients.push(client);
  return client;
}

async function all(client: Client, query: string, variables?: Record<string, unknown>) {
  const results: any[] = [];
  for await (const result of client.iterate({ query, variables })) results.push(result);
  return results;
}

describe.each([
  ['single connection', true],
  ['distinct connections', false],
] as const)('the graphql-sse client in %s mode', (_mode, singleConnection) => {
  it('runs a query and a mutation as the caller of its headers', async () => {
    const client = sseClient(singleConnection, alice);
    expect(await all(client, '{ me { kind userId } }')).toEqual([{ data: { me: { kind: 'USER', userId: 'alice' } } }]);
    const mutation = 'mutation($input: AddUserContextInput!) { addUserContext(input: $input) { userId knowledge } }';
    expect(await all(client, mutation, { input: { knowledge: { city: 'Lyon' } } })).toEqual([{ data: { addUserContext: { userId: 'alice', knowledge: { city: 'Lyon' } } } }]);
  });

  it('streams a chatStream to MessageCompleted, every event with its runId and seq; the conversation is the caller’s', async () => {
    world.fake.enqueue({ text: 'Hello there, Alice' });
    const client = sseClient(singleConnection, alice);
    const events = (await all(client, CHAT_STREAM, { input: { message: 'Hi' } })).map((result) => result.data.chatStream);
    expect(events.at(-1)).toMatchObject({ __typename: 'MessageCompleted', content: 'Hello there, Alice' });
    expect(events.map((event) => event.seq)).toEqual(events.map((_, i) => i + 1));
    expect(new Set(events.map((event) => event.runId)).size).toBe(1);
    expect(typeof events[0].runId).toBe('string');
    const conversations = await world.gw.database.db.selectFrom('conversations').select('user_id').execute();
    expect(conversations).toEqual([{ user_id: 'alice' }]);
  });
});

const put = (credential?: string) =>
  fetch(world.gw.graphqlUrl, { method: 'PUT', headers: credential ? { authorization: `Bearer ${credential}` } : {} });
const openStream = (token: string, credential?: string, signal?: AbortSignal) =>
  fetch(world.gw.graphqlUrl, {
    signal,
    headers: { accept: 'text/event-stream', 'x-graphql-event-stream-token': token, ...(credential ? { authorization: `Bearer ${credential}` } : {}) },
  });
const sendOperation = (token: string, credential: string | undefined, query: string, operationId: string) =>
  fetch(world.gw.graphqlUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json',
      'x-graphql-event-stream-token': token,
      ...(credential ? { authorization: `Bearer ${credential}` } : {}),
    },
    body: JSON.stringify({ query, extensions: { operationId } }),
  });

/** The GraphQL error contract's refusal of a caller with no credential. */
async function expectUnauthenticated(response: Response) {
  expect(response.status).toBe(401);
  expect(await response.json()).toMatchObject({ errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] });
}

describe('stopping and dropping in single-connection mode', () => {
  const answerRow = async () => (await world.gw.database.db.selectFrom('messages').select(['status', 'content']).where('role', '!=', 'user').execute())[0];
  const streamUntilTokens = (client: Client, count: number) => {
    const events: any[] = [];
    let reached: () => void;
    const enough = new Promise<void>((resolve) => (reached = resolve));
    const unsubscribe = client.subscribe(
      { query: CHAT_STREAM, variables: { input: { message: 'long answer' } } },
      {
        next: (result: any) => {
          events.push(result.data.chatStream);
          if (events.filter((e) => e.__typename === 'TokenDelta').length === count) reached();
        },
        error: () => {},
        complete: () => {},
      },
    );
    return { enough, unsubscribe };
  };

  it('unsubscribing (DELETE) stops the answer: the upstream is aborted, the partial answer stored CANCELLED', async () => {
    world.fake.enqueue({ tokens: Array.from({ length: 200 }, (_, i) => `t${i} `), delayMs: 20 });
    const { enough, unsubscribe } = streamUntilTokens(sseClient(true, alice), 3);
    await enough;
    unsubscribe();
    await world.fake.waitFor(() => world.fake.requests[0]!.clientAborted, 'the upstream abort');
    await until(async () => (await answerRow())?.status === 'CANCELLED', 'the CANCELLED answer');
    expect((await answerRow())!.content).toMatch(/^t0 t1 t2 /);
  });

  it('closing the stream is a drop: the run goes on and its answer is stored whole', async () => {
    const tokens = Array.from({ length: 30 }, (_, i) => `t${i} `);
    world.fake.enqueue({ tokens, delayMs: 20 });
    // By hand: graphql-sse's client, disposed, also sends its operations' DELETE (a stop).
    const token = await (await put(alice)).text();
    const open = new AbortController();
    const stream = await openStream(token, alice, open.signal);
    expect((await sendOperation(token, alice, `subscription { chatStream(input: { message: "long answer" }) { __typename } }`, 'chat')).status).toBe(202);
    let deltas = 0;
    for await (const event of readEventStream(stream)) if (event.data?.payload?.data?.chatStream.__typename === 'TokenDelta' && ++deltas === 3) break;
    open.abort();
    await until(async () => (await answerRow())?.status === 'COMPLETE', 'the whole answer');
    expect((await answerRow())!.content).toBe(tokens.join(''));
    expect(world.fake.requests[0]!.clientAborted).toBe(false);
  });
});

describe('a single-connection reservation is bound to the caller who made it', () => {
  it('another user or an anonymous caller can neither open its stream nor send operations into it', async () => {
    const reserved = await put(alice);
    expect(reserved.status).toBe(201);
    const token = await reserved.text();

    const bobsTry = await openStream(token, bob);
    expect(bobsTry.status).toBe(404);
    expect(await bobsTry.json()).toMatchObject({ errors: [{ message: 'Stream not found' }] });
    await expectUnauthenticated(await openStream(token, undefined));

    const open = new AbortController();
    const stream = await openStream(token, alice, open.signal);
    expect(stream.status).toBe(200);
    const events = readEventStream(stream);

    await expectUnauthenticated(await sendOperation(token, undefined, '{ me { userId } }', 'anonymous'));
    for (const intruder of [bob, undefined]) {
      const sent = await sendOperation(token, intruder, '{ me { userId } }', 'intruder');
      expect(sent.status).toBe(intruder ? 404 : 401);
      // The same token in the query string is checked the same way.
      const viaParam = await fetch(`${world.gw.graphqlUrl}?token=${encodeURIComponent(token)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', ...(intruder ? { authorization: `Bearer ${intruder}` } : {}) },
        body: JSON.stringify({ query: '{ me { userId } }', extensions: { operationId: 'intruder-param' } }),
      });
      expect(viaParam.status).toBe(intruder ? 404 : 401);
    }
    expect((await sendOperation(token, alice, '{ me { userId } }', 'mine')).status).toBe(202);
    // Only alice's operation reached the stream: its first result is hers.
    const first = await events.next();
    expect(first.value).toEqual({ event: 'next', data: { id: 'mine', payload: { data: { me: { userId: 'alice' } } } } });
    open.abort();
  });

  it('an operation it cannot parse or resolve is a 400 with the contract’s BAD_USER_INPUT, not a 500', async () => {
    const token = await (await put(alice)).text();
    const open = new AbortController();
    expect((await openStream(token, alice, open.signal)).status).toBe(200);
    const attempts = [
      ['{ agents { id ', 'GRAPHQL_PARSE_FAILED'],
      ['{ agentz { id } }', 'GRAPHQL_VALIDATION_FAILED'],
      ['query A { health { status } } query B { health { status } }', 'OPERATION_RESOLUTION_FAILURE'],
    ];
    for (const [i, [query, reason]] of attempts.entries()) {
      const refused = await sendOperation(token, alice, query!, `bad-${i}`);
      expect(refused.status, query).toBe(400);
      expect((await refused.json()).errors[0].extensions, query).toEqual({ code: 'BAD_USER_INPUT', reason });
    }
    open.abort();
  });

  it('needs a credential: an anonymous reservation is refused 401, so no anonymous stream (without idle bound or cap) can open', async () => {
    await expectUnauthenticated(await put());
    // The anonymous token of another anonymous caller is no key either.
    await expectUnauthenticated(await openStream('00000000-0000-4000-8000-000000000000.forged'));
    // graphql-sse's own client in single-connection mode learns it at once.
    const client = createClient<boolean>({ url: world.gw.graphqlUrl, singleConnection: true, retryAttempts: 0 });
    clients.push(client as Client);
    await expect(all(client as Client, '{ me { kind } }')).rejects.toBeDefined();
  });

  it('a principal holds at most WS_MAX_CONNECTIONS_PER_ADDRESS open streams; another principal is not counted with it, a closed one frees its slot', async () => {
    const opened: AbortController[] = [];
    const open = async (credential: string) => {
      const token = await (await put(credential)).text();
      const controller = new AbortController();
      const stream = await openStream(token, credential, controller.signal);
      if (stream.status === 200) opened.push(controller);
      return stream;
    };
    try {
      for (let i = 0; i < STREAMS_PER_PRINCIPAL; i++) expect((await open(alice)).status).toBe(200);
      const refused = await open(alice);
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toBeTruthy();
      expect((await refused.json()).errors[0].extensions.code).toBe('RATE_LIMITED');
      expect((await open(bob)).status).toBe(200);
      opened[0]!.abort();
      await until(async () => {
        const again = await open(alice);
        if (again.status !== 200) await again.body?.cancel();
        return again.status === 200;
      }, 'a slot freed by the closed stream');
    } finally {
      opened.forEach((controller) => controller.abort());
    }
  });

  it('a bad credential is refused at the reservation, as on any request', async () => {
    const reserved = await put('not-a-key');
    expect(reserved.status).toBe(401);
    expect(await reserved.json()).toMatchObject({ errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] });
  });

  it('a token that was never issued is not found, even for its caller', async () => {
    const stream = await openStream('00000000-0000-4000-8000-000000000000.forged', alice);
    expect(stream.status).toBe(404);
  });
});
