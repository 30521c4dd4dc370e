// `npm run build && npx tsx bench/footprint.ts [memory|cpu]`: the gateway as `npm start` runs it
// (node on the compiled dist/main.js), measured from outside through /proc. Prints JSON lines; writes nothing.
//   memory: start-up (wall, and CPU with child processes), resident memory when listening, after
//           FOOTPRINT_IDLE_MS (3000) idle, after a full collection, and the peak (VmHWM), on PGlite (a new
//           folder, then the same folder again) and, with BENCH_DATABASE_URL, on a PostgreSQL server.
//   cpu:    CPU of the main thread and of the whole process (worker threads included) per sequential
//           `{ agents { id } }`, per chat mutation (20 tokens), and per token of 200 paced streams.
// Run it at two commits (each built) to compare them; the machine's noise is the reader's to judge.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { median, round } from './stats.js';

const ROOT = new URL('..', import.meta.url).pathname;
const ADMIN_KEY = 'bench-admin-key-0123456789';
const USER_KEY = 'bench-user-key-0123456789';
const serverUrl = process.env.BENCH_DATABASE_URL;
// Preloaded into the gateway: on SIGUSR2 a full collection (twice, so weakly held objects go too), then a line.
const GC_PROBE = `data:text/javascript,process.on('SIGUSR2',()=>{globalThis.gc();globalThis.gc();process.stdout.write('collected\\n')})`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves with the first stdout line matching `pattern`. */
function line(child: ChildProcess, pattern: RegExp): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (text) => {
      const match = text.match(pattern);
      if (match) {
        lines.close();
        resolve(match);
      }
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code} before printing ${pattern}`)));
  });
}

/** Milliseconds of CPU from a /proc stat file: user + system, plus waited-for children's when asked. */
async function cpuMs(path: string, children = false): Promise<number> {
  const fields = (await readFile(path, 'utf8')).split(') ')[1]!.split(' ').map(Number);
  return (fields[11]! + fields[12]! + (children ? fields[13]! + fields[14]! : 0)) * 10;
}

async function memory(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const mb = (name: string) => Math.round(Number(status.match(new RegExp(`${name}:\\s+(\\d+)`))![1]) / 1024);
  return { rss: mb('VmRSS'), peak: mb('VmHWM') };
}

async function startGateway(env: Record<string, string>, nodeFlags: string[] = []) {
  const started = performance.now();
  const child = spawn(process.execPath, [...nodeFlags, '--enable-source-maps', 'dist/main.js'], {
    cwd: ROOT,
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'warn', ADMIN_API_KEY: ADMIN_KEY, USER_API_KEY: USER_KEY, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [, url] = await line(child, /listening on (http:\/\/\S+)/);
  return { child, pid: child.pid!, graphqlUrl: `${url}/graphql`, startMs: Math.round(performance.now() - started) };
}

async function stop(child: ChildProcess) {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

function storage(dataDir: string, mode: 'pglite' | 'postgres'): Record<string, string> {
  return mode === 'postgres' ? { DATABASE_URL: serverUrl!, DATABASE_SCHEMA: `footprint_${process.pid}` } : { DATA_DIR: dataDir };
}

async function measureMemory() {
  const idleMs = Number(process.env.FOOTPRINT_IDLE_MS ?? 3000);
  const dataDir = join(await mkdtemp(join(tmpdir(), 'muxgate-footprint-')), 'data');
  const runs: Array<[string, 'pglite' | 'postgres']> = [
    ['pglite, new folder', 'pglite'],
    ['pglite, same folder again', 'pglite'],
    ...(serverUrl ? [['postgres', 'postgres'] as [string, 'postgres']] : []),
  ];
  for (const [label, mode] of runs) {
    const gateway = await startGateway(storage(dataDir, mode), ['--expose-gc', '--import', GC_PROBE]);
    const startCpuMs = await cpuMs(`/proc/${gateway.pid}/stat`, true);
    const listening = await memory(gateway.pid);
    await sleep(idleMs);
    const idle = await memory(gateway.pid);
    const collected = line(gateway.child, /^collected$/);
    gateway.child.kill('SIGUSR2');
    await collected;
    const afterGc = await memory(gateway.pid);
    await stop(gateway.child);
    console.log(JSON.stringify({ label, startMs: gateway.startMs, startCpuMs, rssListeningMB: listening.rss, [`rssIdle${idleMs}msMB`]: idle.rss, rssAfterGcMB: afterGc.rss, peakMB: afterGc.peak }));
  }
  await rm(join(dataDir, '..'), { recursive: true, force: true });
}

async function measureCpu() {
  const upstream = spawn(process.execPath, ['--import', 'tsx', 'bench/upstream.ts'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const upstreamUrl = JSON.parse((await line(upstream, /^(\{.*\})$/))[1]!).url as string;
  const dataDir = join(await mkdtemp(join(tmpdir(), 'muxgate-footprint-')), 'data');
  const mode = serverUrl ? 'postgres' : 'pglite';
  const gateway = await startGateway({
    ...storage(dataDir, mode),
    OPENAI_BASE_URL: upstreamUrl,
    OPENAI_API_KEY: 'bench',
    CHAT_RATE_LIMIT: '1000000',
    MAX_CONCURRENT_RUNS_PER_USER: '10000',
    WS_MAX_CONNECTIONS_PER_ADDRESS: '1000000',
  });
  const { pid, graphqlUrl } = gateway;
  const post = async (query: string, variables: object = {}, key = USER_KEY) => {
    const response = await fetch(graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ query, variables }) });
    const body = (await response.json()) as { errors?: unknown };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
  };
  await post('mutation { createAgent(input: { id: "bench" }) { id } }', {}, ADMIN_KEY);

  /** CPU in µs per unit of `work` (which returns how many units it did): main thread, whole process. */
  const cpuPer = async (work: () => Promise<number>) => {
    const [main, all] = [await cpuMs(`/proc/${pid}/task/${pid}/stat`), await cpuMs(`/proc/${pid}/stat`)];
    const units = await work();
    return {
      mainUs: round(((await cpuMs(`/proc/${pid}/task/${pid}/stat`)) - main) * 1000 / units, 0),
      processUs: round(((await cpuMs(`/proc/${pid}/stat`)) - all) * 1000 / units, 0),
    };
  };
  const repeat = (count: number, once: () => Promise<void>) => async () => {
    for (let i = 0; i < count; i++) await once();
    return count;
  };
  const agents = () => post('{ agents { id } }');
  const chat = () => post('mutation($input: ChatInput!) { chat(input: $input) { runId } }', { input: { message: 'bench tokens=20 rate=0', agentId: 'bench' } });
  await repeat(200, agents)();
  await repeat(50, chat)();
  type Cpu = { mainUs: number; processUs: number };
  const rounds: Record<'agents' | 'chat' | 'token200', Cpu[]> = { agents: [], chat: [], token200: [] };
  for (let i = 0; i < 3; i++) {
    rounds.agents.push(await cpuPer(repeat(2000, agents)));
    rounds.chat.push(await cpuPer(repeat(300, chat)));
    const options = { graphqlUrl, key: USER_KEY, upstreamUrl, via: 'gateway', n: 200, tokens: 100, rate: 50, barrierMs: 3500 };
    rounds.token200.push(
      await cpuPer(async () => {
        const out = execFileSync(process.execPath, ['--import', 'tsx', 'bench/client.ts', 'streams-paced', JSON.stringify(options)], { cwd: ROOT, encoding: 'utf8' });
        return JSON.parse(out.trim().split('\n').at(-1)!).received as number;
      }),
    );
  }
  for (const [name, list] of Object.entries(rounds)) {
    console.log(JSON.stringify({ mode, per: name, mainUsMedian: median(list.map((r) => r.mainUs)), processUsMedian: median(list.map((r) => r.processUs)), rounds: list }));
  }
  await stop(gateway.child);
  await stop(upstream);
  await rm(join(dataDir, '..'), { recursive: true, force: true });
}

async function dropSchema() {
  if (!serverUrl) return;
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  await client.query(`drop schema if exists footprint_${process.pid} cascade`);
  await client.end();
}

const what = process.argv[2];
try {
  if (!what || what === 'memory') await measureMemory();
  if (!what || what === 'cpu') await measureCpu();
} finally {
  await dropSchema();
}
