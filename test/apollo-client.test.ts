import { ApolloClient, ApolloLink, gql, HttpLink, InMemoryCache } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { OperationTypeNode } from 'graphql';
import { type Client as WsClient, createClient } from 'graphql-ws';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import introspection from '../possible-types.json' with { type: 'json' };
import { DOCS_OPERATIONS, docsClientWorld } from './support/docs-client-setup.js';

// docs/graphql.md's Apollo Client setup and operations, as written there (only the URLs and the key differ).
const CHAT_STREAM = gql(DOCS_OPERATIONS.chatStream);
const ME = gql(DOCS_OPERATIONS.me);
const CHAT = gql(DOCS_OPERATIONS.chat);

const { world, keys } = docsClientWorld();
const opened: Array<{ client: ApolloClient; ws: WsClient }> = [];

afterEach(async () => {
  for (const { client, ws } of opened.splice(0)) {
    client.stop();
    await ws.dispose();
  }
});

function apolloClient(cache: InMemoryCache): ApolloClient {
  const KEY = keys.alice;
  const ws = createClient({
    url: world.gw.wsUrl,
    webSocketImpl: WebSocket, // in Node; browsers have their own
    connectionParams: { authorization: `Bearer ${KEY}` },
  });
  const client = new ApolloClient({
    cache,
    link: ApolloLink.split(
      ({ operationType }) => operationType === OperationTypeNode.SUBSCRIPTION,
      new GraphQLWsLink(ws),
      new HttpLink({ uri: world.gw.graphqlUrl, headers: { authorization: `Bearer ${KEY}` } }),
    ),
  });
  opened.push({ client, ws });
  return client;
}

/** Every event of one chatStream, as Apollo hands them to the application. */
function chatStream(client: ApolloClient, message: string): Promise<any[]> {
  const events: any[] = [];
  return new Promise((resolve, reject) => {
    client.subscribe({ query: CHAT_STREAM, variables: { input: { message } } }).subscribe({
      next: ({ data, error }) => (error ? reject(error) : events.push((data as { chatStream: unknown }).chatStream)),
      error: reject,
      complete: () => resolve(events),
    });
  });
}

describe('Apollo Client 4 (HttpLink + GraphQLWsLink) as docs/graphql.md sets it up', () => {
  it('runs a query and a mutation over HTTP as the key’s user', async () => {
    const client = apolloClient(new InMemoryCache({ possibleTypes: introspection.possibleTypes }));
    expect((await client.query({ query: ME })).data).toEqual({ me: { __typename: 'Me', kind: 'USER', userId: 'alice' } });
    world.fake.enqueue({ text: 'Paris.' });
    const { data } = await client.mutate({ mutation: CHAT, variables: { input: { message: 'Capital of France?' } } });
    expect(data).toMatchObject({ chat: { runId: expect.any(String), message: { content: 'Paris.', status: 'COMPLETE' } } });
  });

  it('streams chatStream over WebSocket with runId and seq on every event (possibleTypes from possible-types.json)', async () => {
    world.fake.enqueue({ text: 'Once upon a time' });
    const client = apolloClient(new InMemoryCache({ possibleTypes: introspection.possibleTypes }));
    const events = await chatStream(client, 'Tell me a story');
    expect(events.at(-1)).toMatchObject({ __typename: 'MessageCompleted', content: 'Once upon a time' });
    expect(events.map((event) => event.seq)).toEqual(events.map((_, i) => i + 1));
    expect(new Set(events.map((event) => event.runId))).toEqual(new Set([expect.any(String)]));
    expect(events.filter((event) => event.__typename === 'TokenDelta').map((event) => event.text).join('')).toBe('Once upon a time');
  });

  it('without possibleTypes, Apollo’s cache drops runId and seq (why docs/graphql.md passes them)', async () => {
    world.fake.enqueue({ text: 'Hi' });
    const events = await chatStream(apolloClient(new InMemoryCache()), 'Hello');
    expect(events.at(-1)).toMatchObject({ __typename: 'MessageCompleted', content: 'Hi' });
    expect(events.every((event) => event.runId === undefined && event.seq === undefined)).toBe(true);
  });
});
