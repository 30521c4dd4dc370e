// The `protocols` part (issue 22): what each protocol adds to the same chat. A fresh gateway on the
// database (PGlite; the PostgreSQL server too with BENCH_DATABASE_URL), the bare pass-through (bench/
// pass-through.ts, node:http reader) beside it, and bench/protocols-client.ts in a process of its own:
// BENCH_PROTOCOL_REQUESTS (300) requests per protocol after 30 of each unmeasured, alternated round-robin,
// then CPU per request over BENCH_PROTOCOL_CPU_ROUNDS (3) rounds of one 100-request block per protocol.
// Added latency = a protocol's percentile less the same percentile of the upstream read directly (`direct`).
// BENCH_PROTOCOLS_PROFILE=<dir> then runs the CPU blocks alone (one round of 300) on a gateway started
// with `--cpu-prof` and summarises each protocol's block per thread (bench/profile-summary.ts).
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { BenchDatabases, DatabaseKind } from './databases.js';
import { markdown, summariseProfiles } from './profile-summary.js';
import type { Protocol } from './protocols-client.js';
import { ADMIN_KEY, graphql, startGateway, startPassThrough, startTsx, stop, USER_KEY } from './processes.js';
import { median, range } from './stats.js';

const REQUESTS = Number(process.env.BENCH_PROTOCOL_REQUESTS) || 300;
const CPU_ROUNDS = Number(process.env.BENCH_PROTOCOL_CPU_ROUNDS) || 3;
const TOKENS = 50;

type Figures = { count: number; firstP50: number; firstP99: number; endP50: number; endP99: number; cpuMsPerRequest?: number[]; windowUs?: [number, number] };

/** A fresh gateway (with `nodeFlags`) and pass-through on `kind`, and the client's run against them. */
async function run(databases: BenchDatabases, kind: DatabaseKind, upstreamUrl: string, load: { count: number; cpuRounds: number; cpuBlock: number }, nodeFlags: string[] = []) {
  const gateway = await startGateway(await databases.fresh(kind), upstreamUrl, {}, nodeFlags);
  const passThrough = await startPassThrough('http', upstreamUrl);
  try {
    await graphql(gateway.graphqlUrl, ADMIN_KEY, 'mutation { createAgent(input: { id: "bench" }) { id } }');
    const options = {
      gatewayUrl: gateway.graphqlUrl.replace(/\/graphql$/, ''),
      passThroughUrl: passThrough.graphqlUrl,
      upstreamUrl,
      key: USER_KEY,
      gatewayPid: gateway.child.pid,
      passThroughPid: passThrough.child.pid,
      tokens: TOKENS,
      warmup: 30,
      settleMs: 1500,
      ...load,
    };
    const loadBefore = loadavg();
    const { match } = await startTsx(['bench/protocols-client.ts', JSON.stringify(options)]);
    const round2 = (values: number[]) => values.map((value) => Math.round(value * 100) / 100);
    return { raw: JSON.parse(match[1]!) as Record<Protocol, Figures>, loadavg: { before: round2(loadBefore), after: round2(loadavg()) } };
  } finally {
    await stop(gateway.child);
    await stop(passThrough.child);
  }
}

export async function measureProtocols(databases: BenchDatabases, kind: DatabaseKind, upstreamUrl: string) {
  const load = { count: REQUESTS, cpuRounds: CPU_ROUNDS, cpuBlock: 100 };
  const { raw, loadavg } = await run(databases, kind, upstreamUrl, load);
  const direct = raw.direct;
  const protocols = Object.fromEntries(
    Object.entries(raw).map(([name, { windowUs: _window, ...f }]) => [
      name,
      {
        ...f,
        addedFirstP50: f.firstP50 - direct.firstP50,
        addedFirstP99: f.firstP99 - direct.firstP99,
        addedEndP50: f.endP50 - direct.endP50,
        addedEndP99: f.endP99 - direct.endP99,
        ...(f.cpuMsPerRequest ? { cpuMsPerRequest: median(f.cpuMsPerRequest), cpuMsPerRequestRange: range(f.cpuMsPerRequest) } : {}),
      },
    ]),
  );
  const result: Record<string, unknown> = { tokens: TOKENS, requests: REQUESTS, cpuRounds: CPU_ROUNDS, cpuBlock: load.cpuBlock, loadavg, protocols };
  console.log(JSON.stringify(result));
  const profileRoot = process.env.BENCH_PROTOCOLS_PROFILE;
  if (profileRoot) result.profiled = await profile(databases, kind, upstreamUrl, join(profileRoot, kind));
  return result;
}

/** The CPU blocks alone on a profiled gateway: each protocol's block of 300, summarised per thread (printed, and kept in the results). */
async function profile(databases: BenchDatabases, kind: DatabaseKind, upstreamUrl: string, dir: string) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const requests = 300;
  const { raw } = await run(databases, kind, upstreamUrl, { count: 0, cpuRounds: 1, cpuBlock: requests }, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
  const threads = readdirSync(dir).filter((name) => name.endsWith('.cpuprofile')).length;
  const summaries: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(raw)) {
    if (!f.windowUs || name === 'pass-through') continue;
    const summary = summariseProfiles(dir, f.windowUs);
    summaries[name] = { cpuMsPerRequest: f.cpuMsPerRequest?.[0], summary };
    console.log(`-- ${kind}, ${name}: ${requests} requests, ${f.cpuMsPerRequest?.[0]?.toFixed(2)} ms CPU per request under the profiler, ${threads} profiles`);
    for (const thread of summary) console.log([...markdown(thread, requests), ''].join('\n'));
  }
  return { dir, threads, requests, summaries };
}
