import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError, request } from '../client';
import { type ChartSeries, TimeChart } from '../components/time-chart';
import { graphql } from '../gql';
import type { StudioMetricsQuery } from '../gql/graphql';
import { useSession } from '../session';
import { ErrorBox, PageHeader, formatTime } from '../ui';
import './runs-metrics.css';

const MetricsQuery = graphql(`
  query StudioMetrics($windowSeconds: Int) {
    metrics(windowSeconds: $windowSeconds) {
      replicaId
      intervalSeconds
      points {
        at
        seconds
        runsStartedPerSecond
        runsActive
        firstTokenP50Ms
        firstTokenP95Ms
        inputTokensPerSecond
        outputTokensPerSecond
        failures {
          code
          count
        }
        subscriptionsActive
      }
    }
  }
`);

type Series = StudioMetricsQuery['metrics'];

/** Colours with at least 3:1 contrast on white, told apart by more than hue (the p95 and input lines are dashed). */
const BLUE = '#1f4fd1';
const ORANGE = '#b35c00';
const GREEN = '#1d6b32';
const RED = '#a3201a';
const PURPLE = '#6b2fa3';
const FAILURE_COLOURS = [RED, ORANGE, PURPLE, BLUE, GREEN, '#4d5560', '#7a5200'];

const WINDOWS = [
  { seconds: 900, label: 'last 15 minutes' },
  { seconds: 3_600, label: 'last hour' },
];

const rate = (value: number) => (value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2));
const ms = (value: number) => (value >= 1_000 ? `${(value / 1_000).toFixed(1)} s` : `${Math.round(value)} ms`);
const count = (value: number) => String(Math.round(value));

/**
 * The gateway's last hour (the metrics field: points sampled in memory on the replica that answers,
 * every METRICS_SAMPLE_MS): runs started per second, time to first token p50/p95, tokens per
 * second, failures by code, subscriptions open. Polled every interval while the page is open.
 */
export function MetricsPage(_: { path: string }) {
  const session = useSession();
  const [windowSeconds, setWindowSeconds] = useState(3_600);
  const [data, setData] = useState<Series | undefined>(undefined);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [updatedAt, setUpdatedAt] = useState<string | undefined>(undefined);

  useEffect(() => {
    if (!session.isAdmin) return;
    let current = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      let next = 10_000;
      try {
        const result = await request(MetricsQuery, { windowSeconds });
        if (!current) return;
        setData(result.metrics);
        setError(undefined);
        setUpdatedAt(new Date().toISOString());
        next = Math.max(1_000, result.metrics.intervalSeconds * 1_000);
      } catch (caught) {
        if (!current) return;
        setError(caught instanceof ApiError ? caught : new ApiError(String(caught)));
      }
      if (current) timer = setTimeout(() => void poll(), next);
    };
    void poll();
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [windowSeconds, session.isAdmin]);

  const charts = useMemo(() => (data ? chartsOf(data) : undefined), [data]);

  if (!session.isAdmin) {
    return (
      <section aria-labelledby="page-title">
        <PageHeader title="Metrics" />
        <p class="empty">Metrics are for admins: sign in with an admin key to see the gateway’s last hour.</p>
      </section>
    );
  }
  return (
    <section aria-labelledby="page-title">
      <PageHeader title="Metrics">
        <label for="metrics-window">Window</label>
        <select id="metrics-window" value={windowSeconds} onChange={(event) => setWindowSeconds(Number(event.currentTarget.value))}>
          {WINDOWS.map((option) => (
            <option key={option.seconds} value={option.seconds}>
              {option.label}
            </option>
          ))}
        </select>
      </PageHeader>
      <ErrorBox error={error} />
      {data ? (
        <p class="muted" data-testid="metrics-about">
          Replica <code>{data.replicaId}</code>, a point every {data.intervalSeconds} s, sampled in memory; {data.points.length} point{data.points.length === 1 ? '' : 's'}. Updated{' '}
          {formatTime(updatedAt)}.
        </p>
      ) : (
        <p class="muted" role="status">
          Loading…
        </p>
      )}
      {data && data.points.length === 0 ? <p class="empty">No point yet: the first comes one interval after the gateway started.</p> : null}
      {charts ? (
        <div class="charts">
          <TimeChart id="runs" title="Runs started" unit="per second" times={charts.times} series={charts.runs} format={rate} />
          <TimeChart id="ttft" title="Time to first token" unit="milliseconds" times={charts.times} series={charts.ttft} format={ms} />
          <TimeChart id="tokens" title="Tokens" unit="per second" times={charts.times} series={charts.tokens} format={rate} />
          <TimeChart id="failures" title="Failed runs by code" unit="runs per interval" times={charts.times} series={charts.failures} format={count} integer />
          <TimeChart id="subscriptions" title="Open subscriptions" unit="subscriptions" times={charts.times} series={charts.subscriptions} format={count} integer />
        </div>
      ) : null}
    </section>
  );
}

function chartsOf(series: Series) {
  const points = series.points;
  const times = points.map((point) => Date.parse(point.at) / 1_000);
  const codes = [...new Set(points.flatMap((point) => point.failures.map((failure) => failure.code)))].sort();
  const failures: ChartSeries[] = codes.length
    ? codes.map((code, index) => ({
        label: code,
        color: FAILURE_COLOURS[index % FAILURE_COLOURS.length]!,
        values: points.map((point) => point.failures.find((failure) => failure.code === code)?.count ?? 0),
      }))
    : [{ label: 'all codes', color: RED, values: points.map(() => 0) }];
  return {
    times,
    runs: [
      { label: 'started per second', color: BLUE, values: points.map((point) => point.runsStartedPerSecond) },
      { label: 'in flight', color: GREEN, values: points.map((point) => point.runsActive), dash: [6, 4] },
    ],
    ttft: [
      { label: 'p50', color: BLUE, values: points.map((point) => point.firstTokenP50Ms ?? null), dots: true },
      { label: 'p95', color: ORANGE, values: points.map((point) => point.firstTokenP95Ms ?? null), dash: [6, 4], dots: true },
    ],
    tokens: [
      { label: 'output per second', color: BLUE, values: points.map((point) => point.outputTokensPerSecond) },
      { label: 'input per second', color: PURPLE, values: points.map((point) => point.inputTokensPerSecond), dash: [6, 4] },
    ],
    failures,
    subscriptions: [{ label: 'open', color: GREEN, values: points.map((point) => point.subscriptionsActive) }],
  };
}
