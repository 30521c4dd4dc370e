// What recording metrics costs the gateway: CPU per `chat` mutation (read from /proc, Linux) on this
// tree and on another checkout given as BEFORE_DIR (e.g. the commit before /metrics, unpacked with
// `git archive <commit> | tar -x -C <dir>` and its node_modules linked), gateways started alternately,
// then idle CPU with and without the process metrics that start at the first scrape.
//   BEFORE_DIR=/tmp/before npx tsx bench/metrics-cost.ts
import { type ChildProcess, execSync, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { median } from './stats.js';

const HERE = new URL('..', import.meta.url).pathname;
const BEFORE = process.env.BEFORE_DIR;
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const CHATS = Number(process.env.CHATS ?? 300);
const WARMUP = 50;
const ADMIN_KEY = 'bench-admin-key-0123456789';
const USER_KEY = 'bench-user-key-0123456789';
const TICK_MS = 1000 / Number(execSync('getconf CLK_TCK').toString().trim());

function start(cwd: string, args: string[], env: Record<string, string>, ready: RegExp): Promise<{ child: ChildProcess; match: RegExpMatchArray }> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const match = line.match(ready);
      if (match) resolve({ child, match });
    });
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}`)));
  });
}

/** user + system CPU of a process so far, in ms. */
async function cpuMs(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

async function post(url: string, query: string, key: string) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ query }) });
  const body = await response.json();
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body;
}

async function measure(cwd: string, upstreamUrl: string) {
  const dataDir = await mkdtemp(join(tmpdir(), 'muxgate-metrics-cost-'));
  const { child, match } = await start(
    cwd,
    ['src/main.ts'],
    {
      HOST: '127.0.0.1',
      PORT: '0',
      DATA_DIR: dataDir,
      ADMIN_API_KEY: ADMIN_KEY,
      USER_API_KEY: USER_KEY,
      OPENAI_BASE_URL: upstreamUrl,
      LOG_LEVEL: 'warn',
      CHAT_RATE_LIMIT: '1000000',
    },
    /listening on (http:\/\/\S+)/,
  );
  const base = match[1]!.replace('localhost', '127.0.0.1');
  const url = `${base}/graphql`;
  try {
    await post(url, 'mutation { createAgent(input: { id: "bench" }) { id } }', ADMIN_KEY);
    const chat = () => post(url, 'mutation { chat(input: { message: "bench tokens=20" }) { runId } }', USER_KEY);
    for (let i = 0; i < WARMUP; i++) await chat();
    const before = await cpuMs(child.pid!);
    for (let i = 0; i < CHATS; i++) await chat();
    const perChat = (await cpuMs(child.pid!) - before) / CHATS;
    const idle = async () => {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const from = await cpuMs(child.pid!);
      await new Promise((resolve) => setTimeout(resolve, 10_000));
      return (await cpuMs(child.pid!) - from) / 10;
    };
    const idleMsPerSecond = await idle();
    let idleScrapedMsPerSecond: number | undefined;
    const scrape = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    if (scrape.status === 200) {
      await scrape.text();
      idleScrapedMsPerSecond = await idle();
    }
    return { perChat, idleMsPerSecond, idleScrapedMsPerSecond };
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    await rm(dataDir, { recursive: true, force: true });
  }
}

const upstream = await start(HERE, ['bench/upstream.ts'], {}, /^(\{.*\})$/);
const upstreamUrl = JSON.parse(upstream.match[1]!).url as string;
const variants = [...(BEFORE ? [['before', BEFORE] as const] : []), ['metrics', HERE] as const];
const results: Record<string, Array<Awaited<ReturnType<typeof measure>>>> = {};
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, cwd] of variants) {
      const result = await measure(cwd, upstreamUrl);
      (results[name] ??= []).push(result);
      console.log(JSON.stringify({ round, variant: name, ...result }));
    }
  }
} finally {
  upstream.child.kill();
}
for (const [name, rounds] of Object.entries(results)) {
  const perChat = rounds.map((r) => r.perChat);
  console.log(
    `${name}: CPU per chat median ${median(perChat).toFixed(2)} ms (range ${Math.min(...perChat).toFixed(2)}–${Math.max(...perChat).toFixed(2)}), ` +
      `idle ${median(rounds.map((r) => r.idleMsPerSecond)).toFixed(2)} ms/s` +
      (rounds[0]!.idleScrapedMsPerSecond !== undefined ? `, idle after a scrape ${median(rounds.map((r) => r.idleScrapedMsPerSecond!)).toFixed(2)} ms/s` : ''),
  );
}
