import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyBaseLogger } from 'fastify';
import { type DocumentNode, type ExecutionArgs, GraphQLError } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Authenticated } from '../core/auth/auth.js';
import type { Orchestrator } from '../core/orchestrator.js';
import type { ClientConnection } from '../core/runs/client-connection.js';
import { credentialFromConnectionParams, credentialFromHeaders } from './credentials.js';
import { logGraphQLErrors, truncate } from './error-log.js';
import { withContractCode } from './errors.js';
import type { Yoga } from './graphql-http.js';

interface ConnectionState extends Record<PropertyKey, unknown> {
  authenticated: Authenticated;
  expiryTimer: NodeJS.Timeout;
  connection: ClientConnection;
  closed: AbortController;
  /** Carries the connection's id as `reqId`, as Fastify's request loggers do. */
  log: FastifyBaseLogger;
}

type EnvelopedExecution = ReturnType<Yoga['getEnveloped']>;

/**
 * graphql-ws on Yoga's path and port. Operations run through Yoga's envelop, so masking, context
 * and plugins behave as over HTTP. Credentials are checked once, at connection_init.
 */
export function attachGraphQLWebSocket(server: Server, yoga: Yoga, orchestrator: Orchestrator, log: FastifyBaseLogger) {
  let connections = 0;
  const sockets = new WebSocketServer({ noServer: true });
  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (new URL(request.url ?? '/', 'http://localhost').pathname !== yoga.graphqlEndpoint) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    sockets.handleUpgrade(request, socket, head, (ws) => sockets.emit('connection', ws, request));
  };
  server.on('upgrade', onUpgrade);

  const disposable = useServer<Record<string, unknown> | undefined, ConnectionState>(
    {
      // An internal error closes the socket with a generic reason, never its own message.
      isProd: true,
      execute: (args) => (args.rootValue as EnvelopedExecution).execute(args),
      subscribe: (args) => (args.rootValue as EnvelopedExecution).subscribe(args),
      onConnect: async (ctx) => {
        ctx.extra.log = log.child({ reqId: `ws-${++connections}` });
        const credential =
          credentialFromConnectionParams(ctx.connectionParams) ?? credentialFromHeaders(headerReader(ctx.extra.request));
        let authenticated: Authenticated;
        try {
          authenticated = await orchestrator.auth.authenticate(credential);
        } catch (error) {
          ctx.extra.log.debug({ code: 'UNAUTHENTICATED' }, error instanceof Error ? truncate(error.message) : 'connection refused');
          return false; // graphql-ws closes the socket with 4403 Forbidden
        }
        ctx.extra.authenticated = authenticated;
        const closed = new AbortController();
        const { socket } = ctx.extra;
        ctx.extra.closed = closed;
        // graphql-ws ends a closed socket's subscriptions before onClose runs: read the socket itself.
        ctx.extra.connection = { isOpen: () => socket.readyState === socket.OPEN, closed: closed.signal };
        // A socket may not outlive its JWT: close it when the token expires; the client reconnects with a fresh one.
        if (authenticated.expiresAt) {
          const remaining = Math.max(0, authenticated.expiresAt.getTime() - Date.now());
          ctx.extra.expiryTimer = setTimeout(() => ctx.extra.socket.close(CloseCode.Forbidden, 'Token expired'), Math.min(remaining, 2 ** 31 - 1));
        }
        return true;
      },
      onClose: (ctx) => {
        clearTimeout(ctx.extra.expiryTimer);
        ctx.extra.closed?.abort();
      },
      onSubscribe: async (ctx, id, payload) => {
        const operationLog = (ctx.extra.log ?? log).child({ operationId: id });
        const enveloped = yoga.getEnveloped({ authenticated: ctx.extra.authenticated, connection: ctx.extra.connection, req: undefined, log: operationLog });
        let document: DocumentNode;
        try {
          document = enveloped.parse(payload.query);
        } catch (error) {
          if (!(error instanceof GraphQLError)) throw error;
          logGraphQLErrors(operationLog, [error]);
          return [socketError(error, 'GRAPHQL_PARSE_FAILED')];
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
        if (errors.length > 0) {
          logGraphQLErrors(operationLog, errors);
          return errors.map((error: GraphQLError) => socketError(error, 'GRAPHQL_VALIDATION_FAILED'));
        }
        return args;
      },
    },
    sockets,
  );

  return {
    sockets,
    async close() {
      server.off('upgrade', onUpgrade);
      await disposable.dispose();
      for (const client of sockets.clients) client.terminate();
      await new Promise<void>((resolve) => sockets.close(() => resolve()));
    },
  };
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
function socketError(error: GraphQLError, reason: string): GraphQLError {
  const coded = withContractCode(error, reason);
  const { http: _http, ...extensions } = coded.extensions;
  return new GraphQLError(coded.message, { nodes: coded.nodes, source: coded.source, positions: coded.positions, extensions });
}
