import type { Message } from '../../../core/conversations/conversation.js';
import type { PausedStep } from '../../../core/runs/paused-step.js';
import type { RunEvent } from '../../../core/runs/run-event.js';
import { terminalFromStored } from '../../../core/runs/chat.js';
import { finalText, parsedArguments, type ToolCallRecord, type ToolRound } from '../../../core/tools/tool-round.js';
import type { ResponseRef } from './response-ids.js';

/** A round the run paused in: a call the client ran, or one a person decided on. */
const pausedIn = (round: ToolRound) => round.calls.some((call) => call.executedBy === 'client' || call.approval !== undefined);
const waitedFor = (call: ToolCallRecord) => call.executedBy === 'client' || call.approval !== undefined;

/** The pauses an answer made before its current one (its rounds the client answered). */
export const pausesBefore = (rounds: readonly ToolRound[]) => rounds.filter(pausedIn).length;

/**
 * One response of a run, from its stored answer, as the run events the encoder folds (numbered
 * after the response's start): the text of its stretch of rounds, the calls it ended waiting for,
 * and its end. For runs no longer in memory; undefined when the answer never got that far.
 */
export function storedEvents(runId: string, answer: Message, ref: ResponseRef): RunEvent[] | undefined {
  const rounds = answer.toolRounds;
  const boundaries = rounds.flatMap((round, index) => (pausedIn(round) ? [index] : []));
  const waiting = answer.status === 'WAITING' && answer.pending ? (answer.pending as PausedStep) : undefined;
  const last = boundaries.length;
  if (ref.pauses > last) return undefined;
  const from = ref.pauses === 0 ? 0 : boundaries[ref.pauses - 1]! + 1;
  const to = ref.pauses < last ? boundaries[ref.pauses]! : rounds.length - 1;
  const stretch = rounds.slice(from, to + 1);
  let seq = ref.afterSeq;
  const events: RunEvent[] = [];
  const add = (event: Record<string, unknown>) => events.push({ ...event, runId, seq: ++seq } as RunEvent);
  add(ref.pauses === 0 ? { type: 'RunStarted', conversationId: answer.conversationId, agentId: answer.agentId ?? '' } : { type: 'RunResumed' });
  const text = stretch.map((round) => round.text).join('') + (ref.pauses === last ? finalText(answer.content, rounds) : '');
  if (text) add({ type: 'TokenDelta', text, index: 0 });
  const request = (call: { callId: string; tool: string; arguments: string; serverId: string | null }, approval: boolean) =>
    add({ type: approval ? 'ToolApprovalRequested' : 'ToolCallRequested', callId: call.callId, serverId: call.serverId, tool: call.tool, arguments: parsedArguments(call.arguments) });
  if (ref.pauses < last) {
    for (const call of rounds[to]!.calls.filter(waitedFor)) request(call, call.approval !== undefined);
    add({ type: 'RunPaused', callIds: [], expiresAt: '' });
    return events;
  }
  if (waiting) {
    for (const call of waiting.step.pending) request(call, call.kind === 'APPROVAL');
    add({ type: 'RunPaused', callIds: [], expiresAt: waiting.expiresAt });
    return events;
  }
  // Still streaming (on another replica): what is checkpointed, the response in progress.
  if (answer.status === 'STREAMING') return events;
  events.push({ ...terminalFromStored(runId, answer), seq: ++seq } as RunEvent);
  return events;
}

/** The results and decisions a continuation carried: the input items of the response after pause `pauses`. */
export function storedDecisions(answer: Message, pauses: number): ToolCallRecord[] | undefined {
  const boundaries = answer.toolRounds.filter(pausedIn);
  const round = boundaries[pauses - 1];
  return round?.calls.filter(waitedFor);
}
