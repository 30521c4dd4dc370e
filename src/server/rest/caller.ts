import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Auth } from '../../core/auth/auth.js';
import { ANONYMOUS, type Principal, requireAuthenticated } from '../../core/auth/principal.js';
import type { ClientConnection } from '../../core/runs/client-connection.js';
import { credentialFromHeaders } from '../credentials.js';

/** Who each REST request acts as, set by the authentication hook; kept off the request's type. */
const principals = new WeakMap<FastifyRequest, Principal>();

export const principalOf = (request: FastifyRequest): Principal => principals.get(request) ?? ANONYMOUS;

/**
 * The API routes' onRequest hook: the same credentials as GraphQL (`Authorization: Bearer` API key
 * or JWT, or `X-API-Key`), failures counted per address (AUTH_FAILURE_LIMIT). Nothing of the API
 * is open to anonymous callers, so they are refused before their body is read.
 */
export function authenticateRequests(auth: Auth) {
  return async (request: FastifyRequest) => {
    const credential = credentialFromHeaders({ get: (name) => headerValue(request.headers[name]) });
    const { principal } = await auth.authenticate(credential, { address: request.ip });
    requireAuthenticated(principal);
    principals.set(request, principal);
  };
}

/**
 * The client's connection as a run sees it. The response closing before it was finished is the
 * client going away: a dropped connection (the run waits RUN_ORPHAN_GRACE_MS to be resumed),
 * never a cancel. `childEvents`: the stream shows a delegated run's events (the REST shim's own SSE does).
 */
export function connectionOf(request: FastifyRequest, reply: FastifyReply, options: { childEvents?: boolean } = {}): ClientConnection {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return { isOpen: () => !controller.signal.aborted, closed: controller.signal, requestId: request.id, childEvents: options.childEvents };
}

export const headerValue = (value: string | string[] | undefined) => (Array.isArray(value) ? (value[0] ?? null) : (value ?? null));
