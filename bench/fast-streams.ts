// The `fast-streams` part (issue 19, item 9): with REDIS_URL, N answers streamed at once at R tokens/s
// each (50 × 1,000/s by default), T tokens each (2,000). Measures the gateway's peak RSS over the
// streams (VmHWM; and its RSS before them), /health's latency polled one after another all along, and
// what a finished run keeps in Redis (MEMORY USAGE of its keys, per run, against its text).
// PostgreSQL with BENCH_DATABASE_URL, else PGlite. Redis is a redis-server of the bench's own.
import { loadavg } from 'node:os';
import { Redis } from 'ioredis';
import type { BenchDatabases } from './databases.js';
import { memoryMB } from './proc.js';
import { ADMIN_KEY, client, graphql, sleep, startGateway, stop, USER_KEY } from './processes.js';
import { startRedis } from './replicas.js';
import { median, percentile } from './stats.js';

const STREAMS = Number(process.env.BENCH_FAST_STREAMS) || 50;
const TOKENS = Number(process.env.BENCH_FAST_TOKENS) || 2_000;
const RATE = Number(process.env.BENCH_FAST_RATE) || 1_000;

/** GET /health one after another until stopped: each one's latency. */
function pollHealth(baseUrl: string, path = '/health') {
  const latencies: number[] = [];
  let stopped = false;
  const done = (async () => {
    while (!stopped) {
      const started = performance.now();
      const response = await fetch(`${baseUrl}${path}`);
      await response.arrayBuffer();
      latencies.push(performance.now() - started);
      if (process.env.BENCH_FAST_TRACE) console.log(`${path} ${Math.round(started)} ${Math.round(performance.now() - started)} ms ${response.status}`);
      await sleep(50);
    }
  })();
  return {
    async stop() {
      stopped = true;
      await done;
      return latencies;
    },
  };
}

/** Every muxgate:run:* key's MEMORY USAGE summed per run; the median run (the warm-up answer is one of them). */
async function redisBytesPerRun(url: string) {
  const redis = new Redis(url);
  try {
    const keys: string[] = [];
    for (let cursor = '0'; ; ) {
      const [next, batch] = await redis.scan(cursor, 'MATCH', 'muxgate:run:*', 'COUNT', 1000);
      keys.push(...batch);
      if ((cursor = next) === '0') break;
    }
    const perRun = new Map<string, { bytes: number; entries: number }>();
    for (const key of keys) {
      const runId = key.split(':')[2]!;
      const run = perRun.get(runId) ?? { bytes: 0, entries: 0 };
      run.bytes += Number(await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
      if (key.endsWith(':events')) run.entries += await redis.xlen(key);
      perRun.set(runId, run);
    }
    const runs = [...perRun.values()];
    return { runs: runs.length, bytesPerRun: median(runs.map((r) => r.bytes)), streamEntriesPerRun: median(runs.map((r) => r.entries)) };
  } finally {
    redis.disconnect();
  }
}

export async function measureFastStreams(databases: BenchDatabases, upstreamUrl: string) {
  const kind = databases.postgresUrl ? 'postgres' : 'pglite';
  const redis = await startRedis();
  const database = await databases.fresh(kind);
  const gateway = await startGateway(database, upstreamUrl, { REDIS_URL: redis.url });
  const pid = gateway.child.pid!;
  try {
    await graphql(gateway.graphqlUrl, ADMIN_KEY, 'mutation { createAgent(input: { id: "bench" }) { id } }');
    // One short answer first: the first chat's lazy imports are start-up, not what is measured here.
    await client('streams-paced', { graphqlUrl: gateway.graphqlUrl, key: USER_KEY, upstreamUrl, n: 1, tokens: 20, rate: 0, barrierMs: 0, via: 'gateway' });
    const load = [loadavg()[0]!];
    const rssBeforeMB = memoryMB(pid, 'VmRSS');
    const health = pollHealth(gateway.graphqlUrl.replace(/\/graphql$/, ''));
    const options = { graphqlUrl: gateway.graphqlUrl, key: USER_KEY, upstreamUrl, n: STREAMS, tokens: TOKENS, rate: RATE, barrierMs: 2000, via: 'gateway' };
    // BENCH_FAST_TRACE also polls a route that touches no database, to tell waiting on it from a busy process.
    const typename = process.env.BENCH_FAST_TRACE ? pollHealth(gateway.graphqlUrl.replace(/\/graphql$/, ''), '/graphql?query=%7B__typename%7D') : undefined;
    const streams = await client('streams-paced', options);
    await typename?.stop();
    const healthMs = await health.stop();
    const peakRssMB = memoryMB(pid, 'VmHWM');
    load.push(loadavg()[0]!);
    // Each run's log is compacted just after its end: give the last ones a moment.
    await sleep(1000);
    const stored = await redisBytesPerRun(redis.url);
    // Each token's text is its write time and a space: "1765062000123.456 " (18 bytes).
    const textBytesPerRun = TOKENS * 18;
    const result = {
      database: kind,
      streams: STREAMS,
      tokens: TOKENS,
      rate: RATE,
      received: streams.received,
      expected: streams.expected,
      incomplete: streams.incomplete,
      tokenP99Ms: streams.p99,
      rssBeforeMB,
      peakRssMB,
      healthMaxMs: Math.max(...healthMs),
      healthP99Ms: percentile(healthMs, 99),
      healthChecks: healthMs.length,
      redisBytesPerRun: stored.bytesPerRun,
      redisTimesText: stored.bytesPerRun / textBytesPerRun,
      streamEntriesPerRun: stored.streamEntriesPerRun,
      runsInRedis: stored.runs,
      loadavg1: load,
    };
    console.log(JSON.stringify(result));
    return result;
  } finally {
    await stop(gateway.child);
    redis.child.kill('SIGTERM');
  }
}
