import type { Metrics } from '../../core/metrics/metrics.js';
import type { Orchestrator } from '../../core/orchestrator.js';

/** What every REST route plugin is given. */
export interface RestOptions {
  orchestrator: Orchestrator;
  /** SSE_HEARTBEAT_MS: a comment line this often on an event stream. */
  heartbeatMs: number;
  metrics: Pick<Metrics, 'subscriptionOpened'>;
}

/** JSON answers: Fastify picks the response schema (and serializer) by this type. */
export const JSON_TYPE = 'application/json; charset=utf-8';

/** Optional snake_case fields arrive as null or absent; the core takes undefined for "not given". */
export const given = <T>(value: T | null | undefined): T | undefined => value ?? undefined;
