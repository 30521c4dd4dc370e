import { randomUUID } from 'node:crypto';
import type { Message, Part, StreamResponse, Task, TaskState } from '@a2a-js/sdk';
import { redactSecrets } from '../mcp/mcp-server.js';
import { loadA2aSdk } from './a2a-sdk.js';
import type { RemoteAgentConnection } from './remote-agent-connection.js';
import { RemoteAgentUnavailableError, remoteFailure } from './remote-agent-failure.js';

/** A piece of a remote agent's answer as it streams: text to append, then the whole answer. */
export type RemoteUpdate = { type: 'text'; text: string } | { type: 'done'; text: string; json: unknown };

/** The remote agent did not finish within A2A_TIMEOUT_MS (its task was cancelled). */
export class RemoteAgentTimeoutError extends Error {}
/** The remote agent answered, but not with an answer: failed, refused, asked for input, or sent what is not A2A. */
export class RemoteAgentAnswerError extends Error {}

const A2A_ERROR_BRAND = Symbol.for('@a2a-js/sdk.A2AError');
/** The most of a remote agent's own failure text quoted in an error (it is the remote's, not ours). */
const MAX_QUOTED_CHARS = 300;

/**
 * Asks a remote agent one question over message/stream (message/send when its card says it does
 * not stream), yielding the answer's text as it arrives and then the whole answer. The answer is
 * the text of its artifacts (or of the message it answered with, or of its final status message),
 * and the value of its last data part (`json`). `signal` cancels the task (tasks/cancel); after
 * `timeoutMs` it is cancelled too and a RemoteAgentTimeoutError thrown. Whatever else goes wrong
 * is thrown, never a hang: a remote that is down, fails, asks for input or sends garbage.
 */
export async function* askRemoteAgent(connection: RemoteAgentConnection, question: { text: string; context?: string | undefined }, signal: AbortSignal, timeoutMs: number): AsyncGenerator<RemoteUpdate> {
  const client = connection.client();
  const { core } = await loadA2aSdk();
  const { TaskState: State, Role } = core;
  const deadline = AbortSignal.timeout(timeoutMs);
  const bounded = AbortSignal.any([signal, deadline]);
  const named = `The remote agent "${connection.id}"`;
  const parts: Part[] = [textPart(question.text)];
  if (question.context) parts.push(textPart(`Context:\n${question.context}`));
  const message: Message = { messageId: randomUUID(), contextId: '', taskId: '', role: Role.ROLE_USER, parts, metadata: undefined, extensions: [], referenceTaskIds: [] };

  let taskId: string | undefined;
  // Each artifact's text so far, by id: an update with `append: false` replaces its artifact (as our own server's last one does).
  const artifacts = new Map<string, string>();
  const streamedText = () => [...artifacts.values()].join('');
  let json: unknown;
  let finalText = '';
  let ended = false;
  const cancelTask = () => {
    if (!taskId) return;
    // Best effort, bounded: the remote stops working for nobody; its answer (if any) is not read.
    client.cancelTask({ tenant: '', id: taskId, metadata: undefined }, { signal: AbortSignal.timeout(5_000) }).catch(() => undefined);
  };
  /** A task's state: the end of the answer, or a reason to throw. */
  const settle = (state: TaskState | undefined, statusMessage: Message | undefined): boolean => {
    if (state === State.TASK_STATE_COMPLETED) {
      finalText = textOf(statusMessage?.parts);
      json = dataOf(statusMessage?.parts) ?? json;
      return true;
    }
    if (state === State.TASK_STATE_FAILED || state === State.TASK_STATE_REJECTED) {
      const said = redactSecrets(textOf(statusMessage?.parts), { headers: connection.record.headers, env: {} }).slice(0, MAX_QUOTED_CHARS);
      throw new RemoteAgentAnswerError(`${named} ${state === State.TASK_STATE_FAILED ? 'failed' : 'declined the question'}${said ? `: ${said}` : ''}`);
    }
    if (state === State.TASK_STATE_CANCELED) throw new RemoteAgentAnswerError(`${named} cancelled the task`);
    if (state === State.TASK_STATE_INPUT_REQUIRED || state === State.TASK_STATE_AUTH_REQUIRED) {
      cancelTask();
      throw new RemoteAgentAnswerError(`${named} asked for ${state === State.TASK_STATE_AUTH_REQUIRED ? 'authentication' : 'more input'}, which a delegated question cannot give`);
    }
    return false;
  };
  const readTask = (task: Task): boolean => {
    taskId = task.id || taskId;
    if (!isTerminalOrInterrupted(task.status?.state, State)) return false;
    // A whole task at once (message/send, or a stream that sends only its end): its artifacts are the answer.
    for (const artifact of task.artifacts ?? []) {
      artifacts.set(artifact.artifactId, textOf(artifact.parts));
      json = dataOf(artifact.parts) ?? json;
    }
    return settle(task.status?.state, task.status?.message);
  };

  try {
    for await (const response of client.sendMessageStream({ tenant: '', message, configuration: undefined, metadata: undefined }, { signal: bounded }) as AsyncIterable<StreamResponse>) {
      const payload = response?.payload;
      if (!payload) throw new RemoteAgentAnswerError(`${named} sent an update that is neither a task, a message nor a task update`);
      if (payload.$case === 'message') {
        finalText = textOf(payload.value.parts);
        json = dataOf(payload.value.parts) ?? json;
        ended = true;
      } else if (payload.$case === 'task') {
        ended = readTask(payload.value);
      } else if (payload.$case === 'artifactUpdate') {
        taskId = payload.value.taskId || taskId;
        const artifactId = payload.value.artifact?.artifactId ?? '';
        const text = textOf(payload.value.artifact?.parts);
        json = dataOf(payload.value.artifact?.parts) ?? json;
        const before = artifacts.get(artifactId) ?? '';
        const now = payload.value.append ? before + text : text;
        artifacts.set(artifactId, now);
        // Only what is new is streamed: a replacement that repeats what came before adds its remainder; one that starts over cannot unsay it (the answer is `now`).
        const added = now.startsWith(before) ? now.slice(before.length) : now;
        if (added) yield { type: 'text', text: added };
      } else if (payload.$case === 'statusUpdate') {
        taskId = payload.value.taskId || taskId;
        ended = settle(payload.value.status?.state, payload.value.status?.message);
      }
      if (ended) break;
    }
  } catch (error) {
    if (signal.aborted) {
      cancelTask();
      throw signal.reason;
    }
    if (deadline.aborted) {
      cancelTask();
      throw new RemoteAgentTimeoutError(`${named} did not answer within ${timeoutMs} ms (A2A_TIMEOUT_MS)`);
    }
    throw described(connection, error);
  }
  if (!ended) throw new RemoteAgentAnswerError(`${named} ended its stream before its answer ended`);
  // Text streamed as artifacts is the answer; an agent that streams none answers in its final message.
  const streamed = streamedText();
  const text = streamed || finalText;
  if (!streamed && finalText) yield { type: 'text', text: finalText };
  if (!text && json === undefined) throw new RemoteAgentAnswerError(`${named} gave an empty answer`);
  yield { type: 'done', text: text || JSON.stringify(json), json };
}

/** An error in muxgate's words: categories for the network (and the agent marked down), protocol reasons for A2A errors. */
function described(connection: RemoteAgentConnection, error: unknown): Error {
  const named = `The remote agent "${connection.id}"`;
  if (error instanceof RemoteAgentAnswerError || error instanceof RemoteAgentUnavailableError) return error;
  if (typeof error === 'object' && error !== null && A2A_ERROR_BRAND in error) {
    const reason = String((error as { reason?: unknown }).reason ?? 'INTERNAL_ERROR').replace(/[^A-Z0-9_]/g, '').slice(0, 60);
    return new RemoteAgentAnswerError(`${named} refused the question (${reason})`);
  }
  const category = remoteFailure(error);
  if (category !== 'connection failed') {
    connection.lost(error);
    return new RemoteAgentAnswerError(`${named} could not be reached: ${category}`);
  }
  // The SDK's own message quotes the remote's bytes: only that it was not A2A is said.
  return new RemoteAgentAnswerError(`${named} answered with something that is not a valid A2A response`);
}

const textPart = (text: string): Part => ({ content: { $case: 'text', value: text }, metadata: undefined, filename: '', mediaType: 'text/plain' });

function textOf(parts: Part[] | undefined): string {
  let text = '';
  for (const part of parts ?? []) if (part.content?.$case === 'text') text += part.content.value;
  return text;
}

/** The last structured (data) part's value: a structured answer. */
function dataOf(parts: Part[] | undefined): unknown {
  let value: unknown;
  for (const part of parts ?? []) if (part.content?.$case === 'data') value = part.content.value;
  return value;
}

function isTerminalOrInterrupted(state: TaskState | undefined, State: typeof TaskState): boolean {
  return state !== undefined && state !== State.TASK_STATE_UNSPECIFIED && state !== State.TASK_STATE_SUBMITTED && state !== State.TASK_STATE_WORKING;
}
