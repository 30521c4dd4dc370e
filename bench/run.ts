// `npm run bench`: the upstream, the gateway and the clients each in a process of their own,
// all on 127.0.0.1. Writes the figures into bench/README.md.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { median, round } from './stats.js';

const ROOT = new URL('..', import.meta.url).pathname;
const ADMIN_KEY = 'bench-admin-key-0123456789';
const USER_KEY = 'bench-user-key-0123456789';
const children: ChildProcess[] = [];

/** Starts a process and resolves with the first stdout line matching `ready`. */
function start(args: string[], env: Record<string, string>, ready: RegExp): Promise<{ child: ChildProcess; match: RegExpMatchArray }> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'inherit'] });
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

const rssKiB = async (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1]);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  const dataDir = await mkdtemp(join(tmpdir(), 'muxgate-bench-'));
  const upstream = await start(['bench/upstream.ts'], {}, /^(\{.*\})$/);
  const upstreamUrl = JSON.parse(upstream.match[1]!).url as string;
  const gateway = await start(
    ['src/main.ts'],
    {
      HOST: '127.0.0.1',
      PORT: '0',
      DATA_DIR: dataDir,
      // BENCH_DATABASE_URL measures the gateway on a PostgreSQL server instead of embedded PGlite.
      ...(process.env.BENCH_DATABASE_URL ? { DATABASE_URL: process.env.BENCH_DATABASE_URL, DATABASE_SCHEMA: `bench_${process.pid}` } : {}),       ADMIN_API_KEY: ADMIN_KEY,
      USER_API_KEY: USER_KEY,
      OPENAI_BASE_URL: upstreamUrl,
      OPENAI_API_KEY: 'bench',
      LOG_LEVEL: 'warn',
    },
    /listening on (http:\/\/\S+)/,
  );
  const graphqlUrl = `${gateway.match[1]}/graphql`.replace('localhost', '127.0.0.1');
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
  const full = { gateway: [] as number[], direct: [] as number[], lost: 0 };
  for (let i = 0; i < 3; i++) {
    for (const via of ['direct', 'gateway'] as const) {
      const r = await client('stream-full', { ...common, via, tokens: 5000 });
      full[via].push(r.tokensPerSecond);
      if (!r.finished || r.tokens !== 5000) full.lost++;
    }
  }
  results.full = { gateway: median(full.gateway), direct: median(full.direct), ratio: median(full.gateway) / median(full.direct), lost: full.lost };
  console.log(results.full);

  }

  if (wanted('paced')) {
  console.log('2. concurrent paced streams');
  results.paced = [];
  for (const n of [10, 100, 200]) {
    const options = { ...common, n, tokens: 100, rate: 50, barrierMs: 1500 + n * 10 };
    const direct = await client('streams-paced', { ...options, via: 'direct' });
    const viaGateway = await client('streams-paced', { ...options, via: 'gateway' });
    results.paced.push({ n, direct, gateway: viaGateway, addedP50: viaGateway.p50 - direct.p50, addedP99: viaGateway.p99 - direct.p99 });
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
    const viaGateway = await client('chat', { ...common, via: 'gateway', tokens: 20, ...load });
    results.chat[name] = { direct, gateway: viaGateway, addedP50: viaGateway.p50 - direct.p50, addedP99: viaGateway.p99 - direct.p99 };
    console.log(name, results.chat[name]);
  }

  }

  if (wanted('idle')) {
  console.log('4. idle subscriptions');
  results.idle = [];
  for (const perSocket of [1, 100]) {
    await sleep(2000);
    const before = await rssKiB(gateway.child.pid!);
    const holder = await start(['bench/client.ts', 'idle', JSON.stringify({ ...common, via: 'gateway', count: 5000, perSocket })], {}, /"ready":true/);
    await sleep(3000);
    const after = await rssKiB(gateway.child.pid!);
    holder.child.stdin!.end();
    await new Promise((resolve) => holder.child.once('exit', resolve));
    results.idle.push({ perSocket, sockets: Math.ceil(5000 / perSocket), beforeKiB: before, afterKiB: after, perSubscriptionKB: ((after - before) * 1.024) / 5000 });
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
    'time, so latency is measured from the upstream writing a token to a client reading it.',
    '',
    `Machine: ${cpus().length} × ${cpu}, Node ${process.version}; run on ${new Date().toISOString().slice(0, 10)}.`,
    '',
    '| measure | muxgate | naive pass-through (reference) | aim |',
    '| --- | --- | --- | --- |',
    `| one stream at full speed, tokens/s vs direct | ${round(r.full.ratio, 2)} (${Math.round(r.full.gateway)} vs ${Math.round(r.full.direct)} tokens/s; ${r.full.lost} answers incomplete) | 0.4 | ≥ 0.5 |`,
    ...r.paced.map(
      (p: any) =>
        `| ${p.n} streams × 50 tokens/s: added latency p50 / p99; tokens lost | ${ms(p.addedP50)} / ${ms(p.addedP99)}; ${p.gateway.expected - p.gateway.received} lost, ${p.gateway.incomplete} incomplete | ${p.n === 100 ? '+60 ms p99' : p.n === 200 ? '+230 ms p99' : '—'} | ${p.n === 200 ? 'p99 < 50 ms, none lost' : 'none lost'} |`,
    ),
    `| chat mutation, one at a time: added p50 / p99 | ${ms(r.chat.unloaded.addedP50)} / ${ms(r.chat.unloaded.addedP99)} | +3 ms p50 | p50 < 1 ms, p99 < 5 ms |`,
    `| chat mutation at 100 requests/s: added p50 / p99 | ${ms(r.chat['100 rps'].addedP50)} / ${ms(r.chat['100 rps'].addedP99)} (${r.chat['100 rps'].gateway.errors} errors) | — | — |`,
    ...r.idle.map(
      (i: any) =>
        `| 5,000 idle subscriptions, ${i.perSocket === 1 ? 'one socket each' : `${i.perSocket} per socket (${i.sockets} sockets)`}: RSS per subscription | ${round(i.perSubscriptionKB, 1)} KB | 17–20 KB | < 30 KB |`,
    ),
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

