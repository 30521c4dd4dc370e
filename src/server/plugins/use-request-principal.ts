import type { Plugin } from 'graphql-yoga';
import type { Authenticated } from '../../core/auth/auth.js';
import { ANONYMOUS, type Principal } from '../../core/auth/principal.js';
import { DomainError } from '../../core/errors.js';
import type { Orchestrator } from '../../core/orchestrator.js';
import { credentialFromHeaders } from '../credentials.js';
import { requestError } from '../errors.js';
import type { ServerContext } from '../graphql-http.js';

/**
 * Authenticates an HTTP/SSE request before parsing, so validation can depend on the caller (as it
 * can over WebSocket, where connection_init did it); the context reuses the result.
 */
export function useRequestPrincipal(orchestrator: Orchestrator): Plugin<Record<string, unknown>, Pick<ServerContext, 'authenticated' | 'req'>> {
  return {
    async onParams({ request, context, setResult }) {
      if (context.authenticated) return;
      try {
        // The address counts failed authentications (AUTH_FAILURE_LIMIT).
        context.authenticated = await orchestrator.auth.authenticate(credentialFromHeaders(request.headers), { address: context.req?.ip });
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        setResult({ errors: [requestError(error)] });
      }
    },
  };
}

/** The caller as validation sees it: set above for HTTP/SSE, at connection_init for WebSocket. */
export function callerOf(context: unknown): Principal {
  return (context as { authenticated?: Authenticated } | undefined)?.authenticated?.principal ?? ANONYMOUS;
}
