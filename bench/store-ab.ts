// A chat's two store calls alone (ConversationStore.startConversation, then finishAnswer with a
// 20-token answer), through each build's own dist/ (its openDatabase and store), builds alternated
// round by round in one process: CPU per pair from process.cpuUsage (main thread and, on PGlite,
// its worker), and on PostgreSQL the CPU of the server backends each build's pool used (/proc,
// found by application_name; the server must be on this machine). Finer than bench/chat-ab.ts,
// whose rounds spread by ±0.5 ms on a shared machine: these differences are tens of µs.
//   BUILDS=base=/tmp/base,now=$PWD [PGLITE=1] [K=500] [ROUNDS=21] BENCH_DATABASE_URL=postgres://… npx tsx bench/store-ab.ts
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { median } from './stats.js';

const BUILDS = (process.env.BUILDS ?? '').split(',').filter(Boolean).map((pair) => pair.split('=') as [string, string]);
const K = Number(process.env.K ?? 500);
const ROUNDS = Number(process.env.ROUNDS ?? 21);
const PGLITE = process.env.PGLITE === '1';
const URL = process.env.BENCH_DATABASE_URL;
if (BUILDS.length < 2 || (!PGLITE && !URL)) throw new Error('BUILDS=<label>=<dir>,<label>=<dir> and BENCH_DATABASE_URL (or PGLITE=1)');

const routing = { agentId: 'bench', strategy: 'SINGLE', confidence: 1, reason: 'the only agent available', cached: false, latencyMs: 0, candidates: [] };
const ANSWER = 'The weather is fine today and tomorrow, thanks for asking. '.repeat(2);
const admin = URL ? new pg.Client(URL) : undefined;
await admin?.connect();

/** CPU in µs of the server backends a build's pool holds (its application_name). */
async function serverCpuUs(label: string): Promise<number> {
  if (!admin) return 0;
  const { rows } = await admin.query<{ pid: number }>('select pid from pg_stat_activity where application_name = $1', [`store_ab_${label}`]);
  let ticks = 0;
  for (const { pid } of rows) {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks * 10_000;
}

const builds: Array<{ label: string; store: any; close: () => Promise<void> }> = [];
for (const [label, dir] of BUILDS) {
  const { openDatabase } = await import(join(dir, 'dist/db/database.js'));
  const { ConversationStore } = await import(join(dir, 'dist/core/conversations/conversation-store.js'));
  const schema = `store_ab_${process.pid}_${label}`;
  const database = PGLITE
    ? await openDatabase({ dataDir: 'memory://', onLockLost: () => {} })
    : await openDatabase({ databaseUrl: `${URL}${URL!.includes('?') ? '&' : '?'}application_name=store_ab_${label}`, schema, dataDir: 'memory://', onLockLost: () => {} });
  builds.push({
    label,
    store: new ConversationStore(database.db),
    close: async () => {
      await database.close();
      await admin?.query(`drop schema if exists ${schema} cascade`);
    },
  });
}

async function round(build: (typeof builds)[number]) {
  const server = await serverCpuUs(build.label);
  const start = process.cpuUsage();
  for (let i = 0; i < K; i++) {
    const runId = crypto.randomUUID();
    const turn = { user: { content: 'What is the weather like today in Paris?', runId }, answer: { id: crypto.randomUUID(), agentId: 'bench', runId, routing } };
    const stored = await build.store.startConversation('user-1', 'What is the weather', turn);
    // Before 016005d a stored turn was { message, answer } (rows); since, their ids.
    const answerId = stored.answerId ?? stored.answer.id;
    await build.store.finishAnswer(answerId, stored.conversation.id, { content: ANSWER, status: 'COMPLETE', finishReason: 'stop', usage: { promptTokens: 30, completionTokens: 20, totalTokens: 50, memoryTokens: 0 }, lastSeq: 22, toolRounds: [] });
  }
  const cpu = process.cpuUsage(start);
  return { gateway: (cpu.user + cpu.system) / K, server: ((await serverCpuUs(build.label)) - server) / K };
}

const results = new Map(builds.map((build) => [build.label, [] as Array<{ gateway: number; server: number }>]));
try {
  for (let r = 0; r < ROUNDS; r++)
    for (const build of r % 2 ? [...builds].reverse() : builds) {
      const measured = await round(build);
      // The first round warms up (JIT, the server's caches).
      if (r > 0) results.get(build.label)!.push(measured);
    }
} finally {
  for (const build of builds) await build.close();
  await admin?.end();
}
const [first] = builds;
for (const [label, rounds] of results) {
  const paired = label === first!.label ? '' : `; paired by round, ${label} − ${first!.label}: ${median(rounds.map((m, i) => m.gateway - results.get(first!.label)![i]!.gateway)).toFixed(1)} µs`;
  const server = PGLITE ? '' : `, PostgreSQL's backends ${median(rounds.map((m) => m.server)).toFixed(0)} µs`;
  console.log(`${label}: CPU per chat's two store calls, median of ${rounds.length} rounds of ${K}: ${median(rounds.map((m) => m.gateway)).toFixed(1)} µs${server}${paired}`);
}
