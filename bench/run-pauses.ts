// The `run-pauses` part (issue 21): runs that wait for their client.
// (a) Memory per paused run: N chats (BENCH_PAUSED_RUNS, 2,000) each pause on a client tool (the upstream
//     calls it: "tool=locate"); the gateway's main-thread heap after a full GC, less before, per run. The
//     stored rows are the database's (PGlite's worker or the PostgreSQL server), not in that heap.
//     BENCH_RUN_PAUSES_SNAPSHOT=<dir> also writes heap snapshots before and after (bench/heap-diff.ts reads them).
// (b) What a resume adds over a fresh model step, p50 over BENCH_RESUMES (200) of each, alternated on one
//     graphql-ws connection: from sending submitToolResults (HTTP) to the resumed step's first TokenDelta,
//     less a plain chat's time from sending its chatStream to its first TokenDelta.
// PostgreSQL with BENCH_DATABASE_URL, else PGlite.
import { readdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { BenchDatabases } from './databases.js';
import { memoryMB } from './proc.js';
import { ADMIN_KEY, graphql, memoryAfterGc, sleep, startGateway, stop, USER_KEY } from './processes.js';
import { percentile } from './stats.js';

const PAUSED_RUNS = Number(process.env.BENCH_PAUSED_RUNS) || 2_000;
const RESUMES = Number(process.env.BENCH_RESUMES) || 200;
const IN_FLIGHT = 20;
const LOCATE = { name: 'locate', description: 'The user’s position', parameters: { type: 'object', properties: {} } };
const CHAT = `mutation($input: ChatInput!) { chat(input: $input) { runId status } }`;
const SUBMIT = `mutation($r: ID!, $results: [ToolResultInput!]!) { submitToolResults(runId: $r, results: $results) { status } }`;
const STREAM = `subscription($input: ChatInput!) { chatStream(input: $input) { __typename ... on RunEventFields { runId seq } ... on ToolCallRequested { callId } } }`;

export async function measureRunPauses(databases: BenchDatabases, upstreamUrl: string) {
  const kind = databases.postgresUrl ? 'postgres' : 'pglite';
  const snapshotDir = process.env.BENCH_RUN_PAUSES_SNAPSHOT;
  const flags = snapshotDir ? ['--heapsnapshot-signal=SIGUSR1', `--diagnostic-dir=${snapshotDir}`] : [];
  const gateway = await startGateway(await databases.fresh(kind), upstreamUrl, {}, flags);
  const pid = gateway.child.pid!;
  const url = gateway.graphqlUrl;
  try {
    await graphql(url, ADMIN_KEY, 'mutation { createAgent(input: { id: "bench" }) { id } }');
    const chat = (message: string) => graphql(url, USER_KEY, CHAT, { input: { agentId: 'bench', message, clientTools: [LOCATE] } });
    const submit = (runId: string, callId: string) => graphql(url, USER_KEY, SUBMIT, { r: runId, results: [{ callId, output: 'Oslo' }] });

    // Warm-up: paused runs resumed to their end, so code paths are compiled and caches filled before "before".
    for (let i = 0; i < 20; i++) {
      const { chat: paused } = await chat('bench tokens=3 tool=locate');
      const [{ callId }] = (await graphql(url, USER_KEY, `query($id: ID!) { run(id: $id) { pendingToolCalls { callId } } }`, { id: paused.runId })).run.pendingToolCalls;
      await submit(paused.runId, callId);
    }
    const latency = await resumeLatency(url);

    await sleep(1000);
    const probe = async () => ({ vmRssMB: memoryMB(pid, 'VmRSS'), ...(await memoryAfterGc(gateway.child)) });
    const snapshot = async (name: string) => {
      if (!snapshotDir) return;
      const count = readdirSync(snapshotDir).length;
      gateway.child.kill('SIGUSR1');
      while (readdirSync(snapshotDir).length === count) await sleep(200);
      await sleep(3000); // the file appears before it is complete
      console.log(`snapshot ${name} written to ${snapshotDir}`);
    };
    const before = await probe();
    await snapshot('before');
    let started = 0;
    let waiting = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (started < PAUSED_RUNS) {
          started++;
          if ((await chat('bench tokens=3 tool=locate')).chat.status === 'WAITING') waiting++;
        }
      }),
    );
    await sleep(1000);
    const after = await probe();
    await snapshot('after');
    const perRun = (field: 'heapUsed' | 'heapTotal' | 'external') => Math.round((after[field] - before[field]) / PAUSED_RUNS);
    const result = {
      database: kind,
      pausedRuns: PAUSED_RUNS,
      waiting,
      bytesPerPausedRun: { heapUsed: perRun('heapUsed'), heapTotal: perRun('heapTotal'), external: perRun('external'), rss: Math.round(((after.vmRssMB - before.vmRssMB) * 1e6) / PAUSED_RUNS) },
      before: { heapUsedMB: before.heapUsed / 1e6, rssMB: before.vmRssMB },
      after: { heapUsedMB: after.heapUsed / 1e6, rssMB: after.vmRssMB },
      resume: latency,
      loadavg: loadavg().map((load) => Math.round(load * 100) / 100),
    };
    console.log(JSON.stringify(result));
    return result;
  } finally {
    await stop(gateway.child);
  }
}

/** Resumes and plain chats alternated on one connection: each one's time to its (resumed step's) first token. */
async function resumeLatency(graphqlUrl: string) {
  const client = createClient({ url: graphqlUrl.replace(/^http/, 'ws'), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${USER_KEY}` }, retryAttempts: 0, lazy: false });
  const resumeMs: number[] = [];
  const plainMs: number[] = [];
  try {
    /** One chatStream to its end; `onEvent` sees each event with the time it arrived. */
    const stream = (input: object, onEvent: (event: any, at: number) => void) =>
      new Promise<void>((resolve, reject) => {
        client.subscribe({ query: STREAM, variables: { input: { agentId: 'bench', ...input } } }, { next: (result: any) => onEvent(result.data.chatStream, performance.now()), error: reject, complete: resolve });
      });
    for (let i = 0; i < RESUMES + 10; i++) {
      let submittedAt = 0;
      let resumedToken = 0;
      let resumed = false;
      let submitting: Promise<unknown> = Promise.resolve();
      await stream({ message: 'bench tokens=3 tool=locate', clientTools: [LOCATE] }, (event, at) => {
        if (event.__typename === 'ToolCallRequested') {
          submittedAt = performance.now();
          submitting = graphql(graphqlUrl, USER_KEY, SUBMIT, { r: event.runId, results: [{ callId: event.callId, output: 'Oslo' }] });
        }
        if (event.__typename === 'RunResumed') resumed = true;
        if (event.__typename === 'TokenDelta' && resumed && !resumedToken) resumedToken = at;
      });
      await submitting;
      let firstToken = 0;
      const sentAt = performance.now();
      await stream({ message: 'bench tokens=3' }, (event, at) => {
        if (event.__typename === 'TokenDelta' && !firstToken) firstToken = at;
      });
      // The first ten of each are a warm-up.
      if (i < 10) continue;
      resumeMs.push(resumedToken - submittedAt);
      plainMs.push(firstToken - sentAt);
    }
  } finally {
    await client.dispose();
  }
  const p = (samples: number[], at: number) => Math.round(percentile(samples, at) * 100) / 100;
  return {
    samples: resumeMs.length,
    resumeToFirstTokenMs: { p50: p(resumeMs, 50), p90: p(resumeMs, 90) },
    plainChatToFirstTokenMs: { p50: p(plainMs, 50), p90: p(plainMs, 90) },
    addedP50Ms: Math.round((percentile(resumeMs, 50) - percentile(plainMs, 50)) * 100) / 100,
  };
}
