import type { HealthReport } from '../core/orchestrator.js';
import { builder } from './builder.js';

export const HealthStatus = builder.enumType('HealthStatus', {
  description: 'OK when every component answers; DEGRADED when the gateway serves but a component does not; DRAINING while it shuts down (send work elsewhere).',
  values: {
    OK: { description: 'Every component answers.' },
    DEGRADED: { description: 'Serving, but a component does not answer.' },
    DRAINING: { description: 'Shutting down: send work elsewhere.' },
  } as const,
});

export const ComponentState = builder.enumType('ComponentState', {
  description: 'Whether a component answers.',
  values: {
    UP: { description: 'It answers.' },
    DOWN: { description: 'It does not answer.' },
  } as const,
});

export const RedisState = builder.enumType('RedisState', {
  description: 'The state of the shared Redis.',
  values: {
    UP: { description: 'Connected.' },
    DOWN: { description: 'Configured but unreachable.' },
    NONE: { description: 'Not configured (REDIS_URL unset): one process runs alone.' },
  } as const,
});

export const BudgetEnforcement = builder.enumType('BudgetEnforcement', {
  description: 'Where budgets’ spend is counted.',
  values: {
    SHARED: { description: 'In Redis, across every replica.' },
    PER_REPLICA: { description: 'Redis is down: each replica counts and enforces budgets alone, from the usage ledger, until it is back.' },
    SINGLE_PROCESS: { description: 'No Redis (REDIS_URL unset): the one process counts them.' },
  } as const,
});

export const VectorSearchState = builder.enumType('VectorSearchState', {
  description: 'AVAILABLE: memory is searched by vectors and full text, fused. DISABLED: no embedding model is configured. UNAVAILABLE: the database has no pgvector. Without vectors memory runs on full-text search.',
  values: {
    AVAILABLE: { description: 'Vectors and full text, fused.' },
    DISABLED: { description: 'No embedding model is configured.' },
    UNAVAILABLE: { description: 'The database has no pgvector.' },
  } as const,
});

export const Health = builder.objectRef<HealthReport>('Health').implement({
  description: 'Whether the gateway and its parts are serving.',
  fields: (t) => ({
    status: t.expose('status', { description: 'The overall state.', type: HealthStatus }),
    version: t.exposeString('version', { description: 'The gateway’s version.' }),
    database: t.expose('database', { description: 'Whether the database answers.', type: ComponentState }),
    databaseKind: t.exposeString('databaseKind', { description: '"pglite" (embedded) or "postgres".' }),
    uptimeSeconds: t.exposeInt('uptimeSeconds', { description: 'Seconds since the gateway started.' }),
    vectorSearch: t.expose('vectorSearch', { description: 'Whether memory search uses vectors.', type: VectorSearchState }),
    redis: t.expose('redis', { type: RedisState, description: 'The shared Redis (REDIS_URL) of several replicas; NONE when one process runs alone.' }),
    budgets: t.expose('budgets', { type: BudgetEnforcement, description: 'Where budgets are counted: PER_REPLICA while Redis is down (each replica enforces them alone, from the ledger).' }),
    vectorSearchReason: t.exposeString('vectorSearchReason', { nullable: true, description: 'Why vector search is not available, and how to enable it.' }),
  }),
});
