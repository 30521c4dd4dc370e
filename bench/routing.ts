// The router's own cost per decision, in a process of its own: `tsx bench/routing.ts '<json options>'`.
// Builds AgentRouter as src/core/orchestrator.ts does (the real Agents on embedded PGlite, the real
// OpenAIChatModel and OpenAIEmbeddingModel through the SDK, 1,536 dimensions, default ROUTING_*
// settings) against bench/upstream.ts, warms up, then times decisions one at a time. Prints one JSON line.
import { AgentStore } from '../src/core/agents/agent-store.js';
import { Agents } from '../src/core/agents/agents.js';
import type { Principal } from '../src/core/auth/principal.js';
import { ModelRegistry } from '../src/core/models/model-registry.js';
import { OpenAIChatModel } from '../src/core/models/openai-chat-model.js';
import { OpenAIEmbeddingModel } from '../src/core/models/openai-embedding-model.js';
import { AgentRouter } from '../src/core/routing/agent-router.js';
import type { RoutingStrategy } from '../src/core/routing/routing-decision.js';
import { DEFAULT_ROUTING_SETTINGS, type RoutingSettings } from '../src/core/routing/routing-settings.js';
import { openDatabase } from '../src/db/database.js';
import { bagOfWordsVector } from '../test/support/fake-routing.js';
import { percentile } from './stats.js';

const o = JSON.parse(process.argv[2] ?? '{}') as { upstreamUrl: string; cacheHits?: number; decisions?: number; warmup?: number };
const ADMIN: Principal = { kind: 'ADMIN', userId: undefined, via: 'API_KEY' };
const USER: Principal = { kind: 'USER', userId: 'alice', via: 'API_KEY' };

// Seven agents. Billing and travel weigh the same in bag-of-words terms, so "refund flight" ties them.
const AGENTS = [
  { id: 'assistant', description: 'General questions, small talk and anything else', setAsDefault: true },
  { id: 'code', description: 'Programming help: debugging code, writing functions, code review, Python and TypeScript' },
  { id: 'billing', description: 'Billing: invoices, payments, refunds and subscription charges' },
  { id: 'travel', description: 'Travel: flights, hotels, trains, bookings and itineraries' },
  { id: 'weather', description: 'Weather forecasts, rain, temperature and storms' },
  { id: 'legal', description: 'Legal questions: contracts, privacy law and terms of service' },
  { id: 'people', description: 'Human resources: holidays, hiring, salaries and employee benefits' },
];
/** Each names one agent's words only: a clear embedding margin. The number makes every message new. */
const CLEAR = ['please refund invoice payment', 'debug python function', 'book flight hotel train', 'rain forecast temperature storm', 'contract privacy law', 'hiring salary benefit'];
const clear = (tag: string, i: number) => `${CLEAR[i % CLEAR.length]} ${unique(tag, i)}`;
/** Billing and travel equally: too close to call, so hybrid asks the model among the closest three. */
const close = (tag: string, i: number) => `refund flight ${unique(tag, i)}`;

/** A word of its own for the i-th message: one whose hashed dimension no description uses, so it moves no score. */
const taken = new Set(AGENTS.flatMap((a) => bagOfWordsVector(`${a.id}: ${a.description}`, 1_536).flatMap((x, d) => (x ? [d] : []))));
const uniques = new Map<string, string>();
let next = 0;
function unique(tag: string, i: number): string {
  const key = `${tag}${i}`;
  let word = uniques.get(key);
  while (!word) {
    const candidate = `${tag}${next++}`;
    if (!taken.has(bagOfWordsVector(candidate, 1_536).findIndex((x) => x > 0))) word = candidate;
  }
  uniques.set(key, word);
  return word;
}

const upstreamOrigin = new URL(o.upstreamUrl).origin;
const upstreamStats = async () => (await (await fetch(`${upstreamOrigin}/bench/stats`)).json()) as { chat: number; embeddings: number; routing: number; serviceMs: { embeddings: number[]; routing: number[] } };
const resetUpstream = () => fetch(`${upstreamOrigin}/bench/reset`, { method: 'POST' }).then((r) => r.arrayBuffer());

const database = await openDatabase({ dataDir: 'memory://', onLockLost: () => {} });
const agents = new Agents(new AgentStore(database.db), 'gpt-4o');
for (const agent of AGENTS) await agents.create(ADMIN, agent);
// As the orchestrator configures them (MODEL_TIMEOUT_MS, MODEL_MAX_RETRIES apart, which do not matter here).
const providerOptions = { apiKey: 'bench', baseURL: o.upstreamUrl, timeoutMs: 60_000, maxRetries: 0 };
const models = new ModelRegistry('openai');
models.register('openai', new OpenAIChatModel(providerOptions));
const embeddings = new OpenAIEmbeddingModel({ ...providerOptions, model: 'text-embedding-3-small', dimensions: 1_536 });
const router = (settings: Partial<RoutingSettings> = {}) =>
  new AgentRouter({
    listAgents: (principal, listOptions) => agents.list(principal, listOptions),
    defaultAgent: (principal) => agents.getDefault(principal),
    models,
    embeddings,
    lastAnswerAgentId: async () => undefined,
    settings: { ...DEFAULT_ROUTING_SETTINGS, ...settings },
  });
const hybrid = router(); // the default with an embedding model configured
const modelOnly = router({ method: 'model' }); // ROUTING_STRATEGY=model, or no embedding model

/** Times `count` decisions one after another; CPU is the whole process's, user + system, per decision. */
async function measure(name: string, count: number, decide: (i: number) => Promise<{ strategy: RoutingStrategy }>, expected: RoutingStrategy) {
  await resetUpstream();
  const latencies: number[] = [];
  const strategies: Record<string, number> = {};
  const cpuBefore = process.cpuUsage();
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const decision = await decide(i);
    latencies.push(performance.now() - started);
    strategies[decision.strategy] = (strategies[decision.strategy] ?? 0) + 1;
  }
  const cpu = process.cpuUsage(cpuBefore);
  const upstream = await upstreamStats();
  // One at a time, so the n-th upstream request belongs to the n-th decision.
  const perDecision = (list: number[]) => (list.length === count ? list : undefined);
  const embeddingMs = perDecision(upstream.serviceMs.embeddings);
  const routingMs = perDecision(upstream.serviceMs.routing);
  const overhead = latencies.map((ms, i) => ms - (embeddingMs?.[i] ?? 0) - (routingMs?.[i] ?? 0));
  return {
    name,
    count,
    unexpected: count - (strategies[expected] ?? 0),
    strategies,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    cpuUsPerDecision: (cpu.user + cpu.system) / count,
    embeddingRequestsPerDecision: upstream.embeddings / count,
    routingRequestsPerDecision: upstream.routing / count,
    otherRequests: upstream.chat,
    // The upstream's own time on the decision's requests (the model's latency, as the model sees it).
    upstreamP50: percentile(latencies.map((_, i) => (embeddingMs?.[i] ?? 0) + (routingMs?.[i] ?? 0)), 50),
    overheadP50: percentile(overhead, 50),
    overheadP99: percentile(overhead, 99),
  };
}

const decisions = o.decisions ?? 200;
const warmup = o.warmup ?? 50;
// Warm-up: the descriptions get embedded (once), the SDK's connections open, V8 compiles the paths.
for (let i = 0; i < warmup; i++) {
  await hybrid.selectAgent(USER, clear('w', i));
  await hybrid.selectAgent(USER, clear('w', i));
  await hybrid.selectAgent(USER, close('w', i));
  await modelOnly.selectAgent(USER, clear('w', i));
}
const cacheMessage = clear('c', 0);
await hybrid.selectAgent(USER, cacheMessage);

const results = [
  await measure('cache hit', o.cacheHits ?? 1000, () => hybrid.selectAgent(USER, cacheMessage), 'ROUTING_CACHE'),
  await measure('embedding decision (hybrid, clear margin)', decisions, (i) => hybrid.selectAgent(USER, clear('e', i)), 'ROUTING_EMBEDDING'),
  await measure('model decision (ROUTING_STRATEGY=model)', decisions, (i) => modelOnly.selectAgent(USER, clear('m', i)), 'ROUTING_MODEL'),
  await measure('hybrid, too close to call (embedding, then model)', decisions, (i) => hybrid.selectAgent(USER, close('h', i)), 'ROUTING_MODEL'),
];
process.stdout.write(`${JSON.stringify({ results, embeddedDescriptions: hybrid.stats().embeddedDescriptions })}\n`);
await database.close();
process.exit(0);
