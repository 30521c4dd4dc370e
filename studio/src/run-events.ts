/**
 * A chat turn as the Playground shows it, built from a run's events (chatStream, then runEvents
 * after a reload). Pure and without DOM: unit-tested in test/studio-run-events.test.ts.
 */

export interface UsageShape {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  memoryTokens?: number | null;
}

export interface RoutingShape {
  agentId: string;
  strategy: string;
  confidence: number;
  reason: string;
  cached: boolean;
  latencyMs: number;
  candidates: ReadonlyArray<{ agentId: string; score?: number | null }>;
}

/** The events' fields this reducer reads: the union of the RunEvent fragment's selections. */
export interface RunEventShape {
  __typename: string;
  runId?: string;
  seq?: number;
  agentId?: string;
  conversationId?: string;
  strategy?: string;
  confidence?: number;
  routingReason?: string;
  cached?: boolean;
  latencyMs?: number;
  candidates?: ReadonlyArray<{ agentId: string; score?: number | null }>;
  text?: string;
  callId?: string;
  tool?: string;
  serverId?: string | null;
  arguments?: unknown;
  result?: unknown;
  isError?: boolean;
  durationMs?: number;
  approved?: boolean;
  decisionReason?: string | null;
  childRunId?: string;
  parentRunId?: string;
  fromAgentId?: string;
  toAgentId?: string;
  handoffReason?: string | null;
  fromModel?: string;
  toModel?: string;
  fallbackReason?: string;
  errors?: readonly string[];
  callIds?: readonly string[];
  expiresAt?: string;
  content?: string;
  finishReason?: string;
  usage?: UsageShape | null;
  code?: string;
  message?: string;
  retryable?: boolean;
}

export type TurnItem =
  | { kind: 'text'; text: string }
  | { kind: 'tool'; callId: string; tool: string; serverId?: string | null; arguments: unknown; result?: unknown; isError?: boolean; durationMs?: number; client?: boolean }
  | { kind: 'request'; callId: string; tool: string; arguments: unknown; answered: boolean }
  | { kind: 'approval'; callId: string; tool: string; serverId?: string | null; arguments: unknown; decision?: { approved: boolean; reason?: string | null } }
  | { kind: 'delegation'; childRunId: string; agentId: string; done: boolean; isError?: boolean }
  | { kind: 'handoff'; fromAgentId: string; toAgentId: string; reason?: string | null }
  | { kind: 'note'; text: string };

export type TurnStatus = 'starting' | 'streaming' | 'paused' | 'complete' | 'failed' | 'cancelled';

export interface Turn {
  /** Local id (the run's is known from RunStarted on). */
  key: string;
  message: string;
  runId?: string;
  conversationId?: string;
  agentId?: string;
  /** The last seq applied: a resume asks runEvents for what came after it. */
  lastSeq: number;
  routing?: RoutingShape;
  items: TurnItem[];
  status: TurnStatus;
  usage?: UsageShape | null;
  finishReason?: string;
  error?: { code: string; message: string };
}

export const newTurn = (key: string, message: string): Turn => ({ key, message, lastSeq: 0, items: [], status: 'starting' });

/** Whether the run may still send events (a reload follows it again). */
export const isOpen = (turn: Turn) => turn.status === 'starting' || turn.status === 'streaming' || turn.status === 'paused';

/** The answer's text: every text item joined. */
export const answerText = (turn: Turn) =>
  turn.items
    .filter((item): item is Extract<TurnItem, { kind: 'text' }> => item.kind === 'text')
    .map((item) => item.text)
    .join('');

const replaceItem = (items: TurnItem[], match: (item: TurnItem) => boolean, update: (item: TurnItem) => TurnItem): TurnItem[] => items.map((item) => (match(item) ? update(item) : item));

/**
 * Applies one event of the turn's own run. Events of child runs (delegations) are not on this
 * stream; an event at or below lastSeq (seen before a reload) is ignored, so a replay never
 * repeats text.
 */
export function applyEvent(turn: Turn, event: RunEventShape): Turn {
  if (event.runId && turn.runId && event.runId !== turn.runId) return turn;
  if (event.seq !== undefined && event.seq <= turn.lastSeq) return turn;
  const next: Turn = { ...turn, lastSeq: event.seq ?? turn.lastSeq, runId: turn.runId ?? event.runId };
  const items = turn.items;
  switch (event.__typename) {
    case 'RunStarted':
      return { ...next, status: 'streaming', conversationId: event.conversationId, agentId: event.agentId };
    case 'AgentSelected':
      return {
        ...next,
        agentId: event.agentId,
        routing: {
          agentId: event.agentId ?? '',
          strategy: event.strategy ?? '',
          confidence: event.confidence ?? 0,
          reason: event.routingReason ?? '',
          cached: event.cached ?? false,
          latencyMs: event.latencyMs ?? 0,
          candidates: event.candidates ?? [],
        },
      };
    case 'TokenDelta': {
      const last = items[items.length - 1];
      const text = event.text ?? '';
      return {
        ...next,
        status: 'streaming',
        items: last?.kind === 'text' ? [...items.slice(0, -1), { kind: 'text', text: last.text + text }] : [...items, { kind: 'text', text }],
      };
    }
    case 'ToolCallStarted':
      return { ...next, items: [...items, { kind: 'tool', callId: event.callId!, tool: event.tool!, serverId: event.serverId, arguments: event.arguments }] };
    case 'ToolCallCompleted': {
      const known = items.some((item) => item.kind === 'tool' && item.callId === event.callId);
      const request = items.find((item) => (item.kind === 'request' || item.kind === 'approval') && item.callId === event.callId);
      const done = { result: event.result, isError: event.isError ?? false, durationMs: event.durationMs ?? 0 };
      if (known) return { ...next, items: replaceItem(items, (item) => item.kind === 'tool' && item.callId === event.callId, (item) => ({ ...item, ...done }) as TurnItem) };
      // A client tool's result or a refused call: shown as a completed call of that tool.
      const tool = request && 'tool' in request ? request.tool : 'tool';
      const args = request && 'arguments' in request ? request.arguments : {};
      return { ...next, items: [...items, { kind: 'tool', callId: event.callId!, tool, arguments: args, client: request?.kind === 'request', ...done }] };
    }
    case 'ToolCallRequested':
      return { ...next, items: [...items, { kind: 'request', callId: event.callId!, tool: event.tool!, arguments: event.arguments, answered: false }] };
    case 'ToolApprovalRequested':
      return { ...next, items: [...items, { kind: 'approval', callId: event.callId!, tool: event.tool!, serverId: event.serverId, arguments: event.arguments }] };
    case 'RunPaused':
      return { ...next, status: 'paused' };
    case 'RunResumed':
      return {
        ...next,
        status: 'streaming',
        items: items.map((item) => (item.kind === 'request' ? { ...item, answered: true } : item)),
      };
    case 'ToolCallDecided':
      return {
        ...next,
        items: replaceItem(
          items,
          (item) => item.kind === 'approval' && item.callId === event.callId,
          (item) => ({ ...item, decision: { approved: event.approved ?? false, reason: event.decisionReason } }) as TurnItem,
        ),
      };
    case 'DelegationStarted':
      return { ...next, items: [...items, { kind: 'delegation', childRunId: event.childRunId!, agentId: event.agentId!, done: false }] };
    case 'DelegationCompleted':
      return {
        ...next,
        items: replaceItem(
          items,
          (item) => item.kind === 'delegation' && item.childRunId === event.childRunId,
          (item) => ({ ...item, done: true, isError: event.isError ?? false }) as TurnItem,
        ),
      };
    case 'Handoff':
      return { ...next, agentId: event.toAgentId, items: [...items, { kind: 'handoff', fromAgentId: event.fromAgentId!, toAgentId: event.toAgentId!, reason: event.handoffReason }] };
    case 'ModelFallback':
      return { ...next, items: [...items, { kind: 'note', text: `Model ${event.fromModel} failed (${event.fallbackReason}); ${event.toModel} answers instead.` }] };
    case 'AnswerRejected':
      return { ...next, items: [...items, { kind: 'note', text: `The answer did not match its schema: ${(event.errors ?? []).join('; ')}` }] };
    case 'MessageCompleted': {
      // The stored answer is the reference: a hook may have rewritten it.
      const text = answerText(next);
      const content = event.content ?? '';
      const fixed = content !== text ? [...items.filter((item) => item.kind !== 'text'), { kind: 'text' as const, text: content }] : items;
      return { ...next, status: 'complete', items: fixed, usage: event.usage ?? null, finishReason: event.finishReason };
    }
    case 'RunFailed':
      return { ...next, status: event.code === 'CANCELLED' ? 'cancelled' : 'failed', error: { code: event.code ?? 'INTERNAL', message: event.message ?? '' } };
    default:
      return next;
  }
}
