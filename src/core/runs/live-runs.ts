import type { Principal } from '../auth/principal.js';
import { mayReadOwned, viewerOf } from '../auth/visibility.js';
import type { RunInfo } from '../conversations/conversation-store.js';
import { ChangeFeed } from '../feeds/change-feed.js';
import type { Run, RunStatus } from './run.js';
import type { RunRegistry } from './run-registry.js';

export const RUN_CHANGE_KINDS = ['STARTED', 'PROGRESSED', 'ENDED'] as const;
export type RunChangeKind = (typeof RUN_CHANGE_KINDS)[number];

/** A run in flight (or just ended, in an ENDED change) as an operator's console shows it. */
export interface LiveRun {
  id: string;
  status: RunStatus;
  agentId: string;
  userId: string | null;
  conversationId: string;
  parentRunId: string | null;
  startedAt: Date;
  /** From the run's start to its first text; null until then (and for a paused run no replica holds). */
  timeToFirstTokenMs: number | null;
  /** Text deltas streamed so far; null for a paused run no replica holds. */
  tokens: number | null;
  /** The replica executing it; null for a paused run no replica holds (stored, resumed wherever its decision comes). */
  replicaId: string | null;
}

export interface RunChange {
  kind: RunChangeKind;
  run: LiveRun;
}

/** Where the runs of the other replicas come from (Redis), and where this replica's go. */
export interface SharedLiveRuns {
  /** This replica's changes, for the other replicas' subscribers and `runs`. Best effort. */
  publish(changes: readonly RunChange[]): void;
  /** Runs in flight on every replica. Throws UPSTREAM_UNAVAILABLE when they cannot be read. */
  list(): Promise<LiveRun[]>;
  /** Changes the other replicas publish. */
  onChanges(handler: (changes: RunChange[]) => void): void;
  close(): void;
}

export interface LiveRunsOptions {
  registry: RunRegistry;
  /** Runs paused for their clients, as stored (of one owner; all when undefined). */
  waitingRuns(ownerId: string | null | undefined): Promise<RunInfo[]>;
  shared?: SharedLiveRuns | undefined;
  replicaId: string;
  /** A run's progress is told at most this often (1 s): a token stream never floods the feed. */
  progressMs?: number | undefined;
}

/**
 * The runs in flight across the gateway, for the console: a list, and a feed of runs starting,
 * progressing and ending. The run only counts its tokens; a timer (only while runs are in flight)
 * reads the counts once a second and tells what moved, so a token costs nothing here.
 */
export class LiveRuns {
  private readonly feed = new ChangeFeed<RunChange>();
  /** This replica's runs in flight, with what was last told of them. */
  private readonly told = new Map<Run, { tokens: number; status: RunStatus }>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: LiveRunsOptions) {
    options.registry.onAdded((run) => this.track(run));
    options.shared?.onChanges((changes) => {
      for (const change of changes) this.feed.publish(change);
    });
  }

  /** Runs in flight the principal may see (their own; an admin's, everyone's), newest first. */
  async list(principal: Principal, options: { userId?: string | null } = {}): Promise<LiveRun[]> {
    const viewer = viewerOf(principal, options.userId);
    const found = new Map<string, LiveRun>();
    for (const run of this.options.registry.inFlight()) if (mayReadOwned(viewer, run.owner.userId)) found.set(run.id, this.describe(run));
    const [elsewhere, waiting] = await Promise.all([this.options.shared?.list() ?? [], this.options.waitingRuns(viewer.all ? undefined : (viewer.userId ?? null))]);
    for (const run of elsewhere) if (!found.has(run.id) && mayReadOwned(viewer, run.userId)) found.set(run.id, run);
    for (const info of waiting) {
      if (found.has(info.id) || !mayReadOwned(viewer, info.ownerId)) continue;
      found.set(info.id, {
        id: info.id,
        status: 'WAITING',
        agentId: info.agentId ?? '',
        userId: info.ownerId,
        conversationId: info.conversationId,
        parentRunId: info.parentRunId,
        startedAt: info.createdAt,
        timeToFirstTokenMs: null,
        tokens: null,
        replicaId: null,
      });
    }
    return [...found.values()].sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime() || a.id.localeCompare(b.id));
  }

  /** Runs the principal may see starting, progressing (at most once a second each) and ending, from now on. */
  changes(principal: Principal, options: { userId?: string | null } = {}): AsyncIterableIterator<RunChange> {
    const viewer = viewerOf(principal, options.userId);
    return this.feed.subscribe((change) => mayReadOwned(viewer, change.run.userId));
  }

  /** A run of another replica ended without it (it stopped; a survivor ended the run): told here and to the others. */
  endedElsewhere(run: LiveRun): void {
    this.tell([{ kind: 'ENDED', run }]);
  }

  /** Open runsChanged subscriptions on this replica. */
  get subscriberCount(): number {
    return this.feed.subscriberCount;
  }

  /** Ends every subscription (shutdown). */
  end(): void {
    this.feed.end();
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.options.shared?.close();
  }

  private describe(run: Run): LiveRun {
    return {
      id: run.id,
      status: run.status,
      agentId: run.answeringAgentId,
      userId: run.owner.userId,
      conversationId: run.conversationId,
      parentRunId: run.delegation?.parentRunId ?? null,
      startedAt: run.startedAt,
      timeToFirstTokenMs: run.firstTokenAt === undefined ? null : Math.max(0, run.firstTokenAt - run.startedAt.getTime()),
      tokens: run.tokens,
      replicaId: this.options.replicaId,
    };
  }

  private track(run: Run): void {
    if (run.finished || this.told.has(run)) return;
    this.told.set(run, { tokens: run.tokens, status: run.status });
    // A paused run revived here (to be resumed or cancelled) was already in flight.
    if (this.watched) this.tell([{ kind: run.waiting ? 'PROGRESSED' : 'STARTED', run: this.describe(run) }]);
    run.onFinished(() => {
      this.told.delete(run);
      if (this.watched) this.tell([{ kind: 'ENDED', run: this.describe(run) }]);
    });
    // Paused and unread, it leaves memory: still waiting, stored, held by no replica.
    run.onLeftMemory(() => {
      if (this.told.delete(run)) this.tell([{ kind: 'PROGRESSED', run: { ...this.describe(run), status: 'WAITING', tokens: null, replicaId: null } }]);
    });
    this.startTelling();
  }

  // Its own method: a timer made inside track() would hold that first run (closures share their scope) for as long as runs flow.
  private startTelling(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tellProgress(), this.options.progressMs ?? 1_000);
    this.timer.unref();
  }

  /** Once a second: the runs whose tokens or status moved since last told. */
  private tellProgress(): void {
    if (this.told.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
      return;
    }
    // Nobody to tell (no subscriber here, no other replica): what was last told stays, so nothing is lost.
    if (!this.watched) return;
    const changes: RunChange[] = [];
    for (const [run, last] of this.told) {
      if (run.tokens === last.tokens && run.status === last.status) continue;
      last.tokens = run.tokens;
      last.status = run.status;
      changes.push({ kind: 'PROGRESSED', run: this.describe(run) });
    }
    if (changes.length > 0) this.tell(changes);
  }

  /** Someone hears changes: a runsChanged subscriber here, or other replicas. Unwatched, a run's start and end describe nothing (a feed keeps no past). */
  private get watched(): boolean {
    return this.options.shared !== undefined || this.feed.subscriberCount > 0;
  }

  private tell(changes: RunChange[]): void {
    for (const change of changes) this.feed.publish(change);
    this.options.shared?.publish(changes);
  }
}
