// A chat's statements on embedded PGlite run by PGlite's `query` (the unnamed statement: parsed,
// analysed and planned every time) and by src/db/pglite-statements.ts (named, prepared once), in
// this process as the worker runs them (pglite.wasm compiled --liftoff-only, the gateway's settings
// and migrations), the two alternated round by round: CPU of this process per chat (process.cpuUsage).
// A chat here: its turn's insert, its window's select (full text), its answer's finish update, the
// indexer's update of its two messages and the usage ledger's insert, through the gateway's stores.
//   [K=300] [ROUNDS=7] [MODES=query,prepared,batched] npx tsx bench/pglite-prepared.ts
// 2026-12-07, load 6.4-7.0 (shared machine): query 5.39 ms a chat, prepared 3.67 (paired -2.57), batched
// 4.62 (-0.87); per statement query/prepared µs: insert 1081/681, window 1624/1193, finish 1050/634,
// index 914/627, usage 582/358. Every statement settles on a generic plan after its 5 custom ones.
import { setFlagsFromString } from 'node:v8';
import { messages, parse, PGlite, protocol } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { Kysely, PGliteDialect, type PGliteDialectConfig } from 'kysely';
import { ConversationStore } from '../src/core/conversations/conversation-store.js';
import { MessageMemoryStore } from '../src/core/memory/message-memory-store.js';
import { UsageStore } from '../src/core/usage/usage-store.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { settingsArguments } from '../src/db/pglite-settings.js';
import { PreparedStatements } from '../src/db/pglite-statements.js';
import type { Tables } from '../src/db/tables.js';
import { median } from './stats.js';

const K = Number(process.env.K ?? 300);
const ROUNDS = Number(process.env.ROUNDS ?? 7);

setFlagsFromString('--liftoff-only');
const pglite = await PGlite.create({ extensions: { vector }, startParams: [...PGlite.defaultStartParams, ...settingsArguments()] });
setFlagsFromString('--no-liftoff-only');
const prepared = new PreparedStatements(pglite);

/**
 * MODES=…,batched: the unnamed statement (parsed and planned every run) sent as one call (Parse with
 * the types PostgreSQL inferred the first time, Bind, Execute, Sync): what the six calls of `query`
 * cost apart from the parsing and planning a named statement saves.
 */
const described = new Map<string, { types: number[]; description: messages.RowDescriptionMessage | undefined }>();
const { serialize } = protocol;
const concat = (parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  parts.reduce((offset, part) => (out.set(part, offset), offset + part.length), 0);
  return out;
};
async function batched(sql: string, params: unknown[], rowMode: 'object' | 'array') {
  return pglite.runExclusive(async () => {
    let known = described.get(sql);
    if (!known) {
      const replies = await pglite.execProtocolStream(concat([serialize.parse({ text: sql }), serialize.describe({ type: 'S' }), serialize.sync()]), { syncToFs: false });
      known = { types: parse.parseDescribeStatementResults(replies), description: replies.find((m): m is messages.RowDescriptionMessage => m.name === 'rowDescription') };
      described.set(sql, known);
    }
    const values = params.map((param, i) => (param == null ? null : (pglite.serializers[known!.types[i]!]?.(param) ?? String(param))));
    const replies = await pglite.execProtocolStream(concat([serialize.parse({ text: sql, types: known.types }), serialize.bind({ values }), serialize.execute({}), serialize.sync()]), { syncToFs: false });
    if (known.description) replies.unshift(known.description);
    return parse.parseResults(replies, pglite.parsers, { rowMode })[0]!;
  });
}

type Mode = 'query' | 'prepared' | 'batched';
const MODES = (process.env.MODES ?? 'query,prepared').split(',') as Mode[];

/** Kysely over PGlite, its statements run by `query`, by the prepared statements, or batched. */
function database(mode: Mode) {
  const target = {
    ready: true,
    closed: false,
    waitReady: Promise.resolve(),
    query: (sql: string, params: unknown[], options: { rowMode: 'object' | 'array' }) => mode === 'query' ? pglite.query(sql, params, options) : mode === 'batched' ? batched(sql, params, options.rowMode) : prepared.query(sql, params, options.rowMode),
    transaction: (callback: (tx: unknown) => Promise<unknown>) => pglite.transaction(callback as never),
    close: async () => {},
  };
  return new Kysely<Tables>({ dialect: new PGliteDialect({ pglite: target as unknown as PGliteDialectConfig['pglite'] }) });
}

await migrateToLatest(database('query'));
const routing = { agentId: 'bench', strategy: 'SINGLE' as const, confidence: 1, reason: 'the only agent available', cached: false, latencyMs: 0, candidates: [] };
const ANSWER = 'The weather is fine today and tomorrow, thanks for asking. '.repeat(2);

const modes = MODES.map((mode) => {
  const db = database(mode);
  return { mode, conversations: new ConversationStore(db), memory: new MessageMemoryStore(db, false), usage: new UsageStore(db) };
});

const STEPS = ['insert', 'window', 'finish', 'index', 'usage'] as const;
/** CPU µs per step in the current round. */
let steps: Record<(typeof STEPS)[number], number>;
async function step<T>(name: (typeof STEPS)[number], work: () => Promise<T>): Promise<T> {
  const start = process.cpuUsage();
  const result = await work();
  const used = process.cpuUsage(start);
  steps[name] += used.user + used.system;
  return result;
}

async function chat({ conversations, memory, usage }: (typeof modes)[number], conversationId: string | undefined): Promise<string> {
  const runId = crypto.randomUUID();
  const question = 'What is the weather like today in Paris?';
  const turn = { user: { content: question, runId }, answer: { id: crypto.randomUUID(), agentId: 'bench', runId, routing } };
  let id = conversationId;
  const stored = await step('insert', () => (id ? conversations.addTurn(id, turn) : conversations.startConversation('user-1', 'What is the weather', turn).then((started) => ((id = started.conversation.id), started))));
  await step('window', () => memory.window(id!, 20, question, undefined, runId, 2));
  await step('finish', () => conversations.finishAnswer(stored.answerId, id!, { content: ANSWER, status: 'COMPLETE', finishReason: 'stop', usage: { promptTokens: 30, completionTokens: 20, totalTokens: 50, memoryTokens: 0 }, lastSeq: 22, toolRounds: [] }));
  await step('index', () => memory.index([stored.messageId, stored.answerId]));
  const entry = { id: crypto.randomUUID(), at: new Date(), userId: 'user-1', keyId: null, agentId: 'bench', runId, model: 'bench', purpose: 'ANSWER' as const, inputTokens: 30, outputTokens: 20, cachedTokens: 0, reasoningTokens: 0, costUsd: null };
  await step('usage', () => usage.insert([entry]));
  return id!;
}

async function round(mode: (typeof modes)[number]) {
  steps = { insert: 0, window: 0, finish: 0, index: 0, usage: 0 };
  const start = process.cpuUsage();
  // Ten turns a conversation, as a chat UI's.
  let conversationId: string | undefined;
  for (let i = 0; i < K; i++) conversationId = await chat(mode, i % 10 === 0 ? undefined : conversationId);
  const used = process.cpuUsage(start);
  return { chat: (used.user + used.system) / K, steps: Object.fromEntries(STEPS.map((name) => [name, steps[name] / K])) as Record<(typeof STEPS)[number], number> };
}

const results = new Map(modes.map(({ mode }) => [mode, [] as Array<Awaited<ReturnType<typeof round>>>]));
for (let r = 0; r < ROUNDS; r++)
  for (const mode of r % 2 ? [...modes].reverse() : modes) {
    const measured = await round(mode);
    // The first round warms up (JIT, PostgreSQL's caches).
    if (r > 0) results.get(mode.mode)!.push(measured);
  }
const base = results.get('query')!;
for (const [mode, rounds] of results) {
  const paired = mode === 'query' ? '' : `; paired by round, ${mode} − query: ${median(rounds.map((m, i) => m.chat - base[i]!.chat)).toFixed(1)} µs`;
  console.log(`${mode}: CPU per chat's statements, median of ${rounds.length} rounds of ${K}: ${median(rounds.map((m) => m.chat)).toFixed(1)} µs (rounds ${rounds.map((m) => m.chat.toFixed(0)).join(', ')})${paired}`);
  console.log(`  per statement (median µs): ${STEPS.map((name) => `${name} ${median(rounds.map((m) => m.steps[name])).toFixed(0)}`).join(', ')}`);
}
console.log(`prepared statements held: ${prepared.size}`);
// Whether PostgreSQL settled on one generic plan (no planning per run) or plans each run for its values.
const plans = await pglite.query<{ statement: string; generic_plans: number; custom_plans: number }>(`select left(regexp_replace(statement, '\\s+', ' ', 'g'), 60) as statement, generic_plans, custom_plans from pg_prepared_statements order by statement`);
for (const row of plans.rows) console.log(`  ${row.statement}…: generic plans ${row.generic_plans}, custom plans ${row.custom_plans}`);
const memory = await pglite.query<{ name: string; n: number; kb: number }>(`select name, count(*)::int as n, (sum(total_bytes) / 1024)::int as kb from pg_backend_memory_contexts where name like 'Cached%' group by name order by name`);
console.log(`  PostgreSQL's plan cache: ${memory.rows.map((row) => `${row.name} ${row.n} × ${(row.kb / row.n).toFixed(0)} kB`).join(', ')}`);
await pglite.close();
