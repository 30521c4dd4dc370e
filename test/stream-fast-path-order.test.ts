import { describe, expect, it } from 'vitest';
import { gatewayWithUpstream } from './support/gateway-with-upstream.js';
import { ADMIN_KEY, USER_KEY } from './support/gateway.js';
import { rawSocket } from './support/raw-socket.js';

// Issue 20's direct token frames over graphql-ws, as real sockets see them: one socket's operations
// keep their own ids, and an operation the client completed gets no more frames.

const QUERY = `subscription($input: ChatInput!) { chatStream(input: $input) {
  __typename ... on RunEventFields { runId seq } ... on TokenDelta { text } ... on MessageCompleted { content } } }`;
const input = (message: string) => ({ input: { message, agentId: 'assistant' } });
const words = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i} `);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('direct token frames on one socket', () => {
  const world = gatewayWithUpstream({}, async ({ gw }) => {
    await gw.gql('mutation { createAgent(input: { id: "assistant" }) { id } }', {}, ADMIN_KEY);
  });

  it('two chats streaming at once each get their own id, their own run, every seq once and in order', async () => {
    world.fake.enqueue({ tokens: words('a', 40), delayMs: 2 }, { tokens: words('b', 40), delayMs: 2 });
    const socket = rawSocket(world.gw.wsUrl);
    expect(await socket.init({ authorization: `Bearer ${USER_KEY}` })).toBe('ack');
    const [a, b] = await Promise.all([socket.run('A', QUERY, input('one')), socket.run('B', QUERY, input('two'))]);
    await socket.close();
    const runIds = new Set<string>();
    for (const messages of [a, b]) {
      expect(messages.at(-1)).toMatchObject({ type: 'complete' });
      const events = messages.filter((m) => m.type === 'next').map((m) => m.payload.data.chatStream);
      expect(new Set(events.map((e) => e.runId)).size).toBe(1);
      runIds.add(events[0].runId);
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
      const text = events.filter((e) => e.__typename === 'TokenDelta').map((e) => e.text).join('');
      expect(events.at(-1).content).toBe(text);
    }
    expect(runIds.size).toBe(2);
    expect(a.at(-2).payload.data.chatStream.content).not.toBe(b.at(-2).payload.data.chatStream.content);
  });

  it('after the client completes an operation, no more token frames come for it and the answer stops', async () => {
    world.fake.enqueue({ tokens: words('w', 500), delayMs: 2 });
    const socket = rawSocket(world.gw.wsUrl);
    expect(await socket.init({ authorization: `Bearer ${USER_KEY}` })).toBe('ack');
    socket.send({ id: 'A', type: 'subscribe', payload: { query: QUERY, variables: input('stop me') } });
    while (socket.messages.filter((m) => m.id === 'A' && m.payload?.data?.chatStream?.text).length < 5) await sleep(5);
    socket.send({ id: 'A', type: 'complete' });
    socket.send({ type: 'ping' }); // answered after the complete was handled
    while (!socket.messages.some((m) => m.type === 'pong')) await sleep(5);
    const pong = socket.messages.findIndex((m) => m.type === 'pong');
    // Unsubscribing stopped the answer: the upstream request is aborted (a stream still written to would keep it going).
    await world.fake.waitFor(() => world.fake.requests[0]!.clientAborted, 'the upstream request to be aborted');
    // At most the one event the transport had already taken before the complete.
    expect(socket.messages.slice(pong + 1).filter((m) => m.id === 'A').length).toBeLessThanOrEqual(1);
    await socket.close();
  });
});
