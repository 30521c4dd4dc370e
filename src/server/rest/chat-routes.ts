import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RunEvent } from '../../core/runs/run-event.js';
import { connectionOf, principalOf } from './caller.js';
import { sendEventStream, wantsEventStream } from './event-stream.js';
import { given, JSON_TYPE, type RestOptions } from './options.js';
import { agentNameParams, cancelResult, chatBody, errorResponses, eventStream, jsonOrEventStream, jsonResponse, ref, runEventsQuery, runIdParams, userIdQuery } from './schemas.js';
import { chatJson } from './wire.js';

interface ChatBody {
  message: string;
  user_id?: string | null;
  conversation_id?: string | null;
  metadata?: unknown;
  stream?: boolean;
}

const CHAT_DESCRIPTION =
  'Waits for the whole answer, or streams it as Server-Sent Events with `"stream": true` (or `Accept: text/event-stream`). ' +
  'A client whose connection drops has not cancelled: the run goes on for RUN_ORPHAN_GRACE_MS and GET /runs/{run_id}/events resumes it.';

/** POST /chat (routed), POST /chat/{agent_name}; GET /runs/{run_id}/events (resume), POST /runs/{run_id}/cancel. */
export async function chatRoutes(app: FastifyInstance, { orchestrator, heartbeatMs, metrics }: RestOptions) {
  const chat = async (request: FastifyRequest, reply: FastifyReply, agentId: string | undefined) => {
    const body = request.body as ChatBody;
    const principal = principalOf(request);
    const connection = connectionOf(request, reply);
    const input = { message: body.message, agentId, conversationId: given(body.conversation_id), userId: given(body.user_id), metadata: body.metadata };
    if (!wantsEventStream(request, body.stream)) {
      return reply.type(JSON_TYPE).send(chatJson(await orchestrator.chat.ask(principal, input, connection)));
    }
    const events = await orchestrator.chat.stream(principal, input, connection);
    // The run's first event is already there: its ids go into the headers, so a client that loses
    // the stream before reading a byte of it can still resume (X-Run-Id) or find the conversation.
    const first = await events.next();
    const headers: Record<string, string> = {};
    if (!first.done && first.value.type === 'RunStarted') {
      headers['x-run-id'] = first.value.runId;
      headers['x-conversation-id'] = first.value.conversationId;
    }
    return sendEventStream(request, reply, first.done ? events : startingWith(first.value, events), connection, { heartbeatMs, metrics }, headers);
  };

  const chatResponses = { 200: jsonOrEventStream(ref('ChatResponse'), 'The answer, or its run’s events'), ...errorResponses(404, 413, 502, 503) };

  app.post('/chat', {
    schema: {
      tags: ['chat'],
      operationId: 'chat',
      summary: 'Send a message; routing picks the agent',
      description: CHAT_DESCRIPTION,
      body: chatBody,
      response: chatResponses,
    },
    handler: (request, reply) => chat(request, reply, undefined),
  });

  app.post('/chat/:agent_name', {
    schema: {
      tags: ['chat'],
      operationId: 'chatWithAgent',
      summary: 'Send a message to the agent named',
      description: CHAT_DESCRIPTION,
      params: agentNameParams,
      body: chatBody,
      response: chatResponses,
    },
    handler: (request, reply) => chat(request, reply, (request.params as { agent_name: string }).agent_name),
  });

  app.get('/runs/:run_id/events', {
    schema: {
      tags: ['chat'],
      operationId: 'runEvents',
      summary: 'A run’s events after a seq, then live (resume a lost stream)',
      description:
        'Replays the events after `Last-Event-ID` (or `?after=`; all when neither), then follows the run live until it ends: no gap, no duplicate. ' +
        'Finished runs stay replayable for RUN_RETENTION_MS; after that (or a restart) a run answers with its stored terminal event.',
      params: runIdParams,
      querystring: runEventsQuery,
      headers: { type: 'object', properties: { 'last-event-id': { type: 'string', pattern: '^\\s*\\d{1,15}\\s*$', description: 'The seq of the last event received.' } } },
      response: { 200: eventStream('The run’s events as Server-Sent Events'), ...errorResponses(404) },
    },
    handler: async (request, reply) => {
      const { run_id: runId } = request.params as { run_id: string };
      const query = request.query as { after?: number; user_id?: string };
      const lastEventId = request.headers['last-event-id'];
      const after = typeof lastEventId === 'string' ? Number(lastEventId.trim()) : (query.after ?? 0);
      const connection = connectionOf(request, reply);
      const events = await orchestrator.chat.follow(principalOf(request), runId, after, connection, { userId: query.user_id });
      return sendEventStream(request, reply, events, connection, { heartbeatMs, metrics }, { 'x-run-id': runId });
    },
  });

  app.post('/runs/:run_id/cancel', {
    schema: {
      tags: ['chat'],
      operationId: 'cancelRun',
      summary: 'Stop a run',
      description: 'The model call is aborted and the partial answer stored as CANCELLED; every reader gets RunFailed (CANCELLED). Closing a stream does not cancel: this does.',
      params: runIdParams,
      querystring: userIdQuery,
      response: { 200: jsonResponse(cancelResult, 'Whether it was cancelled now'), ...errorResponses(404) },
    },
    handler: async (request, reply) => {
      const { run_id: runId } = request.params as { run_id: string };
      const { user_id: userId } = request.query as { user_id?: string };
      const cancelled = await orchestrator.chat.cancel(principalOf(request), runId, { userId });
      return reply.type(JSON_TYPE).send({ cancelled });
    },
  });
}

/** `first`, then the rest of `events`; ending it ends `events` (a drop stays a drop). */
function startingWith(first: RunEvent, events: AsyncIterableIterator<RunEvent>): AsyncIterableIterator<RunEvent> {
  let pending: RunEvent | undefined = first;
  const iterator: AsyncIterableIterator<RunEvent> = {
    next: () => {
      if (!pending) return events.next();
      const value = pending;
      pending = undefined;
      return Promise.resolve({ value, done: false });
    },
    return: () => events.return?.() ?? Promise.resolve({ value: undefined, done: true }),
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}
