import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type StorageBackend } from './support/backends.js';
import { FakeOpenAI, splitWords } from './support/fake-openai.js';
import { type GatewayProcess, postGraphQL, runGateway } from './support/process.js';
import { TestRedis } from './support/redis-server.js';
import { sseSubscription, until } from './support/replica-streams.js';
import { readEventStream } from './support/subscriptions.js';

const ADMIN = 'replicas-runs-admin-key-0123456789';
const asAdmin = { authorization: `Bearer ${ADMIN}` };
const EVENTS = `__typename ... on RunEventFields { runId seq } ... on RunStarted { conversationId } ... on TokenDelta { text } ... on MessageCompleted { content } ... on RunFailed { code message partialMessageId }`;
const CHAT_STREAM = `subscription($m: String!) { chatStream(input: { message: $m }) { ${EVENTS} } }`;
const RUN_EVENTS = `subscription($r: ID!, $after: Int) { runEvents(runId: $r, after: $after) { ${EVENTS} } }`;
const MESSAGES = `query($id: ID!) { conversation(id: $id) { messages { role content status errorCode } } }`;
const words = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag}${i}`).join(' ');

/** One GraphQL-over-SSE subscription, as the admin unless `headers` say otherwise. */
const sse = (url: string, query: string, variables: Record<string, unknown>, headers: Record<string, string> = asAdmin) => sseSubscription(url, query, variables, headers);

/** Every muxgate key in the Redis server, each as its name, a space, and its contents as JSON. */
async function redisContents(url: string): Promise<string[]> {
  const client = new Redis(url);
  try {
    const found: string[] = [];
    for (const key of await client.keys('muxgate:*')) {
      const type = await client.type(key);
      const value =
        type === 'hash' ? await client.hgetall(key)
        : type === 'stream' ? await client.xrange(key, '-', '+')
        : type === 'set' ? await client.smembers(key)
        : type === 'zset' ? await client.zrange(key, 0, -1)
        : type === 'list' ? await client.lrange(key, 0, -1)
        : await client.get(key);
      found.push(`${key} ${JSON.stringify(value)}`);
    }
    return found;
  } finally {
    client.disconnect();
  }
}

if (!process.env.TEST_DATABASE_URL) console.info('TEST_DATABASE_URL is not set: replicas-runs.test.ts is skipped (two replicas need a PostgreSQL server).');

describe.skipIf(!process.env.TEST_DATABASE_URL)('runs across two replicas sharing PostgreSQL and Redis', { timeout: 180_000 }, () => {
  let fake: FakeOpenAI;
  let backend: StorageBackend;
  let redis: TestRedis | undefined;
  let a: GatewayProcess;
  let b: GatewayProcess;
  let urlA: string;
  let urlB: string;

  const start = async () => {
    const gateway = runGateway({
      ...backend.env(),
      PORT: '0',
      HOST: '127.0.0.1',
      ADMIN_API_KEY: ADMIN,
      OPENAI_BASE_URL: fake.url,
      ANSWER_CHECKPOINT_MS: '100',
      REDIS_URL: redis!.url,
      RUN_LEASE_MS: '1500',
      // Short: a run dropped on A and followed on B must be kept alive by B's follower.
      RUN_ORPHAN_GRACE_MS: '3000',
    });
    const [, url] = await gateway.waitFor(/listening on (http:\/\/\S+)/);
    return { gateway, url: url! };
  };
  const gql = async (url: string, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = asAdmin) => (await postGraphQL(url, query, headers, variables)) as any;
  const answerOf = async (url: string, conversationId: string) => (await gql(url, MESSAGES, { id: conversationId })).data?.conversation.messages[1];

  beforeAll(async () => {
    fake = await FakeOpenAI.start();
    backend = await createBackend('postgres');
    redis = await TestRedis.start();
    ({ gateway: a, url: urlA } = await start());
    ({ gateway: b, url: urlB } = await start());
    await gql(urlA, 'mutation { createAgent(input: { id: "assistant" }) { id } }');
  });
  afterAll(async () => {
    for (const gateway of [a, b]) gateway?.child.kill('SIGKILL');
    await redis?.stop();
    await fake?.close();
    await backend?.dispose();
  });

  it('a stream started on A, dropped, resumes on B with runEvents(after): no gap, no duplicate', async () => {
    // Streams for longer than the orphan grace after the drop: only B's follower keeps it going.
    const answer = words(80, 'resume');
    fake.enqueue({ text: answer, delayMs: 80 });
    const first = sse(urlA, CHAT_STREAM, { m: 'resume me' });
    await until(() => first.events.filter((e) => e.__typename === 'TokenDelta').length >= 5, 'five tokens on A');
    first.drop();
    await first.done;
    const seen = first.text();
    const { runId } = first.events[0];
    const lastSeq = first.events.at(-1).seq;

    const rest = sse(urlB, RUN_EVENTS, { r: runId, after: lastSeq });
    await rest.done;
    expect(rest.errors).toEqual([]);
    expect(rest.events[0].seq).toBeGreaterThan(lastSeq);
    const seqs = rest.events.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(seen + rest.text()).toBe(answer);
    expect(rest.events.at(-1)).toMatchObject({ __typename: 'MessageCompleted', content: answer });

    // REST resumes the same way on B: GET /runs/{run_id}/events with Last-Event-ID.
    const response = await fetch(`${urlB}/runs/${runId}/events`, { headers: { ...asAdmin, accept: 'text/event-stream', 'last-event-id': String(lastSeq) } });
    expect(response.status).toBe(200);
    const restEvents: any[] = [];
    for await (const { event, data } of readEventStream(response)) restEvents.push({ event, ...data });
    // A replay read faster than the client takes it arrives with deltas merged (each keeps its last seq): the text says no gap, no duplicate.
    expect(restEvents[0].seq).toBeGreaterThan(lastSeq);
    expect(seen + restEvents.filter((e) => e.event === 'TokenDelta').map((e) => e.text).join('')).toBe(answer);
    expect(restEvents.at(-1)).toMatchObject({ event: 'MessageCompleted', content: answer });
  });

  it('conversationEvents on A sees runs executing on B: one in flight when it subscribed, from its start, and one started later', async () => {
    const firstAnswer = words(20, 'watched');
    fake.enqueue({ text: firstAnswer, delayMs: 60 });
    const first = sse(urlB, CHAT_STREAM, { m: 'watch me' });
    await until(() => first.events.filter((e) => e.__typename === 'TokenDelta').length >= 3, 'three tokens on B');
    const { conversationId } = first.events[0];
    const watcher = sse(urlA, `subscription($c: ID!) { conversationEvents(conversationId: $c) { ${EVENTS} } }`, { c: conversationId });
    await first.done;
    await until(() => watcher.events.some((e) => e.__typename === 'MessageCompleted'), 'A to see the first run end');
    expect(watcher.errors).toEqual([]);
    expect(watcher.events[0]).toMatchObject({ __typename: 'RunStarted', seq: 1 });
    expect(watcher.text()).toBe(firstAnswer);

    const secondAnswer = words(10, 'later');
    fake.enqueue({ text: secondAnswer, delayMs: 30 });
    const second = await gql(urlB, `mutation($c: ID!) { chat(input: { message: "and again", conversationId: $c }) { message { content } } }`, { c: conversationId });
    expect(second.data.chat.message.content).toBe(secondAnswer);
    await until(() => watcher.events.filter((e) => e.__typename === 'MessageCompleted').length === 2, 'A to see the second run end');
    const runs = new Set(watcher.events.map((e) => e.runId));
    expect(runs.size).toBe(2);
    expect(watcher.events.filter((e) => e.__typename === 'RunStarted')).toHaveLength(2);
    expect(watcher.text()).toBe(firstAnswer + secondAnswer);
    watcher.drop();
  });

  it("a run on A is its owner's on B too: another user can neither follow nor cancel it there", async () => {
    const keyFor = async (userId: string) => {
      const created = await gql(urlA, `mutation($u: ID!) { createApiKey(isAdmin: false, userId: $u) { key } }`, { u: userId });
      return { authorization: `Bearer ${created.data.createApiKey.key}` };
    };
    const alice = await keyFor('alice');
    const bob = await keyFor('bob');
    fake.enqueue({ text: words(20, 'private'), hangAfterTokens: 3 });
    const stream = sse(urlA, `subscription { chatStream(input: { message: "mine", agentId: "assistant" }) { ${EVENTS} } }`, {}, alice);
    await until(() => stream.events.filter((e) => e.__typename === 'TokenDelta').length >= 3, "three tokens of alice's run");
    const { runId } = stream.events[0];

    const spy = sse(urlB, RUN_EVENTS, { r: runId, after: 0 }, bob);
    await spy.done;
    expect(spy.events).toEqual([]);
    expect(spy.errors[0]).toMatchObject({ extensions: { code: 'NOT_FOUND' } });
    expect((await gql(urlB, `mutation($r: ID!) { cancelRun(runId: $r) }`, { r: runId }, bob)).errors[0]).toMatchObject({ extensions: { code: 'NOT_FOUND' } });

    const own = sse(urlB, RUN_EVENTS, { r: runId, after: 0 }, alice);
    // Tokens written to Redis in one tick reach B as one delta: the text says B has them.
    await until(() => own.text() === words(20, 'private').split(' ').slice(0, 3).join(' '), 'alice to follow her run on B');
    expect(await gql(urlB, `mutation($r: ID!) { cancelRun(runId: $r) }`, { r: runId }, alice)).toEqual({ data: { cancelRun: true } });
    await Promise.all([own.done, stream.done]);
    expect(own.events.at(-1)).toMatchObject({ __typename: 'RunFailed', code: 'CANCELLED' });
  });

  it('forgetUser on A erases the user’s runs from Redis, those B executed too; neither replica replays them, to an admin or to a new key', async () => {
    const keyFor = async (userId: string) => {
      const created = await gql(urlA, `mutation($u: ID!) { createApiKey(isAdmin: false, userId: $u) { key } }`, { u: userId });
      return { authorization: `Bearer ${created.data.createApiKey.key}` };
    };
    const erased = await keyFor('erased-user');
    const kept = await keyFor('kept-user');
    const chatOn = async (url: string, headers: Record<string, string>, text: string, hang?: number) => {
      fake.enqueue(hang ? { text, hangAfterTokens: hang } : { text });
      const stream = sse(url, `subscription($m: String!) { chatStream(input: { message: $m, agentId: "assistant" }) { ${EVENTS} } }`, { m: text }, headers);
      if (hang) await until(() => stream.events.filter((e) => e.__typename === 'TokenDelta').length >= hang, 'the run to be in flight');
      else await stream.done;
      return stream;
    };
    const doneOnA = await chatOn(urlA, erased, words(8, 'erasedonA'));
    const liveOnA = await chatOn(urlA, erased, words(20, 'erasedlive'), 3);
    const doneOnB = await chatOn(urlB, erased, words(8, 'erasedonB'));
    const keptOnB = await chatOn(urlB, kept, words(8, 'keptonB'));
    const theirs = [doneOnA, liveOnA, doneOnB].flatMap((stream) => [stream.events[0].runId, stream.events[0].conversationId]);
    const contents = await redisContents(redis!.url);
    // Before: each of the user's runs is in Redis (so the check after means something).
    for (const marker of [...theirs, 'erasedonA', 'erasedonB', 'erasedlive']) expect(contents.some((text) => text.includes(marker))).toBe(true);

    const receipt = await gql(urlA, `mutation { forgetUser(userId: "erased-user") { runs } }`);
    expect(receipt).toEqual({ data: { forgetUser: { runs: 3 } } });
    await liveOnA.done;
    const after = await redisContents(redis!.url);
    for (const marker of [...theirs, 'erasedonA', 'erasedonB', 'erasedlive', 'muxgate:user:erased-user']) expect(after.filter((text) => text.includes(marker))).toEqual([]);
    expect(after.some((text) => text.startsWith(`muxgate:run:${keptOnB.events[0].runId}:events `) && text.includes('keptonB'))).toBe(true);
    expect(after.some((text) => text.startsWith('muxgate:user:kept-user:runs ') && text.includes(keptOnB.events[0].runId))).toBe(true);

    // B forgets what it holds in memory once the erasure reaches it; then no replica replays any of the runs.
    const replay = async (url: string, runId: string, headers: Record<string, string>) => {
      const stream = sse(url, RUN_EVENTS, { r: runId, after: 0 }, headers);
      await stream.done;
      return { events: stream.events, code: stream.errors[0]?.extensions?.code };
    };
    await until(async () => (await replay(urlB, doneOnB.events[0].runId, asAdmin)).code === 'NOT_FOUND', 'B to forget its run of the erased user');
    const newKey = await keyFor('erased-user');
    for (const url of [urlA, urlB]) {
      for (const headers of [asAdmin, newKey]) {
        for (const stream of [doneOnA, liveOnA, doneOnB]) expect(await replay(url, stream.events[0].runId, headers)).toEqual({ events: [], code: 'NOT_FOUND' });
      }
    }
    expect((await replay(urlA, keptOnB.events[0].runId, kept)).events.at(-1)).toMatchObject({ __typename: 'MessageCompleted' });
  });

  it('cancelRun on B stops a run executing on A; the partial answer is stored CANCELLED', async () => {
    const answer = words(30, 'cancel');
    fake.enqueue({ text: answer, hangAfterTokens: 6 });
    const stream = sse(urlA, CHAT_STREAM, { m: 'cancel me' });
    await until(() => stream.events.filter((e) => e.__typename === 'TokenDelta').length >= 6, 'six tokens on A');
    const { runId, conversationId } = stream.events[0];

    expect(await gql(urlB, `mutation($r: ID!) { cancelRun(runId: $r) }`, { r: runId })).toEqual({ data: { cancelRun: true } });
    await until(() => stream.ended, 'the end of the stream on A');
    expect(stream.events.at(-1)).toMatchObject({ __typename: 'RunFailed', code: 'CANCELLED' });
    const partial = splitWords(answer).slice(0, 6).join('');
    expect(await answerOf(urlB, conversationId)).toEqual({ role: 'ASSISTANT', content: partial, status: 'CANCELLED', errorCode: 'CANCELLED' });
    // Ended: a second cancel from either replica says so.
    expect(await gql(urlB, `mutation($r: ID!) { cancelRun(runId: $r) }`, { r: runId })).toEqual({ data: { cancelRun: false } });
  });

  it("a finished 2,000-token run's Redis log is compacted to at most 4x its text, and B resumes it from any seq exactly", async () => {
    const tokens = Array.from({ length: 2_000 }, (_, i) => (i % 50 === 0 ? ` grüße${i}` : ` t${i}`));
    fake.enqueue({ tokens });
    const done = await gql(urlA, `mutation { chat(input: { message: "long", agentId: "assistant" }) { runId message { content } } }`);
    const { runId } = done.data.chat;
    const text = tokens.join('');
    expect(done.data.chat.message.content).toBe(text);
    const inspect = new Redis(redis!.url);
    try {
      const events = `muxgate:run:${runId}:events`;
      await until(async () => (await inspect.xlen(events)) < 10, 'the run log to be compacted');
      const bytes = Number(await inspect.call('MEMORY', 'USAGE', events, 'SAMPLES', '0')) + Number(await inspect.call('MEMORY', 'USAGE', `muxgate:run:${runId}`, 'SAMPLES', '0'));
      expect(bytes, `${bytes} bytes in Redis for ${Buffer.byteLength(text)} bytes of text`).toBeLessThanOrEqual(4 * Buffer.byteLength(text));
    } finally {
      inspect.disconnect();
    }
    // A has the run in memory: its other events and their seqs; the 2,000 tokens are the seqs just before MessageCompleted.
    const reference = sse(urlA, RUN_EVENTS, { r: runId, after: 0 });
    await reference.done;
    const lastSeq = reference.events.at(-1).seq;
    expect(reference.text()).toBe(text);
    const bySeq = new Map<number, any>(reference.events.filter((e) => e.__typename !== 'TokenDelta').map((e) => [e.seq, e]));
    tokens.forEach((token, k) => bySeq.set(lastSeq - tokens.length + k, { __typename: 'TokenDelta', text: token }));
    expect(bySeq.size).toBe(lastSeq);
    for (const after of [0, 1, 2, 3, 4, 1_000, lastSeq - 2, lastSeq - 1, lastSeq, lastSeq + 1]) {
      const response = await fetch(`${urlB}/runs/${runId}/events`, { headers: { ...asAdmin, accept: 'text/event-stream', 'last-event-id': String(after) } });
      expect(response.status).toBe(200);
      let seen = after;
      for await (const { event, data } of readEventStream(response)) {
        const covered = Array.from({ length: data.seq - seen }, (_, k) => bySeq.get(seen + 1 + k));
        expect(covered.length, `after ${after}: seq ${data.seq} follows ${seen}`).toBeGreaterThan(0);
        if (event === 'TokenDelta') expect(data.text, `after ${after}: delta at ${data.seq}`).toBe(covered.map((e) => e.text).join(''));
        else expect(covered.map((e) => e.__typename)).toEqual([event]);
        seen = data.seq;
      }
      expect(seen, `after ${after}: ends at the last seq`).toBe(Math.max(after, lastSeq));
    }
  });

  it('Redis stopped mid-run: the run on A completes for its client, B cannot follow it (UPSTREAM_UNAVAILABLE); after a restart runs cross replicas again', async () => {
    const answer = words(40, 'outage');
    fake.enqueue({ text: answer, delayMs: 60 });
    const stream = sse(urlA, CHAT_STREAM, { m: 'through an outage' });
    await until(() => stream.events.filter((e) => e.__typename === 'TokenDelta').length >= 3, 'three tokens on A');
    const { runId } = stream.events[0];
    // A run that stays in flight through the outage (cancelled at the end).
    fake.enqueue({ text: words(10, 'held'), hangAfterTokens: 2 });
    const held = sse(urlA, CHAT_STREAM, { m: 'held through an outage' });
    await until(() => held.events.filter((e) => e.__typename === 'TokenDelta').length >= 2, 'the held run to be in flight');
    // A watcher on B following the run through Redis when it goes.
    const watcher = sse(urlB, `subscription($c: ID!) { conversationEvents(conversationId: $c) { ${EVENTS} } }`, { c: stream.events[0].conversationId });
    await until(() => watcher.events.some((e) => e.__typename === 'TokenDelta'), 'B to watch the run');

    await redis!.stop();
    await watcher.done;
    expect(watcher.errors[0]).toMatchObject({ extensions: { code: 'UPSTREAM_UNAVAILABLE' } });
    const follower = sse(urlB, RUN_EVENTS, { r: runId, after: 0 });
    await follower.done;
    expect(follower.errors[0]).toMatchObject({ extensions: { code: 'UPSTREAM_UNAVAILABLE' } });
    expect(follower.errors[0].message).toMatch(/Redis is unavailable/);
    // What else needs Redis says so rather than half-working: a cancel of a run elsewhere, a new conversation watch, an erasure.
    const codeOf = (response: any) => response.errors?.[0]?.extensions?.code;
    expect(codeOf(await gql(urlB, `mutation($r: ID!) { cancelRun(runId: $r) }`, { r: held.events[0].runId }))).toBe('UPSTREAM_UNAVAILABLE');
    const watch = sse(urlB, `subscription($c: ID!) { conversationEvents(conversationId: $c) { ${EVENTS} } }`, { c: stream.events[0].conversationId });
    await watch.done;
    expect(watch.errors[0]).toMatchObject({ extensions: { code: 'UPSTREAM_UNAVAILABLE' } });
    expect(codeOf(await gql(urlB, `mutation { forgetUser(userId: "nobody-in-particular") { runs } }`))).toBe('UPSTREAM_UNAVAILABLE');

    await stream.done;
    expect(stream.events.at(-1)).toMatchObject({ __typename: 'MessageCompleted', content: answer });
    expect(stream.text()).toBe(answer);

    // The run ended while Redis was down: a client resuming on B mid-answer is refused (retryable), not sent
    // the end alone with its tokens skipped; one that had every event but the last gets that from the stored answer.
    const midway = sse(urlB, RUN_EVENTS, { r: runId, after: 5 });
    await midway.done;
    expect(midway.events).toEqual([]);
    expect(midway.errors[0]).toMatchObject({ extensions: { code: 'UPSTREAM_UNAVAILABLE' } });
    const lastSeq = stream.events.at(-1).seq;
    const atTheEnd = sse(urlB, RUN_EVENTS, { r: runId, after: lastSeq - 1 });
    await atTheEnd.done;
    expect(atTheEnd.errors).toEqual([]);
    expect(atTheEnd.events).toEqual([expect.objectContaining({ __typename: 'MessageCompleted', seq: lastSeq, content: answer })]);

    await redis!.start();
    for (const url of [urlA, urlB]) await until(async () => (await gql(url, '{ health { redis } }')).data?.health.redis === 'UP', 'Redis UP again', 30_000);
    expect(await gql(urlA, `mutation($r: ID!) { cancelRun(runId: $r) }`, { r: held.events[0].runId })).toEqual({ data: { cancelRun: true } });
    await held.done;

    const next = words(20, 'after');
    fake.enqueue({ text: next, delayMs: 30 });
    const again = sse(urlA, CHAT_STREAM, { m: 'after the outage' });
    await until(() => again.events.length >= 1, 'the run to start');
    const remote = sse(urlB, RUN_EVENTS, { r: again.events[0].runId, after: 0 });
    await Promise.all([again.done, remote.done]);
    expect(remote.errors).toEqual([]);
    expect(remote.events[0]).toMatchObject({ __typename: 'RunStarted', seq: 1 });
    expect(remote.text()).toBe(next);
    expect(remote.events.at(-1)).toMatchObject({ __typename: 'MessageCompleted', content: next });
  });

  it('A killed mid-run: after its lease lapses B marks the run FAILED (INTERRUPTED) with its partial text, and B’s subscriber gets RunFailed', async () => {
    const answer = words(30, 'killed');
    fake.enqueue({ text: answer, hangAfterTokens: 8 });
    const stream = sse(urlA, CHAT_STREAM, { m: 'kill me' });
    await until(() => stream.events.filter((e) => e.__typename === 'TokenDelta').length >= 8, 'eight tokens on A');
    const { runId, conversationId } = stream.events[0];
    const partial = splitWords(answer).slice(0, 8).join('');
    const follower = sse(urlB, RUN_EVENTS, { r: runId, after: 0 });
    await until(() => follower.text() === partial, 'B to follow the eight tokens');
    await until(async () => (await answerOf(urlB, conversationId))?.content === partial, 'the partial text to be checkpointed');

    a.child.kill('SIGKILL');
    await a.exited;
    stream.drop();

    await follower.done;
    expect(follower.errors).toEqual([]);
    const end = follower.events.at(-1);
    expect(end).toMatchObject({ __typename: 'RunFailed', code: 'INTERRUPTED' });
    expect(end.seq).toBe(follower.events.at(-2).seq + 1);
    expect(await answerOf(urlB, conversationId)).toEqual({ role: 'ASSISTANT', content: partial, status: 'FAILED', errorCode: 'INTERRUPTED' });
    expect(end.partialMessageId).toEqual(expect.any(String));
  });
});
