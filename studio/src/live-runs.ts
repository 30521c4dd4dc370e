/**
 * The Runs page's list, kept live: the `runs` query's answer, then each `runsChanged` change
 * applied in order. Changes that arrive before the list (the subscription opens first, so none is
 * missed) are applied on top of it. Pure and without DOM.
 */

export interface LiveRunShape {
  id: string;
  status: string;
  agentId: string;
  userId?: string | null;
  conversationId: string;
  parentRunId?: string | null;
  startedAt: string;
  timeToFirstTokenMs?: number | null;
  tokens?: number | null;
  replicaId?: string | null;
}

export interface RunChangeShape {
  kind: 'STARTED' | 'PROGRESSED' | 'ENDED';
  run: LiveRunShape;
}

export interface LiveRunsState {
  /** Runs in flight, newest first. */
  inFlight: LiveRunShape[];
  /** Runs seen ending since the page opened, newest end first (at most RECENT). */
  ended: LiveRunShape[];
  /** Changes received before the list; applied once it comes. */
  pending: RunChangeShape[] | undefined;
}

export const RECENT = 20;

export const emptyLiveRuns = (): LiveRunsState => ({ inFlight: [], ended: [], pending: [] });

const newestFirst = (a: LiveRunShape, b: LiveRunShape) => Date.parse(b.startedAt) - Date.parse(a.startedAt) || a.id.localeCompare(b.id);

/** The list arrived: it replaces what was in flight, and the changes received meanwhile go on top. */
export function withList(state: LiveRunsState, runs: readonly LiveRunShape[]): LiveRunsState {
  let next: LiveRunsState = { ...state, inFlight: [...runs].sort(newestFirst), pending: undefined };
  for (const change of state.pending ?? []) next = withChange(next, change);
  return next;
}

export function withChange(state: LiveRunsState, change: RunChangeShape): LiveRunsState {
  if (state.pending) return { ...state, pending: [...state.pending, change] };
  const others = state.inFlight.filter((run) => run.id !== change.run.id);
  if (change.kind === 'ENDED') {
    return { ...state, inFlight: others, ended: [change.run, ...state.ended.filter((run) => run.id !== change.run.id)].slice(0, RECENT) };
  }
  // A run already seen ending stays ended (a late progress from another replica does not bring it back).
  if (state.ended.some((run) => run.id === change.run.id)) return state;
  return { ...state, inFlight: [...others, change.run].sort(newestFirst) };
}

export const formatMs = (ms: number | null | undefined) => (ms == null ? '—' : ms < 1_000 ? `${Math.round(ms)} ms` : `${(ms / 1_000).toFixed(2)} s`);
