import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeOpenAI } from './support/fake-openai.js';
import { ADMIN_KEY, startTestGateway, type TestGateway } from './support/gateway.js';
import { eventsOf, openStream, rest, type SseBlock, sleep, until } from './support/rest.js';

const HEARTBEAT_MS = 100;

let fake: FakeOpenAI;
let gw: TestGateway;
let alice: string;
let bob: string;

beforeAll(async () => {
  fake = await FakeOpenAI.start();
  gw = await startTestGateway('pglite', {
    OPENAI_BASE_URL: fake.url,
    OPENAI_API_KEY: 'test-key',
    MODEL_MAX_RETRIES: '0',
    SSE_HEARTBEAT_MS: String(HEARTBEAT_MS),
    // Long enough for a resume on a busy machine; the orphan test waits it out.
    RUN_ORPHAN_GRACE_MS: '3000',
  });
});
afterAll(async () => {
  await gw?.stop();
  await fake?.close();
});
beforeEach(async () => {
  fake.reset();
  await gw.reset();
  expect((await rest(gw, 'POST', '/agents', { key: ADMIN_KEY, body: { agent_id: 'assistant' } })).status).toBe(201);
  alice = (await rest(gw, 'POST', '/auth/token', { key: ADMIN_KEY, body: { user_id: 'alice' } })).body.access_token;
  bob = (await rest(gw, 'POST', '/auth/token', { key: ADMIN_KEY, body: { user_id: 'bob' } })).body.access_token;
});

const textOf = (events: SseBlock[]) => events.filter((e) => e.event === 'TokenDelta').map((e) => e.data.text).join('');
const seqs = (events: SseBlock[]) => events.map((e) => Number(e.id));
const answerRow = (runId: string) => gw.database.db.selectFrom('messages').select(['status', 'content', 'error_code']).where('run_id', '=', runId).where('role', '=', 'assistant').executeTakeFirst();

describe('POST /chat as Server-Sent Events', () => {
  it('sends one event per run event: id the seq, event the type, data the event in snake_case', async () => {
    fake.enqueue({ tokens: ['Hel', 'lo', ' there'], usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 } });
    const { response, blocks } = await openStream(gw, '/chat', { key: alice, body: { message: 'Hi', stream: true } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(response.headers.get('x-accel-buffering')).toBe('no');
    expect(response.headers.get('cache-control')).toBe('no-cache, no-transform');
    const events = await eventsOf(blocks);

    expect(events.map((e) => e.event)).toEqual(['RunStarted', 'AgentSelected', 'TokenDelta', 'TokenDelta', 'TokenDelta', 'MessageCompleted']);
    expect(seqs(events)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const event of events) expect(event.data).toMatchObject({ type: event.event, seq: Number(event.id), run_id: events[0]!.data.run_id });
    const runId = events[0]!.data.run_id;
    expect(response.headers.get('x-run-id')).toBe(runId);
    expect(events[0]!.data).toEqual({ type: 'RunStarted', run_id: runId, seq: 1, conversation_id: response.headers.get('x-conversation-id'), agent_id: 'assistant' });
    expect(events[1]!.data).toMatchObject({ agent_id: 'assistant', strategy: 'SINGLE', latency_ms: expect.any(Number), candidates: [{ agent_id: 'assistant', score: null }] });
    expect(events[2]!.data).toEqual({ type: 'TokenDelta', run_id: runId, seq: 3, text: 'Hel', index: 0 });
    expect(events[5]!.data).toEqual({
      type: 'MessageCompleted',
      run_id: runId,
      seq: 6,
      message_id: expect.any(String),
      content: 'Hello there',
      finish_reason: 'stop',
      usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8, memory_tokens: expect.any(Number) },
      json: null,
    });
    expect(await answerRow(runId)).toEqual({ status: 'COMPLETE', content: 'Hello there', error_code: null });
  });

  it('streams when the client accepts text/event-stream, and answers JSON when the body says "stream": false', async () => {
    const { response, blocks } = await openStream(gw, '/chat/assistant', { key: alice, body: { message: 'by accept' }, headers: { accept: 'text/event-stream' } });
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(textOf(await eventsOf(blocks))).toBe('echo: by accept');

    const json = await rest(gw, 'POST', '/chat', { key: alice, body: { message: 'no stream', stream: false }, headers: { accept: 'text/event-stream' } });
    expect(json.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(json.body).toMatchObject({ response: 'echo: no stream' });
  });

  it('refuses a bad request with a JSON error before any stream opens', async () => {
    const bad = await rest(gw, 'POST', '/chat', { key: alice, body: { message: '', stream: true } });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringContaining('message') });
    const unknownAgent = await rest(gw, 'POST', '/chat/nobody', { key: alice, body: { message: 'hi', stream: true } });
    expect(unknownAgent).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    expect(fake.requests).toHaveLength(0);
  });

  it('ends with RunFailed when the upstream fails mid-answer, the partial text stored', async () => {
    fake.enqueue({ tokens: ['part', 'ial', 'never'], errorAfterTokens: 2 });
    const { blocks } = await openStream(gw, '/chat', { key: alice, body: { message: 'fail', stream: true } });
    const events = await eventsOf(blocks);
    expect(events.at(-1)).toMatchObject({ event: 'RunFailed', data: { type: 'RunFailed', code: 'UPSTREAM_UNAVAILABLE', retryable: expect.any(Boolean), partial_message_id: expect.any(String) } });
    expect(textOf(events)).toBe('partial');
    expect(await answerRow(events[0]!.data.run_id)).toMatchObject({ status: 'FAILED', content: 'partial' });
  });
});

describe('POST /runs: the chat as its run’s events (the streaming operation of the OpenAPI document)', () => {
  it('streams the events POST /chat with "stream": true sends, for the agent named or the one routing picks, the answer stored', async () => {
    expect((await rest(gw, 'POST', '/agents', { key: ADMIN_KEY, body: { agent_id: 'poet', description: 'Writes poems' } })).status).toBe(201);
    fake.enqueue({ tokens: ['Ro', 'ses'] });
    const { response, blocks } = await openStream(gw, '/runs', { key: alice, body: { message: 'A poem', agent_id: 'poet', metadata: { client: 'openapi-fetch' } } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const events = await eventsOf(blocks);
    expect(events.map((e) => e.event)).toEqual(['RunStarted', 'AgentSelected', 'TokenDelta', 'TokenDelta', 'MessageCompleted']);
    const runId = events[0]!.data.run_id;
    expect(response.headers.get('x-run-id')).toBe(runId);
    expect(events[0]!.data).toEqual({ type: 'RunStarted', run_id: runId, seq: 1, conversation_id: response.headers.get('x-conversation-id'), agent_id: 'poet' });
    expect(events[1]!.data).toMatchObject({ agent_id: 'poet', strategy: 'EXPLICIT' });
    expect(await answerRow(runId)).toEqual({ status: 'COMPLETE', content: 'Roses', error_code: null });
    const question = await gw.database.db.selectFrom('messages').select(['content', 'metadata']).where('conversation_id', '=', events[0]!.data.conversation_id).where('role', '=', 'user').executeTakeFirst();
    expect(question).toEqual({ content: 'A poem', metadata: { client: 'openapi-fetch' } });

    // Without agent_id routing picks one; continuing the conversation keeps it.
    const next = await openStream(gw, '/runs', { key: alice, body: { message: 'Another', conversation_id: events[0]!.data.conversation_id } });
    const followUp = await eventsOf(next.blocks);
    expect(followUp[0]!.data.conversation_id).toBe(events[0]!.data.conversation_id);
    expect(followUp.at(-1)).toMatchObject({ event: 'MessageCompleted', data: { content: 'echo: Another' } });
  });

  it('refuses with a JSON error before any stream opens: a bad body (stream is not one of its fields), an unknown agent, no credential', async () => {
    expect(await rest(gw, 'POST', '/runs', { key: alice, body: { message: 'hi', stream: true } })).toMatchObject({ status: 400, body: { error: { code: 'BAD_USER_INPUT', message: expect.stringContaining('stream') } } });
    expect(await rest(gw, 'POST', '/runs', { key: alice, body: { message: 'hi', agent_id: 'nobody' } })).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    expect(await rest(gw, 'POST', '/runs', { body: { message: 'hi' } })).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHENTICATED' } } });
    expect(fake.requests).toHaveLength(0);
  });
});

describe('POST /chat waiting for the whole answer', () => {
  it('treats a client that hangs up as a dropped connection: the run finishes, stored, and can be followed', async () => {
    const tokens = Array.from({ length: 12 }, (_, i) => `j${i} `);
    fake.enqueue({ tokens, delayMs: 40 });
    const controller = new AbortController();
    const hungUp = rest(gw, 'POST', '/chat', { key: alice, body: { message: 'wait for it' }, signal: controller.signal }).then(
      () => false,
      () => true,
    );
    await fake.waitFor(() => fake.requests.length === 1 && fake.requests[0]!.tokensWritten >= 2, 'the answer to start', 15_000);
    controller.abort();
    expect(await hungUp).toBe(true);
    // The answer row is written beside the model request, not before it: wait until it is.
    const runId = await vi.waitFor(async () => (await gw.database.db.selectFrom('messages').select('run_id').where('role', '=', 'assistant').executeTakeFirstOrThrow()).run_id!, { timeout: 10_000, interval: 50 });
    const events = await eventsOf((await openStream(gw, `/runs/${runId}/events`, { key: alice, method: 'GET', headers: { 'last-event-id': '2' } })).blocks);
    expect(seqs(events)[0]).toBe(3);
    expect(textOf(events)).toBe(tokens.join(''));
    expect(await answerRow(runId)).toEqual({ status: 'COMPLETE', content: tokens.join(''), error_code: null });
    expect(fake.requests[0]!.clientAborted).toBe(false);
  });
});

describe('GET /runs/{run_id}/events', () => {
  it('resumes a dropped stream after Last-Event-ID: no gap, no duplicate, and the drop cancelled nothing', async () => {
    const tokens = Array.from({ length: 30 }, (_, i) => `w${i} `);
    fake.enqueue({ tokens, delayMs: 25 });
    const controller = new AbortController();
    const { blocks } = await openStream(gw, '/chat', { key: alice, body: { message: 'resume me', stream: true }, signal: controller.signal });
    const before: SseBlock[] = [];
    for await (const block of blocks) {
      if (block.event) before.push(block);
      if (before.length === 7) break;
    }
    controller.abort();
    const runId = before[0]!.data.run_id;
    await sleep(200);
    expect(fake.requests[0]!.clientAborted).toBe(false);

    const { response, blocks: rest1 } = await openStream(gw, `/runs/${runId}/events`, { key: alice, method: 'GET', headers: { 'last-event-id': before.at(-1)!.id! } });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-accel-buffering')).toBe('no');
    const after = await eventsOf(rest1);
    const all = [...before, ...after];
    expect(seqs(all)).toEqual(all.map((_, i) => i + 1));
    expect(textOf(all)).toBe(tokens.join(''));
    expect(after.at(-1)).toMatchObject({ event: 'MessageCompleted', data: { content: tokens.join('') } });
    expect(fake.requests[0]!.clientAborted).toBe(false);
    expect(await answerRow(runId)).toEqual({ status: 'COMPLETE', content: tokens.join(''), error_code: null });
  });

  it('replays a finished run from ?after=, and from the start without it', async () => {
    const done = await rest(gw, 'POST', '/chat', { key: alice, body: { message: 'replay' } });
    const runId = done.body.run_id;
    const all = await eventsOf((await openStream(gw, `/runs/${runId}/events`, { key: alice, method: 'GET' })).blocks);
    expect(all.map((e) => e.event)).toEqual(['RunStarted', 'AgentSelected', 'TokenDelta', 'TokenDelta', 'MessageCompleted']);
    const tail = await eventsOf((await openStream(gw, `/runs/${runId}/events?after=3`, { key: alice, method: 'GET' })).blocks);
    expect(seqs(tail)).toEqual([4, 5]);
    expect(tail.map((e) => e.data)).toEqual(all.slice(3).map((e) => e.data));
    // Last-Event-ID wins over ?after= (it is what a reconnecting EventSource sends).
    const header = await eventsOf((await openStream(gw, `/runs/${runId}/events?after=1`, { key: alice, method: 'GET', headers: { 'last-event-id': '4' } })).blocks);
    expect(seqs(header)).toEqual([5]);
    expect(await rest(gw, 'GET', `/runs/${runId}/events`, { key: alice, headers: { 'last-event-id': 'four' } })).toMatchObject({ status: 400, body: { error: { code: 'BAD_USER_INPUT' } } });
    expect(await rest(gw, 'GET', `/runs/${runId}/events?after=-1`, { key: alice })).toMatchObject({ status: 400, body: { error: { code: 'BAD_USER_INPUT', message: expect.stringContaining('after') } } });
    expect(await rest(gw, 'GET', `/runs/${runId}/events`, { key: bob })).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
  });

  it('keeps an idle stream open with heartbeat comments until POST /runs/{run_id}/cancel ends the run', async () => {
    fake.enqueue({ tokens: ['still', ' thinking', ' never'], hangAfterTokens: 2 });
    const first = await openStream(gw, '/chat', { key: alice, body: { message: 'slow', stream: true } });
    const head: SseBlock[] = [];
    for await (const block of first.blocks) {
      if (block.event) head.push(block);
      if (head.length === 4) break;
    }
    const runId = head[0]!.data.run_id;

    const follower = await openStream(gw, `/runs/${runId}/events`, { key: alice, method: 'GET', headers: { 'last-event-id': '4' } });
    // Read with next(), not for-await: leaving a for-await loop would end the reader.
    const seen: SseBlock[] = [];
    while (seen.filter((b) => b.comments.includes('heartbeat')).length < 3) {
      const next = await follower.blocks.next();
      if (next.done) throw new Error('the stream ended');
      seen.push(next.value);
    }
    // Nothing happened in the run: only comments were sent.
    expect(seen.every((b) => !b.event && b.comments.length > 0)).toBe(true);

    expect(await rest(gw, 'POST', `/runs/${runId}/cancel`, { key: bob })).toMatchObject({ status: 404 });
    const cancelled = await rest(gw, 'POST', `/runs/${runId}/cancel`, { key: alice });
    expect(cancelled).toMatchObject({ status: 200, body: { cancelled: true } });
    const rest2 = await eventsOf(follower.blocks);
    expect(rest2).toEqual([expect.objectContaining({ id: '5', event: 'RunFailed', data: expect.objectContaining({ code: 'CANCELLED', retryable: false }) })]);
    await until(() => fake.requests[0]!.clientAborted, 'the upstream request to be aborted');
    await until(async () => (await answerRow(runId))?.status === 'CANCELLED', 'the answer stored as CANCELLED');
    expect((await answerRow(runId))!.content).toBe('still thinking');
  });

  it('cancels a dropped run nobody resumes, once RUN_ORPHAN_GRACE_MS has passed', async () => {
    fake.enqueue({ tokens: ['a', 'b', 'c'], hangAfterTokens: 2 });
    const controller = new AbortController();
    const { blocks } = await openStream(gw, '/chat', { key: alice, body: { message: 'abandon', stream: true }, signal: controller.signal });
    const head: SseBlock[] = [];
    for await (const block of blocks) {
      if (block.event) head.push(block);
      if (head.length === 3) break;
    }
    controller.abort();
    const runId = head[0]!.data.run_id;
    await until(() => fake.requests[0]!.clientAborted, 'the run to be given up after the grace period', 20_000);
    await until(async () => (await answerRow(runId))?.status === 'CANCELLED', 'the answer stored as CANCELLED');
  });
});
