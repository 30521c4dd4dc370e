// The `replicas` part (issue 12, "Measure"): the `paced` workload (N streams × 50 tokens/s, added
// latency per token against the SDK reading the upstream directly, tokens lost) on PostgreSQL, through
// - one replica in-process (REDIS_URL unset),
// - one replica with REDIS_URL (the cost of Redis per token: added p99, and the gateway's CPU per token),
// - two replicas with REDIS_URL on one schema, the clients alternating between them (the bench's own round-robin).
// Redis is a redis-server of the bench's own, on a free port, nothing saved.
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import type { BenchDatabases } from './databases.js';
import { cpuMs } from './proc.js';
import { ADMIN_KEY, client, graphql, type Server, startGateway, stop, USER_KEY } from './processes.js';
import { median, pacedSummary, range } from './stats.js';

const ROUNDS = Number(process.env.BENCH_REPLICAS_ROUNDS) || 3;
const COUNTS = (process.env.BENCH_REPLICAS_STREAMS ?? '200,400').split(',').map(Number);
const TOKENS = 100;
const RATE = 50;


export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startRedis(): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (/Ready to accept connections/.test(line)) resolve();
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code} before it was ready`)));
  });
  return { child, url: `redis://127.0.0.1:${port}` };
}

/** n paced streams, direct and through `gateways` (round-robin), alternating for ROUNDS rounds; the gateways' CPU over their rounds. */
async function row(gateways: Server[], upstreamUrl: string, n: number) {
  const options = { graphqlUrl: gateways[0]!.graphqlUrl, graphqlUrls: gateways.map((g) => g.graphqlUrl), key: USER_KEY, upstreamUrl, n, tokens: TOKENS, rate: RATE, barrierMs: 1500 + n * 10 };
  const pids = gateways.map((g) => g.child.pid!);
  const cpu = () => pids.reduce((total, pid) => total + cpuMs(pid), 0);
  const rounds: Array<{ direct: any; gateway: any; cpuMs: number }> = [];
  const load = [loadavg()[0]!];
  for (let round = 0; round < ROUNDS; round++) {
    const direct = await client('streams-paced', { ...options, via: 'direct' });
    const before = cpu();
    const gateway = await client('streams-paced', { ...options, via: 'gateway' });
    rounds.push({ direct, gateway, cpuMs: cpu() - before });
  }
  load.push(loadavg()[0]!);
  const cpuUsPerToken = rounds.map((r) => (r.cpuMs * 1000) / r.gateway.received);
  return {
    n,
    replicas: gateways.length,
    rounds: ROUNDS,
    ...pacedSummary(rounds),
    directP99: median(rounds.map((r) => r.direct.p99)),
    // All of the gateway processes' CPU while their round ran (connections, runs, tokens), per token received.
    cpuUsPerToken: median(cpuUsPerToken),
    cpuUsPerTokenRange: range(cpuUsPerToken),
    loadavg1: load,
    each: rounds,
  };
}

export async function measureReplicas(databases: BenchDatabases, upstreamUrl: string) {
  const redis = await startRedis();
  const steps = [
    { name: 'in-process', replicas: 1, redis: false },
    { name: 'redis', replicas: 1, redis: true },
    { name: 'two-replicas', replicas: 2, redis: true },
  ];
  const results: any[] = [];
  try {
    // Every step at 200 streams before any at 400: the smaller count is the goal's.
    for (const n of COUNTS) {
      for (const step of steps) {
        const database = await databases.fresh('postgres');
        const env: Record<string, string> = step.redis ? { REDIS_URL: redis.url } : {};
        const gateways: Server[] = [];
        try {
          // One after the other: the second finds the schema migrated.
          for (let i = 0; i < step.replicas; i++) gateways.push(await startGateway(database, upstreamUrl, env));
          await graphql(gateways[0]!.graphqlUrl, ADMIN_KEY, 'mutation { createAgent(input: { id: "bench" }) { id } }');
          const r = await row(gateways, upstreamUrl, n);
          results.push({ step: step.name, ...r });
          console.log(JSON.stringify({ step: step.name, ...r, each: undefined }));
        } finally {
          for (const gateway of gateways) await stop(gateway.child);
        }
      }
    }
  } finally {
    redis.child.kill('SIGTERM');
  }
  return { rows: results, streams: COUNTS, tokens: TOKENS, rate: RATE };
}
