import cors from '@fastify/cors';
import Fastify, { type FastifyInstance, type FastifyListenOptions, LogController } from 'fastify';
import type { AppConfig } from '../config.js';
import type { PrometheusMetrics } from '../core/metrics/prometheus-metrics.js';
import type { Orchestrator } from '../core/orchestrator.js';
import { answerClientError } from './client-errors.js';
import { truncate } from './error-log.js';
import { graphiqlPage } from './graphiql.js';
import { createGraphQL, graphqlRoutes } from './graphql-http.js';
import { attachGraphQLWebSocket, type WebSocketConfig } from './graphql-ws.js';
import { InFlight } from './in-flight.js';
import { metricsRoute } from './metrics-route.js';
import { a2aRoutes } from './a2a/routes.js';
import { agUiRoutes } from './ag-ui/routes.js';
import { openaiRoutes } from './openai/routes.js';
import { restApi } from './rest/index.js';
import { DEFAULT_STUDIO_DIR, studioRoutes } from './studio.js';
import { notFoundHandler } from './rest/refusals.js';
import type { Tracing } from '../core/tracing/tracing.js';
import { traceHttpRequests, traceIdsForLogs } from './http-tracing.js';
import { lazySerializers } from './lazy-serializers.js';

export interface Gateway {
  app: FastifyInstance;
  /** Adds the routes, served by this orchestrator; /metrics renders `metrics`. */
  mount(orchestrator: Orchestrator, metrics: PrometheusMetrics): Promise<void>;
  /** Starts listening; resolves with the address clients should use (and /metrics' own, with METRICS_PORT). */
  listen(): Promise<{ url: string; port: number; metricsUrl?: string }>;
  /** Shutdown, first step: no new connections; those open go on. */
  stopAccepting(): void;
  /** Closes WebSockets with 1001, lets responses in flight (event streams) end, then closes the rest. */
  close(): Promise<void>;
}

/** How long shutdown waits for responses still being written (event streams ending) before cutting them. */
const RESPONSES_GRACE_MS = 2_000;

export type ServerConfig = Pick<
  AppConfig,
  | 'host'
  | 'port'
  | 'reusePort'
  | 'metricsPort'
  | 'metricsToken'
  | 'debug'
  | 'logLevel'
  | 'corsOrigins'
  | 'graphiql'
  | 'studio'
  | 'studioDir'
  | 'graphqlMaxDepth'
  | 'graphqlMaxAliases'
  | 'graphqlMaxTokens'
  | 'graphqlMaxDirectives'
  | 'graphqlMaxCost'
  | 'allowIntrospection'
  | 'bodyLimitBytes'
  | 'requestTimeoutMs'
  | 'sseHeartbeatMs'
  | 'version'
  | 'images'
> &
  WebSocketConfig;

export interface ServerOptions {
  /** Where log lines go instead of stdout (tests read them). */
  logStream?: { write(line: string): void };
  /** Set when traces are exported: requests and operations become spans, log lines carry their trace ids. */
  tracing?: Tracing | undefined;
}

/**
 * The Fastify host: GraphQL over HTTP/SSE and WebSocket on /graphql, plus plain-HTTP routes.
 * Built before the orchestrator so the core can log through Fastify's logger.
 */
export async function buildServer(config: ServerConfig, options: ServerOptions = {}): Promise<Gateway> {
  const app = Fastify({
    logger: {
      level: config.logLevel,
      ...(options.logStream ? { stream: options.logStream } : {}),
      // Only when tracing: the lines then carry traceId and spanId beside reqId.
      ...(options.tracing ? { mixin: traceIdsForLogs } : {}),
      // A GET operation carries its query (and any 100 KB id in it) in the URL.
      serializers: {
        req: (req) => ({ method: req.method, url: truncate(req.url), host: req.host, remoteAddress: req.ip, remotePort: req.socket?.remotePort }),
      },
    },
    // Streams end when the client goes; do not hold shutdown hostage to idle keep-alive sockets.
    forceCloseConnections: true,
    // request.ip (limits count per address) comes from X-Forwarded-For only behind a trusted proxy.
    trustProxy: config.trustProxy,
    // REST path parameters are ids of up to 200 characters (MCP tool names 128): the core refuses longer ones by name.
    routerOptions: { maxParamLength: 256 },
    // A client that sends part of a body and waits gets 408 instead of holding the request open for ever;
    // Node checks every second (its default, 30 s, would double the wait) and takes the timeout only at
    // creation (set later, Node 20 never fires it). Streams are responses: unaffected.
    requestTimeout: config.requestTimeoutMs,
    http: { requestTimeout: config.requestTimeoutMs, connectionsCheckingInterval: 1_000 },
    // A request Node cannot read (a body cut short, a bad Content-Length) is answered in its surface's error contract.
    clientErrorHandler: answerClientError,
    schemaController: { compilersFactory: { buildSerializer: lazySerializers } },
  });
  if (options.tracing) traceHttpRequests(app, options.tracing);
  let webSocket: ReturnType<typeof attachGraphQLWebSocket> | undefined;
  /** METRICS_PORT's listener: /metrics and nothing else. */
  let metricsApp: FastifyInstance | undefined;
  const inFlight = new InFlight();
  app.addHook('onRequest', async (request) => inFlight.started(request.id));
  app.addHook('onResponse', async (request) => inFlight.ended(request.id));
  app.addHook('onRequestAbort', async (request) => inFlight.ended(request.id));

  return {
    app,
    async mount(orchestrator, metrics) {
      // No CORS_ORIGINS, no cross-origin access; CORS_ORIGINS=* opens it to any origin (development).
      if (config.corsOrigins?.length) {
        await app.register(cors, { origin: config.corsOrigins.includes('*') ? '*' : config.corsOrigins });
      }
      const yoga = createGraphQL(orchestrator, {
        logger: app.log,
        debug: config.debug,
        allowIntrospection: config.allowIntrospection,
        tracing: options.tracing,
        singleConnectionStreams: { total: config.wsMaxConnections, perPrincipal: config.wsMaxConnectionsPerAddress },
        limits: {
          maxDepth: config.graphqlMaxDepth,
          maxAliases: config.graphqlMaxAliases,
          maxTokens: config.graphqlMaxTokens,
          maxDirectives: config.graphqlMaxDirectives,
          maxCost: config.graphqlMaxCost,
        },
      });
      // A request carrying uploads may hold a message's worth of images on top of the usual body.
      const uploadLimitBytes = config.bodyLimitBytes + config.images.maxPerMessage * config.images.maxBytes;
      await app.register(graphqlRoutes, { yoga, graphiql: config.graphiql ? graphiqlPage() : undefined, bodyLimitBytes: config.bodyLimitBytes, uploadLimitBytes, metrics });
      await app.register(restApi, { orchestrator, metrics, heartbeatMs: config.sseHeartbeatMs, bodyLimitBytes: config.bodyLimitBytes, uploadLimitBytes, version: config.version });
      // The protocol adapters take images inline only (base64 in JSON): the same message's worth, as base64.
      const inlineImagesLimitBytes = config.bodyLimitBytes + config.images.maxPerMessage * base64Length(config.images.maxBytes);
      await app.register(openaiRoutes, { prefix: '/v1', orchestrator, bodyLimitBytes: inlineImagesLimitBytes, heartbeatMs: config.sseHeartbeatMs });
      await app.register(agUiRoutes, { prefix: '/ag-ui', orchestrator, bodyLimitBytes: inlineImagesLimitBytes, heartbeatMs: config.sseHeartbeatMs });
      // No prefix: it serves /a2a/* and the discovery card at /.well-known/agent-card.json.
      await app.register(a2aRoutes, { orchestrator, bodyLimitBytes: inlineImagesLimitBytes, heartbeatMs: config.sseHeartbeatMs, version: config.version });
      // The web console: static files; its data comes through /graphql like any client's.
      if (config.studio) await app.register(studioRoutes, { dir: config.studioDir ?? DEFAULT_STUDIO_DIR });
      // Unknown routes anywhere else on this listener: a JSON 404 (the REST error body); /v1 answers its own in OpenAI's shape.
      app.setNotFoundHandler(notFoundHandler);
      const scrape = { metrics, auth: orchestrator.auth, token: config.metricsToken };
      if (config.metricsPort === undefined) {
        await app.register(metricsRoute, { ...scrape, open: false });
      } else {
        // Scrapes every few seconds would drown the log: this listener logs only its faults.
        metricsApp = Fastify({
          loggerInstance: app.log,
          logController: new LogController({ disableRequestLogging: true }),
          forceCloseConnections: true,
          trustProxy: config.trustProxy,
        });
        await metricsApp.register(metricsRoute, { ...scrape, open: config.metricsToken === undefined });
        await metricsApp.ready();
      }
      await app.ready();
      webSocket = attachGraphQLWebSocket(app.server, yoga, orchestrator, config, app.log, metrics, options.tracing);
    },
    async listen() {
      const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
      const listenOn = async (server: FastifyInstance, port: number, reusePort = false) => {
        // Fastify hands its listen options to node's server.listen; its types do not list reusePort yet.
        const options: FastifyListenOptions = { host: config.host, port, ...(reusePort ? { reusePort } : {}) };
        await server.listen(options);
        const address = server.server.address();
        return typeof address === 'object' && address ? address.port : port;
      };
      // REUSE_PORT shares PORT between processes; METRICS_PORT stays each process's own (a scrape must reach the one it names).
      const port = await listenOn(app, config.port, config.reusePort);
      const url = `http://${host}:${port}`;
      if (!metricsApp) return { url, port };
      return { url, port, metricsUrl: `http://${host}:${await listenOn(metricsApp, config.metricsPort!)}/metrics` };
    },
    stopAccepting() {
      // Fastify's close() tolerates a server already closed. The metrics listener stays: operators watch the drain.
      if (app.server.listening) app.server.close();
    },
    async close() {
      await webSocket?.close(RESPONSES_GRACE_MS);
      await inFlight.settled(RESPONSES_GRACE_MS);
      await app.close();
      await metricsApp?.close();
    },
  };
}

/** How long `bytes` bytes are as base64 text. */
const base64Length = (bytes: number) => Math.ceil(bytes / 3) * 4;
