// A quick loop for memory per live stream (issue 20), faster than `BENCH_ONLY=stream-cost`: the upstream,
// a fresh compiled gateway, then N streams × 1 token/s; RSS and (after a full GC) heap mid-answers, less
// before, per stream. BENCH_MEMORY_SNAPSHOT=<dir> also writes heap snapshots before and mid (SIGUSR1);
// compare them with bench/heap-diff.ts. Needs `npm run build && npm run bench:build` first.
// Run: BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test node --import tsx bench/stream-memory.ts [n] [tokens]
import { readdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { BenchDatabases } from './databases.js';
import { cpuMs, memoryMB } from './proc.js';
import { ADMIN_KEY, client, graphql, memoryAfterGc, sleep, startGateway, startTsx, stop, stopAll, USER_KEY } from './processes.js';
import { now } from './stats.js';

const n = Number(process.argv[2]) || 1000;
const tokens = Number(process.argv[3]) || 10;
const snapshotDir = process.env.BENCH_MEMORY_SNAPSHOT;
const databases = new BenchDatabases();
const upstream = await startTsx(['bench/upstream.ts']);
const upstreamUrl = JSON.parse(upstream.match[1]!).url as string;
try {
  const database = await databases.fresh(databases.postgresUrl ? 'postgres' : 'pglite');
  const flags = snapshotDir ? ['--heapsnapshot-signal=SIGUSR1', `--diagnostic-dir=${snapshotDir}`] : [];
  const gateway = await startGateway(database, upstreamUrl, {}, flags);
  const pid = gateway.child.pid!;
  await graphql(gateway.graphqlUrl, ADMIN_KEY, 'mutation { createAgent(input: { id: "bench" }) { id } }');
  await client('streams-paced', { via: 'gateway', graphqlUrl: gateway.graphqlUrl, upstreamUrl, key: USER_KEY, n: 4, tokens: 20, rate: 0, barrierMs: 0 });
  await sleep(2000);
  const snapshot = async (name: string) => {
    if (!snapshotDir) return;
    const count = readdirSync(snapshotDir).length;
    gateway.child.kill('SIGUSR1');
    while (readdirSync(snapshotDir).length === count) await sleep(200);
    await sleep(3000); // the file appears before it is complete
    console.error(`snapshot ${name} written`);
  };
  const probe = async () => {
    const rss = memoryMB(pid, 'VmRSS');
    const usage = await memoryAfterGc(gateway.child);
    return { rss, gcRss: usage.rss / 1e6, heap: usage.heapUsed / 1e6, heapTotal: usage.heapTotal / 1e6, external: usage.external / 1e6, arrayBuffers: usage.arrayBuffers / 1e6 };
  };
  const before = await probe();
  await snapshot('before');
  const cpuBefore = cpuMs(pid);
  const spreadMs = 1000;
  const startAt = now() + 2500 + n * 12;
  const streams = client('streams-paced', { via: 'gateway', graphqlUrl: gateway.graphqlUrl, upstreamUrl, key: USER_KEY, n, tokens, rate: 1, startAt, spreadMs, total: n });
  await sleep(startAt - now() + spreadMs + (tokens / 2) * 1000);
  const mid = await probe();
  await snapshot('mid');
  const result = await streams;
  const per = (field: keyof typeof before) => Math.round(((mid[field] - before[field]) * 1e6) / n / 100) / 10;
  console.log(
    JSON.stringify({
      n,
      tokens,
      received: result.received,
      expected: result.expected,
      incomplete: result.incomplete,
      before,
      mid,
      perStreamKB: { rss: per('rss'), gcRss: per('gcRss'), heap: per('heap'), heapTotal: per('heapTotal'), external: per('external'), arrayBuffers: per('arrayBuffers') },
      gatewayCpuMs: cpuMs(pid) - cpuBefore,
      loadavg: loadavg(),
    }),
  );
  await stop(gateway.child);
} finally {
  await stop(upstream.child);
  stopAll();
  await databases.removeAll();
}
