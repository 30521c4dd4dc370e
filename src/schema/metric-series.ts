import type { MetricPoint as MetricPointModel } from '../core/metrics/metric-history.js';
import { builder } from './builder.js';

export const FailureCount = builder.objectRef<{ code: string; count: number }>('FailureCount').implement({
  description: 'Runs that failed with one code.',
  fields: (t) => ({
    code: t.exposeString('code', { description: 'The RunFailed code (RunFailureCode; cancelled runs are not failures).' }),
    count: t.exposeInt('count', { description: 'How many.' }),
  }),
});

export const MetricPoint = builder.objectRef<MetricPointModel>('MetricPoint').implement({
  description: 'One interval of the replica’s activity, from the counters /metrics renders.',
  fields: (t) => ({
    at: t.expose('at', { type: 'DateTime', description: 'The interval’s end.' }),
    seconds: t.exposeFloat('seconds', { description: 'Its length.' }),
    runsStartedPerSecond: t.exposeFloat('runsStartedPerSecond', { description: 'Runs started (muxgate_runs_started_total) per second.' }),
    runsActive: t.exposeInt('runsActive', { description: 'Runs in flight at its end (muxgate_runs_active).' }),
    firstTokenP50Ms: t.exposeFloat('firstTokenP50Ms', { nullable: true, description: 'Median time to first token of the runs whose first token came in the interval (from muxgate_time_to_first_token_seconds’ buckets, as histogram_quantile reckons it); null when none did.' }),
    firstTokenP95Ms: t.exposeFloat('firstTokenP95Ms', { nullable: true, description: 'The 95th percentile, likewise.' }),
    inputTokensPerSecond: t.exposeFloat('inputTokensPerSecond', { description: 'Prompt tokens upstream models reported (muxgate_model_tokens_total{type="input"}) per second.' }),
    outputTokensPerSecond: t.exposeFloat('outputTokensPerSecond', { description: 'Completion tokens upstream models reported (muxgate_model_tokens_total{type="output"}) per second.' }),
    failures: t.expose('failures', { type: [FailureCount], description: 'Runs that failed in the interval, by code (muxgate_run_failures_total); codes with none left out.' }),
    subscriptionsActive: t.exposeInt('subscriptionsActive', { description: 'Open GraphQL subscriptions at its end, WebSocket and SSE (muxgate_subscriptions_active).' }),
  }),
});

export const MetricSeries = builder.objectRef<{ replicaId: string; intervalSeconds: number; points: MetricPointModel[] }>('MetricSeries').implement({
  description: 'This replica’s metrics over a window, a point per interval, sampled in memory (no Prometheus needed).',
  fields: (t) => ({
    replicaId: t.exposeID('replicaId', { description: 'The replica that answered (LiveRun.replicaId): each replica keeps its own history.' }),
    intervalSeconds: t.exposeFloat('intervalSeconds', { description: 'Seconds between points (METRICS_SAMPLE_MS).' }),
    points: t.expose('points', { type: [MetricPoint], description: 'Oldest first; none until the first interval has passed.' }),
  }),
});
