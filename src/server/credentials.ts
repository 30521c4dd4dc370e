import type { Credential } from '../core/auth/auth.js';

/** The bearer credential of an HTTP request: `Authorization: Bearer …` or `X-API-Key`. */
export function credentialFromHeaders(headers: { get(name: string): string | null }): Credential | undefined {
  const authorization = headers.get('authorization');
  if (authorization) return stripBearer(authorization);
  const apiKey = headers.get('x-api-key');
  return apiKey ? { apiKey } : undefined;
}

/** The same credential from a graphql-ws connection_init payload: `{ authorization }` or `{ apiKey }`. */
export function credentialFromConnectionParams(params: Readonly<Record<string, unknown>> | undefined): Credential | undefined {
  if (!params) return undefined;
  const authorization = params.authorization ?? params.Authorization;
  if (typeof authorization === 'string' && authorization) return stripBearer(authorization);
  const apiKey = params.apiKey ?? params['x-api-key'] ?? params['X-API-Key'];
  return typeof apiKey === 'string' && apiKey ? { apiKey } : undefined;
}

function stripBearer(value: string): string {
  const match = /^\s*Bearer\s+(.+)$/i.exec(value);
  return (match?.[1] ?? value).trim();
}
