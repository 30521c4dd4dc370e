import type { FastifyInstance } from 'fastify';
import type { Orchestrator } from '../core/orchestrator.js';

/** GET /health for load balancers: 200 when the database answers, 503 when it does not or the gateway is draining. */
export async function healthRoute(app: FastifyInstance, { orchestrator }: { orchestrator: Orchestrator }) {
  app.get('/health', async (_request, reply) => {
    const health = await orchestrator.health();
    reply.status(health.status === 'OK' ? 200 : 503);
    return {
      status: health.status.toLowerCase(),
      version: health.version,
      database: health.database === 'UP' ? 'up' : 'down',
      database_kind: health.databaseKind,
      uptime_seconds: health.uptimeSeconds,
    };
  });
}
