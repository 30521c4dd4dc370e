import type { Message } from '../conversations/conversation.js';
import { DomainError } from '../errors.js';
import type { TokenUsage } from '../models/chat-model.js';
import type { ClientConnection } from './client-connection.js';
import { type PendingToolCall, pendingToolCalls } from './paused-step.js';
import type { Run, RunStatus } from './run.js';

/** A whole answer, for callers that wait for it (the chat mutation, the REST shim). */
export interface ChatAnswer {
  runId: string;
  conversationId: string;
  agentId: string;
  message: Message;
  usage: TokenUsage | null;
  /** WAITING when the run paused for its client (pendingToolCalls says for what); otherwise how it ended. */
  status: RunStatus;
  pendingToolCalls: PendingToolCall[];
  /** A structured answer, parsed; null for a text answer. */
  json?: unknown;
}

/**
 * Holds the run while the client waits for its answer, or for its pause (a client tool, an
 * approval: the answer so far, WAITING; `storedAnswer` reads it when the run already waited); a
 * client gone mid-answer counts as a dropped connection.
 * A failed run is thrown as its error (code, retryable, the partial message's id); a cancelled
 * one answers with its CANCELLED message.
 */
export async function awaitAnswer(run: Run, connection: ClientConnection, storedAnswer: () => Promise<ChatAnswer>): Promise<ChatAnswer> {
  const hold = run.hold();
  const onClosed = () => hold.release('dropped');
  connection.closed.addEventListener('abort', onClosed, { once: true });
  try {
    const paused = await run.nextStop();
    // Paused before this client waited (the run keeps no copy of its paused answer): read as stored.
    if (run.waiting) return paused ? answerOf(run, paused) : await storedAnswer();
    const terminal = await run.result;
    const answer = run.answer;
    if (terminal.type === 'RunFailed' && terminal.code !== 'CANCELLED') {
      // An interrupted run only exists in storage after a restart; live, a stopping gateway is "unavailable".
      throw new DomainError(terminal.code === 'INTERRUPTED' ? 'UPSTREAM_UNAVAILABLE' : terminal.code, terminal.message, {
        runId: run.id,
        retryable: terminal.retryable,
        partialMessageId: terminal.partialMessageId,
      });
    }
    if (!answer) throw new Error(`Run ${run.id} ended without a stored answer`);
    return answerOf(run, answer, terminal.type === 'MessageCompleted' ? (terminal.json ?? null) : null);
  } finally {
    connection.closed.removeEventListener('abort', onClosed);
    hold.release('completed');
  }
}

export function answerOf(run: Pick<Run, 'id' | 'conversationId' | 'agentId'>, answer: Message, json: unknown = null): ChatAnswer {
  return { runId: run.id, conversationId: run.conversationId, agentId: run.agentId, message: answer, usage: answer.usage, json, status: RUN_STATUS_OF[answer.status], pendingToolCalls: pendingToolCalls(answer) };
}

/** A stored answer's status in a run's terms. */
export const RUN_STATUS_OF: Record<Message['status'], RunStatus> = { STREAMING: 'RUNNING', WAITING: 'WAITING', COMPLETE: 'COMPLETE', CANCELLED: 'CANCELLED', FAILED: 'FAILED' };
