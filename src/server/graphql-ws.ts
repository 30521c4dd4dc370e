import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { type DocumentNode, type ExecutionArgs, GraphQLError, getOperationAST } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Authenticated } from '../core/auth/auth.js';
import type { Orchestrator } from '../core/orchestrator.js';
import type { ClientConnection } from '../core/runs/client-connection.js';
import { credentialFromConnectionParams, credentialFromHeaders } from './credentials.js';
import { maskError, withContractCode } from './errors.js';
import type { Yoga } from './graphql-http.js';

interface ConnectionState extends Record<PropertyKey, unknown> {
  authenticated: Authenticated;
  expiryTimer: NodeJS.Timeout;
  connection: ClientConnection;
  closed: AbortController;
}

type EnvelopedExecution = ReturnType<Yoga['getEnveloped']>;

/**
 * graphql-ws on Yoga's path and port. Operations run through Yoga's envelop, so masking, context
 * and plugins behave as over HTTP. Credentials are checked once, at connection_init.
 */
export function attachGraphQLWebSocket(server: Server, yoga: Yoga, orchestrator: Orchestrator) {
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
      execute: (args) => answerFailures(() => (args.rootValue as EnvelopedExecution).execute(args)),
      subscribe: (args) => answerFailures(() => (args.rootValue as EnvelopedExecution).subscribe(args)),
      onConnect: async (ctx) => {
        const credential =
          credentialFromConnectionParams(ctx.connectionParams) ?? credentialFromHeaders(headerReader(ctx.extra.request));
        let authenticated: Authenticated;
        try {
          authenticated = await orchestrator.auth.authenticate(credential);
        } catch {
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
      // Whatever fails here is answered as this operation's error: a throw would close the whole socket.
      onSubscribe: async (ctx, _id, payload) => {
        try {
          return await prepareOperation(ctx.extra, payload);
        } catch (error) {
          return [socketError(error instanceof GraphQLError ? error : unexpected(error))];
        }
      },
    },
    sockets,
  );

  async function prepareOperation(
    extra: Partial<ConnectionState>,
    payload: { query: string; operationName?: string | null; variables?: Record<string, unknown> | null },
  ): Promise<ExecutionArgs | GraphQLError[]> {
    const enveloped = yoga.getEnveloped({ authenticated: extra.authenticated, connection: extra.connection, req: undefined });
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

  /** An unexpected failure, logged and masked as INTERNAL like every other surface does. */
  function unexpected(error: unknown): GraphQLError {
    yoga.logger.error(error);
    return maskError(error, 'Unexpected error.') as GraphQLError;
  }

  /** Execution that throws instead of returning errors would also close the socket. */
  async function answerFailures<T>(run: () => T | Promise<T>): Promise<T | { errors: GraphQLError[] }> {
    try {
      return await run();
    } catch (error) {
      return { errors: [error instanceof GraphQLError ? error : unexpected(error)] };
    }
  }

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
function socketError(error: GraphQLError, reason?: string): GraphQLError {
  const coded = withContractCode(error, reason);
  const { http: _http, ...extensions } = coded.extensions;
  return new GraphQLError(coded.message, { nodes: coded.nodes, source: coded.source, positions: coded.positions, extensions });
}
