import type { MetricsSnapshot } from './metrics.js';

/** One interval of the gateway's activity, as the console charts it. */
export interface MetricPoint {
  /** The interval's end. */
  at: Date;
  /** Its length in seconds (the first one may be short). */
  seconds: number;
  runsStartedPerSecond: number;
  /** Runs in flight at its end. */
  runsActive: number;
  /** Time to first token of the runs whose first token came in the interval, in ms (from the histogram's buckets); null when none did. */
  firstTokenP50Ms: number | null;
  firstTokenP95Ms: number | null;
  inputTokensPerSecond: number;
  outputTokensPerSecond: number;
  /** Runs that failed in the interval, by RunFailed code (codes with none left out). */
  failures: Array<{ code: string; count: number }>;
  /** Open GraphQL subscriptions at its end (WebSocket and SSE). */
  subscriptionsActive: number;
}

export interface MetricHistoryOptions {
  /** How often a point is taken (METRICS_SAMPLE_MS); 10 s. */
  intervalMs: number;
  /** How many are kept: 360 × 10 s is the last hour. */
  points: number;
}

export const DEFAULT_METRIC_HISTORY: MetricHistoryOptions = { intervalMs: 10_000, points: 360 };

/**
 * The last hour of the gateway's metrics, sampled in memory from the registry /metrics renders:
 * a timer reads its totals every interval and keeps the differences in a ring buffer. A chat
 * costs nothing here; no Prometheus is needed to chart them.
 */
export class MetricHistory {
  private readonly ring: Array<MetricPoint | undefined>;
  private next = 0;
  private previous: { snapshot: MetricsSnapshot; at: number } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private sampling: Promise<void> = Promise.resolve();

  constructor(
    private readonly read: () => Promise<MetricsSnapshot>,
    readonly options: MetricHistoryOptions = DEFAULT_METRIC_HISTORY,
    private readonly onError: (error: unknown) => void = () => {},
  ) {
    this.ring = new Array<MetricPoint | undefined>(options.points);
  }

  /** Takes the baseline now and a point every interval until close(). */
  start(): void {
    if (this.timer) return;
    this.sampling = this.sample();
    this.timer = setInterval(() => {
      this.sampling = this.sampling.then(() => this.sample());
    }, this.options.intervalMs);
    this.timer.unref();
  }

  /** The points of the last `seconds`, oldest first. */
  points(seconds: number): MetricPoint[] {
    const since = Date.now() - seconds * 1000;
    const size = this.ring.length;
    const found: MetricPoint[] = [];
    for (let i = 0; i < size; i++) {
      const point = this.ring[(this.next + i) % size];
      if (point && point.at.getTime() > since) found.push(point);
    }
    return found;
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async sample(): Promise<void> {
    try {
      const snapshot = await this.read();
      const now = Date.now();
      if (this.previous) {
        this.ring[this.next] = pointBetween(this.previous.snapshot, snapshot, (now - this.previous.at) / 1000, new Date(now));
        this.next = (this.next + 1) % this.ring.length;
      }
      this.previous = { snapshot, at: now };
    } catch (error) {
      this.onError(error);
    }
  }
}

/** What happened between two snapshots `seconds` apart. */
export function pointBetween(before: MetricsSnapshot, after: MetricsSnapshot, seconds: number, at: Date): MetricPoint {
  const rate = (a: number, b: number) => (seconds > 0 ? Math.max(0, b - a) / seconds : 0);
  const buckets = after.firstTokenBuckets.map(({ le, count }, i) => ({ le, count: count - (before.firstTokenBuckets[i]?.count ?? 0) }));
  const failures = Object.entries(after.failuresByCode)
    .map(([code, count]) => ({ code, count: count - (before.failuresByCode[code] ?? 0) }))
    .filter(({ count }) => count > 0);
  const quantileMs = (q: number) => {
    const seconds = bucketQuantile(q, buckets);
    return seconds === null ? null : Math.round(seconds * 1000 * 10) / 10;
  };
  return {
    at,
    seconds,
    runsStartedPerSecond: rate(before.runsStarted, after.runsStarted),
    runsActive: after.runsActive,
    firstTokenP50Ms: quantileMs(0.5),
    firstTokenP95Ms: quantileMs(0.95),
    inputTokensPerSecond: rate(before.inputTokens, after.inputTokens),
    outputTokensPerSecond: rate(before.outputTokens, after.outputTokens),
    failures,
    subscriptionsActive: after.subscriptionsActive,
  };
}

/**
 * The q-quantile of observations in cumulative buckets, as Prometheus' histogram_quantile reckons
 * it: linear within the bucket the rank falls in (from 0 for the first); one past the last finite
 * bound is that bound. Null without observations.
 */
export function bucketQuantile(q: number, buckets: ReadonlyArray<{ le: number; count: number }>): number | null {
  const total = buckets.at(-1)?.count ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const { le, count } of buckets) {
    if (count >= rank) {
      if (le === Infinity) return lower;
      if (count === below) return le;
      return lower + ((le - lower) * (rank - below)) / (count - below);
    }
    lower = le;
    below = count;
  }
  return lower;
}
