import type { HealthReport } from '../core/orchestrator.js';
import { builder } from './builder.js';

export const HealthStatus = builder.enumType('HealthStatus', {
  description: 'OK when every component answers; DEGRADED when the gateway serves but a component does not; DRAINING while it shuts down (send work elsewhere).',
  values: ['OK', 'DEGRADED', 'DRAINING'] as const,
});

export const ComponentState = builder.enumType('ComponentState', { values: ['UP', 'DOWN'] as const });

export const RedisState = builder.enumType('RedisState', { values: ['UP', 'DOWN', 'NONE'] as const });

export const VectorSearchState = builder.enumType('VectorSearchState', {
  description: 'AVAILABLE: memory is searched by vectors and full text, fused. DISABLED: no embedding model is configured. UNAVAILABLE: the database has no pgvector. Without vectors memory runs on full-text search.',
  values: ['AVAILABLE', 'DISABLED', 'UNAVAILABLE'] as const,
});

export const Health = builder.objectRef<HealthReport>('Health').implement({
  fields: (t) => ({
    status: t.expose('status', { type: HealthStatus }),
    version: t.exposeString('version'),
    database: t.expose('database', { type: ComponentState }),
    databaseKind: t.exposeString('databaseKind', { description: '"pglite" (embedded) or "postgres".' }),
    uptimeSeconds: t.exposeInt('uptimeSeconds'),
    vectorSearch: t.expose('vectorSearch', { type: VectorSearchState }),
    redis: t.expose('redis', { type: RedisState, description: 'The shared Redis (REDIS_URL) of several replicas; NONE when one process runs alone.' }),
    vectorSearchReason: t.exposeString('vectorSearchReason', { nullable: true, description: 'Why vector search is not available, and how to enable it.' }),
  }),
});
