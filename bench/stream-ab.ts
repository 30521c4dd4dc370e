// Per-token CPU of streaming answers (issue 20), A/B: `npx tsx bench/stream-ab.ts [<checkout> ...]`.
// `passthrough` instead of a checkout is bench/pass-through.ts with its node:http reader, the floor. Each checkout (default: this one) must be built (`npm run build`); its gateway (dist/main.js, as
// `npm start` runs it) streams N answers at once over graphql-ws (chatStream) at R tokens/s each from
// bench/upstream.ts. Gateway CPU per token: utime + stime of the gateway (/proc, every thread) over the
// clients' whole run (connect, subscribe, stream, end), divided by the tokens received; and over the middle half of
// the streaming alone (sampled every 250 ms), where no chat starts or ends: a chat's own cost (a few ms, stored
// and indexed) is spread over its tokens in the first figure, not in the second. The checkouts
// take turns, a fresh gateway and database a round, so A and B see the same machine minutes apart.
// STREAM_COST_STREAMS (200), STREAM_COST_RATE (50), STREAM_COST_TOKENS (500), STREAM_COST_ROUNDS (3),
// STREAM_COST_VIA=v1 (the openai SDK on /v1 instead of graphql-ws), STREAM_COST_REDIS=1 (REDIS_URL: a redis-server of the bench's own), STREAM_COST_NODE_FLAGS ("--cpu-prof --cpu-prof-dir=/tmp/p"). PostgreSQL with BENCH_DATABASE_URL, else PGlite.
import { type ChildProcess, spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { BenchDatabases } from './databases.js';
import { cpuMs, mainThreadCpuMs } from './proc.js';
import { ADMIN_KEY, client, type Database, gatewayEnv, graphql, productionCommand, ROOT, startTsx, stop, stopAll, USER_KEY } from './processes.js';
import { startRedis } from './replicas.js';
import { median } from './stats.js';

const STREAMS = Number(process.env.STREAM_COST_STREAMS) || 200;
const RATE = Number(process.env.STREAM_COST_RATE) || 50;
const TOKENS = Number(process.env.STREAM_COST_TOKENS) || 500;
const ROUNDS = Number(process.env.STREAM_COST_ROUNDS) || 3;
const REDIS = process.env.STREAM_COST_REDIS === '1';
/** `gateway` (graphql-ws chatStream) or `v1` (the openai SDK streaming from /v1). */
const VIA = process.env.STREAM_COST_VIA ?? 'gateway';

/** `npm start`'s gateway from `root` (its dist/main.js), on `database`, answering from `upstreamUrl`. */
function startGatewayFrom(root: string, database: Database, upstreamUrl: string, env: Record<string, string>) {
  const passthrough = root.endsWith('/passthrough');
  // A checkout's gateway runs with its own npm start's node flags and environment (productionCommand).
  const production = passthrough ? { env: {}, nodeFlags: ['--enable-source-maps'], script: '' } : productionCommand(root);
  const script = passthrough ? ['--import', 'tsx', 'bench/pass-through.ts', 'http'] : [production.script];
  const child: ChildProcess = spawn(process.execPath, [...production.nodeFlags, ...(process.env.STREAM_COST_NODE_FLAGS?.split(/\s+/).filter(Boolean) ?? []), ...script], {
    cwd: passthrough ? ROOT : root,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...production.env, ...gatewayEnv(database, upstreamUrl), ...env },
  });
  return new Promise<{ child: ChildProcess; graphqlUrl: string }>((resolveStarted, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const match = /listening on (http:\/\/\S+)/.exec(line);
      if (match) resolveStarted({ child, graphqlUrl: `${match[1]}/graphql`.replace('localhost', '127.0.0.1') });
    });
    child.once('exit', (code) => reject(new Error(`gateway in ${root} exited with ${code} before it was ready`)));
  });
}

async function measure(root: string, databases: BenchDatabases, upstreamUrl: string, env: Record<string, string>) {
  const database = await databases.fresh(databases.postgresUrl ? 'postgres' : 'pglite');
  const gateway = await startGatewayFrom(root, database, upstreamUrl, env);
  try {
    if (!root.endsWith('/passthrough')) await graphql(gateway.graphqlUrl, ADMIN_KEY, 'mutation { createAgent(input: { id: "bench" }) { id } }');
    // Warm-up: lazy imports and the JIT's first compilations are not what is measured.
    await client('streams-paced', { graphqlUrl: gateway.graphqlUrl, key: USER_KEY, upstreamUrl, n: 20, tokens: 200, rate: 0, barrierMs: 0, via: 'gateway' });
    const load = loadavg()[0]!;
    const pid = gateway.child.pid!;
    // CPU sampled all along: the middle half of the streaming (no chat starting or ending in it) is the per-token cost proper.
    const samples: Array<{ at: number; cpu: number; main: number }> = [];
    const sample = () => samples.push({ at: performance.now(), cpu: cpuMs(pid), main: mainThreadCpuMs(pid) });
    sample();
    const sampler = setInterval(sample, 250);
    const result = await client('streams-paced', { graphqlUrl: gateway.graphqlUrl, key: USER_KEY, upstreamUrl, n: STREAMS, tokens: TOKENS, rate: RATE, barrierMs: 1500 + STREAMS * 10, via: VIA });
    clearInterval(sampler);
    sample();
    const first = samples[0]!;
    const last = samples.at(-1)!;
    const seconds = TOKENS / RATE;
    const from = samples.find((s) => s.at >= last.at - seconds * 750)!;
    const to = samples.findLast((s) => s.at <= last.at - seconds * 250)!;
    const steadyTokens = ((to.at - from.at) / 1000) * STREAMS * RATE;
    return {
      usPerToken: ((last.cpu - first.cpu) * 1000) / result.received,
      mainUsPerToken: ((last.main - first.main) * 1000) / result.received,
      steadyUsPerToken: ((to.cpu - from.cpu) * 1000) / steadyTokens,
      steadyMainUsPerToken: ((to.main - from.main) * 1000) / steadyTokens,
      received: result.received,
      expected: result.expected,
      incomplete: result.incomplete,
      p99Ms: result.p99,
      load,
    };
  } finally {
    await stop(gateway.child);
  }
}

const roots = (process.argv.slice(2).length ? process.argv.slice(2) : [ROOT]).map((root) => resolve(root));
const databases = new BenchDatabases();
const redis = REDIS ? await startRedis() : undefined;
const upstream = await startTsx(['bench/upstream.ts']);
const upstreamUrl = JSON.parse(upstream.match[1]!).url as string;
const results = new Map<string, Array<Awaited<ReturnType<typeof measure>>>>(roots.map((root) => [root, []]));
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const root of roots) {
      const result = await measure(root, databases, upstreamUrl, redis ? { REDIS_URL: redis.url } : {});
      results.get(root)!.push(result);
      console.error(`round ${round + 1} ${root}: whole run ${result.usPerToken.toFixed(1)} µs/token (main thread ${result.mainUsPerToken.toFixed(1)}), streaming ${result.steadyUsPerToken.toFixed(1)} (${result.steadyMainUsPerToken.toFixed(1)}), p99 ${result.p99Ms.toFixed(1)} ms, ${result.received}/${result.expected} tokens, ${result.incomplete} incomplete, load ${result.load.toFixed(2)}`);
    }
  }
  const summary = roots.map((root) => {
    const rounds = results.get(root)!;
    return {
      root,
      streams: STREAMS,
      rate: RATE,
      tokens: TOKENS,
      redis: REDIS,
      via: VIA,
      usPerToken: median(rounds.map((r) => r.usPerToken)),
      usPerTokenRounds: rounds.map((r) => Number(r.usPerToken.toFixed(1))),
      mainThreadUsPerToken: median(rounds.map((r) => r.mainUsPerToken)),
      steadyUsPerToken: median(rounds.map((r) => r.steadyUsPerToken)),
      steadyUsPerTokenRounds: rounds.map((r) => Number(r.steadyUsPerToken.toFixed(1))),
      steadyMainThreadUsPerToken: median(rounds.map((r) => r.steadyMainUsPerToken)),
      p99Ms: median(rounds.map((r) => r.p99Ms)),
      lost: rounds.reduce((sum, r) => sum + r.expected - r.received, 0),
      incomplete: rounds.reduce((sum, r) => sum + r.incomplete, 0),
      load: rounds.map((r) => Number(r.load.toFixed(2))),
    };
  });
  console.log(JSON.stringify(summary, null, 1));
} finally {
  stopAll();
  redis?.child.kill('SIGTERM');
  await databases.removeAll();
}
