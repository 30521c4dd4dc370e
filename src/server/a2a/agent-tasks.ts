import {
  type AgentCard,
  type CancelTaskRequest,
  type GetTaskRequest,
  type ListTaskPushNotificationConfigsResponse,
  type ListTasksResponse,
  type Message,
  type SendMessageRequest,
  type StreamResponse,
  type SubscribeToTaskRequest,
  type Task,
  type TaskPushNotificationConfig,
  TaskState,
} from '@a2a-js/sdk';
import { ExtendedAgentCardNotConfiguredError, PushNotificationNotSupportedError, TaskNotCancelableError, UnsupportedOperationError } from '@a2a-js/sdk/errors';
import type { A2ARequestHandler } from '@a2a-js/sdk/server';
import type { Agent } from '../../core/agents/agent.js';
import type { Principal } from '../../core/auth/principal.js';
import { isUuidShaped } from '../../core/named-ids.js';
import type { Orchestrator } from '../../core/orchestrator.js';
import type { ChatAnswer } from '../../core/runs/await-answer.js';
import type { ClientConnection } from '../../core/runs/client-connection.js';
import type { RunEvent } from '../../core/runs/run-event.js';
import { startingWith } from '../../core/runs/starting-with.js';
import { a2aErrorOf, isExpected, taskNotFound } from './a2a-errors.js';
import { type MessageRequest, messageRequestOf } from './message-input.js';
import { isFinal, startedTask, TaskEventEncoder, taskOf } from './task-encoder.js';

/** Who asks, of which published agent, over which connection: one request's worth. */
export interface TaskCaller {
  orchestrator: Orchestrator;
  principal: Principal;
  /** Acting for this user (an admin's or unbound key's `?user_id=`); the credential's own otherwise. */
  userId: string | null;
  agent: Agent;
  card: AgentCard;
  connection: ClientConnection;
  /** Logs a failure the client is told only "Unexpected error." of. */
  onUnexpected: (error: unknown) => void;
}

/** A run being followed: the task as it stood when the request began, and its events from there (none when nothing runs). */
interface Followed {
  task: Task;
  events: AsyncIterableIterator<RunEvent> | undefined;
}

/**
 * A2A's request handler for one published agent and one caller: a task is a run (its id the run's),
 * its context the run's conversation. Messages start runs through chat.stream (the pipeline every
 * surface uses) or answer a waiting run through chat.decide; reads go to the stored answer; streams
 * follow the run's events (chat.follow), so a task is read and followed on any replica.
 */
export class AgentTasks implements A2ARequestHandler {
  constructor(private readonly caller: TaskCaller) {}

  async getAgentCard(): Promise<AgentCard> {
    return this.caller.card;
  }

  async getAuthenticatedExtendedAgentCard(): Promise<AgentCard> {
    throw new ExtendedAgentCardNotConfiguredError('This agent has no extended card: its public card is all there is');
  }

  /** Waits until the task needs the client (input-required) or ends; `returnImmediately` is not honoured (a run needs a reader). */
  async sendMessage(params: SendMessageRequest): Promise<Message | Task> {
    const request = messageRequestOf(params.message, params.metadata);
    const taskId = request.kind === 'answers' ? request.taskId : undefined;
    try {
      const followed = await this.begin(request, params.message!);
      if (!followed.events) return followed.task;
      const json = await untilStop(followed.events, this.caller.connection);
      return taskOf(await this.answer(followed.task.id, json));
    } catch (error) {
      throw this.failure(error, taskId);
    }
  }

  async *sendMessageStream(params: SendMessageRequest): AsyncGenerator<StreamResponse, void, undefined> {
    const request = messageRequestOf(params.message, params.metadata);
    let followed: Followed;
    try {
      followed = await this.begin(request, params.message!);
    } catch (error) {
      throw this.failure(error, request.kind === 'answers' ? request.taskId : undefined);
    }
    yield* this.stream(followed);
  }

  async getTask(params: GetTaskRequest): Promise<Task> {
    try {
      return taskOf(await this.answer(params.id));
    } catch (error) {
      throw this.failure(error, params.id);
    }
  }

  /** Cancels the run and answers once its end is stored: the task comes back canceled. */
  async cancelTask(params: CancelTaskRequest): Promise<Task> {
    const { chat } = this.caller.orchestrator;
    try {
      const before = taskOf(await this.answer(params.id));
      if (isFinal(before.status!.state)) throw new TaskNotCancelableError(`Task "${params.id}" has ended: it cannot be canceled`);
      await chat.cancel(this.caller.principal, params.id, { userId: this.caller.userId });
      await untilStop(await chat.follow(this.caller.principal, params.id, 0, this.caller.connection, { userId: this.caller.userId }), this.caller.connection);
      return taskOf(await this.answer(params.id));
    } catch (error) {
      throw this.failure(error, params.id);
    }
  }

  /** The task as it stands, then its run's events (replayed from the start, then live) until it ends or waits for input. */
  async *resubscribe(params: SubscribeToTaskRequest): AsyncGenerator<StreamResponse, void, undefined> {
    const { chat } = this.caller.orchestrator;
    let followed: Followed;
    try {
      const task = taskOf(await this.answer(params.id));
      // Ended, or waiting for this client: the task says it all; nothing runs to follow.
      const running = !isFinal(task.status!.state) && task.status!.state !== TaskState.TASK_STATE_INPUT_REQUIRED;
      followed = { task, events: running ? await chat.follow(this.caller.principal, params.id, 0, this.caller.connection, { userId: this.caller.userId }) : undefined };
    } catch (error) {
      throw this.failure(error, params.id);
    }
    yield* this.stream(followed);
  }

  async listTasks(): Promise<ListTasksResponse> {
    throw new UnsupportedOperationError('tasks/list is not offered: a task is a run; GraphQL `conversation(id)` lists a context’s answers');
  }

  async createTaskPushNotificationConfig(): Promise<TaskPushNotificationConfig> {
    throw new PushNotificationNotSupportedError('Push notifications are not offered: stream the task (message/stream, tasks/resubscribe)');
  }

  async getTaskPushNotificationConfig(): Promise<TaskPushNotificationConfig> {
    throw new PushNotificationNotSupportedError('Push notifications are not offered');
  }

  async listTaskPushNotificationConfigs(): Promise<ListTaskPushNotificationConfigsResponse> {
    throw new PushNotificationNotSupportedError('Push notifications are not offered');
  }

  async deleteTaskPushNotificationConfig(): Promise<void> {
    throw new PushNotificationNotSupportedError('Push notifications are not offered');
  }

  /** Starts a turn (a new run of this agent), or hands a waiting run the client's answers. */
  private async begin(request: MessageRequest, message: Message): Promise<Followed> {
    const { orchestrator, principal, userId, agent, connection } = this.caller;
    if (request.kind === 'answers') return this.answerWaiting(request);
    const events = await orchestrator.chat.stream(
      principal,
      {
        message: request.text,
        images: request.images.length ? request.images : undefined,
        agentId: agent.id,
        conversationId: request.conversationId,
        // A contextId the client chose starts a conversation of that id (another user's is refused).
        createConversation: request.conversationId ? true : undefined,
        userId,
        clientTools: request.clientTools,
        metadata: { a2a: { messageId: message.messageId } },
      },
      connection,
    );
    // The run's first event names the task.
    const first = await events.next();
    if (first.done || first.value.type !== 'RunStarted') throw new Error('The run ended before it started');
    return { task: startedTask(first.value), events: startingWith(first.value, events) };
  }

  private async answerWaiting(request: Extract<MessageRequest, { kind: 'answers' }>): Promise<Followed> {
    const { orchestrator, principal, userId, connection } = this.caller;
    const current = taskOf(await this.answer(request.taskId));
    const state = current.status!.state;
    if (isFinal(state)) throw new UnsupportedOperationError(`Task "${request.taskId}" has ended: it takes no more messages; send a new message with its contextId to go on with the conversation`);
    if (state !== TaskState.TASK_STATE_INPUT_REQUIRED) throw new UnsupportedOperationError(`Task "${request.taskId}" is working: it takes answers only while it waits for input (input-required)`);
    const decided = await orchestrator.chat.decide(principal, request.taskId, request.decisions, { userId });
    // Some calls still wait: the task stays input-required, saying which.
    if (!decided.resumed) return { task: taskOf(await this.answer(request.taskId)), events: undefined };
    const events = await orchestrator.chat.follow(principal, request.taskId, decided.step.pausedSeq, connection, { userId });
    return { task: current, events };
  }

  /**
   * The first frame (the task), then the run's updates. A dropped client ends the iterator with
   * the connection closed: a drop the task can be resubscribed from, never a cancel.
   */
  private async *stream({ task, events }: Followed): AsyncGenerator<StreamResponse, void, undefined> {
    yield { payload: { $case: 'task', value: task } };
    if (!events) return;
    const { connection } = this.caller;
    const encoder = new TaskEventEncoder(task.id, task.contextId);
    const onDrop = () => void events.return?.();
    connection.closed.addEventListener('abort', onDrop, { once: true });
    try {
      for (;;) {
        const next = await events.next();
        if (next.done || connection.closed.aborted) return;
        const { updates, done } = encoder.encode(next.value);
        for (const update of updates) yield update;
        if (done) return;
      }
    } catch (error) {
      throw this.failure(error, task.id);
    } finally {
      connection.closed.removeEventListener('abort', onDrop);
      // Paused or ended: this reader leaves (a paused run waits for its client whoever reads it).
      await events.return?.();
    }
  }

  /** A failure in A2A's terms; one nobody expected is logged first. */
  private failure(error: unknown, taskId: string | undefined): Error {
    if (!isExpected(error)) this.caller.onUnexpected(error);
    return a2aErrorOf(error, taskId);
  }

  /** The run's stored answer, when the run is the caller's and this agent's; TaskNotFound otherwise. */
  private async answer(taskId: string, json: unknown = null): Promise<ChatAnswer> {
    const { orchestrator, principal, userId, agent } = this.caller;
    if (!isUuidShaped(taskId)) throw taskNotFound(taskId);
    const answer = await orchestrator.chat.runAnswer(principal, taskId, { userId }, json);
    if (answer.agentId !== agent.id) throw taskNotFound(taskId);
    return json === null ? { ...answer, json: structuredJson(agent, answer) } : answer;
  }
}

/** Reads a run's events until it waits for its client or ends; a structured answer's JSON when it completes. */
async function untilStop(events: AsyncIterableIterator<RunEvent>, connection: ClientConnection): Promise<unknown> {
  const onDrop = () => void events.return?.();
  connection.closed.addEventListener('abort', onDrop, { once: true });
  try {
    for (;;) {
      const { value, done } = await events.next();
      if (done || value.type === 'RunPaused' || value.type === 'RunFailed') return null;
      if (value.type === 'MessageCompleted') return value.json ?? null;
    }
  } finally {
    connection.closed.removeEventListener('abort', onDrop);
    await events.return?.();
  }
}

/** A completed answer of an agent with a response format was checked against it: its text parses. */
function structuredJson(agent: Agent, answer: ChatAnswer): unknown {
  if (answer.status !== 'COMPLETE' || !agent.responseFormat) return null;
  try {
    return JSON.parse(answer.message.content);
  } catch {
    return null;
  }
}
