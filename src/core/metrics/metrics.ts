/**
 * What the core records for operators, through calls cheap enough for the hot path: counters,
 * gauges and histograms with a few fixed label values, never a user's id or a message.
 */
export interface Metrics {
  /** A run has begun (`receivedAt`: `performance.now()` when its chat arrived); the meter times it. */
  runStarted(receivedAt: number): RunMeter;
  /** Tokens an upstream model reported using for one call (a replay from the model cache is not one). */
  tokens(input: number, output: number): void;
  /** A model call failed: the API's code, and the provider's HTTP status when it answered with one. */
  upstreamError(code: string, status: number | undefined): void;
  /** Lookups of one of the gateway's caches. */
  cache(name: CacheName): CacheMeter;
  /** A subscription opened; call the returned function once when it ends (further calls do nothing). */
  subscriptionOpened(transport: SubscriptionTransport): () => void;
  /** Memory's background work: facts extracted or dropped, extractions and embeddings that failed. */
  memoryEvent(event: MemoryEvent, count?: number): void;
  /** Settled messages waiting in memory's indexing queue (a gauge). */
  memoryIndexQueue(depth: number): void;
  /**
   * A model call's spend, by key group (an API key's id, `env-admin` / `env-user`, `none`) and model;
   * never by user. `costUsd` is null for an unpriced model (tokens are counted, dollars are not).
   */
  spend(keyGroup: string, model: string, tokens: number, costUsd: number | null): void;
  /** A budget's spend reached its limit (a soft budget only warns: this is how operators hear of it). */
  budgetCrossed(scope: 'KEY' | 'USER', hard: boolean): void;
  /** One SQL statement ran (`sql` as compiled, with placeholders, never values) for `durationMs`. */
  databaseQuery(sql: string, durationMs: number): void;
  /** The totals so far of what the console charts, read from the same registry /metrics renders (metric-history.ts samples it). */
  snapshot(): Promise<MetricsSnapshot>;
}

/** Counters as totals since start (the sampler takes differences), gauges as they stand. */
export interface MetricsSnapshot {
  runsStarted: number;
  runsActive: number;
  inputTokens: number;
  outputTokens: number;
  /** Time to first token: the histogram's cumulative bucket counts, `le` in seconds (the last is Infinity). */
  firstTokenBuckets: Array<{ le: number; count: number }>;
  /** Runs that failed, by their RunFailed code. */
  failuresByCode: Record<string, number>;
  subscriptionsActive: number;
}

export interface RunMeter {
  /** The first text of the answer reached the run's readers. */
  firstToken(): void;
  /** The run ended (its terminal event was sent); called once. A failed run's RunFailed code comes with it. */
  ended(outcome: RunOutcome, failureCode?: string): void;
}

export interface CacheMeter {
  hit(): void;
  miss(): void;
}

/** `paused`: the run left this process waiting for its client (stored; whoever resumes it does not count it again). */
export const RUN_OUTCOMES = ['completed', 'failed', 'cancelled', 'paused'] as const;
export type RunOutcome = (typeof RUN_OUTCOMES)[number];

export const CACHE_NAMES = ['agents', 'auth', 'model', 'routing', 'user_context', 'memory_presence'] as const;
export type CacheName = (typeof CACHE_NAMES)[number];

export const MEMORY_EVENTS = [
  'extraction_failed',
  'extraction_skipped_busy',
  'fact_kept',
  'fact_unchanged',
  'fact_superseded',
  'fact_dropped_low_confidence',
  'fact_dropped_sensitive',
  'embedding_failed',
  'index_dropped',
] as const;
export type MemoryEvent = (typeof MEMORY_EVENTS)[number];

export const SUBSCRIPTION_TRANSPORTS = ['websocket', 'sse'] as const;
export type SubscriptionTransport = (typeof SUBSCRIPTION_TRANSPORTS)[number];

const ignore = () => {};

export const UNMETERED: CacheMeter = { hit: ignore, miss: ignore };

/** For parts built without a gateway (scripts, tests driving the core directly): records nothing. */
export const NO_METRICS: Metrics = {
  runStarted: () => ({ firstToken: ignore, ended: ignore }),
  tokens: ignore,
  upstreamError: ignore,
  cache: () => UNMETERED,
  subscriptionOpened: () => ignore,
  databaseQuery: ignore,
  spend: ignore,
  budgetCrossed: ignore,
  memoryEvent: ignore,
  memoryIndexQueue: ignore,
  snapshot: () => Promise.resolve({ runsStarted: 0, runsActive: 0, inputTokens: 0, outputTokens: 0, firstTokenBuckets: [], failuresByCode: {}, subscriptionsActive: 0 }),
};
