import type { FastifyInstance } from 'fastify';
import type { Orchestrator } from '../core/orchestrator.js';
import { healthDocument } from './rest/schemas.js';

/** GET /health for load balancers: 200 when the database answers, 503 when it does not or the gateway is draining. */
export async function healthRoute(app: FastifyInstance, { orchestrator }: { orchestrator: Orchestrator }) {
  app.get('/health', {
    schema: {
      tags: ['health'],
      operationId: 'health',
      summary: 'Whether the gateway and its database answer',
      description: 'Open to anyone (load balancers); checked at most once a second however often it is asked.',
      security: [],
      response: {
        200: { ...healthDocument, description: 'Serving' },
        503: { ...healthDocument, description: 'Not serving: the database is down, or the gateway is shutting down' },
      },
    },
    handler: async (_request, reply) => {
      const health = await orchestrator.health();
      reply.status(health.status === 'OK' ? 200 : 503);
      return {
        status: health.status.toLowerCase(),
        version: health.version,
        database: health.database === 'UP' ? 'up' : 'down',
        database_kind: health.databaseKind,
        uptime_seconds: health.uptimeSeconds,
        vector_search: health.vectorSearch.toLowerCase(),
        vector_search_reason: health.vectorSearchReason,
        redis: health.redis.toLowerCase(),
        budgets: health.budgets.toLowerCase(),
      };
    },
  });
}
