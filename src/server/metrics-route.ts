import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type Auth, credentialText } from '../core/auth/auth.js';
import { isAdmin } from '../core/auth/principal.js';
import { digestsEqual, sha256Hex } from '../core/auth/secrets.js';
import { forbidden, isDomainError, unauthenticated } from '../core/errors.js';
import { credentialFromHeaders } from './credentials.js';
import { httpError, INTERNAL_ERROR_BODY } from './errors.js';

export interface MetricsRouteOptions {
  metrics: { readonly contentType: string; render(): Promise<string> };
  auth: Auth;
  /** METRICS_TOKEN: reads metrics and nothing else. */
  token: string | undefined;
  /** No credential needed: the separate METRICS_PORT listener when no METRICS_TOKEN is set. */
  open: boolean;
}

const REFUSED = 'Metrics need an admin API key or METRICS_TOKEN (Authorization: Bearer …)';

/** GET /metrics: Prometheus text, for an admin key or METRICS_TOKEN (or anyone, where `open`). */
export async function metricsRoute(app: FastifyInstance, { metrics, auth, token, open }: MetricsRouteOptions) {
  const tokenHash = token === undefined ? undefined : sha256Hex(token);

  /** Throws UNAUTHENTICATED, FORBIDDEN or RATE_LIMITED (failures count toward AUTH_FAILURE_LIMIT, as everywhere). */
  const authorize = async (request: FastifyRequest) => {
    const credential = credentialFromHeaders({ get: (name) => headerValue(request.headers[name]) });
    const text = credentialText(credential);
    if (tokenHash !== undefined && text && digestsEqual(sha256Hex(text), tokenHash)) return;
    const { principal } = await auth.authenticate(credential, { address: request.ip });
    if (principal.kind === 'ANONYMOUS') throw unauthenticated(REFUSED);
    if (!isAdmin(principal)) throw forbidden(REFUSED);
  };

  app.get('/metrics', async (request, reply) => {
    try {
      if (!open) await authorize(request);
    } catch (error) {
      if (!isDomainError(error)) {
        request.log.error({ err: error }, 'authorizing a metrics scrape failed');
        return reply.status(500).send(INTERNAL_ERROR_BODY);
      }
      const refusal = httpError(error);
      return reply.status(refusal.status).headers(refusal.headers).send(refusal.body);
    }
    return reply.header('cache-control', 'no-store').type(metrics.contentType).send(await metrics.render());
  });
}

const headerValue = (value: string | string[] | undefined) => (Array.isArray(value) ? (value[0] ?? null) : (value ?? null));
