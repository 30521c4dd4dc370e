import { useEffect, useState } from 'preact/hooks';
import { ActAsField, useActAs } from '../act-as';
import { ApiError, request, subscribe } from '../client';
import { graphql } from '../gql';
import type { StudioRunEventFragment } from '../gql/graphql';
import { useMutation } from '../hooks';
import { emptyLiveRuns, formatMs, type LiveRunShape, type LiveRunsState, withChange, withList } from '../live-runs';
import { Link, navigate } from '../router';
import { CancelRun } from '../run-documents';
import { ErrorBox, Json, PageHeader, formatTime } from '../ui';
import './runs-metrics.css';

graphql(`
  fragment StudioLiveRun on LiveRun {
    id
    status
    agentId
    userId
    conversationId
    parentRunId
    startedAt
    timeToFirstTokenMs
    tokens
    replicaId
  }
`);

const RunsQuery = graphql(`
  query StudioRuns($userId: ID) {
    runs(userId: $userId) {
      ...StudioLiveRun
    }
  }
`);

const RunsChanged = graphql(`
  subscription StudioRunsChanged($userId: ID) {
    runsChanged(userId: $userId) {
      kind
      run {
        ...StudioLiveRun
      }
    }
  }
`);

const RunTimeline = graphql(`
  subscription StudioRunTimeline($runId: ID!, $after: Int!, $userId: ID) {
    runEvents(runId: $runId, after: $after, userId: $userId) {
      ...StudioRunEvent
    }
  }
`);

type Connection = 'connecting' | 'live' | 'closed';

/** Runs in flight across the gateway, live (runs, then runsChanged); a run's timeline (runEvents from seq 0) and its cancel. */
export function RunsPage({ path }: { path: string }) {
  const [actAs, setActAs] = useActAs();
  const selected = path.startsWith('/runs/') ? decodeURIComponent(path.slice('/runs/'.length)) : undefined;
  const live = useLiveRuns(actAs);
  const all = [...live.state.inFlight, ...live.state.ended];
  return (
    <section aria-labelledby="page-title">
      <PageHeader title="Runs">
        <span class={`badge ${live.connection === 'live' ? 'status-COMPLETE' : 'status-WAITING'}`} role="status" data-testid="runs-connection">
          {live.connection === 'live' ? 'live' : live.connection === 'connecting' ? 'connecting…' : 'disconnected'}
        </span>
        {live.connection === 'closed' ? (
          <button type="button" class="secondary" onClick={live.reconnect}>
            Reconnect
          </button>
        ) : null}
      </PageHeader>
      <ActAsField id="runs-user" value={actAs} onChange={setActAs} />
      <ErrorBox error={live.error} />
      <RunTable caption="Runs in flight" runs={live.state.inFlight} selected={selected} loading={live.state.pending !== undefined} empty="No run in flight." userId={actAs} testId="runs-in-flight" />
      {live.state.ended.length > 0 ? <RunTable caption="Ended since this page opened" runs={live.state.ended} selected={selected} testId="runs-ended" userId={actAs} /> : null}
      {selected ? <Timeline key={selected} runId={selected} userId={actAs} known={all.find((run) => run.id === selected)} /> : <p class="muted">Pick a run to see its event timeline.</p>}
    </section>
  );
}

/** The list and the feed for `userId` (undefined: the credential's own, or everyone's for an admin). */
function useLiveRuns(userId: string | undefined) {
  const [state, setState] = useState<LiveRunsState>(emptyLiveRuns);
  const [connection, setConnection] = useState<Connection>('connecting');
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    let current = true;
    setState(emptyLiveRuns());
    setConnection('connecting');
    setError(undefined);
    // The feed first, then the list: a change between the two is applied on top of the list, not lost.
    const stop = subscribe(RunsChanged, { userId: userId ?? null }, {
      next: (data) => {
        if (!current) return;
        setConnection('live');
        setState((previous) => withChange(previous, data.runsChanged));
      },
      error: (caught) => {
        if (!current) return;
        setError(caught);
        setConnection('closed');
      },
      complete: () => current && setConnection('closed'),
    });
    request(RunsQuery, { userId: userId ?? null }).then(
      (data) => {
        if (!current) return;
        setState((previous) => withList(previous, data.runs));
        setConnection((previous) => (previous === 'connecting' ? 'live' : previous));
      },
      (caught: unknown) => current && setError(caught instanceof ApiError ? caught : new ApiError(String(caught))),
    );
    return () => {
      current = false;
      stop();
    };
  }, [userId, attempt]);
  return { state, connection, error, reconnect: () => setAttempt((n) => n + 1) };
}

function RunTable({ caption, runs, selected, loading, empty, userId, testId }: { caption: string; runs: LiveRunShape[]; selected: string | undefined; loading?: boolean; empty?: string; userId: string | undefined; testId: string }) {
  return (
    <div class="card">
      <h2 id={`${testId}-title`}>{caption}</h2>
      {loading ? (
        <p class="muted" role="status">
          Loading…
        </p>
      ) : null}
      {!loading && runs.length === 0 && empty ? <p class="empty">{empty}</p> : null}
      {runs.length > 0 ? (
        <div class="table-wrap runs-wrap" tabIndex={0} role="region" aria-labelledby={`${testId}-title`}>
          <table class="runs-table" data-testid={testId}>
            <thead>
              <tr>
                <th scope="col">Run</th>
                <th scope="col">Status</th>
                <th scope="col">Agent</th>
                <th scope="col">User</th>
                <th scope="col">Started</th>
                <th scope="col">First token</th>
                <th scope="col">Tokens</th>
                <th scope="col">Replica</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {runs.map((run) => (
                <tr key={run.id} data-run-id={run.id} aria-current={run.id === selected ? 'true' : undefined}>
                  <th scope="row">
                    <Link href={`/runs/${encodeURIComponent(run.id)}`} aria-label={`Timeline of run ${run.id}`}>
                      <code>{run.id.slice(0, 8)}</code>
                    </Link>
                    {run.parentRunId ? <small class="muted"> delegated</small> : null}
                  </th>
                  <td>
                    <span class={`badge status-${run.status}`} data-testid="run-status">
                      {run.status.toLowerCase()}
                    </span>
                  </td>
                  <td>{run.agentId}</td>
                  <td>{run.userId ?? <span class="muted">no user</span>}</td>
                  <td>{formatTime(run.startedAt)}</td>
                  <td class="num">{formatMs(run.timeToFirstTokenMs)}</td>
                  <td class="num" data-testid="run-tokens">
                    {run.tokens ?? '—'}
                  </td>
                  <td>{run.replicaId ? <code>{run.replicaId}</code> : <span class="muted">stored (paused)</span>}</td>
                  <td>{run.status === 'RUNNING' || run.status === 'WAITING' ? <CancelButton runId={run.id} userId={userId} /> : null}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </div>
  );
}

function CancelButton({ runId, userId }: { runId: string; userId: string | undefined }) {
  const cancel = useMutation(CancelRun);
  const [note, setNote] = useState<string | undefined>(undefined);
  return (
    <span class="cancel-cell">
      <button
        type="button"
        class="danger"
        disabled={cancel.busy}
        aria-label={`Cancel run ${runId}`}
        onClick={async () => {
          const done = await cancel.run({ runId, ...(userId ? { userId } : {}) });
          if (done && !done.cancelRun) setNote('It had already ended.');
        }}
      >
        Cancel
      </button>
      {note ? <small class="muted"> {note}</small> : null}
      <ErrorBox error={cancel.error} />
    </span>
  );
}

type TimelineEvent = StudioRunEventFragment & { seq?: number };
/** The timeline as shown: tokens in a row become one entry (their text joined, their seqs as a range). */
type Entry = { kind: 'event'; event: TimelineEvent } | { kind: 'text'; from: number; to: number; text: string; count: number };

function entriesOf(events: readonly TimelineEvent[]): Entry[] {
  const entries: Entry[] = [];
  for (const event of events) {
    const last = entries.at(-1);
    if (event.__typename === 'TokenDelta') {
      const seq = event.seq ?? 0;
      if (last?.kind === 'text') {
        last.to = seq;
        last.text += event.text;
        last.count += 1;
      } else entries.push({ kind: 'text', from: seq, to: seq, text: event.text, count: 1 });
    } else entries.push({ kind: 'event', event });
  }
  return entries;
}

const TERMINAL = new Set(['MessageCompleted', 'RunFailed']);

/** A run's events from its start (runEvents after: 0), then live; a dropped stream resumes after the last seq seen. */
function Timeline({ runId, userId, known }: { runId: string; userId: string | undefined; known: LiveRunShape | undefined }) {
  const [events, setEvents] = useState<TimelineEvent[]>([]);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [ended, setEnded] = useState(false);
  const [resumeAfter, setResumeAfter] = useState(0);
  useEffect(() => {
    let current = true;
    setError(undefined);
    const stop = subscribe(RunTimeline, { runId, after: resumeAfter, userId: userId ?? null }, {
      next: ({ runEvents: event }) => {
        if (!current) return;
        setEvents((previous) => [...previous, event]);
        if (TERMINAL.has(event.__typename)) setEnded(true);
      },
      error: (caught) => current && setError(caught),
      complete: () => current && setEnded(true),
    });
    return () => {
      current = false;
      stop();
    };
  }, [runId, userId, resumeAfter]);
  const lastSeq = events.at(-1)?.seq ?? 0;
  const entries = entriesOf(events);
  const answer = entries.filter((entry): entry is Extract<Entry, { kind: 'text' }> => entry.kind === 'text').map((entry) => entry.text).join('');
  return (
    <section class="card" aria-labelledby="timeline-title" data-testid="run-timeline">
      <header class="page-header">
        <h2 id="timeline-title">
          Run <code>{runId}</code>
        </h2>
        <div class="page-actions">
          {!ended && (known?.status === 'RUNNING' || known?.status === 'WAITING') ? <CancelButton runId={runId} userId={userId} /> : null}
          <button type="button" class="secondary" onClick={() => navigate('/runs')}>
            Close
          </button>
        </div>
      </header>
      {known ? (
        <p class="muted">
          {known.agentId} · {known.userId ?? 'no user'} · conversation <Link href={`/conversations/${encodeURIComponent(known.conversationId)}`}>{known.conversationId.slice(0, 8)}</Link>
        </p>
      ) : null}
      <ErrorBox error={error} />
      {error && !ended ? (
        <button type="button" class="secondary" onClick={() => setResumeAfter(lastSeq)}>
          Resume after seq {lastSeq}
        </button>
      ) : null}
      <p role="status" class="muted" data-testid="timeline-state">
        {ended ? `Ended after ${events.length} event${events.length === 1 ? '' : 's'}.` : events.length === 0 ? 'Replaying…' : `Following live: ${events.length} events so far.`}
      </p>
      {answer ? (
        <>
          <h3>{ended ? 'Answer as streamed' : 'Answer so far'}</h3>
          <p class="answer-text" data-testid="timeline-answer">
            {answer}
          </p>
        </>
      ) : null}
      <h3>Events</h3>
      <ol class="timeline" aria-label="Events of the run">
        {entries.map((entry) =>
          entry.kind === 'text' ? (
            <li key={`t${entry.from}`} class="timeline-item">
              <span class="seq">
                {entry.from === entry.to ? entry.from : `${entry.from}–${entry.to}`}
              </span>{' '}
              <strong>TokenDelta</strong> × {entry.count}
            </li>
          ) : (
            <li key={`e${entry.event.seq}`} class={`timeline-item${entry.event.__typename === 'RunFailed' ? ' failed' : ''}`}>
              <span class="seq">{entry.event.seq}</span> <strong>{entry.event.__typename}</strong> <EventDetail event={entry.event} />
            </li>
          ),
        )}
      </ol>
    </section>
  );
}

function EventDetail({ event }: { event: TimelineEvent }) {
  switch (event.__typename) {
    case 'RunStarted':
      return <span class="muted">agent {event.agentId}</span>;
    case 'AgentSelected':
      return (
        <span class="muted">
          {event.agentId} ({event.strategy.toLowerCase()}): {event.routingReason}
        </span>
      );
    case 'ToolCallStarted':
    case 'ToolCallRequested':
    case 'ToolApprovalRequested':
      return (
        <details>
          <summary>{event.tool}</summary>
          <Json value={event.arguments} label={`Arguments of ${event.tool}`} />
        </details>
      );
    case 'ToolCallCompleted':
      return (
        <details>
          <summary>
            {event.isError ? 'failed' : 'returned'} in {formatMs(event.durationMs)}
          </summary>
          <Json value={event.result} label="Result" />
        </details>
      );
    case 'ToolCallDecided':
      return <span class="muted">{event.approved ? 'approved' : 'refused'}</span>;
    case 'RunPaused':
      return <span class="muted">waiting for {event.callIds.length} call(s) until {formatTime(event.expiresAt)}</span>;
    case 'DelegationStarted':
      return (
        <span class="muted">
          to {event.agentId}: <Link href={`/runs/${encodeURIComponent(event.childRunId)}`}>run {event.childRunId.slice(0, 8)}</Link>
        </span>
      );
    case 'Handoff':
      return (
        <span class="muted">
          {event.fromAgentId} → {event.toAgentId}
        </span>
      );
    case 'ModelFallback':
      return (
        <span class="muted">
          {event.fromModel} → {event.toModel}
        </span>
      );
    case 'MessageCompleted':
      return <span class="muted">{event.finishReason}{event.usage ? `, ${event.usage.totalTokens} tokens` : ''}</span>;
    case 'RunFailed':
      return (
        <span>
          <strong>{event.code}</strong>: {event.message}
        </span>
      );
    default:
      return null;
  }
}
