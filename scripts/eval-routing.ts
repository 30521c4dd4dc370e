/**
 * Routing accuracy on a labelled set: `npm run eval:routing [-- --local] [-- --strategy=model|embedding|hybrid]`.
 * Against the provider OPENAI_BASE_URL (+ OPENAI_API_KEY) names; with --local, or when it is unset,
 * against the test suite's fake upstream, whose keyword matcher only proves the plumbing.
 */
import { readFile } from 'node:fs/promises';
import { loadConfig } from '../src/config.js';
import type { Principal } from '../src/core/auth/principal.js';
import { ModelRegistry } from '../src/core/models/model-registry.js';
import { OpenAIChatModel } from '../src/core/models/openai-chat-model.js';
import { OpenAIEmbeddingModel } from '../src/core/models/openai-embedding-model.js';
import { AgentRouter } from '../src/core/routing/agent-router.js';
import { ROUTING_METHODS, type RoutingDecision, type RoutingMethod } from '../src/core/routing/routing-decision.js';
import { FakeOpenAI } from '../test/support/fake-openai.js';
import { keywordRouter } from '../test/support/fake-routing.js';

interface EvalSet {
  agents: Array<{ id: string; description: string }>;
  messages: Array<{ message: string; expected: string }>;
}

const args = process.argv.slice(2);
const strategyArg = args.find((a) => a.startsWith('--strategy='))?.split('=')[1];
if (strategyArg && !(ROUTING_METHODS as readonly string[]).includes(strategyArg)) throw new Error(`--strategy must be one of ${ROUTING_METHODS.join(', ')}`);
const config = loadConfig(process.env);
const local = args.includes('--local') || !config.openaiBaseUrl;
const set = JSON.parse(await readFile(new URL('../test/fixtures/routing-eval.json', import.meta.url), 'utf8')) as EvalSet;

const fake = local ? await FakeOpenAI.start() : undefined;
fake?.setDefault(keywordRouter);
const provider = { apiKey: local ? undefined : config.openaiApiKey, baseURL: fake?.url ?? config.openaiBaseUrl, timeoutMs: config.modelTimeoutMs, maxRetries: config.modelMaxRetries };
const models = new ModelRegistry('openai');
models.register('openai', new OpenAIChatModel(provider));
const embeddings = config.enableEmbeddings ? new OpenAIEmbeddingModel({ ...provider, model: config.embeddingModel, dimensions: config.embeddingDimensions }) : undefined;
const agents = set.agents.map((agent) => ({ ...agent, userId: null, updatedAt: new Date(0) }));
const router = new AgentRouter({
  listAgents: async () => agents,
  defaultAgent: async () => agents[0] ?? null,
  models,
  embeddings,
  settings: { ...config.routing, method: (strategyArg as RoutingMethod | undefined) ?? config.routing.method },
  reportError: (error, context) => console.warn(`${context}:`, error instanceof Error ? error.message : error),
});
const evaluator: Principal = { kind: 'ADMIN', userId: undefined, via: 'API_KEY' };

const decisions: RoutingDecision[] = [];
for (const { message } of set.messages) decisions.push(await router.selectAgent(evaluator, message));
const firstPass = router.stats();
// The same messages again: every one should now come from the cache.
for (const { message } of set.messages) await router.selectAgent(evaluator, message);
const secondPass = router.stats();
await fake?.close();

const correct = decisions.filter((d, i) => d.agentId === set.messages[i]!.expected).length;
const ids = set.agents.map((a) => a.id);
const width = Math.max(8, ...ids.map((id) => id.length)) + 2;
const cell = (text: string | number) => String(text).padStart(width);
const latencies = decisions.map((d) => d.latencyMs).sort((a, b) => a - b);
const percentile = (p: number) => latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)]!;
const byStrategy = new Map<string, number>();
for (const d of decisions) byStrategy.set(d.strategy, (byStrategy.get(d.strategy) ?? 0) + 1);

const out: string[] = [];
out.push(local ? 'Provider: local fake upstream (keyword matcher, bag-of-words embeddings) — these figures only prove the plumbing, not routing quality.' : `Provider: ${config.openaiBaseUrl} (routing model ${config.routing.provider}:${config.routing.model}, embeddings ${embeddings ? config.embeddingModel : 'off'})`);
out.push(`Strategy: ${strategyArg ?? config.routing.method ?? (embeddings ? 'hybrid' : 'model')}; ${set.messages.length} messages over ${ids.length} agents`);
out.push(`Accuracy: ${correct}/${decisions.length} (${((100 * correct) / decisions.length).toFixed(1)}%)`);
out.push(`Decided by: ${[...byStrategy].map(([s, n]) => `${s} ${n}`).join(', ')}`);
out.push('', 'Confusion (rows: expected, columns: chosen):', cell('') + ids.map(cell).join('') + cell('other'));
for (const expected of ids) {
  const row = decisions.filter((_, i) => set.messages[i]!.expected === expected);
  out.push(cell(expected) + ids.map((id) => cell(row.filter((d) => d.agentId === id).length)).join('') + cell(row.filter((d) => !ids.includes(d.agentId)).length));
}
out.push('');
out.push(`Routing-model calls: ${firstPass.modelCalls} in the first pass (saved by embeddings: ${firstPass.embeddingDecisions}); second pass ${secondPass.modelCalls - firstPass.modelCalls} (saved by the cache: ${secondPass.cacheHits - firstPass.cacheHits} hits)`);
out.push(`Routing latency (first pass): p50 ${percentile(50)} ms, p95 ${percentile(95)} ms`);
console.log(out.join('\n'));
