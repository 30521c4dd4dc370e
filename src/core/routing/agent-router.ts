import { actingUserId, credentialOf, type Principal } from '../auth/principal.js';
import { mayUseShared } from '../auth/visibility.js';
import { DomainError, type ReportError } from '../errors.js';
import type { Agent } from '../agents/agent.js';
import type { CacheMeter } from '../metrics/metrics.js';
import { embeddingModelName, type EmbeddingModel } from '../models/embedding-model.js';
import { callTokensOf, type UsageAccount } from '../usage/usage-entry.js';
import type { UsageLedger } from '../usage/usage-ledger.js';
import { recordEmbeddingFor } from '../usage/embedding-usage.js';
import type { ModelRegistry } from '../models/model-registry.js';
import type { TokenUsage } from '../models/chat-model.js';
import { EmbeddingRanker } from './description-embeddings.js';
import { isShortFollowUp } from './follow-up.js';
import { candidateVersion, RoutingCache } from './routing-cache.js';
import type { RoutingCandidate, RoutingDecision, RoutingMethod } from './routing-decision.js';
import { askRoutingModel } from './routing-model.js';
import { faultText, type RoutingOutcome } from './routing-outcome.js';
import type { RoutingSettings } from './routing-settings.js';

/** What routing reads of an agent. */
export type RoutableAgent = Pick<Agent, 'id' | 'description' | 'userId' | 'updatedAt'>;

export interface AgentRouterOptions {
  /** The agents the principal may see: `Agents.list`. */
  listAgents(principal: Principal, options: { userId?: string | null }): Promise<RoutableAgent[]>;
  /** The default agent: `Agents.getDefault`. */
  defaultAgent(principal: Principal): Promise<Pick<Agent, 'id'> | null>;
  /** Resolves the routing model (ROUTING_LLM:ROUTING_LLM_MODEL). */
  models: ModelRegistry;
  embeddings?: EmbeddingModel | undefined;
  /** The agent that answered last in a conversation: `ConversationStore.lastAnswerAgentId`. */
  lastAnswerAgentId?: ((conversationId: string) => Promise<string | undefined>) | undefined;
  settings: RoutingSettings;
  /** Defaults to a cache built from `settings.cache` when enabled. */
  cache?: RoutingCache | undefined;
  /** Counts lookups of the cache built from `settings.cache`. */
  cacheMeter?: CacheMeter | undefined;
  reportError?: ReportError | undefined;
  /** The routing model's calls (ROUTING) and the message's embeddings (EMBEDDING) are recorded here. */
  ledger?: UsageLedger | undefined;
}

export interface SelectAgentOptions {
  conversationId?: string | null | undefined;
  /** The user the call acts for (admins and unbound keys may name one). */
  userId?: string | null | undefined;
  /** The caller went away: stop routing and throw rather than fall back. */
  signal?: AbortSignal | undefined;
  /** Gets the message's embedding when ranking made one, so the turn's memory search need not ask again. */
  onMessageVector?: ((vector: number[]) => void) | undefined;
  /** Whom routing's model calls are charged to (a chat's run); the principal, outside any run, when unset. */
  account?: UsageAccount | undefined;
}

export interface RoutingStats {
  cacheHits: number;
  cacheMisses: number;
  modelCalls: number;
  embeddingDecisions: number;
  stickyDecisions: number;
  fallbacks: number;
  embeddedDescriptions: number;
}

/** Chooses the agent for a message: single agent, conversation's agent, cache, embeddings, routing model, default. */
export class AgentRouter {
  readonly cache: RoutingCache | undefined;
  private readonly ranker: EmbeddingRanker | undefined;
  private readonly method: RoutingMethod;
  private readonly counts = { modelCalls: 0, embeddingDecisions: 0, stickyDecisions: 0, fallbacks: 0 };

  constructor(private readonly options: AgentRouterOptions) {
    const { settings, embeddings } = options;
    this.cache = options.cache ?? (settings.cache.enabled ? new RoutingCache({ ...settings.cache, meter: options.cacheMeter }) : undefined);
    this.ranker = embeddings && new EmbeddingRanker(embeddings);
    this.method = settings.method ?? (embeddings ? 'hybrid' : 'model');
  }

  async selectAgent(principal: Principal, message: string, options: SelectAgentOptions = {}): Promise<RoutingDecision> {
    const started = performance.now();
    const done = (decision: Omit<RoutingDecision, 'latencyMs'>): RoutingDecision => ({ ...decision, latencyMs: Math.round((performance.now() - started) * 10) / 10 });
    const visible = await this.options.listAgents(principal, { userId: options.userId });
    const actingUser = actingUserId(principal, options.userId) ?? null;
    const charge = this.charge(options.account ?? { userId: actingUser, keyId: credentialOf(principal), agentId: null, runId: null });
    // An admin acting for nobody sees every user's agents; a chat goes only to global ones or the acting user's own.
    const candidates = visible.filter((agent) => mayUseShared({ all: false, userId: actingUser ?? undefined }, agent.userId));
    let considered: RoutingCandidate[] = candidates.map((agent) => ({ agentId: agent.id, score: null }));
    if (candidates.length === 0) throw noAgent('there are no agents to choose from');
    if (candidates.length === 1) {
      return done({ agentId: candidates[0]!.id, strategy: 'SINGLE', confidence: 1, reason: 'the only agent available', cached: false, candidates: considered });
    }

    const deadline = AbortSignal.timeout(this.options.settings.timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
    const lastId = options.conversationId ? await this.options.lastAnswerAgentId?.(options.conversationId) : undefined;
    // Only a candidate: an agent removed, or never visible to this caller, is not stuck to.
    const last = candidates.find((agent) => agent.id === lastId);

    if (last && isShortFollowUp(message, this.options.settings)) {
      const overrule = await this.overruleFollowUp(message, candidates, last.id, signal, options.signal, options.onMessageVector, charge);
      if (overrule?.ok) {
        this.counts.embeddingDecisions++;
        return done({ agentId: overrule.agentId, strategy: overrule.strategy, confidence: overrule.confidence, reason: overrule.reason, cached: false, candidates: overrule.considered ?? considered });
      }
      this.counts.stickyDecisions++;
      return done({
        agentId: last.id,
        strategy: 'STICKY',
        confidence: 0.7,
        reason: `a short follow-up: stayed with "${last.id}", which answered last in this conversation${overrule ? ` (${overrule.reason})` : ''}`,
        cached: false,
        candidates: overrule?.considered ?? considered,
      });
    }

    const version = candidateVersion(candidates);
    const hit = this.cache?.get(message, version);
    if (hit && candidates.some((agent) => agent.id === hit.agentId)) {
      return done({ agentId: hit.agentId, strategy: 'ROUTING_CACHE', confidence: hit.confidence, reason: `cached: ${hit.reason}`, cached: true, candidates: considered });
    }

    const routed = await this.route(message, candidates, signal, options.signal, deadline, options.onMessageVector, charge);
    considered = routed.considered ?? considered;
    if (routed.outcome.ok) {
      const { agentId, strategy, confidence, reason } = routed.outcome;
      if (strategy === 'ROUTING_EMBEDDING') this.counts.embeddingDecisions++;
      this.cache?.set(message, version, { agentId, confidence, reason, userId: actingUser });
      return done({ agentId, strategy, confidence, reason, cached: false, candidates: considered });
    }
    const failure = routed.outcome.reason;
    if (last) {
      // Inside a conversation the agent already answering knows more than the default does.
      this.counts.stickyDecisions++;
      return done({ agentId: last.id, strategy: 'STICKY', confidence: 0.5, reason: `routing failed (${failure}): stayed with "${last.id}", which answered last in this conversation`, cached: false, candidates: considered });
    }
    const fallback = await this.options.defaultAgent(principal);
    if (!fallback) throw noAgent(`routing failed (${failure})`);
    this.counts.fallbacks++;
    return done({ agentId: fallback.id, strategy: 'FALLBACK', confidence: 0, reason: `routing failed (${failure}): the default agent answers`, cached: false, candidates: considered });
  }

  /** Records routing's calls for one account: the routing model's as ROUTING, embeddings as EMBEDDING. */
  private charge(account: UsageAccount): Charge {
    const { ledger, settings, embeddings } = this.options;
    // Named as an agent would name it, so one model's calls are grouped under one name.
    const model = settings.provider === 'openai' ? settings.model : `${settings.provider}:${settings.model}`;
    return {
      routingModel: (usage) => ledger?.record(account, model, 'ROUTING', callTokensOf(usage)),
      embedding: (inputTokens) => embeddings && recordEmbeddingFor(ledger, embeddingModelName(embeddings), inputTokens, account),
    };
  }

  stats(): RoutingStats {
    return { ...this.counts, cacheHits: this.cache?.hits ?? 0, cacheMisses: this.cache?.misses ?? 0, embeddedDescriptions: this.ranker?.embeddedDescriptions ?? 0 };
  }

  /** Embeddings first (hybrid, embedding), then the routing model over the closest few or all. */
  private async route(
    message: string,
    candidates: RoutableAgent[],
    signal: AbortSignal,
    callerSignal: AbortSignal | undefined,
    deadline: AbortSignal,
    onMessageVector: ((vector: number[]) => void) | undefined,
    charge: Charge,
  ): Promise<{ outcome: RoutingOutcome; considered?: RoutingCandidate[] }> {
    const { settings } = this.options;
    let pool = candidates;
    let considered: RoutingCandidate[] | undefined;
    let note = '';
    if (this.method !== 'model' && !this.ranker) note = `; ROUTING_STRATEGY=${this.method} needs an embedding model, none is configured`;
    if (this.method !== 'model' && this.ranker) {
      try {
        const ranked = await this.ranker.rank(message, candidates, signal, onMessageVector, charge.embedding);
        considered = ranked.map((r) => ({ agentId: r.candidate.id, score: round(r.score) }));
        const [top, next] = ranked as [(typeof ranked)[0], (typeof ranked)[0]];
        const margin = top.score - next.score;
        const lead = `embeddings favour "${top.candidate.id}" over "${next.candidate.id}" by ${margin.toFixed(3)}`;
        if (this.method === 'embedding' || margin >= settings.embeddingMargin) {
          const reason = this.method === 'hybrid' ? `${lead} (at least ROUTING_EMBEDDING_MARGIN ${settings.embeddingMargin})` : lead;
          return { outcome: { ok: true, agentId: top.candidate.id, strategy: 'ROUTING_EMBEDDING', confidence: embeddingConfidence(margin, settings.embeddingMargin), reason }, considered };
        }
        pool = ranked.slice(0, Math.max(2, settings.hybridTopK)).map((r) => r.candidate);
        note = `; embeddings were too close to call (margin ${margin.toFixed(3)}), so the model chose among the closest ${pool.length}`;
      } catch (error) {
        if (callerSignal?.aborted) throw error;
        if (deadline.aborted) return { outcome: { ok: false, reason: timedOut(settings.timeoutMs) } };
        this.options.reportError?.(error, 'routing embeddings failed', 'warn');
        note = `; the embedding model failed (${faultText(error)}), so the routing model decided`;
      }
    }
    try {
      this.counts.modelCalls++;
      const outcome = await askRoutingModel(this.options.models, settings, pool, message, signal, charge.routingModel);
      return { outcome: outcome.ok ? { ...outcome, reason: outcome.reason + note } : { ok: false, reason: outcome.reason + note }, ...(considered ? { considered } : {}) };
    } catch (error) {
      if (callerSignal?.aborted) throw error;
      if (deadline.aborted) return { outcome: { ok: false, reason: timedOut(settings.timeoutMs) }, ...(considered ? { considered } : {}) };
      this.options.reportError?.(error, 'the routing model failed', 'warn');
      return { outcome: { ok: false, reason: `the routing model failed: ${faultText(error)}${note}` }, ...(considered ? { considered } : {}) };
    }
  }

  /**
   * A short follow-up leaves the conversation's agent only when embeddings clearly favour another
   * (twice the hybrid margin); the routing model is not asked, a few words give it little to go on.
   */
  private async overruleFollowUp(
    message: string,
    candidates: RoutableAgent[],
    lastId: string,
    signal: AbortSignal,
    callerSignal: AbortSignal | undefined,
    onMessageVector: ((vector: number[]) => void) | undefined,
    charge: Charge,
  ): Promise<(RoutingOutcome & { considered?: RoutingCandidate[] }) | undefined> {
    if (this.method === 'model' || !this.ranker) return undefined;
    try {
      const ranked = await this.ranker.rank(message, candidates, signal, onMessageVector, charge.embedding);
      const considered = ranked.map((r) => ({ agentId: r.candidate.id, score: round(r.score) }));
      const [top, next] = ranked as [(typeof ranked)[0], (typeof ranked)[0]];
      const margin = top.score - next.score;
      const threshold = 2 * this.options.settings.embeddingMargin;
      if (top.candidate.id !== lastId && margin >= threshold) {
        const reason = `a short follow-up, but embeddings clearly favour "${top.candidate.id}" over "${next.candidate.id}" (by ${margin.toFixed(3)}, at least ${threshold}): left "${lastId}", which answered last`;
        return { ok: true, agentId: top.candidate.id, strategy: 'ROUTING_EMBEDDING', confidence: embeddingConfidence(margin, this.options.settings.embeddingMargin), reason, considered };
      }
      return { ok: false, reason: 'embeddings showed no clearly better agent', considered };
    } catch (error) {
      if (callerSignal?.aborted) throw error;
      this.options.reportError?.(error, 'routing embeddings failed', 'warn');
      return { ok: false, reason: `the embedding model failed: ${faultText(error)}` };
    }
  }
}

/** Where routing's calls are recorded for one selection. */
interface Charge {
  routingModel(usage: TokenUsage): void;
  embedding(inputTokens: number | undefined): void;
}

/** 0.6 at the hybrid margin, 0.9 at four times it, never above 0.95: a lead is evidence, not proof. */
function embeddingConfidence(margin: number, threshold: number): number {
  const unit = threshold > 0 ? threshold : 0.05;
  return round(Math.max(0.05, Math.min(0.95, 0.5 + (0.1 * margin) / unit)));
}

const round = (value: number) => Math.round(value * 10_000) / 10_000;

const timedOut = (ms: number) => `no routing answer within ${ms} ms (ROUTING_TIMEOUT_MS)`;

const noAgent = (why: string) =>
  new DomainError('NOT_FOUND', `No agent can answer: ${why}, and there is no default agent. Create an agent (createAgent) or set a default one (setDefaultAgent).`);
