import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyBaseLogger } from 'fastify';
import { type DocumentNode, type ExecutionArgs, GraphQLError, getOperationAST } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { type WebSocket, WebSocketServer } from 'ws';
import type { AppConfig } from '../config.js';
import type { Authenticated, Credential } from '../core/auth/auth.js';
import { isDomainError } from '../core/errors.js';
import type { Metrics } from '../core/metrics/metrics.js';
import type { Orchestrator } from '../core/orchestrator.js';
import type { ClientConnection } from '../core/runs/client-connection.js';
import { upgradeAddress } from './client-address.js';
import { allowDirectFrames } from './direct-frames.js';
import { credentialFromConnectionParams, credentialFromHeaders } from './credentials.js';
import { logGraphQLErrors, truncate } from './error-log.js';
import { maskError, withContractCode } from './errors.js';
import type { Yoga } from './graphql-http.js';
import { InFlight } from './in-flight.js';
import { LazyChildLogger } from './lazy-child-logger.js';
import { ConnectionLimits } from './ws-connection-limits.js';
import { SocketsByCredential } from './ws-revocations.js';
import { type Context as TraceContext, ROOT_CONTEXT } from '@opentelemetry/api';
import { contextFromTraceparent, type Tracing } from '../core/tracing/tracing.js';

interface ConnectionState extends Record<PropertyKey, unknown> {
  authenticated: Authenticated;
  /** Kept to check again for every operation: a credential revoked since connection_init stops working. */
  credential: Credential | undefined;
  expiryTimer: NodeJS.Timeout;
  /** Closes an anonymous socket that has had nothing in flight for a while. */
  idleTimer: NodeJS.Timeout | undefined;
  operationsInFlight: number;
  connection: ClientConnection;
  closed: AbortController;
  connectionId: string;
  /** Subscriptions (not queries or mutations) in flight, each with what ends its count. */
  openSubscriptions: Map<string, () => void>;
  /** Carries the connection's id as `reqId`, as Fastify's request loggers do. */
  log: FastifyBaseLogger;
  /** Traced: the parent of the socket's operation spans (connection_init's `traceparent`, else a new trace each). */
  traceContext: TraceContext | undefined;
}

/** What graphql-ws hands the hooks: this module's state (set once acknowledged) beside the socket. */
type SocketState = Partial<ConnectionState> & { socket: { close(code: number, reason: string): void } };

type EnvelopedExecution = ReturnType<Yoga['getEnveloped']>;

export type WebSocketConfig = Pick<
  AppConfig,
  'trustProxy' | 'wsMaxConnections' | 'wsMaxConnectionsPerAddress' | 'wsMaxPayloadBytes' | 'wsConnectionInitTimeoutMs' | 'wsAnonymousIdleTimeoutMs'
>;

/** WebSocket's own "try again later": the address has too many failed authentications. */
const TRY_AGAIN_LATER = 1013;

/**
 * graphql-ws on Yoga's path and port. Operations run through Yoga's envelop, so masking, context
 * and plugins behave as over HTTP. Credentials are checked at connection_init and again for every
 * operation; revoking one closes its sockets (4403).
 */
export function attachGraphQLWebSocket(
  server: Server,
  yoga: Yoga,
  orchestrator: Orchestrator,
  config: WebSocketConfig,
  log: FastifyBaseLogger,
  metrics: Pick<Metrics, 'subscriptionOpened'>,
  tracing?: Tracing,
) {
  let connections = 0;
  // An oversize frame closes its socket with 1009 before it is buffered whole.
  const sockets = new WebSocketServer({ noServer: true, maxPayload: config.wsMaxPayloadBytes });
  const limits = new ConnectionLimits({ total: config.wsMaxConnections, perAddress: config.wsMaxConnectionsPerAddress });
  const byCredential = new SocketsByCredential();
  const stopListening = orchestrator.auth.onRevoked((id) => byCredential.close(id, CloseCode.Forbidden, 'Credential revoked'));
  // Shutdown waits for operations to send their last results (a run's terminal event) before closing sockets.
  const operations = new InFlight();
  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (new URL(request.url ?? '/', 'http://localhost').pathname !== yoga.graphqlEndpoint) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    const release = limits.tryOpen(upgradeAddress(request, config.trustProxy));
    if (!release) {
      // Refused before the handshake, so no frame of it is read; Retry-After is a hint: slots free as sockets close.
      socket.end('HTTP/1.1 429 Too Many Requests\r\nRetry-After: 10\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    sockets.handleUpgrade(request, socket, head, (ws) => {
      ws.once('close', release);
      sockets.emit('connection', ws, request);
      quietClientFrameErrors(ws);
    });
  };
  server.on('upgrade', onUpgrade);

  /** An anonymous socket with nothing in flight is closed after a while: it may only ask for `health`. */
  const watchIdle = (extra: SocketState) => {
    clearTimeout(extra.idleTimer);
    if (extra.authenticated?.principal.kind !== 'ANONYMOUS' || (extra.operationsInFlight ?? 0) > 0) return;
    extra.idleTimer = setTimeout(() => extra.socket.close(CloseCode.Unauthorized, 'Anonymous socket idle: authenticate to stay connected'), config.wsAnonymousIdleTimeoutMs);
  };

  const disposable = useServer<Record<string, unknown> | undefined, ConnectionState>(
    {
      // An internal error closes the socket with a generic reason, never its own message.
      isProd: true,
      execute: (args) => answerFailures(() => (args.rootValue as EnvelopedExecution).execute(args), args),
      subscribe: (args) => answerFailures(() => (args.rootValue as EnvelopedExecution).subscribe(args), args),
      connectionInitWaitTimeout: config.wsConnectionInitTimeoutMs,
      onConnect: async (ctx) => {
        ctx.extra.connectionId = `ws-${++connections}`;
        ctx.extra.log = new LazyChildLogger(log, { reqId: ctx.extra.connectionId });
        if (tracing) ctx.extra.traceContext = contextFromTraceparent(ctx.connectionParams?.traceparent, ROOT_CONTEXT);
        const credential =
          credentialFromConnectionParams(ctx.connectionParams) ?? credentialFromHeaders(headerReader(ctx.extra.request));
        let authenticated: Authenticated;
        try {
          authenticated = await orchestrator.auth.authenticate(credential, { address: upgradeAddress(ctx.extra.request, config.trustProxy) });
        } catch (error) {
          if (isDomainError(error) && error.code === 'RATE_LIMITED') {
            ctx.extra.socket.close(TRY_AGAIN_LATER, `Too many failed authentications; retry in ${String(error.details?.retryAfterSeconds)} s`);
            return false; // never acknowledged: the 1013 close above is what the client sees
          }
          ctx.extra.log.debug({ code: 'UNAUTHENTICATED' }, error instanceof Error ? truncate(error.message) : 'connection refused');
          return false; // graphql-ws closes the socket with 4403 Forbidden
        }
        ctx.extra.authenticated = authenticated;
        ctx.extra.credential = credential;
        ctx.extra.operationsInFlight = 0;
        byCredential.add(authenticated.revocationIds ?? [], ctx.extra.socket);
        watchIdle(ctx.extra);
        const closed = new AbortController();
        const { socket } = ctx.extra;
        ctx.extra.closed = closed;
        // graphql-ws ends a closed socket's subscriptions before onClose runs: read the socket itself.
        ctx.extra.connection = { isOpen: () => socket.readyState === socket.OPEN, closed: closed.signal, requestId: ctx.extra.connectionId, childEvents: true };
        // A socket may not outlive its JWT: close it when the token expires; the client reconnects with a fresh one.
        if (authenticated.expiresAt) {
          const remaining = Math.max(0, authenticated.expiresAt.getTime() - Date.now());
          ctx.extra.expiryTimer = setTimeout(() => ctx.extra.socket.close(CloseCode.Forbidden, 'Token expired'), Math.min(remaining, 2 ** 31 - 1));
        }
        return true;
      },
      onClose: (ctx) => {
        clearTimeout(ctx.extra.expiryTimer);
        clearTimeout(ctx.extra.idleTimer);
        if (ctx.extra.authenticated) byCredential.remove(ctx.extra.authenticated.revocationIds ?? [], ctx.extra.socket);
        ctx.extra.closed?.abort();
        for (const ended of ctx.extra.openSubscriptions?.values() ?? []) ended();
      },
      onComplete: (ctx, id) => {
        operations.ended(`${ctx.extra.connectionId}:${id}`);
        ctx.extra.openSubscriptions?.get(id)?.();
        ctx.extra.openSubscriptions?.delete(id);
        ctx.extra.operationsInFlight = (ctx.extra.operationsInFlight ?? 1) - 1;
        watchIdle(ctx.extra);
      },
      // Whatever fails here is answered as this operation's error: a throw would close the whole socket.
      onSubscribe: async (ctx, id, payload) => {
        const operationLog = new LazyChildLogger(ctx.extra.log ?? log, { operationId: id });
        let prepared: ExecutionArgs | GraphQLError[];
        try {
          const authenticated = await recheck(ctx.extra);
          if (!authenticated) return [new GraphQLError('The credential is no longer valid', { extensions: { code: 'UNAUTHENTICATED' } })];
          prepared = await prepareOperation(authenticated, ctx.extra.connection, payload, operationLog, ctx.extra.traceContext ?? (tracing ? ROOT_CONTEXT : undefined));
        } catch (error) {
          return [socketError(error instanceof GraphQLError ? error : unexpected(error, operationLog))];
        }
        if (Array.isArray(prepared)) {
          logGraphQLErrors(operationLog, prepared);
          return prepared;
        }
        operations.started(`${ctx.extra.connectionId}:${id}`);
        if (prepared.contextValue) allowDirectFrames(prepared.contextValue, id, ctx.extra.socket as WebSocket);
        if (getOperationAST(prepared.document, prepared.operationName)?.operation === 'subscription') {
          (ctx.extra.openSubscriptions ??= new Map()).set(id, metrics.subscriptionOpened('websocket'));
        }
        ctx.extra.operationsInFlight = (ctx.extra.operationsInFlight ?? 0) + 1;
        clearTimeout(ctx.extra.idleTimer);
        return prepared;
      },
    },
    sockets,
  );

  /** The socket's credential as it is now (the key cache makes this cheap); a revoked one closes the socket. */
  const recheck = async (extra: SocketState) => {
    if (!extra.authenticated) return undefined;
    try {
      const current = await orchestrator.auth.authenticate(extra.credential);
      extra.authenticated = { ...current, expiresAt: extra.authenticated.expiresAt, revocationIds: extra.authenticated.revocationIds };
      return extra.authenticated;
    } catch (error) {
      if (!isDomainError(error)) throw error;
      extra.socket.close(CloseCode.Forbidden, 'Credential revoked');
      return undefined;
    }
  };

  async function prepareOperation(
    authenticated: Authenticated,
    connection: ClientConnection | undefined,
    payload: { query: string; operationName?: string | null; variables?: Record<string, unknown> | null },
    operationLog: FastifyBaseLogger,
    traceContext: TraceContext | undefined,
  ): Promise<ExecutionArgs | GraphQLError[]> {
    const enveloped = yoga.getEnveloped({ authenticated, connection, req: undefined, log: operationLog, traceContext });
    let document: DocumentNode;
    try {
      document = enveloped.parse(payload.query);
    } catch (error) {
      if (error instanceof GraphQLError) return [socketError(error, 'GRAPHQL_PARSE_FAILED')];
      throw error;
    }
    const args: ExecutionArgs = {
      schema: enveloped.schema,
      operationName: payload.operationName,
      document,
      variableValues: payload.variables,
      contextValue: await enveloped.contextFactory(),
      rootValue: enveloped,
    };
    const errors = enveloped.validate(args.schema, args.document);
    if (errors.length > 0) return errors.map((error: GraphQLError) => socketError(error, 'GRAPHQL_VALIDATION_FAILED'));
    // graphql-ws would answer "Unable to identify operation" with no code: say it as over HTTP.
    if (!getOperationAST(document, payload.operationName)) {
      return [socketError(new GraphQLError('Could not determine what operation to execute.'), 'OPERATION_RESOLUTION_FAILURE')];
    }
    return args;
  }

  /** An unexpected failure, logged with its stack and masked as INTERNAL like every other surface does. */
  function unexpected(error: unknown, operationLog: FastifyBaseLogger): GraphQLError {
    operationLog.error({ err: error }, 'unexpected failure of a WebSocket operation');
    return maskError(error, 'Unexpected error.') as GraphQLError;
  }

  /** Execution that throws instead of returning errors would also close the socket. */
  async function answerFailures<T>(run: () => T | Promise<T>, args: ExecutionArgs): Promise<T | { errors: GraphQLError[] }> {
    try {
      return await run();
    } catch (error) {
      const operationLog = (args.contextValue as { log?: FastifyBaseLogger } | undefined)?.log ?? log;
      return { errors: [error instanceof GraphQLError ? error : unexpected(error, operationLog)] };
    }
  }

  return {
    sockets,
    /** Lets operations send what they still have (up to `graceMs`), then closes every socket with 1001. */
    async close(graceMs: number) {
      stopListening();
      server.off('upgrade', onUpgrade);
      await operations.settled(graceMs);
      await disposable.dispose();
      for (const client of sockets.clients) client.terminate();
      await new Promise<void>((resolve) => sockets.close(() => resolve()));
    },
  };
}

/**
 * graphql-ws logs every socket error as a server fault; a client's bad frame (oversize, invalid
 * UTF-8: ws's WS_ERR_* codes) is not one, and ws has already closed that socket with the right code.
 */
function quietClientFrameErrors(ws: WebSocket) {
  const handlers = ws.listeners('error') as Array<(error: Error) => void>;
  ws.removeAllListeners('error');
  ws.on('error', (error: Error & { code?: unknown }) => {
    if (typeof error.code === 'string' && error.code.startsWith('WS_ERR_')) return;
    for (const handler of handlers) handler.call(ws, error);
  });
}

function headerReader(request: IncomingMessage) {
  return {
    get(name: string) {
      const value = request.headers[name.toLowerCase()];
      return Array.isArray(value) ? (value[0] ?? null) : (value ?? null);
    },
  };
}

/** A request-shape error as sent over the socket: the contract's code, and no HTTP status hints. */
function socketError(error: GraphQLError, reason?: string): GraphQLError {
  const coded = withContractCode(error, reason);
  const { http: _http, ...extensions } = coded.extensions;
  return new GraphQLError(coded.message, { nodes: coded.nodes, source: coded.source, positions: coded.positions, extensions });
}
