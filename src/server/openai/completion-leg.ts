import type { Message } from '../../core/conversations/conversation.js';
import type { TokenUsage } from '../../core/models/chat-model.js';
import { type PausedStep, undecided } from '../../core/runs/paused-step.js';

/**
 * One /v1 response of a run that may pause for its client: the first from the run's start, each
 * later one from a pause whose results the request carried. Each is a completion of its own (its
 * id, its text, its usage): clients append every response to their history and sum the usage.
 */
export interface CompletionLeg {
  id: string;
  /** The answer's text and usage when this response started: empty and null for the first. */
  textBefore: string;
  usageBefore: TokenUsage | null;
}

/** A client tool call as OpenAI's `tool_calls` carry it. */
export interface ClientToolCall {
  id: string;
  name: string;
  /** The JSON text the model wrote, as it wrote it. */
  arguments: string;
}

/** The id of a completion: its run's, and for a response after a pause, the pause's seq too. */
export const completionId = (runId: string, pausedSeq?: number) => (pausedSeq === undefined ? `chatcmpl-${runId}` : `chatcmpl-${runId}-${pausedSeq}`);

export const firstLeg = (runId: string): CompletionLeg => ({ id: completionId(runId), textBefore: '', usageBefore: null });

/** The response that goes on from a waiting answer (as it stood before the results were stored). */
export function legAfterPause(runId: string, waiting: Message): CompletionLeg {
  return { id: completionId(runId, (waiting.pending as PausedStep).pausedSeq), textBefore: waiting.content, usageBefore: waiting.usage };
}

/** This response's part of the answer's text (an afterProcessMessage hook may have rewritten the whole: then all of it). */
export const legText = (leg: CompletionLeg, content: string) => (content.startsWith(leg.textBefore) ? content.slice(leg.textBefore.length) : content);

/** This response's part of the answer's usage (the run's counts every step). */
export function legUsage(leg: CompletionLeg, usage: TokenUsage | null): TokenUsage | null {
  if (!usage || !leg.usageBefore) return usage;
  const before = leg.usageBefore;
  return { promptTokens: usage.promptTokens - before.promptTokens, completionTokens: usage.completionTokens - before.completionTokens, totalTokens: usage.totalTokens - before.totalTokens };
}

/** The client tool calls a waiting answer waits for, in the model's order; none when it waits only for approvals. */
export function clientCallsOf(answer: Pick<Message, 'status' | 'pending'>): ClientToolCall[] {
  if (answer.status !== 'WAITING' || !answer.pending) return [];
  const step = answer.pending as PausedStep;
  return undecided(step)
    .filter((call) => call.kind === 'CLIENT_TOOL')
    .map((call) => ({ id: call.callId, name: call.tool, arguments: call.arguments }));
}
