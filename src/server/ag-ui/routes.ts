import type { RunAgentInput } from '@ag-ui/core';
import { EventType } from '@ag-ui/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { actingUserId, type Principal } from '../../core/auth/principal.js';
import { badInput, DomainError, isDomainError } from '../../core/errors.js';
import type { Orchestrator } from '../../core/orchestrator.js';
import type { ClientConnection } from '../../core/runs/client-connection.js';
import type { Decision } from '../../core/runs/paused-step.js';
import type { RunEvent } from '../../core/runs/run-event.js';
import { startingWith } from '../../core/runs/starting-with.js';
import { restError } from '../errors.js';
import { authenticateRequests, connectionOf, principalOf } from '../rest/caller.js';
import { type AgUiRun, AgUiEncoder } from './event-encoder.js';
import { frames, openEventStream, parseEventId } from './event-stream.js';
import { parseRunAgentInput, type RunRequest, runRequestOf, type ThreadDecisions } from './run-input.js';
import { conversationIdOf } from './thread-id.js';

export interface AgUiRoutesOptions {
  orchestrator: Orchestrator;
  /** A RunAgentInput's limit: BODY_LIMIT_BYTES plus a message's worth of images as base64 (they come inline). */
  bodyLimitBytes: number;
  /** SSE_HEARTBEAT_MS, as the other event streams use it. */
  heartbeatMs: number;
}

/** The agent path segment that routes (as /v1's `auto` model). */
const AUTO = 'auto';

/** Browsers may read these only when told (CORS); harmless where there is no CORS. */
const EXPOSED = 'x-conversation-id, x-run-id';

/**
 * AG-UI (Agent–User Interaction protocol) at /ag-ui/{agentId}: a RunAgentInput in, the run's AG-UI
 * events out over SSE. A thread is a conversation; frontend tools are client tools, so a run that
 * calls one ends (RUN_FINISHED) while the muxgate run waits, and the next AG-UI run's tool messages
 * resume it. Every answer goes through chat.stream / chat.follow, the pipeline GraphQL uses.
 */
export async function agUiRoutes(app: FastifyInstance, { orchestrator, bodyLimitBytes, heartbeatMs }: AgUiRoutesOptions) {
  const { chat, conversations } = orchestrator;

  // JSON bodies only (Fastify also reads text/plain by default): anything else is 415, a RUN_ERROR.
  app.removeContentTypeParser('text/plain');
  // Credentials first, before the body is read; a refusal is HTTP (401/403/429) as on every surface.
  app.addHook('onRequest', authenticateRequests(orchestrator.auth));
  app.setErrorHandler((error: { statusCode?: number; message?: string }, request, reply) => {
    if (isDomainError(error)) {
      const refusal = restError(error);
      return reply.status(refusal.status).headers(refusal.headers).send(refusal.body);
    }
    const status = error.statusCode ?? 500;
    // The body could not be read as JSON (malformed, too large, another type): the protocol's own error.
    if (status >= 400 && status < 500) {
      const message = status === 413 ? `body: larger than ${bodyLimitBytes} bytes (BODY_LIMIT_BYTES, plus MAX_IMAGES_PER_MESSAGE × IMAGE_MAX_BYTES as base64)` : status === 415 ? 'body: send the RunAgentInput as application/json' : 'body: not valid JSON';
      return sendRunError(reply, badInput(message, { field: 'body' }));
    }
    request.log.error({ err: error }, 'an AG-UI request failed');
    return sendRunError(reply, new DomainError('INTERNAL', 'Unexpected error.'));
  });

  app.post('/:agentId', { bodyLimit: bodyLimitBytes }, async (request, reply) => {
    const principal = principalOf(request);
    const { agentId } = request.params as { agentId: string };
    const userId = (request.query as { user_id?: string }).user_id ?? null;
    const connection = connectionOf(request, reply);
    let input: RunAgentInput;
    let runRequest: RunRequest | undefined;
    try {
      input = await parseRunAgentInput(request.body);
      const lastEventId = request.headers['last-event-id'];
      if (typeof lastEventId === 'string' && lastEventId !== '') return await resume(reply, principal, input, lastEventId, connection, userId);
      runRequest = runRequestOf(input);
      if (runRequest.kind === 'turn') return await startTurn(reply, principal, input, runRequest, agentId, connection, userId);
      return await answerWaitingRun(reply, principal, input, runRequest.decisions, connection, userId);
    } catch (error) {
      // An image the core refused is named by the content part it came from.
      if (isDomainError(error)) return sendRunError(reply, inAgUiTerms(runRequest?.kind === 'turn' ? runRequest.imageOrigins.renamed(error) : error));
      throw error;
    }
  });

  /** A new turn: the thread's conversation (created on first use), the frontend's tools as client tools. */
  async function startTurn(reply: FastifyReply, principal: Principal, input: RunAgentInput, turn: Extract<RunRequest, { kind: 'turn' }>, agentId: string, connection: ClientConnection, userId: string | null) {
    const conversationId = conversationIdOf(input.threadId, actingUserId(principal, userId) ?? null);
    // Read only when there is history to decide on: chat.stream reads (and owner-checks) the thread anyway, so a lone message saves a round trip.
    const existing = turn.history.length > 0 ? await conversations.ownedOrAbsent(principal, conversationId, { userId }) : undefined;
    const events = await chat.stream(
      principal,
      {
        message: turn.message,
        images: turn.images.length ? turn.images : undefined,
        agentId: agentId === AUTO ? undefined : agentId,
        conversationId,
        createConversation: true,
        userId,
        // Earlier messages are the model's history only when the thread is new; after that, the stored conversation is.
        history: !existing && turn.history.length > 0 ? turn.history : undefined,
        clientTools: (input.tools ?? []).map((tool) => ({ name: tool.name, description: tool.description, parameters: tool.parameters })),
        metadata: threadMetadata(input),
      },
      connection,
    );
    // The run's first event names it: the stream's ids and headers carry its id.
    const first = await events.next();
    if (first.done) return sendRunError(reply, new DomainError('INTERNAL', 'The run ended before it started'));
    return stream(reply, input, first.value.runId, 0, startingWith(first.value, events), connection, { resumeAfter: undefined, conversationId });
  }

  /** Tool messages and interrupt answers: stored on the thread's waiting run, which then goes on under this AG-UI run. */
  async function answerWaitingRun(reply: FastifyReply, principal: Principal, input: RunAgentInput, decisions: ThreadDecisions, connection: ClientConnection, userId: string | null) {
    const conversationId = conversationIdOf(input.threadId, actingUserId(principal, userId) ?? null);
    const waiting = await chat.waitingRunOf(principal, conversationId, { userId });
    if (!waiting) throw badInput(`messages: thread "${input.threadId}" has no run waiting for tool results or approvals; send a user message to start a turn`, { field: 'messages' });
    const open = new Set(waiting.pending.map((call) => call.callId));
    // The messages repeat results sent with earlier runs: only those the run still waits for are new.
    const results = decisions.results.filter((result) => open.has(result.callId));
    const batch: Decision[] = [
      ...results.map((result): Decision => ({ kind: 'CLIENT_TOOL', ...result })),
      ...decisions.approvals.map((approval): Decision => ({ kind: 'APPROVAL', ...approval })),
    ];
    if (batch.length === 0) throw badInput(`messages: the tool results answer no call that run "${waiting.runId}" waits for (${[...open].join(', ')})`, { field: 'messages' });
    const decided = await chat.decide(principal, waiting.runId, batch, { userId });
    const encoder = new AgUiEncoder(agUiRun(input), waiting.runId);
    if (!decided.resumed) {
      const answered = new Set(batch.map((decision) => decision.callId));
      const started = encoder.started({ conversationId, muxgateRunId: waiting.runId });
      return sendEvents(reply, [started, encoder.waitingFor(waiting.pending.filter((call) => !answered.has(call.callId)))]);
    }
    const events = await chat.follow(principal, waiting.runId, decided.step.pausedSeq, connection, { userId });
    return stream(reply, input, waiting.runId, decided.step.pausedSeq, events, connection, { resumeAfter: undefined, conversationId });
  }

  /** The same request again with Last-Event-ID: the frames after it, from the run's log, then live. */
  async function resume(reply: FastifyReply, principal: Principal, input: RunAgentInput, lastEventId: string, connection: ClientConnection, userId: string | null) {
    const position = parseEventId(lastEventId);
    const events = await chat.follow(principal, position.muxgateRunId, position.fromSeq, connection, { userId });
    return stream(reply, input, position.muxgateRunId, position.fromSeq, events, connection, { resumeAfter: position.seq, conversationId: undefined });
  }

  /**
   * Writes an AG-UI run: RUN_STARTED (unless resuming), then each run event's frames, until the run
   * ends or pauses. A dropped client ends the iterator with the connection closed: a drop the run
   * can be resumed from (Last-Event-ID), never a cancel.
   */
  async function stream(
    reply: FastifyReply,
    input: RunAgentInput,
    muxgateRunId: string,
    fromSeq: number,
    events: AsyncIterableIterator<RunEvent>,
    connection: ClientConnection,
    options: { resumeAfter: number | undefined; conversationId: string | undefined },
  ) {
    const encoder = new AgUiEncoder(agUiRun(input), muxgateRunId);
    const headers: Record<string, string> = { 'x-run-id': muxgateRunId, 'access-control-expose-headers': EXPOSED };
    if (options.conversationId) headers['x-conversation-id'] = options.conversationId;
    const out = openEventStream(reply, connection.closed, heartbeatMs, headers);
    const onDrop = () => void events.return?.();
    connection.closed.addEventListener('abort', onDrop, { once: true });
    try {
      if (options.resumeAfter === undefined) {
        const started = encoder.started({ ...(options.conversationId ? { conversationId: options.conversationId } : {}), muxgateRunId });
        await out.write(frames([started], { muxgateRunId, fromSeq, seq: fromSeq }));
      }
      for (;;) {
        const next = await events.next();
        if (next.done || connection.closed.aborted) break;
        const { events: encoded, done } = encoder.encode(next.value);
        // Resuming: the events the client had are encoded again (the encoder's state) but not sent.
        if (options.resumeAfter === undefined || next.value.seq > options.resumeAfter) {
          await out.write(frames(encoded, { muxgateRunId, fromSeq, seq: next.value.seq }));
        }
        if (done) break;
      }
    } catch (error) {
      // The run's queue closed this reader (too far behind): said in the stream; the client resumes with Last-Event-ID.
      const failure = isDomainError(error) ? error : new DomainError('INTERNAL', 'Unexpected error.');
      if (!isDomainError(error)) reply.log.error({ err: error }, 'an AG-UI stream failed');
      await out.write(frames([{ type: EventType.RUN_ERROR, message: failure.message, code: failure.code }]));
    } finally {
      connection.closed.removeEventListener('abort', onDrop);
      // Paused or ended: this reader leaves (a paused run waits for its client whoever reads it).
      await events.return?.();
      out.end();
    }
    return reply;
  }
}

const agUiRun = (input: RunAgentInput): AgUiRun => ({ threadId: input.threadId, runId: input.runId, state: input.state });

/** What the user message keeps of the AG-UI request: its ids, and the frontend's context for hooks. */
function threadMetadata(input: RunAgentInput): Record<string, unknown> {
  return { agUi: { threadId: input.threadId, runId: input.runId, ...(input.context?.length ? { context: input.context } : {}) } };
}

/** Core's names for what AG-UI calls otherwise (clientTools are the run's `tools`; metadata carries `context`). */
function inAgUiTerms(error: DomainError): DomainError {
  // The chat input's own metadata only: a part's metadata (messages[0].content[1].metadata) keeps its name.
  const rename = (text: string) => text.replace(/\bclientTools\[/g, 'tools[').replace(/(?<!\.)\bmetadata\b/g, 'context');
  const field = typeof error.details?.field === 'string' ? rename(error.details.field) : undefined;
  return new DomainError(error.code, rename(error.message), { ...error.details, ...(field ? { field } : {}) });
}

/** A run that could not start: RUN_ERROR alone (AG-UI lets it open a stream), naming the field; nothing was stored. */
function sendRunError(reply: FastifyReply, error: DomainError) {
  const field = typeof error.details?.field === 'string' ? { field: error.details.field } : {};
  // A spent budget says when it resets, as the HTTP surfaces' Retry-After does.
  const budget = error.code === 'BUDGET_EXCEEDED' ? { budgetId: error.details?.budgetId, resetsAt: error.details?.resetsAt, retryAfterSeconds: error.details?.retryAfterSeconds } : {};
  const metadata = { ...field, ...budget };
  return sendEvents(reply, [{ type: EventType.RUN_ERROR, message: error.message, code: error.code, ...(Object.keys(metadata).length ? { metadata } : {}) }]);
}

function sendEvents(reply: FastifyReply, events: Parameters<typeof frames>[0]) {
  return reply.status(200).header('content-type', 'text/event-stream; charset=utf-8').header('cache-control', 'no-cache, no-transform').send(frames(events));
}
