import type { TokenUsage } from '../models/chat-model.js';
import type { RoutingDecision } from '../routing/routing-decision.js';


/**
 * INTERRUPTED: the gateway stopped (crash, kill) before the answer ended; its checkpointed text is kept.
 * INVALID_OUTPUT: a structured answer failed its response format twice; the last attempt's text is kept.
 */
export const RUN_FAILURE_CODES = ['UPSTREAM_UNAVAILABLE', 'RATE_LIMITED', 'BAD_USER_INPUT', 'CANCELLED', 'INTERRUPTED', 'INVALID_OUTPUT', 'INTERNAL'] as const;
export type RunFailureCode = (typeof RUN_FAILURE_CODES)[number];

type Event<T extends string, F> = { type: T; runId: string; seq: number } & F;

/** Every event of a run, in the order subscribers see them; seq is 1, 2, 3 … within a run. */
export type RunEvent =
  /** `structured`: the answer has a response format (streams that cannot take text back hold it; see AnswerRejected). */
  | Event<'RunStarted', { conversationId: string; agentId: string; structured?: boolean }>
  | Event<'AgentSelected', RoutingDecision>
  | Event<'ModelFallback', { fromModel: string; toModel: string; reason: string }>
  | Event<'TokenDelta', { text: string; index: number }>
  | Event<'ToolCallStarted', { callId: string; serverId: string | null; tool: string; arguments: unknown }>
  | Event<'ToolCallCompleted', { callId: string; result: unknown; isError: boolean; durationMs: number }>
  | Event<'ToolCallRequested', { callId: string; serverId: string | null; tool: string; arguments: unknown }>
  | Event<'ToolApprovalRequested', { callId: string; serverId: string | null; tool: string; arguments: unknown }>
  | Event<'ToolCallDecided', { callId: string; approved: boolean; reason: string | null; decidedBy: string | null }>
  | Event<'RunPaused', { callIds: string[]; expiresAt: string }>
  | Event<'RunResumed', Record<never, never>>
  /** Structured answers (a response format): the text failed its check; the model answers again, its text replaces what came before. */
  | Event<'AnswerRejected', { errors: string[] }>
  /** A delegation began: the agent's `ask_<agentId>` call started a child run, whose events follow with their own runId. */
  | Event<'DelegationStarted', { parentRunId: string; childRunId: string; agentId: string }>
  /** The child run ended; its answer (or its failure, `isError`) is the ask_ call's ToolCallCompleted result. */
  | Event<'DelegationCompleted', { childRunId: string; isError: boolean }>
  /** The answering agent passed the conversation on (`transfer_to_<toAgentId>`): the receiving agent continues this answer and keeps the conversation. */
  | Event<'Handoff', { fromAgentId: string; toAgentId: string; reason: string | null }>
  /** `json`: a structured answer's parsed value; null for text answers. */
  | Event<'MessageCompleted', { messageId: string; content: string; finishReason: string; usage: TokenUsage | null; json?: unknown }>
  | Event<'RunFailed', { code: RunFailureCode; message: string; retryable: boolean; partialMessageId: string | null }>;

export type RunEventType = RunEvent['type'];

/** An event before the run stamps it with runId and seq. */
export type RunEventInput = RunEvent extends infer E ? (E extends RunEvent ? Omit<E, 'runId' | 'seq'> : never) : never;

export const isTerminal = (event: RunEvent) => event.type === 'MessageCompleted' || event.type === 'RunFailed';
