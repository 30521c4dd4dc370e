import { builder } from '../schema/builder.js';
import { LiveRun, RunChange } from '../schema/live-run.js';
import { MetricSeries } from '../schema/metric-series.js';

const USER_ID = 'Act for this user (admins and unbound user keys); a JWT acts for its own user. An admin who leaves it out sees every user’s runs.';

builder.queryFields((t) => ({
  runs: t.field({
    type: [LiveRun],
    description:
      'Runs in flight on every replica (RUNNING, and WAITING for their clients), newest first: the caller’s own; an admin’s, everyone’s. With runsChanged, a live view: list once, then apply the changes.',
    args: { userId: t.arg.id({ description: USER_ID }) },
    resolve: (_root, { userId }, { orchestrator, principal }) => orchestrator.liveRuns.list(principal, { userId }),
  }),
  metrics: t.field({
    type: MetricSeries,
    description: 'Admin only. This replica’s metrics over the last `windowSeconds` (at most 3,600), a point every METRICS_SAMPLE_MS (10 s), from the registry /metrics renders, kept in memory.',
    args: { windowSeconds: t.arg.int({ description: 'How far back, in seconds (at most 3,600).', defaultValue: 3_600 }) },
    resolve: (_root, { windowSeconds }, { orchestrator, principal }) => orchestrator.metricSeries(principal, windowSeconds ?? 3_600),
  }),
}));

builder.subscriptionField('runsChanged', (t) =>
  t.field({
    type: RunChange,
    description: 'Runs starting, progressing (at most once a second each) and ending on every replica, from now on: the caller’s own; an admin’s, everyone’s.',
    args: { userId: t.arg.id({ description: USER_ID }) },
    subscribe: (_root, { userId }, { orchestrator, principal }) => orchestrator.liveRuns.changes(principal, { userId }),
    resolve: (change) => change,
  }),
);
