import { type Client, createClient } from 'graphql-sse';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { storageBackendNames } from './support/backends.js';
import type { FakeOpenAI } from './support/fake-openai.js';
import { ADMIN_KEY, type TestGateway } from './support/gateway.js';
import { upstreamWorld } from './support/gateway-with-upstream.js';
import { until } from './support/rest.js';
import { readEventStream } from './support/subscriptions.js';

/**
 * A run that waits for its client over GraphQL's SSE transports: the graphql-sse client (single
 * and distinct connections), and Yoga's distinct-connections stream read as bytes; the result is
 * submitted while the stream stays open (over the same client), or after it was dropped (the rest
 * read with runEvents(after)).
 */

const EVENTS = `__typename
  ... on RunEventFields { runId seq }
  ... on TokenDelta { text }
  ... on ToolCallRequested { callId tool arguments }
  ... on ToolCallCompleted { callId result isError }
  ... on RunPaused { callIds }
  ... on MessageCompleted { content }
  ... on RunFailed { code message }`;
const CHAT_STREAM = `subscription($input: ChatInput!) { chatStream(input: $input) { ${EVENTS} } }`;
const RUN_EVENTS = `subscription($runId: ID!, $after: Int) { runEvents(runId: $runId, after: $after) { ${EVENTS} } }`;
const SUBMIT = `mutation($runId: ID!, $results: [ToolResultInput!]!) { submitToolResults(runId: $runId, results: $results) { runId status message { content status } } }`;
const LOCATE = { name: 'locate', description: 'The user’s position, from the browser', parameters: { type: 'object', properties: { precise: { type: 'boolean' } } } };
const PAUSED = ['RunStarted', 'AgentSelected', 'TokenDelta', 'ToolCallRequested', 'RunPaused'];
const RESUMED = ['RunResumed', 'ToolCallCompleted', 'TokenDelta', 'TokenDelta', 'TokenDelta', 'TokenDelta', 'MessageCompleted'];
const typesOf = (events: any[]) => events.map((e) => e.__typename);

describe.each(storageBackendNames())('a client tool’s pause and resume over SSE on %s', (backend) => {
  let fake: FakeOpenAI, gw: TestGateway, alice: string;
  const clients: Client[] = [];

  const answerRow = (runId: string) =>
    gw.database.db.selectFrom('messages').select(['status', 'content', 'pending', 'tool_calls']).where('run_id', '=', runId).where('role', '=', 'assistant').executeTakeFirstOrThrow();
  const input = (message: string) => ({ agentId: 'helper', message, clientTools: [LOCATE] });
  /** The model calls `locate` after a few words, then answers once it has the result. */
  const enqueueRound = () => fake.enqueue({ tokens: ['Let me look. '], toolCalls: [{ id: 'call_loc', name: 'locate', arguments: { precise: true } }] }, { text: 'You are in Oslo.' });
  const expectCompleted = async (runId: string) => {
    const row = await answerRow(runId);
    expect(row).toMatchObject({ status: 'COMPLETE', pending: null, content: 'Let me look. You are in Oslo.' });
    expect(row.tool_calls).toEqual([
      { text: 'Let me look. ', calls: [expect.objectContaining({ callId: 'call_loc', result: '{"city":"Oslo"}', executedBy: 'client', submitted: { by: expect.objectContaining({ userId: 'alice', admin: false }), at: expect.any(String) } })] },
    ]);
    expect(fake.requests[1]!.body.messages.at(-1)).toEqual({ role: 'tool', tool_call_id: 'call_loc', content: '{"city":"Oslo"}' });
  };

  const world = upstreamWorld(backend, { ENABLE_EMBEDDINGS: 'false' }, () => gw.gql(`mutation { createAgent(input: { id: "helper" }) { id } }`, {}, ADMIN_KEY));
  beforeAll(() => {
    ({ fake, gw, alice } = world);
  });
  afterEach(() => clients.splice(0).forEach((client) => client.dispose()));

  describe.each([
    ['single connection', true],
    ['distinct connections', false],
  ] as const)('the graphql-sse client in %s mode', (_mode, singleConnection) => {
    it('pauses on the client tool; submitToolResults over the same client resumes the run the open subscription reads to its end', async () => {
      enqueueRound();
      const client = createClient({ url: gw.graphqlUrl, singleConnection, headers: { authorization: `Bearer ${alice}` }, retryAttempts: 0 });
      clients.push(client);
      const events: any[] = [];
      let failure: unknown;
      let completed = false;
      client.subscribe(
        { query: CHAT_STREAM, variables: { input: input('Where am I?') } },
        { next: (result: any) => events.push(result.data?.chatStream ?? result), error: (error) => (failure = error), complete: () => (completed = true) },
      );
      await until(() => events.some((e) => e.__typename === 'RunPaused') || completed || failure !== undefined, 'the pause');
      expect(typesOf(events)).toEqual(PAUSED);
      expect(events[3]).toMatchObject({ callId: 'call_loc', tool: 'locate', arguments: { precise: true } });
      const runId = events[0].runId as string;
      expect(await answerRow(runId)).toMatchObject({ status: 'WAITING', content: 'Let me look. ' });

      const results: any[] = [];
      for await (const result of client.iterate({ query: SUBMIT, variables: { runId, results: [{ callId: 'call_loc', output: { city: 'Oslo' } }] } })) results.push(result);
      expect(results).toEqual([{ data: { submitToolResults: { runId, status: 'COMPLETE', message: { content: 'Let me look. You are in Oslo.', status: 'COMPLETE' } } } }]);

      await until(() => completed || failure !== undefined, 'the end of the subscription');
      expect(failure).toBeUndefined();
      expect(typesOf(events)).toEqual([...PAUSED, ...RESUMED]);
      expect(events.map((e) => e.seq)).toEqual(events.map((_e, i) => i + 1));
      expect(events.at(-1)).toMatchObject({ content: 'Let me look. You are in Oslo.' });
      await expectCompleted(runId);
    });
  });

  /** A GraphQL-over-SSE request in Yoga's distinct-connections mode, read as the bytes arrive. */
  function rawStream(query: string, variables: Record<string, unknown>) {
    const controller = new AbortController();
    const events: any[] = [];
    const frames: string[] = [];
    const done = (async () => {
      const response = await fetch(gw.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${alice}` },
        body: JSON.stringify({ query, variables }),
        signal: controller.signal,
      });
      expect(response.headers.get('content-type')).toContain('text/event-stream');
      try {
        for await (const { event, data } of readEventStream(response)) {
          frames.push(event);
          if (event === 'next') events.push(Object.values(data.data)[0]);
        }
      } catch (error) {
        if (!controller.signal.aborted) throw error;
      }
    })();
    return { events, frames, done, drop: () => controller.abort() };
  }

  it('Yoga’s distinct-connections SSE: the stream stays open through the pause and carries the rest after a submit over HTTP', async () => {
    enqueueRound();
    const stream = rawStream(CHAT_STREAM, { input: input('Where am I?') });
    await until(() => stream.events.some((e) => e.__typename === 'RunPaused'), 'the pause');
    expect(typesOf(stream.events)).toEqual(PAUSED);
    const runId = stream.events[0].runId as string;

    const submitted = await gw.gql(SUBMIT, { runId, results: [{ callId: 'call_loc', output: { city: 'Oslo' } }] }, alice);
    expect(submitted.body).toEqual({ data: { submitToolResults: { runId, status: 'COMPLETE', message: { content: 'Let me look. You are in Oslo.', status: 'COMPLETE' } } } });
    await stream.done;
    expect(typesOf(stream.events)).toEqual([...PAUSED, ...RESUMED]);
    expect(stream.events.map((e) => e.seq)).toEqual(stream.events.map((_e, i) => i + 1));
    // Every event a `next` frame, then Yoga's `complete`.
    expect(stream.frames).toEqual([...stream.events.map(() => 'next'), 'complete']);
    await expectCompleted(runId);
  });

  it('Yoga’s distinct-connections SSE: a stream dropped while paused; the result submitted; runEvents(after) over SSE reads the rest', async () => {
    enqueueRound();
    const stream = rawStream(CHAT_STREAM, { input: input('Where am I?') });
    await until(() => stream.events.some((e) => e.__typename === 'RunPaused'), 'the pause');
    stream.drop();
    await stream.done;
    const runId = stream.events[0].runId as string;
    const lastSeq = stream.events.at(-1).seq as number;
    // Its client gone, the run still waits: nothing reads it, nothing ends it.
    expect(await answerRow(runId)).toMatchObject({ status: 'WAITING' });

    const submitted = await gw.gql(SUBMIT, { runId, results: [{ callId: 'call_loc', output: { city: 'Oslo' } }] }, alice);
    expect(submitted.body.data.submitToolResults).toMatchObject({ status: 'COMPLETE' });
    const rest = rawStream(RUN_EVENTS, { runId, after: lastSeq });
    await rest.done;
    expect(typesOf(rest.events)).toEqual(RESUMED);
    expect(rest.events.map((e) => e.seq)).toEqual(RESUMED.map((_t, i) => lastSeq + 1 + i));
    await expectCompleted(runId);
  });
});
