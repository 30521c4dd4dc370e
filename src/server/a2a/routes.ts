import type { AgentCard } from '@a2a-js/sdk';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Agent } from '../../core/agents/agent.js';
import { DomainError, isDomainError, notFound } from '../../core/errors.js';
import { lazyImport } from '../../core/lazy-import.js';
import type { Orchestrator } from '../../core/orchestrator.js';
import { openEventStream } from '../ag-ui/event-stream.js';
import { restError } from '../errors.js';
import { authenticateRequests, connectionOf, headerValue, principalOf } from '../rest/caller.js';

export interface A2aRoutesOptions {
  orchestrator: Orchestrator;
  /** A JSON-RPC body's limit: BODY_LIMIT_BYTES plus a message's worth of images as base64 (they come inline). */
  bodyLimitBytes: number;
  /** SSE_HEARTBEAT_MS, as the other event streams use it. */
  heartbeatMs: number;
  /** The gateway's version, the cards' `version`. */
  version: string;
}

type JsonRpcEnvelope = { jsonrpc: string; id: string | number | null; result?: unknown; error?: unknown };

/** A request without A2A-Version speaks 0.3 (the protocol says so); 1.0 clients send the header. */
const LEGACY_VERSION = '0.3';

/** The SDK and the handlers on it, loaded at the first A2A request. */
const a2aSdk = lazyImport(() => import('./a2a-sdk.js'));

/** Cards change when an agent does: clients may keep one a minute. */
const CARD_CACHE = 'public, max-age=60';

/**
 * A2A (Agent2Agent, v1.0; v0.3's method names too): the agents marked `a2a` are published, each
 * with an agent card (/a2a/{agentId}/.well-known/agent-card.json) and a JSON-RPC endpoint
 * (/a2a/{agentId}); /.well-known/agent-card.json is the gateway's discovery card. The SDK's
 * framework-free JSON-RPC handlers parse, dispatch and serialise; AgentTasks maps the methods onto
 * runs through chat.stream / chat.follow / chat.decide / chat.cancel. Cards are public; the
 * endpoint takes the credentials of every other surface.
 */
export async function a2aRoutes(app: FastifyInstance, { orchestrator, bodyLimitBytes, heartbeatMs, version }: A2aRoutesOptions) {
  const { agents } = orchestrator;

  // JSON bodies only (Fastify also reads text/plain by default): anything else is ContentTypeNotSupported.
  app.removeContentTypeParser('text/plain');
  app.setErrorHandler(async (error: { statusCode?: number; message?: string }, request, reply) => {
    // Credentials refused (401, 403, 429), an agent not published (404): the HTTP refusal every surface gives.
    if (isDomainError(error)) {
      const refusal = restError(error);
      return reply.status(refusal.status).headers(refusal.headers).send(refusal.body);
    }
    const status = error.statusCode ?? 500;
    if (status === 415) {
      const { ContentTypeNotSupportedError, LegacyJsonRpcTransportHandler } = await a2aSdk();
      return reply.status(200).send(envelope(null, LegacyJsonRpcTransportHandler.mapToLegacyJSONRPCError(new ContentTypeNotSupportedError('Send the JSON-RPC request as application/json'))));
    }
    if (status === 413) return reply.status(413).send(envelope(null, { code: -32600, message: `The request is larger than ${bodyLimitBytes} bytes (BODY_LIMIT_BYTES, plus MAX_IMAGES_PER_MESSAGE × IMAGE_MAX_BYTES as base64)` }));
    if (status >= 400 && status < 500) return reply.status(200).send(envelope(null, { code: -32700, message: 'Invalid JSON payload.' }));
    request.log.error({ err: error }, 'an A2A request failed');
    return reply.status(500).send(envelope(null, { code: -32603, message: 'Unexpected error.' }));
  });

  app.get('/.well-known/agent-card.json', async (request, reply) => {
    const { discoveryCardOf, AgentCard } = await a2aSdk();
    const card = discoveryCardOf(await agents.published(), baseUrlOf(request), version);
    if (!card) throw new DomainError('NOT_FOUND', 'No agent is published under A2A here (an agent with a2a: true)');
    return sendCard(reply, AgentCard, card);
  });

  app.get('/a2a/:agentId/.well-known/agent-card.json', async (request, reply) => {
    const agent = await publishedAgent((request.params as { agentId: string }).agentId);
    const { agentCardOf, AgentCard } = await a2aSdk();
    return sendCard(reply, AgentCard, agentCardOf(agent, baseUrlOf(request), version));
  });

  app.post('/a2a/:agentId', { bodyLimit: bodyLimitBytes, onRequest: authenticateRequests(orchestrator.auth) }, async (request, reply) => {
    const agent = await publishedAgent((request.params as { agentId: string }).agentId);
    const { A2A_VERSION_HEADER, AgentTasks, agentCardOf, JsonRpcTransportHandler, LegacyJsonRpcTransportHandler, PROTOCOL_VERSIONS, ServerCallContext, VersionNotSupportedError } = await a2aSdk();
    const requestedVersion = headerValue(request.headers[A2A_VERSION_HEADER.toLowerCase()]) ?? LEGACY_VERSION;
    const legacy = requestedVersion === LEGACY_VERSION;
    const mapError = legacy ? LegacyJsonRpcTransportHandler.mapToLegacyJSONRPCError : JsonRpcTransportHandler.mapToJSONRPCError;
    const body = request.body as Record<string, unknown> | undefined;
    const id = typeof body?.id === 'string' || typeof body?.id === 'number' ? body.id : null;
    if (!(PROTOCOL_VERSIONS as readonly string[]).includes(requestedVersion)) {
      return reply.status(200).send(envelope(id, mapError(new VersionNotSupportedError(`A2A-Version ${requestedVersion} is not supported; this agent speaks ${PROTOCOL_VERSIONS.join(' and ')}`))));
    }
    const connection = connectionOf(request, reply);
    const tasks = new AgentTasks({
      orchestrator,
      principal: principalOf(request),
      userId: (request.query as { user_id?: string }).user_id ?? null,
      agent,
      card: agentCardOf(agent, baseUrlOf(request), version),
      connection,
      onUnexpected: (error) => request.log.error({ err: error }, 'an A2A task failed'),
    });
    const transport = legacy ? new LegacyJsonRpcTransportHandler(tasks) : new JsonRpcTransportHandler(tasks);
    const answer = await transport.handle(body ?? '', new ServerCallContext({ requestedVersion }));
    if (!isStream(answer)) return reply.status(200).type('application/json').send(answer);

    // An error before the first event (task not found, bad params) is a JSON answer, not a stream.
    const iterator = answer[Symbol.asyncIterator]();
    let first: IteratorResult<JsonRpcEnvelope>;
    try {
      first = await iterator.next();
    } catch (error) {
      return reply.status(200).type('application/json').send(envelope(id, mapError(error)));
    }
    const out = openEventStream(reply, connection.closed, heartbeatMs);
    try {
      for (let next = first; !next.done && !connection.closed.aborted; next = await iterator.next()) await out.write(frame(next.value));
    } catch (error) {
      // The stream had begun: the error is its last event.
      await out.write(frame(envelope(id, mapError(error))));
    } finally {
      await iterator.return?.(undefined);
      out.end();
    }
    return reply;
  });

  /** A published agent (global, marked a2a); any other id is not found, so an unpublished agent is not revealed. */
  async function publishedAgent(agentId: string): Promise<Agent> {
    const agent = await agents.find(agentId);
    if (!agent || !agent.a2a || agent.userId !== null) throw notFound('A2A agent', agentId);
    return agent;
  }
}

/** The address the client reached this gateway by (X-Forwarded-* behind a trusted proxy): the cards' URLs use it. */
const baseUrlOf = (request: FastifyRequest) => `${request.protocol}://${request.host}`;

/** A card in A2A's JSON form (the SDK's own serialiser, as its clients read it). */
const sendCard = (reply: FastifyReply, serializer: typeof AgentCard, card: AgentCard) => reply.status(200).header('cache-control', CARD_CACHE).type('application/json').send(serializer.toJSON(card));

const envelope = (id: string | number | null, error: unknown): JsonRpcEnvelope => ({ jsonrpc: '2.0', id, error });

const frame = (value: unknown) => `data: ${JSON.stringify(value)}\n\n`;

const isStream = (value: unknown): value is AsyncGenerator<JsonRpcEnvelope> => typeof (value as { [Symbol.asyncIterator]?: unknown })?.[Symbol.asyncIterator] === 'function';
