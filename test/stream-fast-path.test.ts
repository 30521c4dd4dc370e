import { execute, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../src/core/runs/run-event.js';
import OpenAI from 'openai';
import { schema } from '../src/schema/index.js';
import { formatEvent } from '../src/server/rest/event-stream.js';
import { tokenDeltaFrame } from '../src/server/token-delta-frames.js';
import { gatewayWithUpstream } from './support/gateway-with-upstream.js';
import { ADMIN_KEY, USER_KEY } from './support/gateway.js';
import { rawSocket } from './support/raw-socket.js';
import { collect } from './support/subscriptions.js';

// Issue 20: token deltas over graphql-ws skip execution for common selections (src/server/token-delta-frames.ts).
// These tests hold the fast path to the bytes the slow path (graphql-js execution + JSON.stringify) writes.

type TokenDelta = Extract<RunEvent, { type: 'TokenDelta' }>;

/** Texts JSON escapes differently: quotes, backslashes, control characters, line separators, astral and lone surrogates. */
const TOKENS = ['Hello', ' "quoted"', ' back\\slash', ' new\nline\ttab', ' \u0001\u001f', ' ünï', ' 😀', ' </script>', ' \u2028\u2029', ' \ud800lone'];

/** Selections that take the fast path: plain fields and inline fragments, in any order, repeated or not. */
const FAST = {
  bench: `subscription($input: ChatInput!) { chatStream(input: $input) {
    __typename ... on TokenDelta { text } ... on MessageCompleted { content } ... on RunFailed { code message } } }`,
  everything: `subscription Named($input: ChatInput!) { chatStream(input: $input) {
    ... on RunEventFields { runId seq } ... on TokenDelta { text index } ... on RunStarted { conversationId } } }`,
  reordered: `subscription($input: ChatInput!) { chatStream(input: $input) {
    ... on TokenDelta { index text __typename } __typename ... on RunFailed { code } ... on TokenDelta { text seq } ... on RunEventFields { runId } ... { __typename } } }`,
  typenameOnly: `subscription($input: ChatInput!) { chatStream(input: $input) { __typename ... on MessageCompleted { content } } }`,
};

/** Selections the slow path serves: aliases, named fragments, directives, an aliased root field. */
const UNUSUAL = {
  alias: `subscription($input: ChatInput!) { chatStream(input: $input) { ... on TokenDelta { t: text } ... on MessageCompleted { content } } }`,
  fragment: `subscription($input: ChatInput!) { chatStream(input: $input) { ...Delta ... on MessageCompleted { content } } }
    fragment Delta on TokenDelta { text seq }`,
  directive: `subscription($input: ChatInput!, $yes: Boolean!) { chatStream(input: $input) {
    ... on TokenDelta { text index @include(if: $yes) } ... on MessageCompleted { content } } }`,
  rootAlias: `subscription($input: ChatInput!) { stream: chatStream(input: $input) { ... on TokenDelta { text } ... on MessageCompleted { content } } }`,
};

/** The frame the slow path writes for `event`: graphql-js runs the operation on it, graphql-ws stringifies the message. */
async function slowFrame(query: string, id: string, event: TokenDelta, variables: Record<string, unknown> = {}) {
  const payload = await execute({ schema, document: parse(query), rootValue: event, contextValue: {}, variableValues: variables });
  return JSON.stringify({ id, type: 'next', payload });
}

describe('the TokenDelta encoder', () => {
  it('writes the same bytes as graphql-js execution and JSON.stringify, for every selection that takes the fast path', async () => {
    for (const [name, query] of Object.entries(FAST)) {
      expect(validate(schema, parse(query)), name).toEqual([]);
      const encoder = tokenDeltaFrame(parse(query), query.includes('Named') ? 'Named' : undefined);
      expect(encoder, name).toBeDefined();
      for (const id of ['1', 'a"b\\c', '7f0c-ü']) {
        const frame = encoder!(id);
        for (const [k, text] of TOKENS.entries()) {
          const event: TokenDelta = { type: 'TokenDelta', runId: 'run-"1"', seq: k + 3, text, index: k };
          expect(frame(event), `${name} ${JSON.stringify(text)}`).toBe(await slowFrame(query, id, event, { input: { message: 'hi' } }));
        }
      }
    }
  });

  it('leaves unusual selections to the slow path', () => {
    for (const [name, query] of Object.entries(UNUSUAL)) expect(validate(schema, parse(query)), name).toEqual([]);
    for (const [name, query] of Object.entries(UNUSUAL)) expect(tokenDeltaFrame(parse(query), undefined), name).toBeUndefined();
    // Several operations without a name to choose one: none is compiled.
    expect(tokenDeltaFrame(parse(`${FAST.bench} subscription Other { runEvents(runId: "x") { __typename } }`), undefined)).toBeUndefined();
  });
});

describe('streaming to real clients of a listening gateway', () => {
  const world = gatewayWithUpstream({}, async ({ gw }) => {
    await gw.gql('mutation { createAgent(input: { id: "assistant" }) { id } }', {}, ADMIN_KEY);
  });
  const input = (message: string) => ({ input: { message, agentId: 'assistant' } });

  /** The run's token deltas as recorded, read through the slow path (an aliased selection). */
  async function recordedDeltas(runId: string): Promise<TokenDelta[]> {
    const client = world.gw.ws({ authorization: `Bearer ${USER_KEY}` });
    const replay = collect(client, `subscription($runId: ID!) { runEvents(runId: $runId) { kind: __typename ... on RunEventFields { runId seq } ... on TokenDelta { text index } } }`, { runId });
    await replay.ended();
    return replay.results.map((r) => r.data.runEvents).filter((e) => e.kind === 'TokenDelta').map(({ kind: _kind, ...e }) => ({ type: 'TokenDelta', ...e }));
  }

  /** Runs `query` on a raw socket: every frame for it, as bytes. */
  async function rawFrames(id: string, query: string, variables: Record<string, unknown>) {
    const socket = rawSocket(world.gw.wsUrl);
    expect(await socket.init({ authorization: `Bearer ${USER_KEY}` })).toBe('ack');
    const operationName = query.includes('Named') ? 'Named' : undefined;
    socket.socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query, operationName, variables } }));
    while (!socket.messages.some((m) => m.id === id && (m.type === 'complete' || m.type === 'error'))) await new Promise((resolve) => setTimeout(resolve, 10));
    await socket.close();
    return socket.frames.filter((frame) => JSON.parse(frame).id === id);
  }

  it('sends each token delta as the bytes the slow path would, for every fast selection', async () => {
    for (const [name, fast] of Object.entries(FAST)) {
      // RunStarted's runId and the answer too; neither changes what a TokenDelta gets.
      const query = fast.replace(/\} \}$/, ' ... on RunStarted { runId } ... on MessageCompleted { content } } }');
      world.fake.enqueue({ tokens: TOKENS });
      const id = `op-${name}`;
      const frames = await rawFrames(id, query, input(name));
      // RunStarted, AgentSelected, the deltas, MessageCompleted, complete.
      const [started, , ...rest] = frames.map((frame) => JSON.parse(frame));
      expect(rest.at(-2).payload.data.chatStream.content, name).toBe(TOKENS.join(''));
      expect(rest.at(-1)).toEqual({ id, type: 'complete' });
      const deltas = await recordedDeltas(started.payload.data.chatStream.runId);
      expect(deltas.map((d) => d.text)).toEqual(TOKENS);
      const expected = await Promise.all(deltas.map((delta) => slowFrame(query, id, delta, input(name))));
      expect(frames.slice(2, -2), name).toEqual(expected);
    }
  });

  it('still serves unusual selections, through the slow path', async () => {
    for (const [name, query] of Object.entries(UNUSUAL)) {
      world.fake.enqueue({ tokens: TOKENS });
      const client = world.gw.ws({ authorization: `Bearer ${USER_KEY}` });
      const stream = collect(client, query, { ...input(name), yes: true });
      await stream.ended();
      expect(stream.error, name).toBeUndefined();
      const events = stream.results.map((r) => Object.values(r.data as object)[0]);
      const texts = events.map((e) => e.text ?? e.t).filter((t) => t !== undefined);
      expect(texts, name).toEqual(TOKENS);
      expect(events.at(-1).content).toBe(TOKENS.join(''));
      if (name === 'directive') expect(events.filter((e) => e.text !== undefined).map((e) => e.index)).toEqual(TOKENS.map((_, i) => i));
    }
  });

  it('resumes a dropped stream with exactly the missing text (runEvents after: seq)', async () => {
    const words = Array.from({ length: 40 }, (_, i) => ` w${i}`);
    world.fake.enqueue({ tokens: words, delayMs: 20 });
    const socket = rawSocket(world.gw.wsUrl);
    expect(await socket.init({ authorization: `Bearer ${USER_KEY}` })).toBe('ack');
    socket.send({ id: 's', type: 'subscribe', payload: { query: FAST.everything, operationName: 'Named', variables: input('resume') } });
    const deltas = () => socket.messages.filter((m) => m.id === 's' && m.payload?.data?.chatStream?.text !== undefined).map((m) => m.payload.data.chatStream);
    while (deltas().length < 5) await new Promise((resolve) => setTimeout(resolve, 5));
    socket.socket.terminate(); // dropped, not unsubscribed: the run goes on
    await socket.closed;
    const seen = deltas();
    const { runId, seq } = seen.at(-1);
    const client = world.gw.ws({ authorization: `Bearer ${USER_KEY}` });
    const resumed = collect(client, `subscription($runId: ID!, $after: Int) { runEvents(runId: $runId, after: $after) { ... on TokenDelta { text seq } ... on MessageCompleted { content } } }`, { runId, after: seq });
    await resumed.ended();
    const events = resumed.results.map((r) => r.data.runEvents);
    const rest = events.filter((e) => e.text !== undefined);
    expect(rest[0].seq).toBe(seq + 1);
    expect(seen.map((d) => d.text).join('') + rest.map((d) => d.text).join('')).toBe(words.join(''));
    expect(events.at(-1).content).toBe(words.join(''));
  });

  it('REST SSE: each token delta block is the bytes formatEvent builds, every token once and in order', async () => {
    world.fake.enqueue({ tokens: TOKENS, delayMs: 5 });
    const response = await fetch(`${world.gw.url}/chat/assistant`, {
      method: 'POST',
      headers: { authorization: `Bearer ${USER_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'rest', stream: true }),
    });
    const blocks = (await response.text()).split('\n\n').filter((block) => block.startsWith('id: '));
    const runId = JSON.parse(blocks[0]!.split('data: ')[1]!).run_id;
    const deltas = await recordedDeltas(runId);
    expect(deltas.map((d) => d.text)).toEqual(TOKENS);
    expect(blocks.filter((block) => block.includes('event: TokenDelta')).map((block) => `${block}\n\n`)).toEqual(deltas.map(formatEvent));
  });

  it('/v1 through the openai SDK: every token its own chunk, in order, the whole answer', async () => {
    world.fake.enqueue({ tokens: TOKENS, delayMs: 5 });
    const client = new OpenAI({ apiKey: USER_KEY, baseURL: `${world.gw.url}/v1`, maxRetries: 0 });
    const stream = await client.chat.completions.create({ model: 'assistant', stream: true, messages: [{ role: 'user', content: 'v1' }] });
    const contents: string[] = [];
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta?.content) contents.push(chunk.choices[0].delta.content);
      finish ??= chunk.choices[0]?.finish_reason;
    }
    expect(contents).toEqual(TOKENS);
    expect(finish).toBe('stop');
  });
});
