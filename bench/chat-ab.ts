// A chat counted whole (as bench/chat-whole.ts counts it: 300 `chat` mutations one at a time after 50
// unmeasured, the gateway's whole-process CPU from /proc until 1.5 s after the last) on this tree's build
// and on another checkout's (BEFORE_DIR, built: `git worktree add --detach <dir> <commit>`, node_modules
// linked, `npx tsc -p tsconfig.build.json`), gateways started alternately, round after round, each with its own npm start's flags.
//   BEFORE_DIR=/tmp/base BENCH_DATABASE_URL=postgres://… KINDS=postgres,pglite-fulltext ROUNDS=5 npx tsx bench/chat-ab.ts
// PROFILE_DIR=<dir> instead profiles each build (`--cpu-prof`) over the CHATS one at a time, or with
// PROFILE_RATE=<chats/s> over PROFILE_SECONDS of chats at that open-loop rate, and prints
// bench/profile-summary.ts's tables per chat (bench/profile-diff.ts compares two such directories).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { BenchDatabases } from './databases.js';
import { ADMIN_KEY, client, gatewayEnv, graphql, productionCommand, ROOT, sleep, startTsx, stop, USER_KEY } from './processes.js';
import { markdown, summariseProfiles } from './profile-summary.js';
import { median } from './stats.js';

const BEFORE = process.env.BEFORE_DIR;
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const CHATS = Number(process.env.CHATS ?? 300);
const WARMUP = 50;
const SETTLE_MS = 1500;
const TOKENS = 20;
const KINDS = (process.env.KINDS ?? 'postgres').split(',') as Kind[];
const PROFILE_RATE = Number(process.env.PROFILE_RATE) || 0;
const PROFILE_SECONDS = Number(process.env.PROFILE_SECONDS) || 10;
const PROFILE_DIR = process.env.PROFILE_DIR;

type Kind = 'postgres' | 'pglite' | 'pglite-fulltext';
const ENV: Record<Kind, Record<string, string>> = { postgres: {}, pglite: {}, 'pglite-fulltext': { MEMORY_EMBEDDINGS: 'false' } };

/** The build's own `npm start` (its package.json's node flags and script) in `cwd`, with `flags` added. */
function startGateway(cwd: string, env: Record<string, string>, flags: string[]): Promise<{ child: ChildProcess; graphqlUrl: string }> {
  const production = productionCommand(cwd);
  const child = spawn(process.execPath, [...production.nodeFlags, ...flags, production.script], { cwd, env: { ...process.env, ...production.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const match = line.match(/listening on (http:\/\/\S+)/);
      if (match) resolve({ child, graphqlUrl: `${match[1]}/graphql`.replace('localhost', '127.0.0.1') });
    });
    child.once('close', (code) => reject(new Error(`gateway in ${cwd} exited with ${code}`)));
  });
}

const databases = new BenchDatabases();
const upstream = await startTsx(['bench/upstream.ts']);
const upstreamUrl = JSON.parse(upstream.match[1]!).url as string;

async function measure(cwd: string, kind: Kind, flags: string[] = []) {
  const database = await databases.fresh(kind === 'postgres' ? 'postgres' : 'pglite');
  const gateway = await startGateway(cwd, { ...gatewayEnv(database, upstreamUrl), ...ENV[kind] }, flags);
  try {
    await graphql(gateway.graphqlUrl, ADMIN_KEY, 'mutation { createAgent(input: { id: "bench" }) { id } }');
    const common = { graphqlUrl: gateway.graphqlUrl, key: USER_KEY, upstreamUrl, via: 'gateway', tokens: TOKENS, warmup: 0 };
    await client('chat', { ...common, count: WARMUP });
    await sleep(SETTLE_MS);
    const load = loadavg()[0]!;
    const workload = PROFILE_RATE ? { count: PROFILE_RATE * PROFILE_SECONDS, rps: PROFILE_RATE } : { count: CHATS };
    const r = await client('chat', { ...common, ...workload, cpuPid: gateway.child.pid, settleMs: SETTLE_MS });
    return { cpuMsPerChat: r.cpuMsPerCall as number, mainMsPerChat: r.mainThreadCpuMsPerCall as number, p50: r.p50 as number, p99: r.p99 as number, chats: r.count as number, errors: r.errors as number, windowUs: r.windowUs as [number, number], load };
  } finally {
    await stop(gateway.child);
  }
}

// BEFORE_LABEL / AFTER_LABEL name the two builds in the output (and the profiles' directories);
// BUILDS=<label>=<dir>,… measures more builds than one before this tree.
const others = process.env.BUILDS ? process.env.BUILDS.split(',').map((pair) => pair.split('=') as [string, string]) : BEFORE ? [[process.env.BEFORE_LABEL ?? 'before', BEFORE] as [string, string]] : [];
const variants: Array<readonly [string, string]> = [...others, [process.env.AFTER_LABEL ?? 'after', ROOT]];
try {
  if (PROFILE_DIR) {
    for (const kind of KINDS)
      for (const [name, cwd] of variants) {
        const dir = join(PROFILE_DIR, `${kind}-${PROFILE_RATE || 'sequential'}-${name}`);
        rmSync(dir, { recursive: true, force: true });
        mkdirSync(dir, { recursive: true });
        const r = await measure(cwd, kind, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
        writeFileSync(join(dir, 'window.json'), JSON.stringify({ windowUs: r.windowUs, chats: r.chats }));
        const threads = readdirSync(dir).filter((file) => file.endsWith('.cpuprofile')).length;
        console.log(`## ${kind}, ${PROFILE_RATE ? `${PROFILE_RATE} chats/s for ${PROFILE_SECONDS} s` : `${CHATS} chats one at a time`}, ${name} (${cwd}): ${r.chats} chats, ${r.errors} errors, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, ${r.cpuMsPerChat.toFixed(2)} ms CPU per chat under the profiler (main ${r.mainMsPerChat.toFixed(2)}), load ${r.load.toFixed(2)}, ${threads} profiles\n`);
        for (const summary of summariseProfiles(dir, r.windowUs, 25)) console.log([...markdown(summary, r.chats), ''].join('\n'));
      }
  } else {
    const results: Record<string, Array<Awaited<ReturnType<typeof measure>>>> = {};
    for (let round = 0; round < ROUNDS; round++)
      for (const kind of KINDS)
        for (const [name, cwd] of round % 2 ? [...variants].reverse() : variants) {
          const r = await measure(cwd, kind);
          (results[`${kind} ${name}`] ??= []).push(r);
          console.log(JSON.stringify({ round, kind, variant: name, cpuMsPerChat: +r.cpuMsPerChat.toFixed(3), mainMsPerChat: +r.mainMsPerChat.toFixed(3), p50: +r.p50.toFixed(2), load: r.load }));
        }
    for (const [name, rounds] of Object.entries(results)) {
      const cpu = rounds.map((r) => r.cpuMsPerChat);
      console.log(
        `${name}: CPU per chat median ${median(cpu).toFixed(2)} ms (${cpu.map((c) => c.toFixed(2)).join(', ')}), main thread ${median(rounds.map((r) => r.mainMsPerChat)).toFixed(2)} ms, ` +
          `p50 ${median(rounds.map((r) => r.p50)).toFixed(2)} ms, load ${Math.min(...rounds.map((r) => r.load)).toFixed(2)}–${Math.max(...rounds.map((r) => r.load)).toFixed(2)}`,
      );
    }
  }
} finally {
  await stop(upstream.child);
  await databases.removeAll();
}
