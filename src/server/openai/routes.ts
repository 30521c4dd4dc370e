import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Agent } from '../../core/agents/agent.js';
import { type Principal, requireAuthenticated } from '../../core/auth/principal.js';
import { isDomainError } from '../../core/errors.js';
import type { Orchestrator } from '../../core/orchestrator.js';
import type { ChatAnswer } from '../../core/runs/await-answer.js';
import type { PausedStep } from '../../core/runs/paused-step.js';
import type { RunEvent } from '../../core/runs/run-event.js';
import type { ClientConnection } from '../../core/runs/client-connection.js';
import { credentialFromHeaders } from '../credentials.js';
import { completionBody } from './completion-format.js';
import { clientCallsOf, type CompletionLeg, firstLeg } from './completion-leg.js';
import { AUTO_MODEL, parseCompletionRequest } from './completion-request.js';
import { endWhenClientGone } from './client-gone.js';
import { streamCompletion } from './completion-stream.js';
import { cancelled, type ErrorContext, fromDomainError, internal, modelNotFound, OpenAIError } from './openai-error.js';
import { type ResumedRun, resumeWaitingRun } from './run-continuation.js';

/** One /v1 request being answered. */
interface CompletionReply {
  request: FastifyRequest;
  reply: FastifyReply;
  created: number;
  includeUsage: boolean;
  closed: AbortController;
  connection: ClientConnection;
  /** The user the call acts for. */
  options: { userId?: string | null | undefined };
}
import { responseRoutes } from './responses/response-routes.js';

export interface OpenAIRoutesOptions {
  orchestrator: Orchestrator;
  /** A request body's limit: BODY_LIMIT_BYTES plus a message's worth of images as base64 (they come inline). */
  bodyLimitBytes: number;
  /** SSE_HEARTBEAT_MS, as the REST streams use it. */
  heartbeatMs: number;
}

/** Browsers may read the run's headers only when told (CORS); harmless where there is no CORS. */
const EXPOSED = 'x-conversation-id, x-run-id';

/**
 * OpenAI's API over muxgate's agents, registered under /v1: each agent is a model, `auto` routes.
 * Every answer goes through chat.ask / chat.stream, the pipeline GraphQL uses.
 */
export async function openaiRoutes(app: FastifyInstance, { orchestrator, bodyLimitBytes, heartbeatMs }: OpenAIRoutesOptions) {
  const { chat, agents, auth } = orchestrator;

  // JSON bodies only (Fastify also reads text/plain by default): anything else is 415.
  app.removeContentTypeParser('text/plain');
  // Body-reading refusals (malformed JSON, too large, not JSON) in OpenAI's shape.
  app.setErrorHandler((error: { statusCode?: number }, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status === 413) return send(reply, new OpenAIError(413, `The request body is larger than ${bodyLimitBytes} bytes (BODY_LIMIT_BYTES, plus MAX_IMAGES_PER_MESSAGE × IMAGE_MAX_BYTES as base64).`, 'invalid_request_error', 'request_too_large'));
    if (status === 415) return send(reply, new OpenAIError(415, 'Unsupported Content-Type: send the body as application/json.', 'invalid_request_error', 'unsupported_media_type'));
    if (status >= 400 && status < 500) return send(reply, new OpenAIError(400, 'We could not parse the JSON body of your request.', 'invalid_request_error', 'invalid_json'));
    request.log.error({ err: error }, 'a /v1 request failed');
    return send(reply, internal());
  });
  app.setNotFoundHandler((request, reply) => send(reply, new OpenAIError(404, `Invalid URL (${request.method} ${request.url})`, 'invalid_request_error')));

  /** The caller, as every surface authenticates it (failures count toward AUTH_FAILURE_LIMIT). */
  const caller = async (request: FastifyRequest): Promise<Principal> => {
    const credential = credentialFromHeaders({ get: (name) => headerValue(request.headers[name]) ?? null });
    const { principal } = await auth.authenticate(credential, { address: request.ip });
    requireAuthenticated(principal);
    return principal;
  };

  /** Runs a handler; whatever it throws is answered in OpenAI's shape. */
  const answering =
    (handle: (request: FastifyRequest, reply: FastifyReply, context: ErrorContext) => Promise<unknown>) =>
    async (request: FastifyRequest, reply: FastifyReply) => {
      const context: ErrorContext = {};
      try {
        return await handle(request, reply, context);
      } catch (error) {
        if (error instanceof OpenAIError) return send(reply, error);
        if (isDomainError(error)) return send(reply, fromDomainError(error, context));
        request.log.error({ err: error }, 'a /v1 request failed');
        return send(reply, internal());
      }
    };

  app.get(
    '/models',
    answering(async (request) => {
      const visible = await agents.list(await caller(request));
      if (visible.length === 0) return { object: 'list', data: [] };
      // `auto` (routing) first: clients that pick the first model route by default.
      const oldest = Math.min(...visible.map((agent) => agent.createdAt.getTime()));
      return { object: 'list', data: [modelEntry(AUTO_MODEL, oldest), ...visible.filter((agent) => agent.id !== AUTO_MODEL).map(agentEntry)] };
    }),
  );

  app.get(
    '/models/:model',
    answering(async (request) => {
      const principal = await caller(request);
      const { model } = request.params as { model: string };
      if (model === AUTO_MODEL) {
        const visible = await agents.list(principal);
        if (visible.length > 0) return modelEntry(AUTO_MODEL, Math.min(...visible.map((agent) => agent.createdAt.getTime())));
      }
      try {
        return agentEntry(await agents.get(principal, model));
      } catch (error) {
        if (isDomainError(error) && error.code === 'NOT_FOUND') throw modelNotFound(model);
        throw error;
      }
    }),
  );

  app.post(
    '/chat/completions',
    { bodyLimit: bodyLimitBytes },
    answering(async (request, reply, context) => {
      const principal = await caller(request);
      const conversationId = headerValue(request.headers['x-conversation-id']) || undefined;
      context.conversationId = conversationId;
      context.model = typeof (request.body as { model?: unknown } | undefined)?.model === 'string' ? (request.body as { model: string }).model : undefined;
      const parsed = parseCompletionRequest(request.body, conversationId);
      context.images = parsed.imageOrigins;
      const created = Math.floor(Date.now() / 1000);
      const closed = new AbortController();
      const connection: ClientConnection = { isOpen: () => !closed.signal.aborted, closed: closed.signal, requestId: request.id };
      const userId = parsed.input?.userId ?? parsed.continuation?.userId;
      const response: CompletionReply = { request, reply, created, includeUsage: parsed.includeUsage, closed, connection, options: { userId } };
      reply.header('access-control-expose-headers', EXPOSED);
      try {
        if (parsed.continuation) {
          // Tool results: the run that waits for them goes on, this response from where it paused.
          const resumed = await resumeWaitingRun(chat, principal, parsed.model, parsed.continuation);
          reply.headers(idHeaders(resumed.conversationId, resumed.runId));
          if (parsed.stream) return await stream(response, principal, chat.follow(principal, resumed.runId, resumed.decided.step.pausedSeq, connection, { userId }), resumed);
          abortWhenClosed(response);
          return await whole(response, principal, await chat.untilStop(principal, resumed.decided, connection, { userId }), resumed.leg);
        }
        if (parsed.stream) return await stream(response, principal, chat.stream(principal, parsed.input, connection));
        abortWhenClosed(response);
        const answer = await chat.ask(principal, parsed.input, connection);
        return await whole(response, principal, answer, firstLeg(answer.runId));
      } catch (error) {
        // A run that failed: its ids, so the stored turn can be found.
        const runId = isDomainError(error) && typeof error.details?.runId === 'string' ? error.details.runId : undefined;
        if (runId) reply.headers(idHeaders(conversationOf(principal, runId, userId), runId));
        throw error;
      }
    }),
  );

  // The Responses API: its own folder, the same caller and error shapes.
  await responseRoutes(app, { orchestrator, bodyLimitBytes, heartbeatMs, caller, answering });

  /** A client that goes away before a whole answer is a dropped connection. */
  function abortWhenClosed({ reply, closed }: CompletionReply) {
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) closed.abort();
    });
  }

  /** A whole response: at the run's end, or at a pause for the client's tools (a pause for someone's approval is waited through). */
  async function whole({ reply, created, connection, options }: CompletionReply, principal: Principal, stopped: ChatAnswer, leg: CompletionLeg) {
    let answer = stopped;
    while (answer.status === 'WAITING' && clientCallsOf(answer.message).length === 0) {
      // As after a decision: follow the run from this pause to its next stop.
      answer = await chat.untilStop(principal, { runId: answer.runId, step: answer.message.pending as PausedStep, resumed: true }, connection, options);
    }
    reply.headers(idHeaders(answer.conversationId, answer.runId));
    if (answer.message.status === 'CANCELLED') throw cancelled('The run was cancelled; the text that had arrived is stored', chat.isDraining);
    return completionBody(answer, created, leg);
  }

  async function stream({ request, reply, created, includeUsage, closed, options }: CompletionReply, principal: Principal, started: Promise<AsyncIterableIterator<RunEvent>>, resumed?: ResumedRun) {
    const events = await started;
    endWhenClientGone(reply, closed, events);
    await streamCompletion(reply, events, {
      heartbeatMs,
      created,
      includeUsage,
      idHeaders,
      closed: closed.signal,
      reportError: (error) => request.log.error({ err: error }, 'a /v1 stream failed'),
      resumed,
      storedAnswer: async (runId) => (await chat.runAnswer(principal, runId, options)).message,
    });
    return reply;
  }

  /** The run's conversation while the run is still held in memory; empty when it is not. */
  function conversationOf(principal: Principal, runId: string, userId: string | null | undefined): string {
    try {
      return chat.getRun(principal, runId, { userId }).conversationId;
    } catch {
      return '';
    }
  }
}

function idHeaders(conversationId: string, runId: string): Record<string, string> {
  return { ...(conversationId ? { 'x-conversation-id': conversationId } : {}), 'x-run-id': runId };
}

function send(reply: FastifyReply, error: OpenAIError) {
  return reply.status(error.status).headers(error.headers).type('application/json; charset=utf-8').send(error.body);
}

const agentEntry = (agent: Agent) => modelEntry(agent.id, agent.createdAt.getTime());

const modelEntry = (id: string, createdMs: number) => ({ id, object: 'model' as const, created: Math.floor(createdMs / 1000), owned_by: 'muxgate' });

const headerValue = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);
