import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../../../core/auth/principal.js';
import type { Message } from '../../../core/conversations/conversation.js';
import { isDomainError } from '../../../core/errors.js';
import type { ImagePart } from '../../../core/images/image-part.js';
import type { ChatMessage } from '../../../core/models/chat-model.js';
import type { Orchestrator } from '../../../core/orchestrator.js';
import type { ChatInput } from '../../../core/runs/chat-input.js';
import type { ClientConnection } from '../../../core/runs/client-connection.js';
import type { PausedStep } from '../../../core/runs/paused-step.js';
import type { RunEvent } from '../../../core/runs/run-event.js';
import { readsQueueOf } from '../../../core/runs/stream-to-client.js';
import { AUTO_MODEL } from '../completion-request.js';
import { endWhenClientGone } from '../client-gone.js';
import { type ErrorContext, invalidRequest, OpenAIError } from '../openai-error.js';
import { isObject } from '../request-values.js';
import { ResponseEncoder } from './response-encoder.js';
import { approvalRequestId, callOutputItemId, clientCallId, parseMessageItemId, parseResponseId, type ResponseRef, userItemId } from './response-ids.js';
import type { InputDecision } from './response-input.js';
import { parseResponseRequest, previousNotFound, type ResponseEcho, type ResponseRequest } from './response-request.js';
import { foldResponse, streamResponse } from './response-stream.js';
import { pausesBefore, storedDecisions, storedEvents } from './stored-response.js';

export interface ResponseRoutesOptions {
  orchestrator: Orchestrator;
  bodyLimitBytes: number;
  heartbeatMs: number;
  /** The caller, as every /v1 route authenticates it. */
  caller: (request: FastifyRequest) => Promise<Principal>;
  /** Runs a handler; whatever it throws is answered in OpenAI's shape. */
  answering: (handle: (request: FastifyRequest, reply: FastifyReply, context: ErrorContext) => Promise<unknown>) => (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
}

/** What GET and the stored replay repeat of a request they never saw: OpenAI's defaults. */
const DEFAULT_ECHO: ResponseEcho = {
  instructions: null,
  max_output_tokens: null,
  parallel_tool_calls: true,
  previous_response_id: null,
  temperature: null,
  text: { format: { type: 'text' } },
  tool_choice: 'auto',
  tools: [],
  top_p: null,
  truncation: 'disabled',
  user: null,
  metadata: {},
  store: true,
};

/**
 * OpenAI's Responses API over the chat pipeline: a response is one stretch of a run (chat.stream
 * starts it, chat.submitToolResults + chat.follow continue it after a pause), encoded by one
 * ResponseEncoder whether it is streamed, returned whole, fetched again or replayed from storage.
 */
export async function responseRoutes(app: FastifyInstance, { orchestrator, bodyLimitBytes, heartbeatMs, caller, answering }: ResponseRoutesOptions) {
  const { chat, conversations } = orchestrator;

  app.post(
    '/responses',
    { bodyLimit: bodyLimitBytes },
    answering(async (request, reply, context) => {
      const principal = await caller(request);
      const body = request.body;
      context.model = isObject(body) && typeof body.model === 'string' ? body.model : undefined;
      const userId = isObject(body) && typeof body.user === 'string' ? body.user : undefined;
      const references = await referencedItems(principal, body, userId);
      const parsed = parseResponseRequest(body, (id, at) => {
        const found = references.get(id);
        if (!found) throw invalidRequest(`Item with id '${id}' not found.`, `${at}.id`);
        return found;
      });
      const created = Math.floor(Date.now() / 1000);
      const closed = new AbortController();
      const connection: ClientConnection = { isOpen: () => !closed.signal.aborted, closed: closed.signal, requestId: request.id };
      reply.header('access-control-expose-headers', 'x-conversation-id, x-run-id');
      if (parsed.input.kind === 'turn') context.images = parsed.input.imageOrigins;
      const { events, encoder } = parsed.input.kind === 'resume' ? await resume(principal, parsed, parsed.input.decisions, connection, created) : await startTurn(principal, parsed, connection, created);
      let conversationId = '';
      const headers = () => ({ ...(conversationId ? { 'x-conversation-id': conversationId } : {}), ...(encoder.runId ? { 'x-run-id': encoder.runId } : {}) });
      endWhenClientGone(reply, closed, events);
      const usageAtPause = async (runId: string) => (await chat.runAnswer(principal, runId, { userId })).usage;
      const watched = watchConversation(events, (id) => (conversationId = id));
      try {
        if (parsed.stream) {
          await streamResponse(reply, watched, encoder, { heartbeatMs, closed: closed.signal, headers, usageAtPause, reportError: (error) => request.log.error({ err: error }, 'a /v1/responses stream failed'), startAtOnce: false });
          return reply;
        }
        await foldResponse(watched, encoder, usageAtPause);
        reply.headers(headers());
        // A failed or cancelled run: the HTTP error /v1/chat/completions gives, naming the run.
        if (encoder.failure) throw withHeaders(encoder.failure, headers());
        return encoder.snapshot();
      } finally {
        if (!closed.signal.aborted) await events.return?.();
      }
    }),
  );

  /** A new user message: a new run, in the previous response's conversation when one is named. */
  async function startTurn(principal: Principal, parsed: ResponseRequest, connection: ClientConnection, created: number) {
    const input = parsed.input;
    if (input.kind !== 'turn') throw new Error('not a turn');
    const chatInput: ChatInput = {
      message: input.message,
      ...(input.images.length ? { images: input.images } : {}),
      ...(parsed.model === AUTO_MODEL ? {} : { agentId: parsed.model }),
      ...(parsed.userId !== undefined ? { userId: parsed.userId } : {}),
      ...(parsed.metadata ? { metadata: parsed.metadata } : {}),
      ...(parsed.sampling ? { sampling: parsed.sampling } : {}),
      ...(parsed.clientTools.length ? { clientTools: parsed.clientTools } : {}),
      ...(parsed.toolChoice ? { toolChoice: parsed.toolChoice } : {}),
      ...(parsed.parallelToolCalls !== undefined ? { parallelToolCalls: parsed.parallelToolCalls } : {}),
      ...(parsed.responseFormat ? { responseFormat: parsed.responseFormat } : {}),
    };
    let instructions = parsed.echo.instructions ?? undefined;
    if (parsed.previous) {
      const previous = await answerOfResponse(principal, parsed.previous.id, parsed.userId, previousNotFound);
      chatInput.conversationId = previous.conversationId;
      // The stored conversation is the context: only system messages may come beside the new one, as this turn's instructions.
      const other = input.history.findIndex((message) => message.role !== 'system');
      if (other >= 0) {
        throw invalidRequest(
          'With previous_response_id, input holds the new user message (and system or developer messages), or the function_call_output items that answer the previous response’s calls: the earlier items are stored.',
          `input[${other}]`,
        );
      }
      instructions = [instructions, ...input.system].filter(Boolean).join('\n\n') || undefined;
    } else if (input.history.length) {
      chatInput.history = input.history;
    }
    if (instructions) chatInput.instructions = instructions;
    const events = await chat.stream(principal, chatInput, connection);
    const encoder = new ResponseEncoder({ ref: undefined, createdAt: created, model: parsed.model, echo: parsed.echo });
    return { events, encoder };
  }

  /** function_call_output / mcp_approval_response items: the paused run they answer goes on, in a new response. */
  async function resume(principal: Principal, parsed: ResponseRequest, decisions: InputDecision[], connection: ClientConnection, created: number) {
    const runId = parsed.previous?.runId ?? decisions[0]!.runId;
    const unknown = decisions.find((decision) => decision.runId !== runId);
    if (unknown || !runId) {
      const at = unknown ?? decisions[0]!;
      throw invalidRequest(`No tool call found for function call output with call_id ${at.sentId}.`, at.param);
    }
    const userId = parsed.userId;
    const answer = await storedAnswer(principal, runId, userId, () => (parsed.previous ? previousNotFound(parsed.previous.id) : invalidRequest(`No tool call found for function call output with call_id ${decisions[0]!.sentId}.`, decisions[0]!.param)));
    const step = answer.status === 'WAITING' ? (answer.pending as PausedStep | null) : null;
    if (!step) throw invalidRequest(`The response's run is not waiting for tool outputs (it is ${answer.status.toLowerCase()}): send a user message to go on.`, 'input');
    const pending = step.step.pending.filter((call) => !call.result && !call.approval);
    for (const decision of decisions) {
      const call = pending.find((candidate) => candidate.callId === decision.callId);
      const kind = decision.kind === 'result' ? 'CLIENT_TOOL' : 'APPROVAL';
      if (!call || call.kind !== kind) throw invalidRequest(`No tool call found for function call output with call_id ${decision.sentId}.`, decision.param);
    }
    const missing = pending.find((call) => !decisions.some((decision) => decision.callId === call.callId));
    if (missing) {
      const id = missing.kind === 'CLIENT_TOOL' ? clientCallId(runId, missing.callId) : approvalRequestId(runId, missing.callId);
      throw invalidRequest(`No tool output found for function call ${id}.`, 'input');
    }
    const options = { userId };
    const results = decisions.flatMap((decision) => (decision.kind === 'result' ? [{ callId: decision.callId, output: decision.output }] : []));
    let decided = results.length ? await chat.submitToolResults(principal, runId, results, options) : undefined;
    for (const decision of decisions) {
      if (decision.kind === 'approval') decided = await chat.approveToolCall(principal, runId, decision.callId, decision.approved, decision.reason, options);
    }
    const ref: ResponseRef = { runId, pauses: pausesBefore(step.rounds) + 1, afterSeq: decided!.step.pausedSeq };
    const events = await chat.follow(principal, runId, ref.afterSeq, connection, options);
    const encoder = new ResponseEncoder({ ref, createdAt: created, model: answer.agentId ?? parsed.model, echo: parsed.echo, structured: step.responseFormat !== undefined });
    return { events, encoder };
  }

  app.get(
    '/responses/:id',
    answering(async (request, reply) => {
      const principal = await caller(request);
      const { id } = request.params as { id: string };
      const query = request.query as { stream?: string; starting_after?: string; user?: string };
      const ref = refOf(id);
      const userId = query.user || undefined;
      const answer = await storedAnswer(principal, ref.runId, userId, () => responseNotFound(id));
      const streamed = query.stream === 'true';
      const startingAfter = query.starting_after === undefined ? undefined : Number(query.starting_after);
      if (startingAfter !== undefined && (!Number.isInteger(startingAfter) || startingAfter < 0)) throw invalidRequest("Invalid 'starting_after': expected a non-negative integer.", 'starting_after');
      const encoder = new ResponseEncoder({ ref, createdAt: Math.floor(answer.createdAt.getTime() / 1000), model: answer.agentId ?? '', echo: DEFAULT_ECHO, structured: ref.pauses === 0 ? undefined : (answer.pending as PausedStep | null)?.responseFormat !== undefined });
      const usageAtPause = async (runId: string) => (await chat.runAnswer(principal, runId, { userId })).usage;
      const live = liveRun(principal, ref.runId, userId);
      if (streamed) {
        const closed = new AbortController();
        const connection: ClientConnection = { isOpen: () => !closed.signal.aborted, closed: closed.signal, requestId: request.id };
        // A live run (here, another replica's, or paused) replays its log; one that ended elsewhere replays from storage.
        const events = live || answer.status === 'STREAMING' || answer.status === 'WAITING' ? await chat.follow(principal, ref.runId, ref.afterSeq, connection, { userId }) : iterate(eventsOrMissing(ref, answer, id));
        reply.raw.once('close', () => {
          if (reply.raw.writableFinished) return;
          closed.abort();
          void events.return?.();
        });
        try {
          await streamResponse(reply, events, encoder, { heartbeatMs, closed: closed.signal, headers: () => ({ 'x-conversation-id': answer.conversationId, 'x-run-id': ref.runId }), usageAtPause, reportError: (error) => request.log.error({ err: error }, 'a /v1/responses stream failed'), startAtOnce: true, startingAfter });
        } finally {
          if (!closed.signal.aborted) await events.return?.();
        }
        return reply;
      }
      if (live) {
        // What the run has recorded so far: the response as it stands, without waiting.
        for (const event of live.eventsAfter(ref.afterSeq)) {
          if (event.type === 'RunPaused') encoder.setUsage(await usageAtPause(ref.runId));
          encoder.push(event);
          if (encoder.ended) break;
        }
      } else {
        for (const event of eventsOrMissing(ref, answer, id)) {
          if (event.type === 'RunPaused') encoder.setUsage(answer.usage);
          encoder.push(event);
        }
      }
      return encoder.snapshot();
    }),
  );

  app.delete(
    '/responses/:id',
    answering(async (request) => {
      const principal = await caller(request);
      const { id } = request.params as { id: string };
      const ref = refOf(id);
      const userId = (request.query as { user?: string }).user || undefined;
      try {
        await conversations.deleteTurn(principal, ref.runId, { userId });
      } catch (error) {
        if (isDomainError(error) && error.code === 'NOT_FOUND') throw responseNotFound(id);
        if (isDomainError(error) && error.code === 'BAD_USER_INPUT') throw invalidRequest(`Response '${id}' is still in progress (or its run waits for tool outputs): cancel it first.`, null);
        throw error;
      }
      return { id, object: 'response', deleted: true };
    }),
  );

  app.post(
    '/responses/:id/cancel',
    answering(async (request) => {
      const principal = await caller(request);
      const { id } = request.params as { id: string };
      const ref = refOf(id);
      const userId = (request.query as { user?: string }).user || undefined;
      const before = await storedAnswer(principal, ref.runId, userId, () => responseNotFound(id));
      const closed = new AbortController();
      const connection: ClientConnection = { isOpen: () => true, closed: closed.signal, requestId: request.id };
      // Followed before the cancel, so the response's end (RunFailed CANCELLED) is read from the run, not raced;
      // a paused run that left memory is revived by the follow.
      const live = liveRun(principal, ref.runId, userId);
      const events = live || before.status === 'WAITING' ? await chat.follow(principal, ref.runId, ref.afterSeq, connection, { userId }) : undefined;
      // A paused run's cancel answers once its end is stored.
      await chat.cancel(principal, ref.runId, { userId });
      await live?.result;
      const answer = await storedAnswer(principal, ref.runId, userId, () => responseNotFound(id));
      const encoder = new ResponseEncoder({ ref, createdAt: Math.floor(answer.createdAt.getTime() / 1000), model: answer.agentId ?? '', echo: DEFAULT_ECHO });
      if (events) {
        try {
          await foldResponse(events, encoder, async () => answer.usage);
        } finally {
          await events.return?.();
        }
        return encoder.snapshot();
      }
      for (const event of eventsOrMissing(ref, answer, id)) encoder.push(event);
      return encoder.snapshot();
    }),
  );

  app.get(
    '/responses/:id/input_items',
    answering(async (request) => {
      const principal = await caller(request);
      const { id } = request.params as { id: string };
      const query = request.query as { order?: string; user?: string };
      const ref = refOf(id);
      const userId = query.user || undefined;
      const answer = await storedAnswer(principal, ref.runId, userId, () => responseNotFound(id));
      if (query.order !== undefined && query.order !== 'asc' && query.order !== 'desc') throw invalidRequest("Invalid value for 'order': expected 'asc' or 'desc'.", 'order');
      let items: Array<Record<string, unknown>>;
      if (ref.pauses === 0) {
        const messages = await conversations.messages(answer.conversationId);
        const user = messages.find((message) => message.role === 'user' && message.runId === ref.runId);
        items = user ? [{ id: userItemId(ref.runId), type: 'message', role: 'user', status: 'completed', content: [...(user.content || !user.images.length ? [{ type: 'input_text', text: user.content }] : []), ...user.images.map(inputImageOf)] }] : [];
      } else {
        const calls = storedDecisions(answer, ref.pauses) ?? decidedCalls(answer);
        items = calls.map((call) =>
          call.approval
            ? { id: callOutputItemId(ref.runId, call.callId), type: 'mcp_approval_response', approval_request_id: approvalRequestId(ref.runId, call.callId), approve: call.approval.approved, reason: call.approval.reason }
            : { id: callOutputItemId(ref.runId, call.callId), type: 'function_call_output', call_id: clientCallId(ref.runId, call.callId), output: call.result, status: 'completed' },
        );
      }
      // OpenAI lists input items newest first unless asked otherwise.
      if (query.order !== 'asc') items.reverse();
      return { object: 'list', data: items, first_id: items[0]?.id ?? null, last_id: items.at(-1)?.id ?? null, has_more: false };
    }),
  );

  /** The stored answer of a run the principal may read; `missing` is thrown for another user's, or none. */
  async function storedAnswer(principal: Principal, runId: string, userId: string | undefined, missing: () => OpenAIError): Promise<Message> {
    try {
      return (await chat.runAnswer(principal, runId, { userId })).message;
    } catch (error) {
      if (isDomainError(error) && error.code === 'NOT_FOUND') throw missing();
      throw error;
    }
  }

  async function answerOfResponse(principal: Principal, id: string, userId: string | undefined, missing: (id: string) => OpenAIError): Promise<Message> {
    const ref = parseResponseId(id);
    if (!ref) throw missing(id);
    return storedAnswer(principal, ref.runId, userId, () => missing(id));
  }

  /** The run in this process's memory, if the principal may see it. */
  function liveRun(principal: Principal, runId: string, userId: string | undefined) {
    try {
      return chat.getRun(principal, runId, { userId });
    } catch {
      return undefined;
    }
  }

  /**
   * The assistant items an `item_reference` names (the Vercel AI SDK sends them for stored
   * responses' messages): read from their runs' stored answers, each owner-checked.
   */
  async function referencedItems(principal: Principal, body: unknown, userId: string | undefined): Promise<Map<string, ChatMessage>> {
    const found = new Map<string, ChatMessage>();
    if (!isObject(body) || !Array.isArray(body.input)) return found;
    for (const item of body.input as unknown[]) {
      if (!isObject(item) || item.type !== 'item_reference' || typeof item.id !== 'string' || found.has(item.id)) continue;
      const ref = parseMessageItemId(item.id);
      if (!ref) continue;
      const answer = await storedAnswer(principal, ref.runId, userId, () => invalidRequest(`Item with id '${item.id}' not found.`, 'input')).catch(() => undefined);
      const events = answer && storedEvents(ref.runId, answer, ref);
      // Another user's, or no such message: left out, so the reference is refused by name.
      if (events) found.set(item.id, { role: 'assistant', content: events.flatMap((event) => (event.type === 'TokenDelta' ? [event.text] : [])).join('') });
    }
    return found;
  }
}

/** A stored image as an input_image part: a URL passed on as itself, a stored one by its file id (GET /files/{id}). */
function inputImageOf(image: ImagePart) {
  return { type: 'input_image', image_url: image.url, file_id: image.fileId, detail: image.detail ?? 'auto' };
}

function refOf(id: string): ResponseRef {
  const ref = parseResponseId(id);
  if (!ref) throw responseNotFound(id);
  return ref;
}

const responseNotFound = (id: string) => new OpenAIError(404, `Response with id '${id}' not found.`, 'invalid_request_error', null, null);

function eventsOrMissing(ref: ResponseRef, answer: Message, id: string): RunEvent[] {
  const events = storedEvents(ref.runId, answer, ref);
  if (!events) throw responseNotFound(id);
  return events;
}

/** A continuation whose paused round is not stored as a round yet (the run just went on): its decided calls from the paused step. */
function decidedCalls(answer: Message) {
  const step = answer.pending as PausedStep | null;
  return (step?.step.pending ?? []).map((call) => ({ callId: call.callId, approval: call.approval, result: call.result?.output ?? '' }));
}

function withHeaders(error: OpenAIError, headers: Record<string, string>): OpenAIError {
  return new OpenAIError(error.status, error.message, error.type, error.code, error.param, { ...error.headers, ...headers });
}

/** Hands on a run's events, telling `onConversation` the conversation RunStarted names. */
function watchConversation(events: AsyncIterableIterator<RunEvent>, onConversation: (id: string) => void): AsyncIterableIterator<RunEvent> {
  const watched: AsyncIterableIterator<RunEvent> = {
    next: async () => {
      const next = await events.next();
      if (!next.done && next.value.type === 'RunStarted') onConversation(next.value.conversationId);
      return next;
    },
    return: async () => (await events.return?.()) ?? { value: undefined, done: true },
    [Symbol.asyncIterator]: () => watched,
  };
  // Token deltas may still be written straight from the run's queue.
  readsQueueOf(watched, events);
  return watched;
}

function iterate(events: RunEvent[]): AsyncIterableIterator<RunEvent> {
  const iterator = events[Symbol.iterator]();
  const wrapped: AsyncIterableIterator<RunEvent> = {
    next: async () => iterator.next() as IteratorResult<RunEvent>,
    return: async () => ({ value: undefined, done: true }),
    [Symbol.asyncIterator]: () => wrapped,
  };
  return wrapped;
}

