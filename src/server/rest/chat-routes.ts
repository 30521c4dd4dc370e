import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, isDomainError } from '../../core/errors.js';
import type { Principal } from '../../core/auth/principal.js';
import type { DecisionOutcome } from '../../core/runs/run-pauses.js';
import { startingWith } from '../../core/runs/starting-with.js';
import { connectionOf, principalOf } from './caller.js';
import { sendEventStream, wantsEventStream } from './event-stream.js';
import { given, JSON_TYPE, type RestOptions } from './options.js';
import {
  agentNameParams,
  approvalBody,
  CONVERSATION_ID_HEADER,
  cancelResult,
  chatRequestBody,
  errorResponses,
  eventStream,
  jsonResponse,
  RUN_ID_HEADER,
  ref,
  runEventsQuery,
  runIdParams,
  startRunRequestBody,
  toolResultsBody,
  userIdQuery,
} from './schemas.js';
import { chatJson } from './wire.js';
import { imageInputs } from './chat-form.js';
import type { ResponseFormatInput } from '../../core/models/response-format.js';
import type { ClientToolInput, ToolChoice } from '../../core/runs/client-tools.js';

interface ChatBody {
  message: string;
  images?: Parameters<typeof imageInputs>[1];
  user_id?: string | null;
  conversation_id?: string | null;
  metadata?: unknown;
  stream?: boolean;
  agent_id?: string | null;
  response_format?: ResponseFormatInput | null;
  client_tools?: ClientToolInput[] | null;
  tool_choice?: ToolChoice | null;
  parallel_tool_calls?: boolean | null;
}

interface ToolResultsBody {
  results: Array<{ call_id: string; output?: unknown; error?: string | null }>;
  user_id?: string | null;
}

interface ApprovalBody {
  call_id: string;
  approved: boolean;
  reason?: string | null;
  user_id?: string | null;
}

const CHAT_DESCRIPTION =
  'Waits for the whole answer. To stream it, POST /runs (or, as the reference’s clients do, `"stream": true` here: the same events). ' +
  'A client whose connection drops has not cancelled: the run goes on for RUN_ORPHAN_GRACE_MS and GET /runs/{run_id}/events resumes it. ' +
  'A run that needs its client (a call of one of `client_tools`, or of a tool its agent has in `require_approval`) answers at once with status WAITING and `pending_tool_calls`; ' +
  'POST /runs/{run_id}/tool_results or /approvals answers them and returns the rest.';

const DECISION_DESCRIPTION =
  'Returns once the run has gone on and ended or paused again (as POST /chat answers), or at once with status WAITING when other calls of the step still wait. ' +
  'Only the run’s owner (or an admin) may decide; another user’s run is NOT_FOUND. A run that is not waiting, an unknown call or one already answered is BAD_USER_INPUT, and nothing is stored.';

/**
 * POST /chat (routed), POST /chat/{agent_name}: the answer as JSON; POST /runs: the same chat as its
 * run's events. The document gives each operation one response type, so generated clients get
 * ChatResponse from the first and a stream from the second; `"stream": true` on /chat stays for the
 * reference's clients. GET /runs/{run_id}/events (resume), POST /runs/{run_id}/cancel.
 */
export async function chatRoutes(app: FastifyInstance, { orchestrator, heartbeatMs, metrics }: RestOptions) {
  const inputOf = (request: FastifyRequest, agentId: string | undefined) => {
    const body = request.body as ChatBody;
    return {
    message: body.message,
    images: imageInputs(request, body.images),
    agentId,
    conversationId: given(body.conversation_id),
    userId: given(body.user_id),
    metadata: body.metadata,
    responseFormat: body.response_format,
    clientTools: body.client_tools,
    toolChoice: given(body.tool_choice),
    parallelToolCalls: body.parallel_tool_calls,
    };
  };

  const chat = async (request: FastifyRequest, reply: FastifyReply, agentId: string | undefined) => {
    const body = request.body as ChatBody;
    if (wantsEventStream(request, body.stream)) return streamRun(request, reply, agentId);
    const answer = await orchestrator.chat.ask(principalOf(request), inputOf(request, agentId), connectionOf(request, reply));
    return reply.type(JSON_TYPE).send(chatJson(answer));
  };

  const streamRun = async (request: FastifyRequest, reply: FastifyReply, agentId: string | undefined) => {
    const connection = connectionOf(request, reply, { childEvents: true });
    const events = await orchestrator.chat.stream(principalOf(request), inputOf(request, agentId), connection);
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

  /** A decision on the paused run the path names, then the run's answer once it stops again (as POST /chat answers). */
  const decideThenAnswer = async (
    request: FastifyRequest,
    reply: FastifyReply,
    userId: string | null | undefined,
    decide: (principal: Principal, runId: string, options: { userId: string | undefined }) => Promise<DecisionOutcome>,
  ) => {
    const { run_id: runId } = request.params as { run_id: string };
    const principal = principalOf(request);
    const options = { userId: given(userId) };
    const decided = await decide(principal, runId, options);
    return reply.type(JSON_TYPE).send(chatJson(await orchestrator.chat.untilStop(principal, decided, connectionOf(request, reply), options)));
  };

  const chatResponses = { 200: jsonResponse(ref('ChatResponse'), 'The answer (or, WAITING, the calls the run waits for)'), ...errorResponses(404, 413, 502, 503) };

  app.post('/chat', {
    schema: {
      tags: ['chat'],
      operationId: 'chat',
      summary: 'Send a message; routing picks the agent',
      description: CHAT_DESCRIPTION,
      body: chatRequestBody,
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
      body: chatRequestBody,
      response: chatResponses,
    },
    handler: (request, reply) => chat(request, reply, (request.params as { agent_name: string }).agent_name),
  });

  app.post('/runs', {
    schema: {
      tags: ['chat'],
      operationId: 'startRun',
      summary: 'Send a message; stream the answer’s run events',
      description:
        'The chat of POST /chat (routed, or answered by `agent_id`), answered as Server-Sent Events as the run goes. ' +
        'The headers name the run and the conversation before the first event. A client whose connection drops has not cancelled: ' +
        'the run goes on for RUN_ORPHAN_GRACE_MS and GET /runs/{run_id}/events resumes it.',
      body: startRunRequestBody,
      response: { 200: eventStream('The run’s events', { ...RUN_ID_HEADER, ...CONVERSATION_ID_HEADER }), ...errorResponses(404, 413, 503) },
    },
    handler: (request, reply) => streamRun(request, reply, given((request.body as ChatBody).agent_id)),
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
      response: { 200: eventStream('The run’s events after the seq, then live', RUN_ID_HEADER), ...errorResponses(404) },
    },
    handler: async (request, reply) => {
      const { run_id: runId } = request.params as { run_id: string };
      const query = request.query as { after?: number; user_id?: string };
      const lastEventId = request.headers['last-event-id'];
      const after = typeof lastEventId === 'string' ? Number(lastEventId.trim()) : (query.after ?? 0);
      const connection = connectionOf(request, reply, { childEvents: true });
      const events = await orchestrator.chat.follow(principalOf(request), runId, after, connection, { userId: query.user_id });
      return sendEventStream(request, reply, events, connection, { heartbeatMs, metrics }, { 'x-run-id': runId });
    },
  });

  app.get('/runs/:run_id', {
    schema: {
      tags: ['chat'],
      operationId: 'getRun',
      summary: 'A run as stored',
      description: 'Its status (WAITING with the calls it waits for), its conversation and its answer so far. Another user’s run is NOT_FOUND.',
      params: runIdParams,
      querystring: userIdQuery,
      response: { 200: jsonResponse(ref('ChatResponse'), 'The run and its answer as they stand'), ...errorResponses(404) },
    },
    handler: async (request, reply) => {
      const { run_id: runId } = request.params as { run_id: string };
      const { user_id: userId } = request.query as { user_id?: string };
      return reply.type(JSON_TYPE).send(chatJson(await orchestrator.chat.runAnswer(principalOf(request), runId, { userId })));
    },
  });

  app.post('/runs/:run_id/tool_results', {
    schema: {
      tags: ['chat'],
      operationId: 'submitToolResults',
      summary: 'Answer a paused run’s client tool calls',
      description: 'The results of the calls ToolCallRequested named (`output`, or `error` when the tool failed); once no call of the step waits, the same run goes on and its streams get the rest. ' + DECISION_DESCRIPTION,
      params: runIdParams,
      body: toolResultsBody,
      response: chatResponses,
    },
    handler: async (request, reply) => {
      const body = request.body as ToolResultsBody;
      const results = body.results.map((result) => ({ callId: result.call_id, output: result.output, error: result.error }));
      return decideThenAnswer(request, reply, body.user_id, (principal, runId, options) => inRestRoutes(orchestrator.chat.submitToolResults(principal, runId, results, options)));
    },
  });

  app.post('/runs/:run_id/approvals', {
    schema: {
      tags: ['chat'],
      operationId: 'approveToolCall',
      summary: 'Approve or refuse a tool call a paused run waits for',
      description:
        'Decides a call ToolApprovalRequested named: approved, it runs; refused, the model is told so (with `reason`) and answers on. Stored with who decided, when and why. ' + DECISION_DESCRIPTION,
      params: runIdParams,
      body: approvalBody,
      response: chatResponses,
    },
    handler: async (request, reply) => {
      const body = request.body as ApprovalBody;
      return decideThenAnswer(request, reply, body.user_id, (principal, runId, options) =>
        inRestRoutes(orchestrator.chat.approveToolCall(principal, runId, body.call_id, body.approved, body.reason, options), 'call_id'),
      );
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

/** The GraphQL mutations a decision's refusal names, as this API's routes. */
const ROUTE_OF: Record<string, string> = { submitToolResults: 'POST /runs/{run_id}/tool_results', approveToolCall: 'POST /runs/{run_id}/approvals' };

/** A decision whose refusals name the REST routes, and (an approval, one call) its `call_id` rather than `results[0]`. */
async function inRestRoutes<T>(decision: Promise<T>, field?: string): Promise<T> {
  try {
    return await decision;
  } catch (error) {
    if (!isDomainError(error) || error.code !== 'BAD_USER_INPUT') throw error;
    let message = error.message.replace(/\((submitToolResults|approveToolCall)\)/, (_all, name: string) => `(${ROUTE_OF[name]})`);
    if (field) message = message.replace(/^results\[0\]/, field);
    throw new DomainError(error.code, message, error.details);
  }
}
