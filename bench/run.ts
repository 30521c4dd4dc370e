// `npm run bench`: the upstream, the gateway (compiled, started as `npm start` starts it), the bare
// Fastify + Yoga reference and the clients each in a process of their own, all on 127.0.0.1.
// BENCH_ONLY=<part,...> runs some parts; every run merges its figures into bench/results.json and
// rewrites the generated tables of bench/README.md from it. The memory-search part (bench/memory-search.ts)
// needs none of those processes: it runs MemoryStore on PGlite in a process of its own.
import { thisMachine } from './machine.js';
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { chatWholeKinds, measureChatWhole } from './chat-whole.js';
import { measureCpu } from './cpu.js';
import { BenchDatabases, type DatabaseKind } from './databases.js';
import { measureBareMemory, measureGatewayMemory } from './memory.js';
import { measureChatRate, measureOpenLoop } from './open-loop.js';
import { startPortkey } from './portkey.js';
import { measureFastStreams } from './fast-streams.js';
import { measureProtocols } from './protocols.js';
import { measureReplicas } from './replicas.js';
import { measureRunPauses } from './run-pauses.js';
import { measureDelegation } from './delegation.js';
import { measureTracing } from './tracing.js';
import { measureStreamCost } from './stream-cost.js';
import { ADMIN_KEY, build, client, type Database, graphql, memoryAfterGc, ROOT, type Server, sleep, startGateway, startTsx, stop, stopAll, USER_KEY } from './processes.js';
import { writeReadme } from './report.js';
import { median, pacedSummary, range } from './stats.js';

const PARTS = ['full', 'paced', 'chat', 'openloop', 'idle', 'routing', 'cpu', 'memory', 'memory-search', 'mcp-tools', 'v1', 'replicas', 'fast-streams', 'chat-whole', 'chat-rate', 'query-embedding', 'stream-cost', 'run-pauses', 'protocols', 'delegation', 'tracing'] as const;
type Part = (typeof PARTS)[number];
/** Parts measured on each database (PGlite, and PostgreSQL with BENCH_DATABASE_URL); the others on the main one. */
const PER_DATABASE = new Set<Part>(['cpu', 'memory', 'chat-whole', 'chat-rate', 'protocols', 'tracing']);
/** Parts that start gateways of their own (on PostgreSQL), not on the main database's. */
const OWN_GATEWAYS = new Set<Part>(['replicas', 'fast-streams', 'stream-cost', 'run-pauses', 'delegation']);
/** Parts measured without the gateway, the upstream or a compiled build. */
const STANDALONE = new Set<Part>(['memory-search', 'mcp-tools', 'query-embedding']);
const RESULTS = new URL('results.json', import.meta.url);


/** Runs one part, saying how long it took (the whole bench should stay well under 15 minutes). */
async function timed<T>(name: string, part: () => Promise<T>): Promise<T> {
  const started = performance.now();
  console.log(`== ${name}`);
  const result = await part();
  console.log(`== ${name}: ${Math.round((performance.now() - started) / 1000)} s`);
  return result;
}

interface Common {
  graphqlUrl: string;
  key: string;
  upstreamUrl: string;
}

async function main() {
  const only = process.env.BENCH_ONLY?.split(',').filter(Boolean);
  // BENCH_ONLY=report measures nothing: it rewrites bench/README.md from the stored figures (after a new baseline, say).
  if (only?.length === 1 && only[0] === 'report') return writeResults({}, 'pglite');
  const unknown = only?.filter((part) => !(PARTS as readonly string[]).includes(part));
  if (unknown?.length) throw new Error(`BENCH_ONLY: unknown part(s) ${unknown.join(', ')}; the parts are ${PARTS.join(', ')}, or report alone`);
  const wanted = (part: Part) => !only || only.includes(part);
  const databases = new BenchDatabases();
  // BENCH_MAIN_DATABASE=postgres runs the single-database parts on the PostgreSQL server instead of PGlite.
  const mainKind: DatabaseKind = process.env.BENCH_MAIN_DATABASE === 'postgres' ? 'postgres' : 'pglite';
  const results: Record<string, any> = {};
  if (PARTS.some((part) => !STANDALONE.has(part) && wanted(part))) await gatewayParts(results, wanted, databases, mainKind);
  if (wanted('memory-search')) results['memory-search'] = await timed('memory search, MemoryStore on PGlite', memorySearch);
  if (wanted('mcp-tools')) results['mcp-tools'] = await timed('MCP tool calls, gateway path against the SDK client', () => standalone('bench/mcp-tools.ts'));
  if (wanted('query-embedding')) results['query-embedding'] = await timed('time to first token with a 150 ms embedding provider', () => standalone('bench/query-embedding.ts'));
  await writeResults(results, mainKind);
}

/** The parts that measure the gateway: built, with the upstream, on the main database and on each database. */
async function gatewayParts(results: Record<string, any>, wanted: (part: Part) => boolean, databases: BenchDatabases, mainKind: DatabaseKind) {
  build();
  const upstream = await startTsx(['bench/upstream.ts']);
  const upstreamUrl = JSON.parse(upstream.match[1]!).url as string;
  try {
    if (PARTS.some((part) => !PER_DATABASE.has(part) && !STANDALONE.has(part) && !OWN_GATEWAYS.has(part) && wanted(part))) {
      await mainParts(results, wanted, await databases.fresh(mainKind), upstreamUrl);
    }
    if (wanted('cpu')) {
      results.cpu = {};
      for (const kind of databases.kinds()) {
        results.cpu[kind] = await timed(`cpu per request and per chat, ${kind}`, () => measureCpu(databases, kind, upstreamUrl));
        console.log(JSON.stringify(results.cpu[kind]));
      }
    }
    if (wanted('chat-whole')) {
      results['chat-whole'] = {};
      // Portkey's gateway, the reference, in the same run (bench/portkey.ts installs it on first use).
      const portkey = await startPortkey(upstreamUrl).catch((error: unknown) => {
        console.log(`== Portkey could not be installed or started (${String(error)}): chat-whole without its reference`);
        return undefined;
      });
      try {
        for (const kind of chatWholeKinds(databases)) {
          results['chat-whole'][kind] = await timed(`a chat counted whole, ${kind}, against Portkey`, () => measureChatWhole(databases, kind, upstreamUrl, portkey));
          console.log(JSON.stringify(results['chat-whole'][kind], (key, value) => (key === 'summaries' || key === 'each' ? undefined : value)));
        }
      } finally {
        if (portkey) await stop(portkey.child);
      }
    }
    if (wanted('chat-rate')) {
      results['chat-rate'] = {};
      for (const kind of databases.kinds()) {
        results['chat-rate'][kind] = await timed(`sustained chat rate, ${kind}`, () => measureChatRate(databases, kind, upstreamUrl));
        console.log(JSON.stringify(results['chat-rate'][kind]));
      }
    }
    if (wanted('protocols')) {
      results.protocols = {};
      for (const kind of databases.kinds()) {
        results.protocols[kind] = await timed(`protocols: the same chat over graphql-ws, /v1/chat/completions, /v1/responses and AG-UI, ${kind}`, () => measureProtocols(databases, kind, upstreamUrl));
      }
    }
    if (wanted('replicas')) {
      // Replicas share PostgreSQL (PGlite is one process's own) and Redis.
      if (!databases.postgresUrl) console.log('== replicas: skipped, it needs BENCH_DATABASE_URL (a PostgreSQL server the replicas share)');
      else results.replicas = await timed('replicas: in-process, Redis, two replicas round-robin, on PostgreSQL', () => measureReplicas(databases, upstreamUrl));
    }
    if (wanted('fast-streams')) {
      results['fast-streams'] = await timed('fast streams with Redis: peak RSS, /health latency, Redis bytes per finished run', () => measureFastStreams(databases, upstreamUrl));
    }
    if (wanted('stream-cost')) {
      results['stream-cost'] = await timed('streams at scale: per-token CPU against the bare pass-through, latency at 400 and 1,000 streams, RSS per stream', () => measureStreamCost(databases, upstreamUrl));
    }
    if (wanted('run-pauses')) {
      results['run-pauses'] = await timed('runs that pause: memory per paused run, what a resume adds over a fresh model step', () => measureRunPauses(databases, upstreamUrl));
    }
    if (wanted('delegation')) {
      results.delegation = await timed('delegation: what one hop adds beyond the child’s own model call (p50, CPU)', () => measureDelegation(databases, upstreamUrl));
      console.log(JSON.stringify(results.delegation));
    }
    if (wanted('tracing')) {
      results.tracing = {};
      for (const kind of databases.kinds()) {
        results.tracing[kind] = await timed(`traces: CPU per chat with tracing off, on at 1.0 and at 0.1, ${kind}`, () => measureTracing(databases, kind, upstreamUrl));
        console.log(JSON.stringify(results.tracing[kind], (key, value) => (key === 'each' ? undefined : value)));
      }
    }
    if (wanted('memory')) {
      results.memory = { bare: await timed('memory and start-up, bare stack', measureBareMemory) };
      for (const kind of databases.kinds()) results.memory[kind] = await timed(`memory and start-up, ${kind}`, () => measureGatewayMemory(databases, kind, upstreamUrl));
      console.log(JSON.stringify(results.memory, (key, value) => (key === 'each' ? undefined : value)));
    }
  } finally {
    await stop(upstream.child);
    await databases.removeAll();
  }
}

/** The parts measured on one gateway started on the main database (idle restarts it, fresh, for each count). */
async function mainParts(results: Record<string, any>, wanted: (part: Part) => boolean, database: Database, upstreamUrl: string) {
  const gateway = await startGateway(database, upstreamUrl);
  await graphql(gateway.graphqlUrl, ADMIN_KEY, 'mutation { createAgent(input: { id: "bench" }) { id } }');
  let current: Server = gateway;
  const common: Common = { graphqlUrl: gateway.graphqlUrl, key: USER_KEY, upstreamUrl };
  try {
    if (wanted('full')) results.full = await timed('one stream at full speed', () => fullSpeed(common));
    if (wanted('paced')) results.paced = await timed('concurrent paced streams', () => pacedStreams(common));
    if (wanted('v1')) results.v1 = await timed('/v1/chat/completions streaming (openai SDK through muxgate) against the SDK direct', () => v1Streams(common));
    if (wanted('chat')) results.chat = await timed('the chat mutation, one at a time', () => chatOneAtATime(common));
    if (wanted('openloop')) {
      results.openloop = await timed('open-loop chat rate', () => measureOpenLoop(common, gateway.child.pid!));
      console.log(JSON.stringify(results.openloop));
    }
    if (wanted('idle')) {
      results.idle = await timed('idle subscriptions', async () => {
        const rows = [];
        // Each count on a gateway of its own, started fresh, so earlier load's heap does not blur it.
        for (const perSocket of [1, 100]) {
          await stop(current.child);
          current = await startGateway(database, upstreamUrl);
          rows.push(await idleSubscriptions({ ...common, graphqlUrl: current.graphqlUrl }, current, perSocket));
        }
        return { rows };
      });
    }
    if (wanted('routing')) results.routing = await timed('routing', () => routing({ ...common, graphqlUrl: current.graphqlUrl }));
  } finally {
    await stop(current.child);
  }
}

/** `via` reads the gateway over GraphQL (graphql-ws) or as an OpenAI client of /v1. */
async function fullSpeed(common: Common, via: 'gateway' | 'v1' = 'gateway') {
  // Direct and gateway alternate, and each round's ratio compares neighbours in time: this machine's
  // speed drifts between minutes by more than the difference being measured.
  const ROUNDS = 5;
  const full = { gateway: [] as number[], direct: [] as number[], ratios: [] as number[], lost: 0 };
  for (let i = 0; i < ROUNDS; i++) {
    for (const side of ['direct', 'gateway'] as const) {
      const r = await client('stream-full', { ...common, via: side === 'direct' ? 'direct' : via, tokens: 5000 });
      full[side].push(r.tokensPerSecond);
      if (!r.finished || r.tokens !== 5000) full.lost++;
    }
    full.ratios.push(full.gateway.at(-1)! / full.direct.at(-1)!);
  }
  const result = { gateway: median(full.gateway), direct: median(full.direct), ratio: median(full.ratios), ratioRange: range(full.ratios), rounds: ROUNDS, lost: full.lost };
  console.log(result);
  return result;
}

async function pacedStreams(common: Common) {
  const rows = [];
  for (const n of [10, 100, 200]) {
    rows.push(await pacedRow(common, n, 'gateway'));
    console.log(JSON.stringify(rows.at(-1)));
  }
  return { rows };
}

/** n paced streams read directly and through the gateway (`via`), in rounds: what the gateway adds per token. */
async function pacedRow(common: Common, n: number, via: 'gateway' | 'v1') {
  // This machine's neighbours move single runs' p99 by tens of ms: three rounds, the median reported.
  const ROUNDS = 3;
  const options = { ...common, n, tokens: 100, rate: 50, barrierMs: 1500 + n * 10 };
  const rounds: Array<{ direct: any; gateway: any }> = [];
  for (let round = 0; round < ROUNDS; round++) {
    const direct = await client('streams-paced', { ...options, via: 'direct' });
    const viaGateway = await client('streams-paced', { ...options, via });
    rounds.push({ direct, gateway: viaGateway });
  }
  return { n, rounds: ROUNDS, ...pacedSummary(rounds), each: rounds };
}

/** The same workload as `full` and `paced` (100 streams), the gateway read as an OpenAI client of /v1/chat/completions. */
async function v1Streams(common: Common) {
  const full = await fullSpeed(common, 'v1');
  const paced = await pacedRow(common, 100, 'v1');
  console.log(JSON.stringify({ ...paced, each: undefined }));
  return { full, paced };
}

async function chatOneAtATime(common: Common) {
  // Three rounds, each the plain SDK call, the streamed one (as the gateway calls) and the gateway back to back.
  const ROUNDS = 3;
  const rounds: Array<Record<'direct' | 'directStreamed' | 'gateway', any>> = [];
  for (let round = 0; round < ROUNDS; round++) {
    const load = { ...common, tokens: 20, count: 300, warmup: 30 };
    rounds.push({
      direct: await client('chat', { ...load, via: 'direct' }),
      directStreamed: await client('chat', { ...load, via: 'direct-stream' }),
      gateway: await client('chat', { ...load, via: 'gateway' }),
    });
  }
  const of = (pick: (r: (typeof rounds)[number]) => number) => median(rounds.map(pick));
  const result = {
    rounds: ROUNDS,
    count: rounds.reduce((n, r) => n + r.gateway.count, 0),
    directP50: of((r) => r.direct.p50),
    directP99: of((r) => r.direct.p99),
    gatewayP50: of((r) => r.gateway.p50),
    gatewayP99: of((r) => r.gateway.p99),
    addedP50: of((r) => r.gateway.p50 - r.direct.p50),
    addedP99: of((r) => r.gateway.p99 - r.direct.p99),
    addedP99Range: range(rounds.map((r) => r.gateway.p99 - r.direct.p99)),
    addedOverStreamedP50: of((r) => r.gateway.p50 - r.directStreamed.p50),
    addedOverStreamedP99: of((r) => r.gateway.p99 - r.directStreamed.p99),
    each: rounds,
  };
  console.log(JSON.stringify(result));
  return result;
}

/** 5,000 live `agentChanged` subscriptions, `perSocket` on each socket: memory per subscription after a full collection. */
async function idleSubscriptions(common: Common, gateway: Server, perSocket: number) {
  await sleep(2000);
  const before = await memoryAfterGc(gateway.child);
  const options = { ...common, adminKey: ADMIN_KEY, via: 'gateway', count: 5000, perSocket };
  const holder = await startTsx(['bench/client.ts', 'idle', JSON.stringify(options)], {}, /"ready":true/);
  await sleep(2000);
  const after = await memoryAfterGc(gateway.child);
  holder.child.stdin!.end();
  await new Promise((resolve) => holder.child.once('exit', resolve));
  const perSubscriptionKB = (field: 'rss' | 'heapUsed') => (after[field] - before[field]) / 1000 / 5000;
  const result = {
    perSocket,
    sockets: Math.ceil(5000 / perSocket),
    rssBeforeMB: before.rss / 1e6,
    rssAfterMB: after.rss / 1e6,
    perSubscriptionKB: perSubscriptionKB('rss'),
    heapPerSubscriptionKB: perSubscriptionKB('heapUsed'),
  };
  console.log(result);
  return result;
}

async function routing(common: Common) {
  // The router's own cost (bench/routing.ts, a process of its own): three rounds, each a fresh process, the median reported.
  const ROUNDS = 3;
  const rounds: any[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const { match } = await startTsx(['bench/routing.ts', JSON.stringify({ upstreamUrl: common.upstreamUrl, cacheHits: 1000, decisions: 200, warmup: 50 })]);
    rounds.push(JSON.parse(match[1]!).results);
  }
  const kinds = rounds[0].map((kind: any, k: number) => {
    const each = rounds.map((r) => r[k]);
    const med = (field: string) => median(each.map((e: any) => e[field]));
    return {
      name: kind.name,
      rounds: ROUNDS,
      count: each.reduce((n: number, e: any) => n + e.count, 0),
      unexpected: each.reduce((n: number, e: any) => n + e.unexpected, 0),
      ...Object.fromEntries(['p50', 'p99', 'cpuUsPerDecision', 'upstreamP50', 'overheadP50', 'overheadP99'].map((f) => [f, med(f)])),
      cpuRange: range(each.map((e: any) => e.cpuUsPerDecision)),
      embeddingRequestsPerDecision: Math.max(...each.map((e: any) => e.embeddingRequestsPerDecision)),
      routingRequestsPerDecision: Math.max(...each.map((e: any) => e.routingRequestsPerDecision)),
      otherRequests: each.reduce((n: number, e: any) => n + e.otherRequests, 0),
    };
  });
  // End to end: a chat naming no agent (after its first, a cache hit) against one naming its agent,
  // on the gateway with six more agents; alternating, three rounds, the median of each round's difference.
  for (const [id, description] of [
    ['code', 'Programming help: debugging code, writing functions, code review'],
    ['billing', 'Billing: invoices, payments, refunds and subscription charges'],
    ['travel', 'Travel: flights, hotels, trains, bookings and itineraries'],
    ['weather', 'Weather forecasts, rain, temperature and storms'],
    ['legal', 'Legal questions: contracts, privacy law and terms of service'],
    ['people', 'Human resources: holidays, hiring, salaries and employee benefits'],
  ]) {
    await graphql(common.graphqlUrl, ADMIN_KEY, 'mutation($input: CreateAgentInput!) { createAgent(input: $input) { id } }', { input: { id, description } });
  }
  const chats = { explicit: [] as any[], routed: [] as any[] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const routed of [false, true]) {
      const r = await client('chat', { ...common, via: 'gateway', tokens: 20, count: 200, warmup: 30, routed });
      chats[routed ? 'routed' : 'explicit'].push(r);
    }
  }
  const differences = (field: 'p50' | 'p99') => chats.routed.map((r, i) => r[field] - chats.explicit[i][field]);
  const result = {
    kinds,
    chat: {
      rounds: ROUNDS,
      errors: [...chats.explicit, ...chats.routed].reduce((n, r) => n + r.errors, 0),
      explicitP50: median(chats.explicit.map((r) => r.p50)),
      routedP50: median(chats.routed.map((r) => r.p50)),
      addedP50: median(differences('p50')),
      addedP99: median(differences('p99')),
      addedP50Range: range(differences('p50')),
    },
  };
  console.log(JSON.stringify(result));
  return result;
}

/** bench/memory-search.ts in a process of its own (its MEMORY_BENCH_* settings from the environment): its JSON line. */
const memorySearch = () => standalone('bench/memory-search.ts');

/** A standalone part's script in a process of its own: the JSON line it prints. */
async function standalone(script: string) {
  const { child, match } = await startTsx([script]);
  await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(null)));
  return JSON.parse(match[1]!);
}

/** Merges this run's parts into bench/results.json (per-database parts database by database) and rewrites bench/README.md. */
async function writeResults(fresh: Record<string, any>, mainKind: DatabaseKind) {
  const stored = JSON.parse(await readFile(RESULTS, 'utf8').catch(() => '{}'));
  const about = { date: new Date().toISOString().slice(0, 10), commit: commitOf(), node: process.version, machine: thisMachine() };
  for (const [part, value] of Object.entries(fresh)) {
    if (part === 'memory-search') {
      // One row per size and dimension: a run of some sizes (or another dimension) keeps the others' rows.
      const { rows, ...rest } = value as { rows: Array<{ size: number; dimensions: number }> };
      const key = (row: { size: number; dimensions: number }) => `${row.dimensions}:${row.size}`;
      const kept = ((stored[part]?.rows ?? []) as Array<{ size: number; dimensions: number }>).filter((old) => !rows.some((row) => key(row) === key(old)));
      const merged = [...kept, ...rows.map((row) => ({ ...about, ...row }))].sort((a, b) => a.dimensions - b.dimensions || a.size - b.size);
      stored[part] = { ...about, ...rest, rows: merged };
    } else if (PER_DATABASE.has(part as Part)) {
      stored[part] ??= {};
      for (const [kind, figures] of Object.entries(value as object)) stored[part][kind] = { ...about, ...figures };
    } else {
      stored[part] = { ...about, database: OWN_GATEWAYS.has(part as Part) ? 'postgres' : mainKind, ...value };
    }
  }
  // Rounded to µs; a saturated step's infinite latency is written as null.
  const text = JSON.stringify(stored, (_key, value) => (typeof value === 'number' ? Number(value.toFixed(3)) : value), 2);
  await writeFile(RESULTS, `${text}\n`);
  await writeReadme(JSON.parse(text));
  console.log('wrote bench/results.json and bench/README.md');
}

/** The commit measured, marked "+changes" when src/ differs from it. */
function commitOf(): string {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
  return `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--', 'src') ? '+changes' : ''}`;
}

try {
  await main();
} finally {
  stopAll();
}
