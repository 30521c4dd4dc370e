import type { Principal } from '../../core/auth/principal.js';
import { isDomainError } from '../../core/errors.js';
import type { ChatService } from '../../core/runs/chat.js';
import type { PausedStep } from '../../core/runs/paused-step.js';
import type { DecisionOutcome } from '../../core/runs/run-pauses.js';
import { type CompletionLeg, legAfterPause } from './completion-leg.js';
import { AUTO_MODEL, type Continuation } from './completion-request.js';
import { invalidRequest } from './openai-error.js';

/** A waiting run that a request's tool results resumed: where it stands, and the response that goes on from it. */
export interface ResumedRun {
  runId: string;
  conversationId: string;
  agentId: string;
  leg: CompletionLeg;
  decided: DecisionOutcome;
  /** A structured answer: its text is checked at the end, so a stream holds it. */
  structured: boolean;
}

/**
 * Finds the caller's run that waits for these results (in the X-Conversation-Id conversation, or
 * by the calls' ids) and submits them: the same run goes on. Refusals name the tool message at fault.
 */
export async function resumeWaitingRun(chat: ChatService, principal: Principal, model: string, continuation: Continuation): Promise<ResumedRun> {
  const { results, at, conversationId, userId } = continuation;
  const first = results[0]!.callId;
  const found = await chat.findWaitingRun(principal, first, { conversationId, userId });
  if (!found?.answer.runId) {
    const where = conversationId !== undefined ? ' in this conversation' : '';
    throw invalidRequest(`No run waits for a result of the tool call '${first}'${where}: it answers no call, or the call was answered already.`, `messages[${at}].tool_call_id`, 'invalid_value');
  }
  const { answer } = found;
  const runId = answer.runId!;
  const agentId = answer.agentId ?? '';
  if (model !== AUTO_MODEL && model !== agentId) throw invalidRequest(`The run waiting for these results is answered by '${agentId}', not '${model}'.`, 'model');
  try {
    const decided = await chat.submitToolResults(principal, runId, results, { userId });
    const structured = (answer.pending as PausedStep).responseFormat !== undefined;
    return { runId, conversationId: answer.conversationId, agentId, leg: legAfterPause(runId, answer), decided, structured };
  } catch (error) {
    // The core counts the results; the client counts its messages.
    const result = isDomainError(error) && error.code === 'BAD_USER_INPUT' ? /^results\[(\d+)\]:\s*(.*)$/s.exec(error.message) : null;
    if (result) throw invalidRequest(`messages[${at + Number(result[1])}]: ${result[2]}`, `messages[${at + Number(result[1])}].tool_call_id`, 'invalid_value');
    throw error;
  }
}
