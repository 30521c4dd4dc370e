import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import { graphql } from '../gql';
import type { StudioBudgetsQuery, StudioUsageQuery } from '../gql/graphql';
import { useQuery } from '../hooks';
import { useSession } from '../session';
import { ErrorBox, Loading, PageHeader } from '../ui';
import './usage.css';

export const UsageQuery = graphql(`
  query StudioUsage($from: DateTime!, $to: DateTime!, $bucket: UsageDimension!, $filter: UsageFilter, $admin: Boolean!) {
    overTime: usage(from: $from, to: $to, groupBy: [$bucket], filter: $filter) {
      from
      to
      totals {
        calls
        inputTokens
        outputTokens
        cachedTokens
        reasoningTokens
        totalTokens
        costUsd
        unpricedCalls
      }
      groups {
        bucketStart
        calls
        totalTokens
        costUsd
      }
      unpricedModels
    }
    byUser: usage(from: $from, to: $to, groupBy: [USER], filter: $filter) @include(if: $admin) {
      groups {
        userId
        calls
        inputTokens
        outputTokens
        totalTokens
        costUsd
        unpricedCalls
      }
    }
    byKey: usage(from: $from, to: $to, groupBy: [KEY], filter: $filter) {
      groups {
        keyId
        calls
        inputTokens
        outputTokens
        totalTokens
        costUsd
        unpricedCalls
      }
    }
    byAgent: usage(from: $from, to: $to, groupBy: [AGENT], filter: $filter) {
      groups {
        agentId
        calls
        inputTokens
        outputTokens
        totalTokens
        costUsd
        unpricedCalls
      }
    }
    byModel: usage(from: $from, to: $to, groupBy: [MODEL], filter: $filter) {
      groups {
        model
        calls
        inputTokens
        outputTokens
        totalTokens
        costUsd
        unpricedCalls
      }
    }
  }
`);

const KeyLabels = graphql(`
  query StudioKeyLabels {
    apiKeys {
      id
      label
      userId
    }
  }
`);

const BudgetsQuery = graphql(`
  query StudioBudgets {
    budgets {
      id
      scope
      keyId
      userId
      metric
      period
      limit
      spent
      remaining
      resetsAt
      hard
      exceeded
    }
  }
`);

type Budget = StudioBudgetsQuery['budgets'][number];

type Bucket = 'DAY' | 'HOUR';
type Preset = '24h' | '7d' | '30d' | '90d' | 'custom';
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** The API sums at most 31 days by hour. */
const MAX_HOURLY_DAYS = 31;

const PRESETS: Array<{ value: Preset; label: string; days: number }> = [
  { value: '24h', label: 'Last 24 hours', days: 1 },
  { value: '7d', label: 'Last 7 days', days: 7 },
  { value: '30d', label: 'Last 30 days', days: 30 },
  { value: '90d', label: 'Last 90 days', days: 90 },
  { value: 'custom', label: 'Dates…', days: 0 },
];

const startOfUtcDay = (ms: number) => Math.floor(ms / DAY_MS) * DAY_MS;
const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** [from, to) aligned on the buckets: the current hour or day is the last one shown. */
function rangeOf(preset: Preset, custom: { from: string; to: string }, now: number): { from: number; to: number } {
  if (preset === 'custom') {
    const from = Date.parse(`${custom.from}T00:00:00Z`);
    const to = Date.parse(`${custom.to}T00:00:00Z`) + DAY_MS;
    if (Number.isFinite(from) && Number.isFinite(to) && from < to) return { from, to };
  }
  if (preset === '24h') {
    const to = Math.floor(now / HOUR_MS) * HOUR_MS + HOUR_MS;
    return { from: to - DAY_MS, to };
  }
  const days = PRESETS.find((entry) => entry.value === preset)?.days ?? 30;
  const to = startOfUtcDay(now) + DAY_MS;
  return { from: to - days * DAY_MS, to };
}

/** Dollars: cents from $1, four decimals from a cent, three significant digits below (a chat costs fractions of a cent). */
const usd = (value: number) =>
  value === 0
    ? '$0.00'
    : value >= 1
      ? `$${value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`
      : value >= 0.01
        ? `$${value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 4 })}`
        : `$${value.toLocaleString('en-US', { maximumSignificantDigits: 3 })}`;
const count = (value: number) => value.toLocaleString('en-US');
const bucketLabel = (ms: number, bucket: Bucket) => (bucket === 'DAY' ? isoDate(ms) : `${new Date(ms).toISOString().slice(0, 13).replace('T', ' ')}:00`);

interface Sums {
  calls: number;
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  costUsd: number;
  unpricedCalls: number;
}

function SumsTable({ title, id, rows, none }: { title: string; id: string; rows: Array<Sums & { name: string }>; none: string }) {
  return (
    <section class="card usage-table" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{title}</h2>
      {rows.length === 0 ? (
        <p class="muted">{none}</p>
      ) : (
        <div class="table-wrap" tabIndex={0} role="region" aria-labelledby={`${id}-title`}>
          <table data-testid={id}>
            <thead>
              <tr>
                <th scope="col">{title.replace(/^By /, '').replace(/^./, (c) => c.toUpperCase())}</th>
                <th scope="col" class="num">
                  Cost
                </th>
                <th scope="col" class="num">
                  Tokens
                </th>
                <th scope="col" class="num">
                  In / out
                </th>
                <th scope="col" class="num">
                  Calls
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.name}>
                  <th scope="row">{row.name}</th>
                  <td class="num">
                    {usd(row.costUsd)}
                    {row.unpricedCalls > 0 ? <small class="muted unpriced"> {row.unpricedCalls} unpriced</small> : null}
                  </td>
                  <td class="num">{count(row.totalTokens)}</td>
                  <td class="num">
                    {count(row.inputTokens)} / {count(row.outputTokens)}
                  </td>
                  <td class="num">{count(row.calls)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** A bar per bucket (gaps filled with zero), in UTC; the same figures as a table for screen readers and copying. */
function OverTimeChart({ points, bucket, metric }: { points: Array<{ at: number; value: number }>; bucket: Bucket; metric: 'cost' | 'tokens' }) {
  const holder = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = holder.current;
    if (!element) return;
    const format = (value: number) => (metric === 'cost' ? usd(value) : count(Math.round(value)));
    const half = (bucket === 'DAY' ? DAY_MS : HOUR_MS) / 2000;
    const chart = new uPlot(
      {
        width: Math.max(element.clientWidth, 200),
        height: 220,
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC'),
        // Half a bucket of room each side, so the first and last bars are whole.
        scales: { x: { time: true, range: (_u, min, max) => [min - half, max + half] }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        series: [
          {},
          {
            label: metric === 'cost' ? 'Cost (USD)' : 'Tokens',
            stroke: '#1f4fd1',
            fill: 'rgba(31, 79, 209, 0.35)',
            width: 1,
            paths: uPlot.paths.bars!({ size: [0.7, 48] }),
            points: { show: false },
          },
        ],
        axes: [{ stroke: '#4d5560' }, { stroke: '#4d5560', size: 70, values: (_u, values) => values.map(format) }],
      },
      // Empty buckets draw nothing (null), rather than a flat bar at zero.
      [points.map((point) => point.at / 1000), points.map((point) => (point.value > 0 ? point.value : null))],
      element,
    );
    const resize = new ResizeObserver(() => chart.setSize({ width: Math.max(element.clientWidth, 200), height: 220 }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      chart.destroy();
    };
  }, [points, metric, bucket]);
  const title = `${metric === 'cost' ? 'Cost' : 'Tokens'} per ${bucket === 'DAY' ? 'day' : 'hour'} (UTC)`;
  return (
    <figure class="usage-chart">
      <figcaption id="usage-chart-title">{title}</figcaption>
      <div ref={holder} class="chart" role="img" aria-labelledby="usage-chart-title" data-testid="usage-chart" />
      <details>
        <summary>Show as a table</summary>
        <div class="table-wrap" tabIndex={0} role="region" aria-label={`${title}, as a table`}>
          <table data-testid="usage-over-time">
            <thead>
              <tr>
                <th scope="col">{bucket === 'DAY' ? 'Day' : 'Hour'}</th>
                <th scope="col" class="num">
                  {metric === 'cost' ? 'Cost' : 'Tokens'}
                </th>
              </tr>
            </thead>
            <tbody>
              {points
                .filter((point) => point.value > 0)
                .map((point) => (
                  <tr key={point.at}>
                    <th scope="row">{bucketLabel(point.at, bucket)}</th>
                    <td class="num">{metric === 'cost' ? usd(point.value) : count(point.value)}</td>
                  </tr>
                ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}

/** Budgets with this period's spend; `refreshed` reruns the query with the page's Refresh. */
function BudgetsSection({ keyName, refreshed }: { keyName: (id: string | null | undefined) => string; refreshed: number }) {
  const session = useSession();
  const budgets = useQuery(BudgetsQuery, {});
  const reload = budgets.reload;
  const first = useRef(refreshed);
  useEffect(() => {
    if (refreshed !== first.current) void reload();
  }, [refreshed, reload]);
  const all = budgets.data?.budgets ?? [];
  const amount = (budget: Budget, value: number) => (budget.metric === 'COST' ? usd(value) : `${count(value)} tokens`);
  return (
    <section class="card" aria-labelledby="budgets-title">
      <h2 id="budgets-title">Budgets</h2>
      <Loading when={budgets.loading && !budgets.data} />
      <ErrorBox error={budgets.error} />
      {budgets.data && all.length === 0 ? (
        <p class="muted">
          No budget is set{session.isAdmin ? <>: an admin sets one per API key or user with the <code>setBudget</code> mutation (GraphQL, at /graphql).</> : '.'}
        </p>
      ) : null}
      {all.length ? (
        <div class="table-wrap" tabIndex={0} role="region" aria-labelledby="budgets-title">
          <table data-testid="budgets">
            <thead>
              <tr>
                <th scope="col">For</th>
                <th scope="col">Per</th>
                <th scope="col" class="num">
                  Spent
                </th>
                <th scope="col" class="num">
                  Left
                </th>
                <th scope="col">Resets</th>
              </tr>
            </thead>
            <tbody>
              {all.map((budget) => (
                <tr key={budget.id}>
                  <th scope="row">
                    {budget.scope === 'USER' ? `user ${budget.userId}` : `key ${keyName(budget.keyId)}`} {budget.hard ? null : <span class="badge muted-badge">soft</span>}
                    {budget.exceeded ? <span class="badge status-FAILED">exceeded</span> : null}
                  </th>
                  <td>{budget.period === 'DAY' ? 'day' : 'month'}</td>
                  <td class="num">
                    {amount(budget, budget.spent)} of {amount(budget, budget.limit)}
                    <meter min={0} max={budget.limit} low={budget.limit * 0.75} high={budget.limit * 0.9} optimum={0} value={Math.min(budget.spent, budget.limit)} aria-label={`Spent of the budget for ${budget.scope === 'USER' ? `user ${budget.userId}` : `key ${keyName(budget.keyId)}`}`} />
                  </td>
                  <td class="num">{amount(budget, budget.remaining)}</td>
                  <td>{new Date(budget.resetsAt).toISOString().replace('T', ' ').slice(0, 16)} UTC</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

export function UsagePage(_: { path: string }) {
  const session = useSession();
  const [preset, setPreset] = useState<Preset>('30d');
  const [custom, setCustom] = useState(() => ({ from: isoDate(Date.now() - 6 * DAY_MS), to: isoDate(Date.now()) }));
  const [bucketChoice, setBucketChoice] = useState<Bucket>('DAY');
  // Until chosen: cost, or tokens where nothing in the range has a price (a cost chart of zeros says nothing).
  const [chosenMetric, setMetric] = useState<'cost' | 'tokens' | undefined>(undefined);
  const [userDraft, setUserDraft] = useState('');
  const [user, setUser] = useState('');
  const [refreshed, setRefreshed] = useState(() => Date.now());
  // The range is worked out when its inputs change, not on every render (the query reruns when it does).
  const range = useMemo(() => rangeOf(preset, custom, refreshed), [preset, custom, refreshed]);
  const hourly = range.to - range.from <= MAX_HOURLY_DAYS * DAY_MS;
  const bucket: Bucket = hourly ? bucketChoice : 'DAY';
  const usage = useQuery(UsageQuery, {
    from: new Date(range.from).toISOString(),
    to: new Date(range.to).toISOString(),
    bucket,
    filter: session.isAdmin && user ? { userId: user } : null,
    admin: session.isAdmin,
  });
  const keys = useQuery(KeyLabels, {}, { skip: !session.isAdmin });
  const data: StudioUsageQuery | undefined = usage.data;
  const metric = chosenMetric ?? (data && data.overTime.totals.costUsd === 0 && data.overTime.totals.totalTokens > 0 ? 'tokens' : 'cost');

  const points = useMemo(() => {
    if (!data) return [];
    const step = bucket === 'DAY' ? DAY_MS : HOUR_MS;
    const values = new Map(data.overTime.groups.map((group) => [Date.parse(group.bucketStart ?? ''), metric === 'cost' ? group.costUsd : group.totalTokens]));
    const out: Array<{ at: number; value: number }> = [];
    for (let at = Math.floor(range.from / step) * step; at < range.to; at += step) out.push({ at, value: values.get(at) ?? 0 });
    return out;
  }, [data, bucket, metric, range]);

  const keyName = (id: string | null | undefined) => {
    if (!id) return 'none';
    const key = keys.data?.apiKeys.find((candidate) => candidate.id === id);
    return key?.label ? `${key.label} (${id.slice(0, 8)})` : id;
  };
  const totals = data?.overTime.totals;

  return (
    <section aria-labelledby="page-title">
      <PageHeader title="Usage">
        <button type="button" class="secondary" onClick={() => setRefreshed(Date.now())} disabled={usage.loading}>
          Refresh
        </button>
      </PageHeader>
      <form
        class="card usage-controls"
        aria-label="Range and grouping"
        onSubmit={(event) => {
          event.preventDefault();
          setUser(userDraft.trim());
        }}
      >
        <div class="field">
          <label for="usage-range">Range</label>
          <select id="usage-range" value={preset} onChange={(event) => setPreset(event.currentTarget.value as Preset)}>
            {PRESETS.map((entry) => (
              <option key={entry.value} value={entry.value}>
                {entry.label}
              </option>
            ))}
          </select>
        </div>
        {preset === 'custom' ? (
          <>
            <div class="field">
              <label for="usage-from">From (UTC)</label>
              <input id="usage-from" type="date" value={custom.from} max={custom.to} onChange={(event) => setCustom({ ...custom, from: event.currentTarget.value })} />
            </div>
            <div class="field">
              <label for="usage-to">To (UTC, included)</label>
              <input id="usage-to" type="date" value={custom.to} min={custom.from} onChange={(event) => setCustom({ ...custom, to: event.currentTarget.value })} />
            </div>
          </>
        ) : null}
        <div class="field">
          <label for="usage-bucket">Per</label>
          <select id="usage-bucket" value={bucket} onChange={(event) => setBucketChoice(event.currentTarget.value as Bucket)} aria-describedby={hourly ? undefined : 'usage-bucket-hint'}>
            <option value="DAY">Day</option>
            <option value="HOUR" disabled={!hourly}>
              Hour
            </option>
          </select>
          {hourly ? null : (
            <small id="usage-bucket-hint" class="muted">
              Hours: {MAX_HOURLY_DAYS} days at most.
            </small>
          )}
        </div>
        <div class="field">
          <label for="usage-metric">Chart</label>
          <select id="usage-metric" value={metric} onChange={(event) => setMetric(event.currentTarget.value as 'cost' | 'tokens')}>
            <option value="cost">Cost</option>
            <option value="tokens">Tokens</option>
          </select>
        </div>
        {session.isAdmin ? (
          <div class="field usage-user">
            <label for="usage-user">User</label>
            <div class="usage-user-row">
              <input id="usage-user" value={userDraft} placeholder="Everyone" onInput={(event) => setUserDraft(event.currentTarget.value)} />
              <button type="submit">Apply</button>
            </div>
          </div>
        ) : null}
      </form>
      <p class="muted" data-testid="usage-range">
        {isoDate(range.from)} to {isoDate(range.to - 1)} (UTC){session.isAdmin ? (user ? `, user ${user}` : ', everyone') : ', your calls only'}.
      </p>
      <Loading when={usage.loading && !usage.data} />
      <ErrorBox error={usage.error ?? keys.error} />
      {data && totals ? (
        <>
          <dl class="usage-totals" aria-label="Totals" data-testid="usage-totals">
            <div>
              <dt>Cost</dt>
              <dd>{usd(totals.costUsd)}</dd>
            </div>
            <div>
              <dt>Tokens</dt>
              <dd>{count(totals.totalTokens)}</dd>
            </div>
            <div>
              <dt>In / out</dt>
              <dd>
                {count(totals.inputTokens)} / {count(totals.outputTokens)}
              </dd>
            </div>
            <div>
              <dt>Cached / reasoning</dt>
              <dd>
                {count(totals.cachedTokens)} / {count(totals.reasoningTokens)}
              </dd>
            </div>
            <div>
              <dt>Calls</dt>
              <dd>{count(totals.calls)}</dd>
            </div>
          </dl>
          {data.overTime.unpricedModels.length ? (
            <p class="usage-unpriced" role="note" data-testid="usage-unpriced">
              No price in MODEL_PRICES, so not in the cost ({count(totals.unpricedCalls)} {totals.unpricedCalls === 1 ? 'call' : 'calls'}): {data.overTime.unpricedModels.join(', ')}.
            </p>
          ) : null}
          <section class="card" aria-label="Over time">
            <OverTimeChart points={points} bucket={bucket} metric={metric} />
          </section>
          <div class="usage-tables">
            {data.byUser ? <SumsTable title="By user" id="usage-by-user" none="No calls." rows={data.byUser.groups.map((group) => ({ ...group, name: group.userId ?? 'no user' }))} /> : null}
            <SumsTable title="By key" id="usage-by-key" none="No calls." rows={data.byKey.groups.map((group) => ({ ...group, name: keyName(group.keyId) }))} />
            <SumsTable title="By agent" id="usage-by-agent" none="No calls." rows={data.byAgent.groups.map((group) => ({ ...group, name: group.agentId ?? 'no agent' }))} />
            <SumsTable title="By model" id="usage-by-model" none="No calls." rows={data.byModel.groups.map((group) => ({ ...group, name: group.model ?? '—' }))} />
          </div>
        </>
      ) : null}
      <BudgetsSection keyName={keyName} refreshed={refreshed} />
    </section>
  );
}
