import type { Principal } from '../auth/principal.js';
import { badInput } from '../errors.js';
import type { Sampling, TokenUsage, ToolDefinition } from '../models/chat-model.js';
import type { Message } from '../conversations/conversation.js';
import type { BufferPiece } from '../memory/prompt-window.js';
import type { ImagePart } from '../images/image-part.js';
import type { ResponseFormat } from '../models/response-format.js';
import { type Decider, parsedArguments, type ToolCallRecord, type ToolRound } from '../tools/tool-round.js';

export type { Decider };
import type { ToolChoice } from './client-tools.js';
import type { RunEvent } from './run-event.js';

/** Why a call of a paused step waits: the client runs it, or a person must approve it first. */
export type PendingKind = 'CLIENT_TOOL' | 'APPROVAL';


/** A client's answer to a client tool call. */
export interface SubmittedResult {
  output: string;
  isError: boolean;
  by: Decider;
  at: string;
}

/** A person's decision on a call that needed approval. */
export interface ApprovalDecision {
  approved: boolean;
  reason: string | null;
  by: Decider;
  at: string;
}

/** One call of the paused step that waits; decided once, never twice. */
export interface PendingCall {
  callId: string;
  tool: string;
  /** The JSON text the model wrote, as it wrote it. */
  arguments: string;
  kind: PendingKind;
  /** The MCP server of a tool that needs approval; null for client tools and in-process tools. */
  serverId: string | null;
  /** The seq of the event that asked for it (ToolCallRequested or ToolApprovalRequested). */
  requestedSeq: number;
  result?: SubmittedResult | undefined;
  approval?: ApprovalDecision | undefined;
}

/**
 * A run stopped in the middle of a tool round, waiting for its client: everything needed to go
 * on from another process, stored with the answer row (messages.pending). The answer's text so far
 * is the row's content; the conversation's messages are read again on resume.
 */
export interface PausedStep {
  /** Bumped by every decision: a write that read an older version lost a race and tries again. */
  version: number;
  pausedAt: string;
  expiresAt: string;
  /** The seq of RunPaused: the run's last event while it waits. */
  pausedSeq: number;
  /** The model step that called the tools (1 for the answer's first). */
  iteration: number;
  /** Which of the agent's models answers (0: its model; then its fallbackModels). */
  modelIndex: number;
  /** TokenDelta events so far, so the next one's index follows on. */
  tokenIndex: number;
  /** The seq of the last TokenDelta before the pause (0: none), where a rebuilt run shows its text so far. */
  textSeq?: number | undefined;
  usage: TokenUsage | null;
  memoryTokens: number;
  /** The answer's earlier rounds of this turn, complete. */
  rounds: ToolRound[];
  /** The credential that started the run: a revived run's model calls are still charged to it (the usage ledger). */
  keyId?: string | null | undefined;
  /** The paused round: the text that came with the calls, the calls in the model's order, and those already run. */
  step: { text: string; order: string[]; done: ToolCallRecord[]; pending: PendingCall[] };
  turn: {
    message: string;
    userMessageId: string;
    /** The user the chat acted for (hooks see it); the run's owner is the conversation's. */
    actingUserId: string | null;
    /** The turn started its conversation: nothing came before it, so a resume reads no history. */
    isNew?: boolean | undefined;
    /** A /v1 caller's own history, which is not stored elsewhere. */
    history?: BufferPiece[] | undefined;
    /** The turn's own system message (ChatInput.instructions), which is not stored elsewhere. */
    instructions?: string | undefined;
    /** The message's images as stored (references: the files are read again on resume). */
    images?: ImagePart[] | undefined;
  };
  clientTools: ToolDefinition[];
  sampling?: Sampling | undefined;
  toolChoice?: ToolChoice | undefined;
  parallelToolCalls?: boolean | undefined;
  /** A structured answer's format, checked when the answer ends. */
  responseFormat?: ResponseFormat | undefined;
}

/** A person's reason is a sentence or two the model reads, not a document. */
export const REASON_MAX_CHARS = 2_000;

/** A decision a client sends: a client tool's result (output or error) or an approval. */
export type Decision =
  | { kind: 'CLIENT_TOOL'; callId: string; output?: unknown; error?: string | null | undefined }
  | { kind: 'APPROVAL'; callId: string; approved: boolean; reason?: string | null | undefined };

export function deciderOf(principal: Principal, actingUserId: string | null): Decider {
  if (principal.kind === 'ANONYMOUS') return { userId: null, credentialId: null, admin: false };
  return { userId: actingUserId, credentialId: principal.credentialId ?? null, admin: principal.kind === 'ADMIN' };
}

/** The calls still waiting for a decision. */
export const undecided = (step: PausedStep) => step.step.pending.filter((call) => !call.result && !call.approval);

/**
 * Applies decisions to a copy of the paused step. All or nothing: an unknown call, a call of the
 * other kind, a second decision for one call, a duplicate in the same batch, or an output over the
 * limit refuses the whole batch (BAD_USER_INPUT), and nothing changes.
 */
export function applyDecisions(step: PausedStep, decisions: readonly Decision[], by: Decider, options: { maxResultChars: number; now?: Date }): PausedStep {
  if (decisions.length === 0) throw badInput('No decision given: send at least one result or approval');
  const next: PausedStep = structuredClone(step);
  const at = (options.now ?? new Date()).toISOString();
  const seen = new Set<string>();
  decisions.forEach((decision, index) => {
    const where = `results[${index}]`;
    if (seen.has(decision.callId)) throw badInput(`${where}: call "${decision.callId}" is answered twice in this request`, { callId: decision.callId });
    seen.add(decision.callId);
    const call = next.step.pending.find((candidate) => candidate.callId === decision.callId);
    if (!call) throw badInput(`${where}: run is not waiting for a call "${decision.callId}"`, { callId: decision.callId });
    if (call.result || call.approval) throw badInput(`${where}: call "${decision.callId}" was already answered`, { callId: decision.callId });
    if (call.kind !== decision.kind) {
      const wants = call.kind === 'CLIENT_TOOL' ? 'a result (submitToolResults)' : 'an approval (approveToolCall)';
      throw badInput(`${where}: call "${decision.callId}" waits for ${wants}`, { callId: decision.callId });
    }
    if (decision.kind === 'APPROVAL') {
      if ((decision.reason?.length ?? 0) > REASON_MAX_CHARS) throw badInput(`${where}: the reason is over ${REASON_MAX_CHARS} characters`, { callId: decision.callId });
      call.approval = { approved: decision.approved, reason: decision.reason ?? null, by, at };
      return;
    }
    const hasOutput = decision.output !== undefined && decision.output !== null;
    const hasError = decision.error !== undefined && decision.error !== null;
    if (hasOutput === hasError) throw badInput(`${where}: give exactly one of output and error`, { callId: decision.callId });
    const output = hasError ? String(decision.error) : typeof decision.output === 'string' ? decision.output : JSON.stringify(decision.output);
    if (output.length > options.maxResultChars) {
      throw badInput(`${where}: the result is ${output.length} characters; the limit is ${options.maxResultChars} (MAX_TOOL_RESULT_CHARS)`, { callId: decision.callId });
    }
    call.result = { output, isError: hasError, by, at };
  });
  next.version = step.version + 1;
  return next;
}

/** Decides every call still waiting as timed out: the model is told, and the answer goes on. */
export function expireDecisions(step: PausedStep, timeoutMs: number, now = new Date()): PausedStep {
  const next: PausedStep = structuredClone(step);
  const at = now.toISOString();
  const system: Decider = { userId: null, credentialId: null, admin: false };
  for (const call of undecided(next)) {
    if (call.kind === 'CLIENT_TOOL') call.result = { output: `The client did not return a result within ${timeoutMs} ms (CLIENT_TOOL_TIMEOUT_MS)`, isError: true, by: system, at };
    else call.approval = { approved: false, reason: `no one decided within ${timeoutMs} ms (CLIENT_TOOL_TIMEOUT_MS)`, by: system, at };
  }
  next.version = step.version + 1;
  return next;
}

/** A call a paused run waits for, as clients see it. */
export interface PendingToolCall {
  callId: string;
  kind: PendingKind;
  tool: string;
  serverId: string | null;
  arguments: unknown;
}

/** The calls a stored paused step still waits for; none unless the answer is WAITING. */
export function pendingToolCalls(answer: { status: string; pending: unknown }): PendingToolCall[] {
  if (answer.status !== 'WAITING' || !answer.pending) return [];
  return undecided(answer.pending as PausedStep).map((call) => ({ callId: call.callId, kind: call.kind, tool: call.tool, serverId: call.serverId, arguments: parsedArguments(call.arguments) }));
}

/**
 * What a paused run rebuilt from storage shows a reader: its start, its text so far as one merged
 * TokenDelta (at the seq of the last one, as a slow reader gets them), then its pause. The tool
 * rounds before the pause are in the stored answer (Message.toolCalls), not replayed.
 */
export function storedPauseEvents(runId: string, step: PausedStep, answer: Message): RunEvent[] {
  const events: RunEvent[] = [{ type: 'RunStarted', runId, seq: 1, conversationId: answer.conversationId, agentId: answer.agentId ?? '' }];
  if (answer.routing) events.push({ type: 'AgentSelected', runId, seq: 2, ...answer.routing });
  const textSeq = step.textSeq ?? 0;
  if (answer.content && textSeq > 2) events.push({ type: 'TokenDelta', runId, seq: textSeq, text: answer.content, index: 0 });
  return [...events, ...pauseEvents(runId, step)];
}

/** The events a paused run shows a new subscriber, at their original seqs: each waiting call's request, then RunPaused. */
export function pauseEvents(runId: string, step: PausedStep): RunEvent[] {
  const events: RunEvent[] = step.step.pending.map((call) => ({
    type: call.kind === 'CLIENT_TOOL' ? 'ToolCallRequested' : 'ToolApprovalRequested',
    runId,
    seq: call.requestedSeq,
    callId: call.callId,
    serverId: call.serverId,
    tool: call.tool,
    arguments: parsedArguments(call.arguments),
  })) as RunEvent[];
  events.push(pausedEvent(runId, step));
  return events;
}

export function pausedEvent(runId: string, step: PausedStep): RunEvent {
  return { type: 'RunPaused', runId, seq: step.pausedSeq, callIds: undecided(step).map((call) => call.callId), expiresAt: step.expiresAt };
}

