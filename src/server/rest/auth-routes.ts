import type { FastifyInstance } from 'fastify';
import { badInput } from '../../core/errors.js';
import { principalOf } from './caller.js';
import { JSON_TYPE, type RestOptions } from './options.js';
import { withRestNames } from './refusals.js';
import { errorResponses, jsonResponse, ref, tokenBody } from './schemas.js';
import { tokenJson } from './wire.js';

/** POST /auth/token: orchestrator.auth.issueToken, as the issueToken mutation. */
export async function authRoutes(app: FastifyInstance, { orchestrator }: RestOptions) {
  app.post('/auth/token', {
    schema: {
      tags: ['auth'],
      operationId: 'issueToken',
      summary: 'A JWT for a user, issued with an API key',
      description:
        'Send the API key in Authorization. Admin keys and unbound user keys may name any user; a user-bound key only its own (the default). ' +
        'A JWT cannot issue tokens. Revoking the issuing key revokes the token.',
      body: tokenBody,
      response: { 200: jsonResponse(ref('Token'), 'The token'), ...errorResponses() },
    },
    handler: async (request, reply) => {
      const body = (request.body ?? {}) as { user_id?: string; expires_in?: number };
      const principal = principalOf(request);
      const userId = body.user_id ?? (principal.kind === 'ANONYMOUS' ? undefined : principal.userId);
      if (userId === undefined) throw badInput('Invalid input: user_id is required: this credential acts for no user', { problems: ['user_id is required'] });
      // The core calls the lifetime ttlSeconds; this API, as the reference, expires_in.
      const token = await withRestNames(orchestrator.auth.issueToken(principal, userId, body.expires_in), { ttlSeconds: 'expires_in' });
      return reply.type(JSON_TYPE).send(tokenJson(token));
    },
  });
}
