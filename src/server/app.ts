import cors from '@fastify/cors';
import Fastify, { type FastifyInstance } from 'fastify';
import type { AppConfig } from '../config.js';
import type { Orchestrator } from '../core/orchestrator.js';
import { createGraphQL, graphqlRoutes } from './graphql-http.js';
import { attachGraphQLWebSocket } from './graphql-ws.js';
import { healthRoute } from './health-route.js';

export interface Gateway {
  app: FastifyInstance;
  /** Adds the routes, served by this orchestrator. */
  mount(orchestrator: Orchestrator): Promise<void>;
  /** Starts listening; resolves with the address clients should use. */
  listen(): Promise<{ url: string; port: number }>;
  close(): Promise<void>;
}

export type ServerConfig = Pick<
  AppConfig,
  | 'host'
  | 'port'
  | 'debug'
  | 'logLevel'
  | 'corsOrigins'
  | 'graphqlMaxDepth'
  | 'graphqlMaxAliases'
  | 'graphqlMaxTokens'
  | 'graphqlMaxDirectives'
  | 'graphqlMaxCost'
  | 'allowIntrospection'
>;

/**
 * The Fastify host: GraphQL over HTTP/SSE and WebSocket on /graphql, plus plain-HTTP routes.
 * Built before the orchestrator so the core can log through Fastify's logger.
 */
export async function buildServer(config: ServerConfig): Promise<Gateway> {
  const app = Fastify({
    logger: { level: config.logLevel },
    // Streams end when the client goes; do not hold shutdown hostage to idle keep-alive sockets.
    forceCloseConnections: true,
  });
  let webSocket: ReturnType<typeof attachGraphQLWebSocket> | undefined;

  return {
    app,
    async mount(orchestrator) {
      await app.register(cors, { origin: config.corsOrigins ?? '*' });
      const yoga = createGraphQL(orchestrator, {
        logger: app.log,
        debug: config.debug,
        allowIntrospection: config.allowIntrospection,
        limits: {
          maxDepth: config.graphqlMaxDepth,
          maxAliases: config.graphqlMaxAliases,
          maxTokens: config.graphqlMaxTokens,
          maxDirectives: config.graphqlMaxDirectives,
          maxCost: config.graphqlMaxCost,
        },
      });
      await app.register(graphqlRoutes, { yoga });
      await app.register(healthRoute, { orchestrator });
      await app.ready();
      webSocket = attachGraphQLWebSocket(app.server, yoga, orchestrator);
    },
    async listen() {
      await app.listen({ host: config.host, port: config.port });
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : config.port;
      const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
      return { url: `http://${host}:${port}`, port };
    },
    async close() {
      await webSocket?.close();
      await app.close();
    },
  };
}
