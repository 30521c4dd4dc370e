import { beforeAll, describe, expect, it } from 'vitest';
import { storageBackendNames } from './support/backends.js';
import type { FakeOpenAI } from './support/fake-openai.js';
import { ADMIN_KEY, type TestGateway } from './support/gateway.js';
import { upstreamWorld } from './support/gateway-with-upstream.js';
import { createAgent } from './support/memory.js';
import { until } from './support/replica-streams.js';
import { collect } from './support/subscriptions.js';

/**
 * The console's Runs page, over the API: `runs` lists the runs in flight (RUNNING, and WAITING
 * for their clients) with their time to first token and tokens so far, `runsChanged` tells them
 * starting, progressing and ending, each caller sees only their own (an admin, everyone's); a
 * run's timeline is runEvents(after: 0), and cancelRun stops it.
 */

const LIVE = 'id status agentId userId conversationId parentRunId startedAt timeToFirstTokenMs tokens replicaId';
const RUNS = `query { runs { ${LIVE} } }`;
const RUNS_CHANGED = `subscription { runsChanged { kind run { ${LIVE} } } }`;
const RUN_EVENTS = `subscription($runId: ID!) { runEvents(runId: $runId, after: 0) { __typename ... on RunEventFields { seq } ... on TokenDelta { text } ... on RunFailed { code } } }`;
const LOCATE = { name: 'locate', description: 'The user’s position', parameters: { type: 'object', properties: {} } };

/** A promise and the function that settles it: holds an answer mid-stream with no timing. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe.each(storageBackendNames())('live runs on %s', (backend) => {
  let fake: FakeOpenAI, gw: TestGateway, alice: string, bob: string;
  const world = upstreamWorld(backend, { ENABLE_EMBEDDINGS: 'false' }, async () => createAgent(world.gw, { id: 'assistant' }));
  beforeAll(() => {
    ({ fake, gw, alice, bob } = world);
  });

  const ok = async (query: string, variables: Record<string, unknown>, credential: string) => {
    const { body } = await gw.gql(query, variables, credential);
    expect(body.errors).toBeUndefined();
    return body.data;
  };
  const runsOf = async (credential: string) => (await ok(RUNS, {}, credential)).runs as any[];
  const changesOf = (results: any[]) => results.map((r) => r.data?.runsChanged);

  it('lists a run in flight to its owner and admins, tells its start, progress and end, and cancelRun stops it', async () => {
    const aliceFeed = collect(gw.ws({ authorization: `Bearer ${alice}` }), RUNS_CHANGED);
    const bobFeed = collect(gw.ws({ authorization: `Bearer ${bob}` }), RUNS_CHANGED);
    const adminFeed = collect(gw.ws({ authorization: `Bearer ${ADMIN_KEY}` }), RUNS_CHANGED);
    await until(() => gw.orchestrator.liveRuns.subscriberCount === 3, 'the three subscriptions');
    const held = gate();
    fake.enqueue({ tokens: ['One', ' two', ' three', ' four'], waitAfterTokens: { tokens: 3, until: held.opened } });
    const bobsRun = ok(`mutation { chat(input: { message: "hello" }) { runId status } }`, {}, bob);
    await adminFeed.until(() => adminFeed.results.length >= 1, 'the admin to see bob’s run start');
    const bobRunId = changesOf(adminFeed.results)[0].run.id;

    // Bob's own list has it, with its three tokens so far; alice's does not; the admin's does.
    const listed = await until(async () => (await runsOf(bob)).find((run) => run.tokens === 3), 'bob’s run with three tokens');
    expect(listed).toMatchObject({ id: bobRunId, status: 'RUNNING', agentId: 'assistant', userId: 'bob', parentRunId: null });
    expect(listed.timeToFirstTokenMs).toBeGreaterThanOrEqual(0);
    expect(listed.replicaId).toEqual(expect.any(String));
    expect(Date.parse(listed.startedAt)).toBeLessThanOrEqual(Date.now());
    expect(await runsOf(alice)).toEqual([]);
    expect((await runsOf(ADMIN_KEY)).map((run) => run.id)).toEqual([bobRunId]);

    // Its progress is told, at most once a second: by a PROGRESSED change, or already by STARTED when the
    // run was registered after its first tokens (its turn is stored beside the model call, not before it).
    await bobFeed.until(() => changesOf(bobFeed.results).some((c) => (c.kind === 'PROGRESSED' || c.kind === 'STARTED') && c.run.tokens === 3), 'bob’s run’s progress');

    // Its timeline replays from its start while it runs; cancelRun stops it, and its end is told.
    const timeline = collect(gw.ws({ authorization: `Bearer ${bob}` }), RUN_EVENTS, { runId: bobRunId });
    await timeline.until(() => timeline.results.filter((r) => r.data?.runEvents.__typename === 'TokenDelta').length === 3, 'the timeline’s three tokens');
    const types = timeline.results.map((r) => r.data.runEvents.__typename);
    expect(types.slice(0, 2)).toEqual(['RunStarted', 'AgentSelected']);
    expect(timeline.results.map((r) => r.data.runEvents.seq)).toEqual(types.map((_, i) => i + 1));
    expect((await gw.gql(`mutation($r: ID!) { cancelRun(runId: $r) }`, { r: bobRunId }, alice)).body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(await ok(`mutation($r: ID!) { cancelRun(runId: $r) }`, { r: bobRunId }, bob)).toEqual({ cancelRun: true });
    held.open();
    expect((await bobsRun).chat.status).toBe('CANCELLED');
    await timeline.ended();
    expect(timeline.results.at(-1)!.data!.runEvents).toMatchObject({ __typename: 'RunFailed', code: 'CANCELLED' });
    await bobFeed.until(() => changesOf(bobFeed.results).some((c) => c.kind === 'ENDED'), 'bob’s run’s end');
    const bobChanges = changesOf(bobFeed.results);
    expect(bobChanges[0]).toMatchObject({ kind: 'STARTED', run: { id: bobRunId, status: 'RUNNING', userId: 'bob' } });
    // Told in order: the tokens never go back.
    const counts = bobChanges.map((c) => c.run.tokens);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    expect(bobChanges.at(-1)).toMatchObject({ kind: 'ENDED', run: { id: bobRunId, status: 'CANCELLED', tokens: 3 } });
    expect(new Set(bobChanges.map((c) => c.run.id))).toEqual(new Set([bobRunId]));
    expect(await runsOf(bob)).toEqual([]);

    // Alice's run is told to her and the admin; alice was told nothing of bob's.
    fake.enqueue({ text: 'Hi alice' });
    const alicesRun = (await ok(`mutation { chat(input: { message: "hi" }) { runId } }`, {}, alice)).chat.runId;
    await aliceFeed.until(() => changesOf(aliceFeed.results).some((c) => c.kind === 'ENDED'), 'alice’s run’s end');
    expect(new Set(changesOf(aliceFeed.results).map((c) => c.run.id))).toEqual(new Set([alicesRun]));
    expect(changesOf(aliceFeed.results).at(-1)).toMatchObject({ kind: 'ENDED', run: { status: 'COMPLETE', tokens: 2, userId: 'alice' } });
    await adminFeed.until(() => changesOf(adminFeed.results).some((c) => c.kind === 'ENDED' && c.run.id === alicesRun), 'the admin to see alice’s run end');
    for (const feed of [aliceFeed, bobFeed, adminFeed]) {
      expect(feed.error).toBeUndefined();
      feed.unsubscribe();
    }
    timeline.unsubscribe();
  });

  it('lists a run paused for its client as WAITING, held by no replica once nobody reads it, until it ends', async () => {
    const feed = collect(gw.ws({ authorization: `Bearer ${alice}` }), RUNS_CHANGED);
    await until(() => gw.orchestrator.liveRuns.subscriberCount === 1, 'the subscription');
    fake.enqueue({ toolCalls: [{ id: 'call_loc', name: 'locate', arguments: {} }] });
    const paused = (await ok(`mutation($input: ChatInput!) { chat(input: $input) { runId status } }`, { input: { message: 'where am I?', clientTools: [LOCATE] } }, alice)).chat;
    expect(paused.status).toBe('WAITING');
    const waiting = await until(async () => (await runsOf(alice)).find((run) => run.id === paused.runId && run.replicaId === null), 'the paused run, out of memory');
    expect(waiting).toMatchObject({ status: 'WAITING', userId: 'alice', agentId: 'assistant', tokens: null, timeToFirstTokenMs: null });
    expect(await runsOf(bob)).toEqual([]);
    expect((await runsOf(ADMIN_KEY)).map((run) => run.id)).toEqual([paused.runId]);
    await feed.until(() => changesOf(feed.results).some((c) => c.run.status === 'WAITING' && c.run.replicaId === null), 'the pause to be told');

    // Cancelled, it is no longer in flight.
    expect(await ok(`mutation($r: ID!) { cancelRun(runId: $r) }`, { r: paused.runId }, alice)).toEqual({ cancelRun: true });
    expect(await runsOf(alice)).toEqual([]);
    await feed.until(() => changesOf(feed.results).some((c) => c.kind === 'ENDED' && c.run.status === 'CANCELLED'), 'its end to be told');
    expect(feed.error).toBeUndefined();
    feed.unsubscribe();
  });

  it('tells a streaming run’s progress at most once a second, its token counts only growing', async () => {
    const feed = collect(gw.ws({ authorization: `Bearer ${alice}` }), RUNS_CHANGED);
    await until(() => gw.orchestrator.liveRuns.subscriberCount === 1, 'the subscription');
    // 30 tokens 50 ms apart: the answer streams for at least 1.5 s.
    fake.enqueue({ tokens: Array.from({ length: 30 }, (_, i) => ` t${i}`), delayMs: 50 });
    const began = Date.now();
    const { runId } = (await ok(`mutation { chat(input: { message: "count" }) { runId } }`, {}, alice)).chat;
    await feed.until(() => changesOf(feed.results).some((c) => c.kind === 'ENDED' && c.run.id === runId), 'its end');
    const elapsedMs = Date.now() - began;
    const changes = changesOf(feed.results).filter((c) => c.run.id === runId);
    const progressed = changes.filter((c) => c.kind === 'PROGRESSED');
    expect(changes[0].kind).toBe('STARTED');
    expect(changes.at(-1)).toMatchObject({ kind: 'ENDED', run: { status: 'COMPLETE', tokens: 30 } });
    // Thirty tokens, yet one change a second at most (the timer's first tick may come at once).
    expect(progressed.length).toBeGreaterThan(0);
    expect(progressed.length).toBeLessThanOrEqual(Math.ceil(elapsedMs / 1000) + 1);
    const counts = changes.map((c) => c.run.tokens);
    expect(new Set(counts.slice(0, -1)).size).toBe(counts.length - 1);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    feed.unsubscribe();
  });

  it('answers only authenticated callers', async () => {
    const { body } = await gw.gql(RUNS, {});
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
