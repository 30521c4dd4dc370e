import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import {
  CACHE_NAMES,
  type CacheMeter,
  type CacheName,
  MEMORY_EVENTS,
  type MemoryEvent,
  type Metrics,
  type MetricsSnapshot,
  RUN_OUTCOMES,
  type RunMeter,
  type RunOutcome,
  SUBSCRIPTION_TRANSPORTS,
  type SubscriptionTransport,
} from './metrics.js';
import { RUN_FAILURE_CODES } from '../runs/run-event.js';
import { processMetrics } from './process-metrics.js';
import { StatementNames } from './statement-name.js';

export const SPAN_DROP_REASONS = ['export_failed', 'queue_full'] as const;
export type SpanDropReason = (typeof SPAN_DROP_REASONS)[number];

/** Seconds. Time to first token: 5 ms to 30 s. */
const FIRST_TOKEN_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Seconds. Run duration: 50 ms to 5 min. */
const RUN_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
/** Seconds. Database statements: 0.1 ms to 5 s. */
const QUERY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5];

/**
 * The gateway's metrics in a registry of its own (several gateways may share a process, as in
 * tests), rendered with the process's default metrics as Prometheus text. Label children are
 * bound once, so recording is an increment or a bucket search, never a label lookup.
 */
export class PrometheusMetrics implements Metrics {
  readonly registry = new Registry();
  readonly contentType = this.registry.contentType;
  private readonly statements = new StatementNames();

  private readonly runs = new Counter({ name: 'muxgate_runs_total', help: 'Runs that ended, by how they ended', labelNames: ['status'], registers: [this.registry] });
  private readonly runsStartedCounter = new Counter({ name: 'muxgate_runs_started_total', help: 'Runs started (chats admitted, delegated runs included)', registers: [this.registry] });
  private readonly runFailures = new Counter({
    name: 'muxgate_run_failures_total',
    help: 'Runs that failed (muxgate_runs_total{status="failed"}), by their RunFailed code',
    labelNames: ['code'],
    registers: [this.registry],
  });
  private readonly activeRuns = new Gauge({ name: 'muxgate_runs_active', help: 'Runs in flight', registers: [this.registry] });
  private readonly runDuration = new Histogram({
    name: 'muxgate_run_duration_seconds',
    help: 'From the chat arriving to the run ending, by how it ended',
    labelNames: ['status'],
    buckets: RUN_BUCKETS,
    registers: [this.registry],
  });
  private readonly timeToFirstToken = new Histogram({
    name: 'muxgate_time_to_first_token_seconds',
    help: 'From the chat arriving to the first text of its answer',
    buckets: FIRST_TOKEN_BUCKETS,
    registers: [this.registry],
  });
  private readonly tokenCounter = new Counter({ name: 'muxgate_model_tokens_total', help: 'Tokens upstream models reported using, by direction', labelNames: ['type'], registers: [this.registry] });
  private readonly upstreamErrors = new Counter({
    name: 'muxgate_upstream_errors_total',
    help: 'Failed model calls (after the provider client\'s own retries), by error code and upstream HTTP status',
    labelNames: ['code', 'status'],
    registers: [this.registry],
  });
  private readonly subscriptions = new Gauge({ name: 'muxgate_subscriptions_active', help: 'Open GraphQL subscriptions, by transport', labelNames: ['transport'], registers: [this.registry] });
  private readonly queryDuration = new Histogram({
    name: 'muxgate_db_query_duration_seconds',
    help: 'Database statements, by verb and main table',
    labelNames: ['statement'],
    buckets: QUERY_BUCKETS,
    registers: [this.registry],
  });
  private readonly cacheHits = new Counter({ name: 'muxgate_cache_hits_total', help: 'Cache lookups answered from the cache', labelNames: ['cache'], registers: [this.registry] });
  private readonly cacheMisses = new Counter({ name: 'muxgate_cache_misses_total', help: 'Cache lookups that had to load or compute', labelNames: ['cache'], registers: [this.registry] });

  private readonly memoryEvents = new Counter({
    name: 'muxgate_memory_events_total',
    help: 'Memory background work by outcome: facts extracted (kept, unchanged, superseded, dropped) and failed extractions and embeddings',
    labelNames: ['event'],
    registers: [this.registry],
  });
  private readonly indexQueue = new Gauge({
    name: 'muxgate_memory_index_queue_depth',
    help: 'Settled messages waiting in memory\'s indexing queue (at most MEMORY_INDEX_QUEUE_MAX; past it they are dropped, counted as muxgate_memory_events_total{event="index_dropped"}, and left to the backfill)',
    registers: [this.registry],
  });
  private readonly spendTokens = new Counter({
    name: 'muxgate_spend_tokens_total',
    help: 'Tokens (input + output) spent, by key group (an API key\'s id, env-admin, env-user, none) and model',
    labelNames: ['key_group', 'model'],
    registers: [this.registry],
  });
  private readonly spendDollars = new Counter({
    name: 'muxgate_spend_usd_total',
    help: 'US dollars spent (MODEL_PRICES; unpriced models count nothing), by key group and model',
    labelNames: ['key_group', 'model'],
    registers: [this.registry],
  });
  private readonly spendChildren = new Map<string, { tokens: Counter.Internal; dollars: Counter.Internal }>();
  private readonly budgetsCrossed = new Counter({
    name: 'muxgate_budgets_crossed_total',
    help: 'Budgets whose spend reached their limit, by scope and whether they are hard (refuse and stop runs) or soft (warn only)',
    labelNames: ['scope', 'hard'],
    registers: [this.registry],
  });
  private readonly memoryEventsBy = bind(MEMORY_EVENTS, (event) => this.memoryEvents.labels(event));
  private readonly runsBy = bind(RUN_OUTCOMES, (status) => ({ count: this.runs.labels(status), duration: this.runDuration.labels(status) }));
  private readonly failuresBy = bind(FAILURE_CODES, (code) => this.runFailures.labels(code));
  private readonly inputTokens = this.tokenCounter.labels('input');
  private readonly outputTokens = this.tokenCounter.labels('output');
  private readonly subscriptionsBy = bind(SUBSCRIPTION_TRANSPORTS, (transport) => this.subscriptions.labels(transport));
  private readonly cacheMeters = bind(CACHE_NAMES, (name): CacheMeter => {
    const hits = this.cacheHits.labels(name);
    const misses = this.cacheMisses.labels(name);
    return { hit: () => hits.inc(), miss: () => misses.inc() };
  });
  private readonly queryHistograms = new Map<string, Histogram.Internal<string>>();

  constructor() {
    // Zeros from the start, so a rate or a ratio has a series to work on before the first event.
    for (const status of RUN_OUTCOMES) {
      this.runs.labels(status).inc(0);
      this.runDuration.zero({ status });
    }
    for (const transport of SUBSCRIPTION_TRANSPORTS) this.subscriptionsBy[transport].set(0);
    for (const name of CACHE_NAMES) {
      this.cacheHits.labels(name).inc(0);
      this.cacheMisses.labels(name).inc(0);
    }
    for (const code of FAILURE_CODES) this.failuresBy[code].inc(0);
    this.runsStartedCounter.inc(0);
    this.memoryEventsBy.index_dropped.inc(0);
    this.inputTokens.inc(0);
    this.outputTokens.inc(0);
  }

  /** Created only when tracing is on (OTEL_EXPORTER_OTLP_ENDPOINT): without it, /metrics has no such series. */
  private spansDroppedBy: Record<SpanDropReason, { inc(value?: number): void }> | undefined;

  /** Tracing is on: the dropped-spans counter starts at zero for each reason. */
  tracingStarted(): void {
    const counter = new Counter({ name: 'muxgate_trace_spans_dropped_total', help: 'Spans that never reached the collector: its export failed (down, refused, timed out) or the queue was full', labelNames: ['reason'], registers: [this.registry] });
    this.spansDroppedBy = bind(SPAN_DROP_REASONS, (reason) => {
      const child = counter.labels(reason);
      child.inc(0);
      return child;
    });
  }

  spansDropped(reason: SpanDropReason, count: number): void {
    if (count > 0) this.spansDroppedBy?.[reason].inc(count);
  }

  runStarted(receivedAt: number): RunMeter {
    this.activeRuns.inc();
    this.runsStartedCounter.inc();
    let firstTokenSeen = false;
    let ended = false;
    return {
      firstToken: () => {
        if (firstTokenSeen) return;
        firstTokenSeen = true;
        this.timeToFirstToken.observe((performance.now() - receivedAt) / 1000);
      },
      ended: (outcome: RunOutcome, failureCode?: string) => {
        if (ended) return;
        ended = true;
        this.activeRuns.dec();
        if (outcome === 'failed') (this.failuresBy[failureCode as FailureCode] ?? this.failuresBy.INTERNAL).inc();
        const { count, duration } = this.runsBy[outcome];
        count.inc();
        duration.observe((performance.now() - receivedAt) / 1000);
      },
    };
  }

  tokens(input: number, output: number): void {
    if (input > 0) this.inputTokens.inc(input);
    if (output > 0) this.outputTokens.inc(output);
  }

  spend(keyGroup: string, model: string, tokens: number, costUsd: number | null): void {
    if (tokens <= 0 && !(costUsd !== null && costUsd > 0)) return;
    // The children of a key group and model, kept: labels() hashes its values on every call.
    const key = `${keyGroup}\u0000${model}`;
    let children = this.spendChildren.get(key);
    if (!children) this.spendChildren.set(key, (children = { tokens: this.spendTokens.labels(keyGroup, model), dollars: this.spendDollars.labels(keyGroup, model) }));
    if (tokens > 0) children.tokens.inc(tokens);
    if (costUsd !== null && costUsd > 0) children.dollars.inc(costUsd);
  }

  budgetCrossed(scope: 'KEY' | 'USER', hard: boolean): void {
    this.budgetsCrossed.labels(scope, String(hard)).inc();
  }

  upstreamError(code: string, status: number | undefined): void {
    // Anything but an HTTP status would make the label unbounded.
    const statusLabel = status !== undefined && Number.isInteger(status) && status >= 100 && status <= 599 ? String(status) : 'none';
    this.upstreamErrors.labels(code, statusLabel).inc();
  }

  memoryEvent(event: MemoryEvent, count = 1): void {
    if (count > 0) this.memoryEventsBy[event].inc(count);
  }

  memoryIndexQueue(depth: number): void {
    this.indexQueue.set(depth);
  }

  cache(name: CacheName): CacheMeter {
    return this.cacheMeters[name];
  }

  subscriptionOpened(transport: SubscriptionTransport): () => void {
    const gauge = this.subscriptionsBy[transport];
    gauge.inc();
    let open = true;
    return () => {
      if (!open) return;
      open = false;
      gauge.dec();
    };
  }

  databaseQuery(sql: string, durationMs: number): void {
    const statement = this.statements.nameOf(sql);
    let histogram = this.queryHistograms.get(statement);
    if (!histogram) this.queryHistograms.set(statement, (histogram = this.queryDuration.labels(statement)));
    histogram.observe(durationMs / 1000);
  }

  async snapshot(): Promise<MetricsSnapshot> {
    const [started, active, tokens, firstToken, failures, subscriptions] = await Promise.all([
      this.runsStartedCounter.get(),
      this.activeRuns.get(),
      this.tokenCounter.get(),
      this.timeToFirstToken.get(),
      this.runFailures.get(),
      this.subscriptions.get(),
    ]);
    const sum = (values: Array<{ value: number }>) => values.reduce((total, { value }) => total + value, 0);
    return {
      runsStarted: sum(started.values),
      runsActive: sum(active.values),
      inputTokens: sum(tokens.values.filter((v) => v.labels.type === 'input')),
      outputTokens: sum(tokens.values.filter((v) => v.labels.type === 'output')),
      firstTokenBuckets: firstToken.values
        .filter((v) => v.metricName === 'muxgate_time_to_first_token_seconds_bucket')
        .map((v) => ({ le: v.labels.le === '+Inf' ? Infinity : Number(v.labels.le), count: v.value })),
      failuresByCode: Object.fromEntries(failures.values.map((v) => [String(v.labels.code), v.value])),
      subscriptionsActive: sum(subscriptions.values),
    };
  }

  /** Prometheus text: the process's default metrics, then this gateway's. */
  async render(): Promise<string> {
    const [process, gateway] = await Promise.all([processMetrics().metrics(), this.registry.metrics()]);
    return `${process}\n${gateway}`;
  }
}

/** A cancelled run is counted as cancelled, not as a failure. */
const FAILURE_CODES = RUN_FAILURE_CODES.filter((code) => code !== 'CANCELLED');
type FailureCode = (typeof FAILURE_CODES)[number];

function bind<K extends string, V>(keys: readonly K[], make: (key: K) => V): Record<K, V> {
  return Object.fromEntries(keys.map((key) => [key, make(key)])) as Record<K, V>;
}
