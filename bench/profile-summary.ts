// Summarises the gateway's `node --cpu-prof` profiles (one .cpuprofile per thread: the main thread's
// tid is 0, a worker's its thread id): per thread, the top functions by self time and the share of
// each stage of a chat. `npx tsx bench/profile-summary.ts <dir> [<from µs> <to µs>]` prints both as
// Markdown; the window (monotonic µs, as bench/client.ts's `windowUs`) keeps only its samples.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pgliteWasmNames, wasmNamer } from './wasm-names.js';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** A stage and whether it is a chat's own stage (a frame under it is counted there) or shared code whose caller decides. */
type Stage = { stage: string; definite: boolean };
const definite = (stage: string): Stage => ({ stage, definite: true });
const shared = (stage: string): Stage => ({ stage, definite: false });

/** The gateway's compiled files (dist/, as src/), by path prefix: the first match wins. */
const OWN: Array<[string, Stage]> = [
  // Issues 21–25's stages, each its own so what it costs a chat shows.
  ['core/usage/', definite('usage ledger')],
  ['core/budgets/', definite('budgets')],
  ['core/runs/live-runs', definite('live runs')],
  ['core/runs/redis-live-runs', definite('live runs')],
  ['core/metrics/metric-history', definite('metrics')],
  ['core/tracing/', shared('tracing hooks')],
  ['server/http-tracing', definite('tracing hooks')],
  ['server/plugins/use-tracing', definite('tracing hooks')],
  ['core/routing/', definite('route')],
  ['core/memory/memory-indexer', definite('index')],
  ['core/memory/store-embeddings', definite('index')],
  ['core/memory/fact-extractor', definite('index')],
  ['db/table-statistics', definite('index')],
  ['core/memory/message-memory-store', shared('memory store (context or index)')],
  ['core/memory/memory-store', shared('memory store (context or index)')],
  ['core/memory/', definite('context')],
  ['core/models/openai-embedding-model', shared('embeddings (caller not on the stack)')],
  ['core/models/embedding-model', shared('embeddings (caller not on the stack)')],
  ['core/models/node-http-fetch', shared('model')],
  ['core/models/', definite('model')],
  ['core/conversations/', definite('store')],
  ['core/runs/answer-checkpoints', definite('store')],
  ['core/runs/', definite('run (events, registry, loop)')],
  ['core/orchestrator', definite('run (events, registry, loop)')],
  ['core/metrics/', definite('metrics')],
  ['db/', shared('database client')],
  ['server/', definite('server (HTTP, GraphQL, auth)')],
  ['resolvers/', definite('server (HTTP, GraphQL, auth)')],
  ['schema/', definite('server (HTTP, GraphQL, auth)')],
  ['core/auth/', definite('server (HTTP, GraphQL, auth)')],
  ['core/limits/', definite('server (HTTP, GraphQL, auth)')],
  ['', shared('muxgate, other')],
];

/** Libraries (node_modules), when no muxgate frame is on the stack. */
const PACKAGES: Array<[RegExp, string]> = [
  [/^(kysely|pg|pg-protocol|pg-pool|pgvector)$/, 'database client'],
  [/^@electric-sql\//, 'database client'],
  [/^openai$/, 'model'],
  [/^(fastify|@fastify\/.*|find-my-way|avvio|light-my-request|fast-json-stringify|secure-json-parse)$/, 'server: HTTP (Fastify, Node, sockets)'],
  [/^(graphql|graphql-yoga|@graphql-yoga\/.*|@graphql-tools\/.*|@envelop\/.*|@whatwg-node\/.*|graphql-ws|ws|@escape\.tech\/.*|@pothos\/.*)$/, 'server: GraphQL (Yoga, graphql-js)'],
  [/^(pino|pino-std-serializers|sonic-boom|thread-stream)$/, 'log'],
  [/^prom-client$/, 'metrics'],
  [/^gpt-tokenizer$/, 'context'],
];

/** Where a frame's code lives: its own file under dist/, a package, Node itself, or none (native, V8). */
function origin(url: string): { own?: string; pkg?: string; node?: true } {
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const parts = url.slice(modules + 14).split('/');
    return { pkg: parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]! };
  }
  const dist = url.indexOf('/dist/');
  if (url.startsWith('file://') && dist >= 0) return { own: url.slice(dist + 6) };
  if (url.startsWith('node:')) return { node: true };
  return {};
}

/** A short place for a frame: dist/core/x.js:12, openai/core.js:40, node:net:300, or (native). */
function place(frame: CallFrame): string {
  const line = frame.lineNumber >= 0 ? `:${frame.lineNumber + 1}` : '';
  const o = origin(frame.url);
  if (o.own) return `dist/${o.own}${line}`;
  if (o.pkg) return `${frame.url.slice(frame.url.lastIndexOf('/node_modules/') + 14)}${line}`;
  if (frame.url.startsWith('wasm://')) return frame.url;
  return frame.url ? `${frame.url}${line}` : '(native)';
}

/** The stage of one sampled stack, from its leaf to the root. */
function stageOf(stack: CallFrame[], worker: boolean, named: (frame: CallFrame) => string): string {
  const leaf = stack[0]!;
  if (leaf.functionName === '(garbage collector)') return 'garbage collection';
  if (leaf.functionName === '(program)') return 'V8 and native, no JavaScript frame';
  if (worker) {
    if (leaf.url.startsWith('wasm://')) {
      const name = named(leaf);
      return name.includes('(vector.so') ? 'pgvector (vector.so)' : name.includes('(pglite.wasm') ? 'PostgreSQL (pglite.wasm)' : 'WebAssembly, module not known';
    }
    if (!leaf.url) return 'native (in the worker)';
    const o = origin(leaf.url);
    return o.pkg ? `${o.pkg} (JavaScript)` : o.own ? 'muxgate worker code' : 'Node (thread messages, files)';
  }
  let fallback: string | undefined;
  for (const frame of stack) {
    const own = origin(frame.url).own;
    if (!own) continue;
    const found = OWN.find(([prefix]) => own.startsWith(prefix))![1];
    if (found.definite) return found.stage === SERVER ? serverPart(leaf) : found.stage;
    fallback ??= found.stage;
  }
  if (fallback) return fallback;
  for (const frame of stack) {
    const pkg = origin(frame.url).pkg;
    if (!pkg) continue;
    return PACKAGES.find(([pattern]) => pattern.test(pkg))?.[1] ?? `${pkg} (library)`;
  }
  return stack.some((frame) => origin(frame.url).node) ? 'Node (sockets, streams, timers)' : 'native, no JavaScript frame';
}

const SERVER = 'server (HTTP, GraphQL, auth)';

/** The server stage split by where its time is spent: HTTP (Fastify, Node's http), GraphQL (Yoga, graphql-js), muxgate's own (auth, plugins, resolvers). */
function serverPart(leaf: CallFrame): string {
  const o = origin(leaf.url);
  if (o.own) return 'server: muxgate (auth, plugins, resolvers)';
  if (o.pkg && /^(graphql|graphql-yoga|@graphql-yoga\/.*|@graphql-tools\/.*|@envelop\/.*|@whatwg-node\/.*|@escape\.tech\/.*|@pothos\/.*)$/.test(o.pkg)) return 'server: GraphQL (Yoga, graphql-js)';
  return 'server: HTTP (Fastify, Node, sockets)';
}

export interface ThreadSummary {
  thread: string;
  file: string;
  /** Sampled time in the window, idle excluded. */
  busyMs: number;
  idleMs: number;
  top: Array<{ function: string; place: string; stage: string; selfMs: number; share: number }>;
  stages: Array<{ stage: string; ms: number; share: number }>;
  /** Inclusive time (the frame anywhere on the stack) of muxgate's functions and PostgreSQL's named (exported) ones. */
  inclusive: Array<{ function: string; place: string; ms: number; share: number }>;
}

/** One profile's samples in [fromUs, toUs] (all without a window), by function and by stage. */
export function summariseProfile(path: string, window?: [number, number], topCount = 15): ThreadSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const tid = Number(path.split('.').at(-3));
  const worker = tid !== 0;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const indices = new Map<string, number[]>();
  for (const { callFrame } of profile.nodes) {
    const index = /^wasm-function\[(\d+)\]$/.exec(callFrame.functionName)?.[1];
    if (index !== undefined) indices.set(callFrame.url, [...(indices.get(callFrame.url) ?? []), Number(index)]);
  }
  const namer = wasmNamer(indices.size ? pgliteWasmNames() : [], indices);
  const named = (frame: CallFrame) => (frame.url.startsWith('wasm://') ? namer(frame.url, frame.functionName) : frame.functionName);
  const inclusiveCache = new Map<number, string[]>();
  /** The distinct muxgate and named WebAssembly frames on a node's stack. */
  const inclusiveOf = (id: number) => {
    let keys = inclusiveCache.get(id);
    if (keys === undefined) {
      const found = new Set<string>();
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
        const frame = byId.get(at)!.callFrame;
        const name = named(frame);
        if (origin(frame.url).own || / \((pglite\.wasm|vector\.so)\)$/.test(name)) found.add(`${name}@${place(frame)}`);
      }
      inclusiveCache.set(id, (keys = [...found]));
    }
    return keys;
  };
  const inclusiveUs = new Map<string, number>();
  const stageCache = new Map<number, string>();
  const stageOfNode = (id: number) => {
    let stage = stageCache.get(id);
    if (stage === undefined) {
      const stack: CallFrame[] = [];
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) stack.push(byId.get(at)!.callFrame);
      stageCache.set(id, (stage = stageOf(stack, worker, named)));
    }
    return stage;
  };
  const selfUs = new Map<string, { frame: CallFrame; us: number; stages: Map<string, number> }>();
  const stageUs = new Map<string, number>();
  let busyUs = 0;
  let idleUs = 0;
  // A sample stands for the time until the next one (as Chrome's DevTools count it), at most 3 sampling
  // intervals: on a loaded machine a thread descheduled mid-sample leaves a gap of up to 100 ms that
  // is not CPU, and one such sample would make its function look like the chat's largest cost.
  const maxUs = 3 * medianOf(profile.timeDeltas);
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i]!;
    const us = Math.min(profile.timeDeltas[i + 1] ?? 0, maxUs);
    if (window && (at < window[0] || at > window[1])) continue;
    const node = byId.get(profile.samples[i]!)!;
    if (node.callFrame.functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    busyUs += us;
    const stage = stageOfNode(node.id);
    stageUs.set(stage, (stageUs.get(stage) ?? 0) + us);
    for (const key of inclusiveOf(node.id)) inclusiveUs.set(key, (inclusiveUs.get(key) ?? 0) + us);
    const key = `${node.callFrame.functionName}@${place(node.callFrame)}`;
    const entry = selfUs.get(key) ?? { frame: node.callFrame, us: 0, stages: new Map<string, number>() };
    entry.us += us;
    entry.stages.set(stage, (entry.stages.get(stage) ?? 0) + us);
    selfUs.set(key, entry);
  }
  const share = (us: number) => (busyUs ? us / busyUs : 0);
  const mainStage = (stages: Map<string, number>) => [...stages].sort((a, b) => b[1] - a[1])[0]![0];
  return {
    thread: worker ? `worker thread ${tid}` : 'main thread',
    file: path,
    busyMs: busyUs / 1000,
    idleMs: idleUs / 1000,
    top: [...selfUs.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, topCount)
      .map((entry) => ({ function: named(entry.frame) || '(anonymous)', place: place(entry.frame), stage: mainStage(entry.stages), selfMs: entry.us / 1000, share: share(entry.us) })),
    stages: [...stageUs].sort((a, b) => b[1] - a[1]).map(([stage, us]) => ({ stage, ms: us / 1000, share: share(us) })),
    inclusive: [...inclusiveUs]
      .sort((a, b) => b[1] - a[1])
      .slice(0, topCount)
      .map(([key, us]) => {
        const at = key.lastIndexOf('@');
        return { function: key.slice(0, at) || '(anonymous)', place: key.slice(at + 1), ms: us / 1000, share: share(us) };
      }),
  };
}

function medianOf(values: number[]): number {
  const sorted = values.filter((value) => value > 0).sort((a, b) => a - b);
  return sorted[sorted.length >> 1] ?? 1000;
}

/** Every profile in `dir`, the main thread first. */
export function summariseProfiles(dir: string, window?: [number, number], topCount?: number): ThreadSummary[] {
  const files = readdirSync(dir).filter((name) => name.endsWith('.cpuprofile'));
  const tidOf = (name: string) => Number(name.split('.').at(-3));
  return files.sort((a, b) => tidOf(a) - tidOf(b)).map((name) => summariseProfile(join(dir, name), window, topCount));
}

/** Markdown tables of a thread summary; `perChat` divides the milliseconds by the chats in the window. */
export function markdown(summary: ThreadSummary, chats?: number): string[] {
  const ms = (value: number) => (chats ? `${(value / chats).toFixed(3)} ms` : `${value.toFixed(0)} ms`);
  const pct = (value: number) => `${(value * 100).toFixed(1)}%`;
  return [
    `**${summary.thread}**: ${summary.busyMs.toFixed(0)} ms sampled busy${chats ? ` (${(summary.busyMs / chats).toFixed(2)} ms per chat)` : ''}, ${summary.idleMs.toFixed(0)} ms idle.`,
    '',
    `| stage | ${chats ? 'per chat' : 'self time'} | share |`,
    '| --- | --- | --- |',
    ...summary.stages.map((s) => `| ${s.stage} | ${ms(s.ms)} | ${pct(s.share)} |`),
    '',
    `| function (self time) | where | stage | ${chats ? 'per chat' : 'self time'} | share |`,
    '| --- | --- | --- | --- | --- |',
    ...summary.top.map((t) => `| \`${t.function.replace(/\|/g, '\\|')}\` | ${t.place} | ${t.stage} | ${ms(t.selfMs)} | ${pct(t.share)} |`),
    '',
    `| muxgate's and PostgreSQL's named functions, inclusive | where | ${chats ? 'per chat' : 'total time'} | share |`,
    '| --- | --- | --- | --- |',
    ...summary.inclusive.map((t) => `| \`${t.function.replace(/\|/g, '\\|')}\` | ${t.place} | ${ms(t.ms)} | ${pct(t.share)} |`),
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [dir, from, to, chats] = process.argv.slice(2);
  if (!dir) throw new Error('usage: npx tsx bench/profile-summary.ts <dir> [<from µs> <to µs> [<chats>]]');
  // A directory bench/chat-ab.ts profiled holds its window and chat count (window.json).
  const saved = !from && existsSync(join(dir, 'window.json')) ? (JSON.parse(readFileSync(join(dir, 'window.json'), 'utf8')) as { windowUs: [number, number]; chats: number }) : undefined;
  const window = from && to ? ([Number(from), Number(to)] as [number, number]) : saved?.windowUs;
  const perChat = chats ? Number(chats) : saved?.chats;
  for (const summary of summariseProfiles(dir, window, Number(process.env.TOP) || undefined)) console.log([...markdown(summary, perChat), ''].join('\n'));
}
