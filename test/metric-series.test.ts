import { describe, expect, it } from 'vitest';
import { bucketQuantile } from '../src/core/metrics/metric-history.js';
import { storageBackendNames } from './support/backends.js';
import { ADMIN_KEY } from './support/gateway.js';
import { upstreamWorld } from './support/gateway-with-upstream.js';
import { createAgent } from './support/memory.js';
import { until } from './support/replica-streams.js';
import { collect } from './support/subscriptions.js';

/**
 * The console's Metrics page, over the API: `metrics` (admins only) answers this replica's last
 * hour in points sampled in memory from the registry /metrics renders: runs started per second,
 * time to first token p50/p95, tokens per second, failures by code, subscriptions open.
 */

const SERIES = `query($w: Int) { metrics(windowSeconds: $w) { replicaId intervalSeconds points {
  at seconds runsStartedPerSecond runsActive firstTokenP50Ms firstTokenP95Ms inputTokensPerSecond outputTokensPerSecond failures { code count } subscriptionsActive } } }`;

describe('time to first token from histogram buckets', () => {
  it('reads a quantile as histogram_quantile does', () => {
    // 10 observations: 4 under 0.1 s, 4 more under 0.5 s, 2 more under 1 s.
    const buckets = [{ le: 0.1, count: 4 }, { le: 0.5, count: 8 }, { le: 1, count: 10 }, { le: Infinity, count: 10 }];
    expect(bucketQuantile(0.5, buckets)).toBeCloseTo(0.1 + 0.4 * (1 / 4));
    expect(bucketQuantile(0.95, buckets)).toBeCloseTo(0.5 + 0.5 * (1.5 / 2));
    expect(bucketQuantile(0.2, buckets)).toBeCloseTo(0.05);
    // Past the last finite bound: that bound. None observed: null.
    expect(bucketQuantile(0.99, [{ le: 1, count: 0 }, { le: Infinity, count: 3 }])).toBe(1);
    expect(bucketQuantile(0.5, [{ le: 1, count: 0 }, { le: Infinity, count: 0 }])).toBeNull();
  });
});

describe.each(storageBackendNames())('the metrics query on %s', (backend) => {
  const world = upstreamWorld(backend, { ENABLE_EMBEDDINGS: 'false', METRICS_SAMPLE_MS: '100' }, async () => createAgent(world.gw, { id: 'assistant' }));
  const series = async (credential = ADMIN_KEY, windowSeconds?: number) => world.gw.gql(SERIES, { w: windowSeconds }, credential);

  it('is for admins only', async () => {
    expect((await series(world.alice)).body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await world.gw.gql(SERIES, {})).body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('charts runs, time to first token, tokens, failures by code and subscriptions from the counters /metrics shows', async () => {
    const { gw, fake } = world;
    const watcher = collect(gw.ws({ authorization: `Bearer ${ADMIN_KEY}` }), `subscription { runsChanged { kind } }`);
    await until(() => gw.orchestrator.liveRuns.subscriberCount === 1, 'the subscription');
    const started = new Date();
    fake.enqueue({ text: 'one two three', usage: { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 } });
    expect((await gw.gql(`mutation { chat(input: { message: "count me" }) { message { status } } }`, {}, world.alice)).body.data.chat.message.status).toBe('COMPLETE');
    fake.enqueue({ status: 500, errorMessage: 'upstream broke' });
    expect((await gw.gql(`mutation { chat(input: { message: "fail me" }) { message { status } } }`, {}, world.alice)).body.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');

    // Points since this test began, once they hold both runs.
    const points: any[] = await until(async () => {
      const body = (await series()).body;
      expect(body.errors).toBeUndefined();
      const recent = (body.data.metrics.points as any[]).filter((p) => Date.parse(p.at) > started.getTime());
      const runs = recent.reduce((total, p) => total + p.runsStartedPerSecond * p.seconds, 0);
      return Math.round(runs) === 2 && recent.some((p) => p.failures.length > 0) ? recent : undefined;
    }, 'points with both runs');
    const sum = (pick: (p: any) => number) => points.reduce((total: number, p: any) => total + pick(p) * p.seconds, 0);
    expect(sum((p) => p.outputTokensPerSecond)).toBeCloseTo(3);
    expect(sum((p) => p.inputTokensPerSecond)).toBeCloseTo(12);
    expect(points.flatMap((p: any) => p.failures)).toEqual([{ code: 'UPSTREAM_UNAVAILABLE', count: 1 }]);
    const withFirstToken = points.filter((p: any) => p.firstTokenP50Ms !== null);
    expect(withFirstToken).toHaveLength(1);
    expect(withFirstToken[0].firstTokenP95Ms).toBeGreaterThanOrEqual(withFirstToken[0].firstTokenP50Ms);
    expect(points.every((p: any) => p.subscriptionsActive >= 1 && p.runsActive >= 0)).toBe(true);
    expect(points.map((p: any) => p.at)).toEqual(points.map((p: any) => p.at).sort());

    // The same counters, on /metrics.
    const text = await (await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).text();
    expect(text).toMatch(/^muxgate_runs_started_total 2$/m);
    expect(text).toMatch(/^muxgate_run_failures_total\{code="UPSTREAM_UNAVAILABLE"\} 1$/m);
    expect(text).toMatch(/^muxgate_run_failures_total\{code="INTERNAL"\} 0$/m);

    // A window holds the points that end in it; the interval and the replica are named.
    const whole = (await series()).body.data.metrics;
    expect(whole.intervalSeconds).toBe(0.1);
    expect(whole.replicaId).toBe(gw.orchestrator.replicaId);
    const last = (await series(ADMIN_KEY, 1)).body.data.metrics.points as any[];
    expect(last.every((p) => Date.parse(p.at) > Date.now() - 1_500)).toBe(true);
    expect((await series(ADMIN_KEY, 0)).body.data.metrics.points).toEqual([]);
    watcher.unsubscribe();
  });
});
