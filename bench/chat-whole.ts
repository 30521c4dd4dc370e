// The `chat-whole` part (issue 20): a chat counted whole. The gateway as `npm start` runs it (memory on,
// embeddings on: the bench's upstream answers /v1/embeddings too), `chat` mutations of 20 tokens, first
// 300 one at a time, then a sustained open-loop rate; the gateway's CPU from /proc for the whole process
// (the PGlite worker thread included) and its main thread alone, read until 1.5 s after the last chat so
// the background work each chat causes (indexing, embeddings) counts; the upstream's requests per chat.
// BENCH_CHAT_PROFILE=<dir> runs it all again on a gateway started with `--cpu-prof` (one profile per
// thread) and summarises each phase's samples per thread (bench/profile-summary.ts).
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { BenchDatabases, DatabaseKind } from './databases.js';
import { ADMIN_KEY, client, graphql, sleep, startGateway, stop, USER_KEY } from './processes.js';
import { markdown, summariseProfiles } from './profile-summary.js';

const SEQUENTIAL = Number(process.env.BENCH_CHAT_SEQUENTIAL) || 300;
const RATE = Number(process.env.BENCH_CHAT_RATE) || 20;
const SECONDS = Number(process.env.BENCH_CHAT_SECONDS) || 20;
const WARMUP = 50;
/** CPU is read this long after the last chat: the background work chats leave behind is theirs. */
const SETTLE_MS = 1500;
const TOKENS = 20;

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
async function run(databases: BenchDatabases, kind: DatabaseKind, upstreamUrl: string, nodeFlags: string[] = []) {
  const gateway = await startGateway(await databases.fresh(kind), upstreamUrl, {}, nodeFlags);
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

export async function measureChatWhole(databases: BenchDatabases, kind: DatabaseKind, upstreamUrl: string) {
  // The SDK calling the upstream directly, one at a time: the chat's floor on this machine.
  const direct = await client('chat', { graphqlUrl: '', key: '', upstreamUrl, via: 'direct', tokens: TOKENS, count: SEQUENTIAL, warmup: 30 });
  const measured = await run(databases, kind, upstreamUrl);
  const result: Record<string, unknown> = { rate: RATE, seconds: SECONDS, tokens: TOKENS, settleMs: SETTLE_MS, directP50: direct.p50, ...measured };
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
