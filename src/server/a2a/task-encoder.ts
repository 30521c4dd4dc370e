import { type Artifact, type Message, type Part, Role, type StreamResponse, type Task, TaskState, type TaskStatus } from '@a2a-js/sdk';
import type { ChatAnswer } from '../../core/runs/await-answer.js';
import type { PendingToolCall } from '../../core/runs/paused-step.js';
import type { RunEvent, RunFailureCode } from '../../core/runs/run-event.js';
import type { RunStatus } from '../../core/runs/run.js';

/** The one artifact of a task: the answer (its text, and the parsed JSON of a structured answer as a data part). */
export const ANSWER_ARTIFACT_ID = 'answer';

const STATE_OF: Record<RunStatus, TaskState> = {
  RUNNING: TaskState.TASK_STATE_WORKING,
  WAITING: TaskState.TASK_STATE_INPUT_REQUIRED,
  COMPLETE: TaskState.TASK_STATE_COMPLETED,
  CANCELLED: TaskState.TASK_STATE_CANCELED,
  FAILED: TaskState.TASK_STATE_FAILED,
};

export const isFinal = (state: TaskState) => state === TaskState.TASK_STATE_COMPLETED || state === TaskState.TASK_STATE_CANCELED || state === TaskState.TASK_STATE_FAILED;

export const textPart = (text: string): Part => ({ content: { $case: 'text', value: text }, metadata: undefined, filename: '', mediaType: 'text/plain' });
export const dataPart = (value: unknown): Part => ({ content: { $case: 'data', value }, metadata: undefined, filename: '', mediaType: 'application/json' });

/** Where a task stands, as a stored answer says (tasks/get, tasks/cancel, message/send's result). */
export function taskOf(answer: ChatAnswer): Task {
  const state = STATE_OF[answer.status];
  const { message } = answer;
  const artifacts = message.content !== '' || state === TaskState.TASK_STATE_COMPLETED ? [answerArtifact(message.content, answer.json)] : [];
  return {
    id: answer.runId,
    contextId: answer.conversationId,
    status: statusOf(state, message.createdAt, statusMessageOf(state, answer)),
    artifacts,
    history: [],
    metadata: { agentId: answer.agentId },
  };
}

/** A task that has just started: working, nothing answered yet (the first event of a stream). */
export function startedTask(event: Extract<RunEvent, { type: 'RunStarted' }>): Task {
  return { id: event.runId, contextId: event.conversationId, status: statusOf(TaskState.TASK_STATE_WORKING, new Date()), artifacts: [], history: [], metadata: { agentId: event.agentId } };
}

/**
 * Turns one run's events into a task's stream updates: token deltas append to the answer artifact,
 * the end replaces it whole (text, and the JSON of a structured answer) and sets the final state; a
 * pause is `input-required`, its status message naming the calls to answer. Deterministic from the
 * events, so a resubscribed stream (which replays the run) says the same.
 */
export class TaskEventEncoder {
  /** Whether the next delta continues the artifact (false at first and after a rejected structured answer). */
  private appending = false;
  private readonly requested = new Map<string, PendingToolCall>();

  constructor(
    private readonly taskId: string,
    private readonly contextId: string,
  ) {}

  encode(event: RunEvent): { updates: StreamResponse[]; done: boolean } {
    switch (event.type) {
      case 'TokenDelta': {
        if (!event.text) return { updates: [], done: false };
        const update = this.artifactUpdate([textPart(event.text)], this.appending, false);
        this.appending = true;
        return { updates: [update], done: false };
      }
      case 'AnswerRejected':
        this.appending = false;
        return { updates: [], done: false };
      case 'RunResumed':
        return { updates: [this.statusUpdate(TaskState.TASK_STATE_WORKING)], done: false };
      case 'ToolCallRequested':
      case 'ToolApprovalRequested':
        this.requested.set(event.callId, { callId: event.callId, kind: event.type === 'ToolCallRequested' ? 'CLIENT_TOOL' : 'APPROVAL', tool: event.tool, serverId: event.serverId, arguments: event.arguments });
        return { updates: [], done: false };
      case 'ToolCallDecided':
      case 'ToolCallCompleted':
        this.requested.delete(event.callId);
        return { updates: [], done: false };
      case 'RunPaused': {
        const pending = event.callIds.map((callId) => this.requested.get(callId) ?? { callId, kind: 'CLIENT_TOOL' as const, tool: '', serverId: null, arguments: null });
        return { updates: [this.statusUpdate(TaskState.TASK_STATE_INPUT_REQUIRED, this.message(event.seq, waitingParts(pending)))], done: true };
      }
      case 'MessageCompleted':
        return {
          updates: [
            { payload: { $case: 'artifactUpdate', value: { taskId: this.taskId, contextId: this.contextId, artifact: answerArtifact(event.content, event.json ?? null), append: false, lastChunk: true, metadata: undefined } } },
            this.statusUpdate(TaskState.TASK_STATE_COMPLETED),
          ],
          done: true,
        };
      case 'RunFailed': {
        const state = event.code === 'CANCELLED' ? TaskState.TASK_STATE_CANCELED : TaskState.TASK_STATE_FAILED;
        return { updates: [this.statusUpdate(state, this.message(event.seq, [textPart(event.message)], { code: event.code, retryable: event.retryable }))], done: true };
      }
      default:
        return { updates: [], done: false };
    }
  }

  private artifactUpdate(parts: Part[], append: boolean, lastChunk: boolean): StreamResponse {
    const artifact: Artifact = { artifactId: ANSWER_ARTIFACT_ID, name: ANSWER_ARTIFACT_ID, description: '', parts, metadata: undefined, extensions: [] };
    return { payload: { $case: 'artifactUpdate', value: { taskId: this.taskId, contextId: this.contextId, artifact, append, lastChunk, metadata: undefined } } };
  }

  private statusUpdate(state: TaskState, message?: Message): StreamResponse {
    return { payload: { $case: 'statusUpdate', value: { taskId: this.taskId, contextId: this.contextId, status: statusOf(state, new Date(), message), metadata: undefined } } };
  }

  /** Named after the event it says, so a replay names it the same. */
  private message(seq: number, parts: Part[], metadata?: Record<string, unknown>): Message {
    return agentMessage(`${this.taskId}-${seq}`, this.taskId, this.contextId, parts, metadata);
  }
}

function statusOf(state: TaskState, at: Date, message?: Message): TaskStatus {
  return { state, message: message ?? undefined, timestamp: at.toISOString() };
}

function answerArtifact(content: string, json: unknown): Artifact {
  const parts = [textPart(content)];
  if (json !== undefined && json !== null) parts.push(dataPart(json));
  return { artifactId: ANSWER_ARTIFACT_ID, name: ANSWER_ARTIFACT_ID, description: '', parts, metadata: undefined, extensions: [] };
}

/** The status message of a stored answer: what a waiting task waits for, why a task failed. */
function statusMessageOf(state: TaskState, answer: ChatAnswer): Message | undefined {
  const messageId = `${answer.runId}-status`;
  if (state === TaskState.TASK_STATE_INPUT_REQUIRED) return agentMessage(messageId, answer.runId, answer.conversationId, waitingParts(answer.pendingToolCalls));
  if (state === TaskState.TASK_STATE_FAILED) {
    const code = (answer.message.errorCode ?? 'INTERNAL') as RunFailureCode;
    return agentMessage(messageId, answer.runId, answer.conversationId, [textPart(code === 'INTERRUPTED' ? 'The gateway stopped before the answer was complete' : 'The run failed')], { code });
  }
  return undefined;
}

/**
 * What a task waiting for input says: a line per call, and the calls as data (the client answers
 * each with a data part { callId, output } or { callId, approved }).
 */
function waitingParts(pending: readonly PendingToolCall[]): Part[] {
  const lines = pending.map((call) =>
    call.kind === 'APPROVAL'
      ? `Approve the call of "${call.tool}" (${call.callId})? Answer with a data part { "callId": "${call.callId}", "approved": true | false }.`
      : `Run the client tool "${call.tool}" (${call.callId}) and answer with a data part { "callId": "${call.callId}", "output": … }.`,
  );
  const calls = pending.map((call) => ({ callId: call.callId, kind: call.kind, tool: call.tool, arguments: call.arguments }));
  return [textPart(lines.join('\n')), dataPart({ pendingToolCalls: calls })];
}

function agentMessage(messageId: string, taskId: string, contextId: string, parts: Part[], metadata?: Record<string, unknown>): Message {
  return { messageId, contextId, taskId, role: Role.ROLE_AGENT, parts, metadata, extensions: [], referenceTaskIds: [] };
}
