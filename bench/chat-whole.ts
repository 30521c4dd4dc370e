// The `chat-whole` part (issue 20): a chat counted whole, against Portkey's gateway measured in the same
// run. The gateway as `npm start` runs it (memory on, embeddings on: the bench's upstream answers
// /v1/embeddings too), `chat` mutations of 20 tokens, first 300 one at a time, then a sustained open-loop
// rate; the gateway's CPU from /proc for the whole process (the PGlite worker thread included) and its
// main thread alone, read until 1.5 s after the last chat so the background work each chat causes
// (indexing, embeddings) counts; the upstream's requests per chat. Configurations: PGlite (embeddings on,
// the default), PGlite with MEMORY_EMBEDDINGS=false (memory on full text) and, with BENCH_DATABASE_URL,
// the PostgreSQL server (no pgvector there: full text). Each round (BENCH_ROUNDS, default 3) measures, back
// to back: the openai SDK calling the upstream directly, the same SDK calls through Portkey (bench/portkey.ts;
// its whole process's CPU read the same way, 1.5 s after the last request), then a fresh gateway; the
// figures reported are the medians over rounds, and each ratio and difference is taken within a round.
// BENCH_CHAT_PROFILE=<dir> runs it all again on a gateway started with `--cpu-prof` (one profile per
// thread) and summarises each phase's samples per thread (bench/profile-summary.ts).
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { BenchDatabases, DatabaseKind } from './databases.js';
import type { Portkey } from './portkey.js';
import { ADMIN_KEY, client, graphql, sleep, startGateway, stop, USER_KEY } from './processes.js';
import { markdown, summariseProfiles } from './profile-summary.js';
import { median, range } from './stats.js';

const SEQUENTIAL = Number(process.env.BENCH_CHAT_SEQUENTIAL) || 300;
const RATE = Number(process.env.BENCH_CHAT_RATE) || 20;
const SECONDS = Number(process.env.BENCH_CHAT_SECONDS) || 20;
const WARMUP = 50;
export const ROUNDS = Number(process.env.BENCH_ROUNDS) || 3;
/** CPU is read this long after the last chat: the background work chats leave behind is theirs. */
const SETTLE_MS = 1500;
const TOKENS = 20;

/** The configurations measured: each a database and the environment that sets memory's mode on it. */
export type ChatWholeKind = DatabaseKind | 'pglite-fulltext';
const CONFIGURATIONS: Record<ChatWholeKind, { database: DatabaseKind; env: Record<string, string> }> = {
  pglite: { database: 'pglite', env: {} },
  'pglite-fulltext': { database: 'pglite', env: { MEMORY_EMBEDDINGS: 'false' } },
  postgres: { database: 'postgres', env: {} },
};

/** PGlite with embeddings (the default) and on full text; the PostgreSQL server when BENCH_DATABASE_URL names one. */
export const chatWholeKinds = (databases: BenchDatabases): ChatWholeKind[] =>
  databases.kinds().flatMap((kind) => (kind === 'pglite' ? (['pglite', 'pglite-fulltext'] as const) : [kind]));

type UpstreamStats = { chat: number; embeddings: number; routing: number };

async function upstream(upstreamUrl: string, path: 'stats' | 'reset'): Promise<UpstreamStats | undefined> {
  const response = await fetch(upstreamUrl.replace(/\/v1$/, `/bench/${path}`), { method: path === 'reset' ? 'POST' : 'GET' });
  return path === 'stats' ? ((await response.json()) as UpstreamStats) : undefined;
}

/** One phase's chats (`rps` set: open-loop), with the upstream's requests counted over it. */
async function phase(common: { graphqlUrl: string; key: string; upstreamUrl: string }, pid: number, load: object) {
  await upstream(common.upstreamUrl, 'reset');
  const loadBefore = loadavg()[0]!;
  const r = await client('chat', { ...common, via: 'gateway', tokens: TOKENS, warmup: 0, cpuPid: pid, settleMs: SETTLE_MS, ...load });
  const requests = (await upstream(common.upstreamUrl, 'stats'))!;
  const perChat = (n: number) => n / r.count;
  return {
    chats: r.count,
    errors: r.errors,
    p50: r.p50,
    p99: r.p99,
    cpuMsPerChat: r.cpuMsPerCall,
    mainThreadCpuMsPerChat: r.mainThreadCpuMsPerCall,
    upstreamPerChat: { all: perChat(requests.chat + requests.embeddings + requests.routing), chat: perChat(requests.chat), embeddings: perChat(requests.embeddings), routing: perChat(requests.routing) },
    loadavg1: [loadBefore, loadavg()[0]!],
    windowUs: r.windowUs as [number, number],
  };
}

/** A fresh gateway on `kind`: warm-up, 300 chats one at a time, then RATE chats/s for SECONDS. */
async function run(databases: BenchDatabases, kind: ChatWholeKind, upstreamUrl: string, nodeFlags: string[] = []) {
  const { database, env } = CONFIGURATIONS[kind];
  const gateway = await startGateway(await databases.fresh(database), upstreamUrl, env, nodeFlags);
  const pid = gateway.child.pid!;
  try {
    await graphql(gateway.graphqlUrl, ADMIN_KEY, 'mutation { createAgent(input: { id: "bench" }) { id } }');
    const common = { graphqlUrl: gateway.graphqlUrl, key: USER_KEY, upstreamUrl };
    await client('chat', { ...common, via: 'gateway', tokens: TOKENS, count: WARMUP, warmup: 0 });
    await sleep(SETTLE_MS);
    const sequential = await phase(common, pid, { count: SEQUENTIAL });
    const sustained = await phase(common, pid, { count: RATE * SECONDS, rps: RATE });
    return { sequential, sustained };
  } finally {
    await stop(gateway.child);
  }
}

type Phase = Awaited<ReturnType<typeof phase>>;

/** Each numeric figure of a phase, the median over rounds (CPU per chat with its range); load average: first before, last after. */
function medianPhase(phases: Phase[]) {
  const of = (pick: (p: Phase) => number) => median(phases.map(pick));
  return {
    chats: phases.reduce((n, p) => n + p.chats, 0),
    errors: phases.reduce((n, p) => n + p.errors, 0),
    p50: of((p) => p.p50),
    p99: of((p) => p.p99),
    cpuMsPerChat: of((p) => p.cpuMsPerChat),
    cpuMsPerChatRange: range(phases.map((p) => p.cpuMsPerChat)),
    mainThreadCpuMsPerChat: of((p) => p.mainThreadCpuMsPerChat),
    upstreamPerChat: Object.fromEntries((['all', 'chat', 'embeddings', 'routing'] as const).map((k) => [k, of((p) => p.upstreamPerChat[k])])) as Phase['upstreamPerChat'],
    loadavg1: [phases[0]!.loadavg1[0], phases.at(-1)!.loadavg1[1]],
  };
}

/** 300 non-streamed chat completions of 20 tokens through Portkey, one at a time after 50 unmeasured: its whole process's CPU per request. */
async function throughPortkey(portkey: Portkey) {
  // As the gateway's: WARMUP unmeasured requests from a client of their own, 1.5 s, then the measured ones.
  const common = { graphqlUrl: '', key: '', upstreamUrl: portkey.url, headers: portkey.headers, via: 'direct', tokens: TOKENS };
  await client('chat', { ...common, count: WARMUP, warmup: 0 });
  await sleep(SETTLE_MS);
  const r = await client('chat', { ...common, count: SEQUENTIAL, warmup: 0, cpuPid: portkey.child.pid, settleMs: SETTLE_MS });
  return { errors: r.errors as number, p50: r.p50 as number, p99: r.p99 as number, cpuMsPerRequest: r.cpuMsPerCall as number, mainThreadCpuMsPerRequest: r.mainThreadCpuMsPerCall as number };
}

/**
 * BENCH_ROUNDS rounds on `kind`, each: the SDK direct (the floor), Portkey, a fresh gateway. Portkey's
 * and the gateway's added p50 are over the same round's direct p50; ratios are taken within a round.
 */
export async function measureChatWhole(databases: BenchDatabases, kind: ChatWholeKind, upstreamUrl: string, portkey: Portkey | undefined) {
  type Round = { directP50: number; directP99: number; portkey?: Awaited<ReturnType<typeof throughPortkey>> } & Awaited<ReturnType<typeof run>>;
  const rounds: Round[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // The SDK calling the upstream directly, one at a time: the chat's floor on this machine.
    const direct = await client('chat', { graphqlUrl: '', key: '', upstreamUrl, via: 'direct', tokens: TOKENS, count: SEQUENTIAL, warmup: 30 });
    const viaPortkey = portkey && (await throughPortkey(portkey));
    const measured = await run(databases, kind, upstreamUrl);
    rounds.push({ directP50: direct.p50 as number, directP99: direct.p99 as number, portkey: viaPortkey, ...measured });
    console.log(JSON.stringify({ kind, round, directP50: direct.p50, portkey: viaPortkey, cpuMsPerChat: measured.sequential.cpuMsPerChat, p50: measured.sequential.p50 }));
  }
  const of = (pick: (r: Round) => number) => median(rounds.map(pick));
  const result: Record<string, unknown> = {
    rate: RATE,
    seconds: SECONDS,
    tokens: TOKENS,
    settleMs: SETTLE_MS,
    runs: ROUNDS,
    env: CONFIGURATIONS[kind].env,
    directP50: of((r) => r.directP50),
    sequential: medianPhase(rounds.map((r) => r.sequential)),
    sustained: medianPhase(rounds.map((r) => r.sustained)),
    // The chats one at a time against Portkey's requests one at a time, each round's own.
    addedP50: of((r) => r.sequential.p50 - r.directP50),
    addedP50Range: range(rounds.map((r) => r.sequential.p50 - r.directP50)),
    // Without Portkey (it could not be installed or started) the gateway's figures stand alone.
    ...(portkey && {
      portkey: {
        version: portkey.version,
        p50: of((r) => r.portkey!.p50),
        p99: of((r) => r.portkey!.p99),
        errors: rounds.reduce((n, r) => n + r.portkey!.errors, 0),
        addedP50: of((r) => r.portkey!.p50 - r.directP50),
        addedP50Range: range(rounds.map((r) => r.portkey!.p50 - r.directP50)),
        cpuMsPerRequest: of((r) => r.portkey!.cpuMsPerRequest),
        cpuMsPerRequestRange: range(rounds.map((r) => r.portkey!.cpuMsPerRequest)),
        mainThreadCpuMsPerRequest: of((r) => r.portkey!.mainThreadCpuMsPerRequest),
      },
      cpuOverPortkey: of((r) => r.sequential.cpuMsPerChat / r.portkey!.cpuMsPerRequest),
      cpuOverPortkeyRange: range(rounds.map((r) => r.sequential.cpuMsPerChat / r.portkey!.cpuMsPerRequest)),
    }),
    each: rounds.map(({ sequential, sustained, ...rest }) => ({ ...rest, sequential: { ...sequential, windowUs: undefined }, sustained: { ...sustained, windowUs: undefined } })),
  };
  const profileRoot = process.env.BENCH_CHAT_PROFILE;
  if (profileRoot) {
    const dir = join(profileRoot, kind);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const profiled = await run(databases, kind, upstreamUrl, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
    const threads = readdirSync(dir).filter((name) => name.endsWith('.cpuprofile')).length;
    const summaries = Object.fromEntries(
      (['sequential', 'sustained'] as const).map((name) => [name, summariseProfiles(dir, profiled[name].windowUs)]),
    );
    for (const name of ['sequential', 'sustained'] as const) {
      console.log(`-- ${kind}, ${name} (profiled run: ${profiled[name].chats} chats, ${profiled[name].cpuMsPerChat.toFixed(2)} ms CPU per chat under the profiler, ${threads} profiles)`);
      for (const summary of summaries[name]!) console.log([...markdown(summary, profiled[name].chats), ''].join('\n'));
    }
    result.profiled = { dir, threads, ...profiled, summaries };
  }
  return result;
}
