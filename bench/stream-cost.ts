// The `stream-cost` part (issue 20: per-token CPU, latency under load, memory per live stream, the
// process levers). On PostgreSQL with BENCH_DATABASE_URL, else PGlite; Redis a redis-server of its own.
// 1. Cost: 200 streams × 50 tokens/s × 100 tokens through each target — the bare pass-through
//    (bench/pass-through.ts; its upstream read by the openai SDK, and by node:http), the gateway
//    in-process, the gateway with REDIS_URL, and the levers asked for — after the SDK reading the
//    upstream directly, in rounds. Each target's CPU (utime + stime of its whole process, /proc) over its
//    streams, per token its clients received; the gateway's ratio to the pass-through's in the same round.
// 2. Latency: the in-process gateway at 400 streams × 50 tokens/s and 1,000 streams × 1 token/s, added
//    per-token p99 against the SDK direct; clients split over processes (their CPU reported).
// 3. Memory: a fresh in-process gateway's RSS with 1,000 streams open mid-answer, less its RSS before (after one answer), per stream.
// Levers: BENCH_STREAM_SEMI_SPACE=16,32,64 adds the in-process gateway with --max-semi-space-size=<MB>;
// with Node ≥ 22.12 and PostgreSQL, two gateways with REDIS_URL share one port (REUSE_PORT=true).
import { loadavg } from 'node:os';
import type { BenchDatabases } from './databases.js';
import { cpuMs, memoryMB } from './proc.js';
import { ADMIN_KEY, client, graphql, memoryAfterGc, type Server, sleep, startGateway, startPassThrough, stop, USER_KEY } from './processes.js';
import { freePort, startRedis } from './replicas.js';
import { median, now, percentile, range } from './stats.js';

const ROUNDS = Number(process.env.BENCH_STREAM_ROUNDS) || 3;
const STREAMS = 200;
const TOKENS = 100;
const RATE = 50;
const SEMI_SPACES = (process.env.BENCH_STREAM_SEMI_SPACE ?? '').split(',').filter(Boolean).map(Number);
// Streams left open tick at any moment: the idle ones' starts are spread over one token's interval.
// The busy ones start together, as `paced` and `replicas` do: every stream's token due in the same instant, the worst case.
const IDLE = { n: Number(process.env.BENCH_STREAM_IDLE) || 1000, rate: 1, tokens: 10, spreadMs: 1000 };
const LOADED = { n: 400, rate: RATE, tokens: TOKENS };
/** Node's server.listen({ reusePort }) is there from 22.12 (and 23.1). */
const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
const HAS_REUSE_PORT = major > 22 || (major === 22 && minor >= 12);

interface Target {
  name: string;
  servers: Server[];
  kind: 'pass-through' | 'gateway';
}

/** One paced workload, its streams split over client processes sharing one start; the latencies merged. */
async function paced(via: 'direct' | 'gateway', graphqlUrl: string, upstreamUrl: string, load: { n: number; rate: number; tokens: number; spreadMs?: number }) {
  const processes = Number(process.env.BENCH_STREAM_CLIENT_PROCESSES) || (load.n >= 400 ? 2 : 1);
  // Client processes take about a second to start, then connect their sockets; the upstream starts at startAt.
  const startAt = now() + 2500 + load.n * 12;
  const shares = Array.from({ length: processes }, (_, p) => Math.floor(load.n / processes) + (p < load.n % processes ? 1 : 0));
  const parts = await Promise.all(
    shares.map((n, p) =>
      client('streams-paced', { via, graphqlUrl, upstreamUrl, key: USER_KEY, n, offset: shares.slice(0, p).reduce((a, b) => a + b, 0), tokens: load.tokens, rate: load.rate, startAt, spreadMs: load.spreadMs, total: load.n, keepLatencies: true }),
    ),
  );
  const latencies = parts.flatMap((part) => part.latencies as number[]);
  return {
    expected: parts.reduce((sum, part) => sum + part.expected, 0),
    received: latencies.length,
    incomplete: parts.reduce((sum, part) => sum + part.incomplete, 0),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    clientProcesses: processes,
    // The busiest client process's CPU share over the streaming: near 1, the load generator would be the bottleneck.
    clientBusy: Math.max(...parts.map((part) => part.clientBusy)),
  };
}

/** `via` through `target`, its processes' CPU over it. */
async function measured(target: Target, upstreamUrl: string, load: { n: number; rate: number; tokens: number; spreadMs?: number }) {
  const pids = target.servers.map((server) => server.child.pid!);
  const before = pids.map(cpuMs);
  const result = await paced('gateway', target.servers[0]!.graphqlUrl, upstreamUrl, load);
  // Each process's share too: with two on one port, whether the kernel gave both of them work.
  const each = pids.map((pid, i) => cpuMs(pid) - before[i]!);
  return { ...result, cpuUsPerToken: (each.reduce((a, b) => a + b, 0) * 1000) / Math.max(1, result.received), processCpuMs: each };
}

type Round = { direct: Awaited<ReturnType<typeof paced>>; through: Awaited<ReturnType<typeof measured>> };

function summary(rounds: Round[]) {
  const added = (field: 'p50' | 'p99') => rounds.map((r) => r.through[field] - r.direct[field]);
  const cpu = rounds.map((r) => r.through.cpuUsPerToken);
  return {
    rounds: rounds.length,
    expected: rounds.reduce((sum, r) => sum + r.through.expected, 0),
    received: rounds.reduce((sum, r) => sum + r.through.received, 0),
    incomplete: rounds.reduce((sum, r) => sum + r.through.incomplete, 0),
    addedP50: median(added('p50')),
    addedP99: median(added('p99')),
    addedP99Range: range(added('p99')),
    directP99: median(rounds.map((r) => r.direct.p99)),
    cpuUsPerToken: median(cpu),
    cpuUsPerTokenRange: range(cpu),
    clientProcesses: rounds[0]!.through.clientProcesses,
    clientBusy: Math.max(...rounds.map((r) => r.through.clientBusy)),
    directClientBusy: Math.max(...rounds.map((r) => r.direct.clientBusy)),
  };
}

export async function measureStreamCost(databases: BenchDatabases, upstreamUrl: string) {
  const kind = databases.postgresUrl ? 'postgres' : 'pglite';
  const redis = await startRedis();
  const targets: Target[] = [];
  const load1 = [loadavg()[0]!];
  try {
    const gateway = async (name: string, env: Record<string, string> = {}, flags: string[] = [], count = 1) => {
      const database = await databases.fresh(kind);
      const servers: Server[] = [];
      // One after the other: the second finds the schema migrated.
      for (let i = 0; i < count; i++) servers.push(await startGateway(database, upstreamUrl, env, flags));
      await graphql(servers[0]!.graphqlUrl, ADMIN_KEY, 'mutation { createAgent(input: { id: "bench" }) { id } }');
      targets.push({ name, servers, kind: 'gateway' });
    };
    targets.push({ name: 'pass-through (openai SDK)', servers: [await startPassThrough('sdk', upstreamUrl)], kind: 'pass-through' });
    targets.push({ name: 'pass-through (node:http)', servers: [await startPassThrough('http', upstreamUrl)], kind: 'pass-through' });
    await gateway('gateway in-process');
    await gateway('gateway, REDIS_URL', { REDIS_URL: redis.url });
    for (const mb of SEMI_SPACES) await gateway(`gateway in-process, --max-semi-space-size=${mb}`, {}, [`--max-semi-space-size=${mb}`]);
    if (HAS_REUSE_PORT && kind === 'postgres') {
      const port = String(await freePort());
      await gateway('two gateways, one port (REUSE_PORT), REDIS_URL', { REDIS_URL: redis.url, PORT: port, REUSE_PORT: 'true' }, [], 2);
    }
    // One short answer through each first: the first chat's lazy imports are start-up, not what is measured.
    for (const target of targets) await client('streams-paced', { via: 'gateway', graphqlUrl: target.servers[0]!.graphqlUrl, upstreamUrl, key: USER_KEY, n: 4, tokens: 20, rate: 0, barrierMs: 0 });

    const load = { n: STREAMS, rate: RATE, tokens: TOKENS };
    const rounds = new Map<string, Round[]>(targets.map((t) => [t.name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      const direct = await paced('direct', '', upstreamUrl, load);
      for (const target of targets) {
        rounds.get(target.name)!.push({ direct, through: await measured(target, upstreamUrl, load) });
        console.log(JSON.stringify({ round, target: target.name, ...rounds.get(target.name)!.at(-1)!.through }));
      }
    }
    const floor = rounds.get('pass-through (openai SDK)')!;
    const floorHttp = rounds.get('pass-through (node:http)')!;
    const cost = targets.map((target) => {
      const each = rounds.get(target.name)!;
      // Each round's ratio compares neighbours in time.
      const ratios = each.map((r, i) => r.through.cpuUsPerToken / floor[i]!.through.cpuUsPerToken);
      const ratiosHttp = each.map((r, i) => r.through.cpuUsPerToken / floorHttp[i]!.through.cpuUsPerToken);
      return { target: target.name, kind: target.kind, processes: target.servers.length, ...summary(each), ratio: median(ratios), ratioRange: range(ratios), ratioToHttp: median(ratiosHttp) };
    });
    console.log(JSON.stringify(cost));

    // Latency under more load, on the in-process gateway.
    const inProcess = targets.find((t) => t.name === 'gateway in-process')!;
    const latency = [{ n: STREAMS, rate: RATE, tokens: TOKENS, ...cost.find((c) => c.target === inProcess.name)! }];
    // At 400 streams one process would need about two cores: there a second process on the same port might pay.
    const twoOnOnePort = targets.find((t) => t.servers.length === 2);
    for (const [more, through] of [[LOADED, [inProcess, ...(twoOnOnePort ? [twoOnOnePort] : [])]], [IDLE, [inProcess]]] as const) {
      const each = new Map<Target, Round[]>(through.map((target) => [target, []]));
      for (let round = 0; round < ROUNDS; round++) {
        const direct = await paced('direct', '', upstreamUrl, more);
        for (const target of through) each.get(target)!.push({ direct, through: await measured(target, upstreamUrl, more) });
      }
      for (const target of through) {
        latency.push({ ...more, target: target.name, kind: 'gateway', processes: target.servers.length, ...summary(each.get(target)!), ratio: NaN, ratioRange: [NaN, NaN], ratioToHttp: NaN });
        console.log(JSON.stringify(latency.at(-1)));
      }
    }

    // On a fresh gateway: one that has carried 1,000 streams already keeps the heap they grew, and RSS would not move.
    const fresh = await startGateway(await databases.fresh(kind), upstreamUrl);
    targets.push({ name: 'fresh, for memory', servers: [fresh], kind: 'gateway' });
    await graphql(fresh.graphqlUrl, ADMIN_KEY, 'mutation { createAgent(input: { id: "bench" }) { id } }');
    await client('streams-paced', { via: 'gateway', graphqlUrl: fresh.graphqlUrl, upstreamUrl, key: USER_KEY, n: 4, tokens: 20, rate: 0, barrierMs: 0 });
    const memory = await rssPerStream(fresh, upstreamUrl);
    console.log(JSON.stringify(memory));
    // The floor for the same streams: a fresh bare pass-through (node:http reader) holds its sockets and little else.
    const bare = await startPassThrough('http', upstreamUrl);
    targets.push({ name: 'fresh pass-through, for memory', servers: [bare], kind: 'pass-through' });
    await client('streams-paced', { via: 'gateway', graphqlUrl: bare.graphqlUrl, upstreamUrl, key: USER_KEY, n: 4, tokens: 20, rate: 0, barrierMs: 0 });
    const passThroughMemory = await rssPerStream(bare, upstreamUrl);
    console.log(JSON.stringify({ passThroughMemory }));
    load1.push(loadavg()[0]!);
    return { database: kind, streams: STREAMS, tokens: TOKENS, rate: RATE, rounds: ROUNDS, reusePort: HAS_REUSE_PORT, cost, latency, memory, passThroughMemory, loadavg1: load1 };
  } finally {
    for (const target of targets) for (const server of target.servers) await stop(server.child);
    redis.child.kill('SIGTERM');
  }
}

/** A server's RSS with IDLE.n streams open mid-answer, less its RSS before them (both after a full collection), per stream. */
async function rssPerStream(gateway: Server, upstreamUrl: string) {
  const pid = gateway.child.pid!;
  await sleep(2000);
  const gc = async () => {
    const usage = await memoryAfterGc(gateway.child);
    return { gc: usage.rss / 1e6, heap: usage.heapUsed / 1e6, external: (usage.external + usage.arrayBuffers) / 1e6 };
  };
  const before = { rss: memoryMB(pid, 'VmRSS'), ...(await gc()) };
  const streams = paced('gateway', gateway.graphqlUrl, upstreamUrl, IDLE);
  // paced() starts the upstream 2.5 s + 12 ms a stream from now; halfway through the answers from there.
  await sleep(2500 + IDLE.n * 12 + IDLE.spreadMs + (IDLE.tokens / IDLE.rate / 2) * 1000);
  const mid = { rss: memoryMB(pid, 'VmRSS'), ...(await gc()) };
  const result = await streams;
  return {
    streams: IDLE.n,
    received: result.received,
    expected: result.expected,
    rssBeforeMB: before.rss,
    rssMidMB: mid.rss,
    perStreamKB: ((mid.rss - before.rss) * 1000) / IDLE.n,
    rssAfterGcBeforeMB: before.gc,
    rssAfterGcMidMB: mid.gc,
    perStreamAfterGcKB: ((mid.gc - before.gc) * 1000) / IDLE.n,
    // What of it is live JavaScript objects, and buffers outside the heap, after the collection.
    heapPerStreamKB: ((mid.heap - before.heap) * 1000) / IDLE.n,
    externalPerStreamKB: ((mid.external - before.external) * 1000) / IDLE.n,
  };
}
