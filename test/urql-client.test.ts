import { cacheExchange, Client, fetchExchange, gql, subscriptionExchange } from '@urql/core';
import { createClient as createSSEClient } from 'graphql-sse';
import { createClient as createWSClient } from 'graphql-ws';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DOCS_OPERATIONS, docsClientWorld } from './support/docs-client-setup.js';

// docs/graphql.md's urql setups, as written there (only the URLs and the key differ).
const CHAT_STREAM = gql(DOCS_OPERATIONS.chatStream);
const ME = gql(DOCS_OPERATIONS.me);
const CHAT = gql(DOCS_OPERATIONS.chat);

const { world, keys } = docsClientWorld();
const disposers: Array<() => unknown> = [];

afterEach(async () => {
  for (const dispose of disposers.splice(0)) await dispose();
});

/** docs/graphql.md's urql Client; `forward` is the one line that differs between graphql-ws and graphql-sse. */
function urqlClient(KEY: string, forward: { subscribe: (request: any, sink: any) => () => void }): Client {
  return new Client({
    url: world.gw.graphqlUrl,
    fetchOptions: { headers: { authorization: `Bearer ${KEY}` } },
    exchanges: [
      cacheExchange,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription: (request) => ({
          subscribe: (sink) => ({ unsubscribe: forward.subscribe({ ...request, query: request.query ?? '' }, sink) }),
        }),
      }),
    ],
  });
}

/** urql with subscriptions over graphql-ws. */
function overWebSocket(): Client {
  const KEY = keys.alice;
  const wsClient = createWSClient({
    url: world.gw.wsUrl,
    webSocketImpl: WebSocket, // in Node; browsers have their own
    connectionParams: { authorization: `Bearer ${KEY}` },
  });
  disposers.push(() => wsClient.dispose());
  return urqlClient(KEY, wsClient);
}

/** urql with subscriptions over graphql-sse (either mode). */
function overServerSentEvents(singleConnection: boolean): Client {
  const KEY = keys.alice;
  const sseClient = createSSEClient({
    url: world.gw.graphqlUrl,
    singleConnection,
    headers: { authorization: `Bearer ${KEY}` },
  });
  disposers.push(() => sseClient.dispose());
  return urqlClient(KEY, sseClient);
}

/** Every event of one chatStream up to its terminal one, as urql hands them to the application. */
function chatStream(client: Client, message: string): Promise<any[]> {
  const events: any[] = [];
  return new Promise((resolve, reject) => {
    const subscription = client.subscription(CHAT_STREAM, { input: { message } }).subscribe((result) => {
      if (result.error) return reject(result.error);
      const event = result.data.chatStream;
      events.push(event);
      if (event.__typename === 'MessageCompleted' || event.__typename === 'RunFailed') {
        subscription.unsubscribe();
        resolve(events);
      }
    });
  });
}

describe.each([
  ['graphql-ws', () => overWebSocket()],
  ['graphql-sse, distinct connections', () => overServerSentEvents(false)],
  ['graphql-sse, single connection', () => overServerSentEvents(true)],
] as const)('urql (@urql/core) with subscriptions over %s', (_transport, makeClient) => {
  it('runs a query and a mutation as the key’s user', async () => {
    const client = makeClient();
    const me = await client.query(ME, {}).toPromise();
    expect(me.error).toBeUndefined();
    expect(me.data).toEqual({ me: { __typename: 'Me', kind: 'USER', userId: 'alice' } });
    world.fake.enqueue({ text: 'Paris.' });
    const chat = await client.mutation(CHAT, { input: { message: 'Capital of France?' } }).toPromise();
    expect(chat.error).toBeUndefined();
    expect(chat.data).toMatchObject({ chat: { runId: expect.any(String), message: { content: 'Paris.', status: 'COMPLETE' } } });
  });

  it('streams chatStream to MessageCompleted with runId and seq on every event', async () => {
    world.fake.enqueue({ text: 'Once upon a time' });
    const events = await chatStream(makeClient(), 'Tell me a story');
    expect(events.at(-1)).toMatchObject({ __typename: 'MessageCompleted', content: 'Once upon a time' });
    expect(events.map((event) => event.seq)).toEqual(events.map((_, i) => i + 1));
    expect(new Set(events.map((event) => event.runId))).toEqual(new Set([expect.any(String)]));
    expect(events.filter((event) => event.__typename === 'TokenDelta').map((event) => event.text).join('')).toBe('Once upon a time');
  });
});
