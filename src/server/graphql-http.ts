import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GraphQLError } from 'graphql';
import { createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import type { Authenticated } from '../core/auth/auth.js';
import { ANONYMOUS } from '../core/auth/principal.js';
import type { Metrics } from '../core/metrics/metrics.js';
import type { Orchestrator } from '../core/orchestrator.js';
import type { ClientConnection } from '../core/runs/client-connection.js';
import type { GraphQLContext } from '../schema/context.js';
import { schema } from '../schema/index.js';
import { useCompiledSubscriptionEvents } from './compiled-subscription-events.js';
import { yogaLogger } from './error-log.js';
import { errorBodyForStatus, maskError, withContractCode } from './errors.js';
import { wantsGraphiQL } from './graphiql.js';
import { useDocumentCache } from './plugins/use-document-cache.js';
import { useErrorLogging } from './plugins/use-error-logging.js';
import { useHiddenFieldSuggestions } from './plugins/use-hidden-field-suggestions.js';
import { useIntrospectionPolicy } from './plugins/use-introspection-policy.js';
import { useNoNulStrings } from './plugins/use-no-nul-strings.js';
import { type OperationLimits, useOperationLimits } from './plugins/use-operation-limits.js';
import { useParseFailuresAsSyntaxErrors } from './plugins/use-parse-failures-as-syntax-errors.js';
import { useRateLimitResponses } from './plugins/use-rate-limit-responses.js';
import { useRequestPrincipal } from './plugins/use-request-principal.js';
import { useSingleConnectionSse } from './plugins/use-single-connection-sse.js';
import { useSingleChat } from './plugins/use-single-chat.js';
import { useTracing } from './plugins/use-tracing.js';
import type { Context as TraceContext } from '@opentelemetry/api';
import type { Tracing } from '../core/tracing/tracing.js';

/** What each transport hands Yoga before the context is built. */
export interface ServerContext {
  req?: FastifyRequest;
  reply?: FastifyReply;
  /** Set by the WebSocket transport, which authenticates once per connection. */
  authenticated?: Authenticated;
  connection?: ClientConnection;
  /** The WebSocket operation's logger; over HTTP, `req.log`. */
  log?: FastifyBaseLogger;
  /** Traced WebSocket operations: the parent their span takes (connection_init's traceparent, if sent). */
  traceContext?: TraceContext | undefined;
}

export type Yoga = YogaServerInstance<ServerContext, GraphQLContext>;

export interface GraphQLOptions {
  logger: FastifyInstance['log'];
  debug: boolean;
  limits: OperationLimits;
  allowIntrospection: boolean;
  /** Set when traces are exported: each operation is a span. */
  tracing?: Tracing | undefined;
  /** Open single-connection SSE streams allowed per principal and in all. */
  singleConnectionStreams: { total: number; perPrincipal: number };
}

export function createGraphQL(orchestrator: Orchestrator, options: GraphQLOptions): Yoga {
  return createYoga<ServerContext, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    // Fastify enforces BODY_LIMIT_BYTES as it reads (graphqlRoutes); Yoga's own check would pipe every body through a stream.
    maxRequestBodySize: false,
    logging: yogaLogger(options.logger),
    maskedErrors: { maskError, isDev: options.debug },
    cors: false,
    // graphqlRoutes serves GraphiQL, compressed; with GRAPHIQL=false a GET for HTML is an operation like any other.
    graphiql: false,
    // Yoga's cache, as useDocumentCache (last below), without its TTL's timers.
    parserAndValidationCache: false,
    plugins: [
      // graphql-sse's single-connection mode (PUT, DELETE, requests with a stream token); the rest is Yoga's.
      useSingleConnectionSse(orchestrator, options.singleConnectionStreams),
      useCompiledSubscriptionEvents(),
      useUnbufferedEventStreams(),
      useContractErrorCodes(),
      useRateLimitResponses(),
      // Before validation: the caller decides introspection and suggestions (WebSocket sets it at connection_init).
      useRequestPrincipal(orchestrator),
      useOperationLimits(options.limits),
      useParseFailuresAsSyntaxErrors(),
      useSingleChat(),
      useNoNulStrings(),
      useIntrospectionPolicy({ allowAnonymous: options.allowIntrospection }),
      useHiddenFieldSuggestions(),
      useErrorLogging(),
      // Last: its execute and subscribe wrap the others' (the compiled subscription events'), so resolvers run inside the span.
      ...(options.tracing ? [useTracing(options.tracing)] : []),
      // Where Yoga puts its own parser and validation cache: after every plugin that adds a validation rule.
      useDocumentCache(),
    ],
    // The caller was authenticated once, before parsing: by useRequestPrincipal (HTTP, SSE) or at connection_init (WebSocket).
    context: (initial) => {
      const principal = initial.authenticated?.principal ?? ANONYMOUS;
      if (initial.connection) return { orchestrator, principal, connection: initial.connection };
      const { request } = initial;
      // Read lazily: a request's signal, once made, is aborted (a DOMException built) when it ends; most requests never need it.
      const connection: ClientConnection = {
        isOpen: () => !request.signal.aborted,
        get closed() {
          return request.signal;
        },
        requestId: initial.req?.id,
        childEvents: true,
      };
      return { orchestrator, principal, connection };
    },
  });
}

/** Proxies buffer event streams unless told not to; a token stream must reach the client as written. */
function useUnbufferedEventStreams(): Plugin {
  return {
    onResponse({ response }) {
      if (response.headers.get('content-type')?.startsWith('text/event-stream')) {
        response.headers.set('x-accel-buffering', 'no');
        response.headers.set('cache-control', 'no-cache, no-transform');
      }
    },
  };
}

/**
 * Request-shape errors (bad JSON, syntax, validation) carry the contract's BAD_USER_INPUT code. A body
 * that is not JSON is no GraphQL request at all: 400 whatever the client accepts (Yoga sends 200 to
 * `Accept: application/json`, as it does for a GraphQL syntax error).
 */
function useContractErrorCodes(): Plugin {
  return {
    onResultProcess({ result, setResult }) {
      if (Array.isArray(result) || !('errors' in result) || !result.errors) return;
      setResult({ ...result, errors: result.errors.map((e) => (e instanceof GraphQLError ? withContractCode(unparseableAsRefusal(e)) : e)) });
    },
  };
}

function unparseableAsRefusal(error: GraphQLError): GraphQLError {
  const http = error.extensions?.http as { spec?: boolean } | undefined;
  if (error.extensions?.code !== 'BAD_REQUEST' || !http?.spec) return error;
  return new GraphQLError(error.message, { originalError: error.originalError, extensions: { ...error.extensions, http: { ...http, spec: false } } });
}

/**
 * Mounts Yoga on Fastify. Fastify reads the body as bytes, refusing one over `bodyLimitBytes` with
 * 413 before it is read whole; Yoga takes the bytes as they are (no stream per request) and
 * reports malformed JSON the GraphQL way.
 */
export async function graphqlRoutes(
  app: FastifyInstance,
  {
    yoga,
    graphiql,
    bodyLimitBytes,
    uploadLimitBytes,
    metrics,
  }: {
    yoga: Yoga;
    graphiql: ((req: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>) | undefined;
    bodyLimitBytes: number;
    /** Multipart requests (the GraphQL multipart request spec: uploads) may be this large: a message's images and the rest. */
    uploadLimitBytes: number;
    metrics: Pick<Metrics, 'subscriptionOpened'>;
  },
) {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: bodyLimitBytes }, (_request, body, done) => done(null, body));
  // Uploads: the bytes go to Yoga as they are, which reads the form (operations, map, files) itself.
  app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer', bodyLimit: uploadLimitBytes }, (_request, body, done) => done(null, body));
  // Body-reading refusals (413, a bad content-length) get the contract's error body, not Fastify's.
  app.setErrorHandler((error: { statusCode?: number }, _request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) throw error;
    return reply.status(status).type('application/json; charset=utf-8').send(errorBodyForStatus(status));
  });
  app.route({
    url: yoga.graphqlEndpoint,
    // PUT and DELETE: graphql-sse's single-connection mode (reserve a stream, stop an operation).
    method: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
    handler: async (req, reply) => {
      if (graphiql && wantsGraphiQL(req)) return graphiql(req, reply);
      // Yoga would read an empty body from the request stream, which Fastify has already drained, and never answer.
      if (req.method === 'POST' && isEmpty(req.body)) return reply.status(400).type(graphqlResponseType(req)).send(EMPTY_BODY_ERROR);
      const response = await yoga.handleNodeRequestAndResponse(req, reply, { req, reply });
      response.headers.forEach((value, key) => {
        reply.header(key, value);
      });
      reply.status(response.status);
      // An event stream is a subscription (GraphQL over SSE) until its response closes, however it ends.
      if (response.headers.get('content-type')?.startsWith('text/event-stream')) reply.raw.once('close', metrics.subscriptionOpened('sse'));
      // Yoga answers some refusals (415, 406) with no body: give them the contract's error body.
      if (!response.body && response.status >= 400) return reply.type('application/json; charset=utf-8').send(errorBodyForStatus(response.status));
      // A JSON result is whole already: sent as one buffer (one write, a content-length) rather than piped as a stream.
      if (isJson(response.headers.get('content-type'))) return reply.send(Buffer.from(await response.arrayBuffer()));
      reply.send(response.body);
      return reply;
    },
  });
}

const isEmpty = (body: unknown) => body === undefined || body === null || (Buffer.isBuffer(body) && body.length === 0);

const EMPTY_BODY_ERROR = {
  errors: [{ message: 'The body is empty: send a JSON object with a query (or use GET with a query string).', extensions: { code: 'BAD_USER_INPUT', reason: 'BAD_REQUEST' } }],
};

/** The media type Yoga would answer in: graphql-response+json when the client asks for it, else application/json. */
function graphqlResponseType(req: FastifyRequest) {
  const accept = req.headers.accept ?? '';
  const modern = accept.includes('application/graphql-response+json') || (accept.includes('*/*') && !accept.includes('application/json'));
  return modern ? 'application/graphql-response+json; charset=utf-8' : 'application/json; charset=utf-8';
}

const isJson = (type: string | null) => type !== null && (type.startsWith('application/json') || type.startsWith('application/graphql-response+json'));
