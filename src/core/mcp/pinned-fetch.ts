import type { LookupFunction } from 'node:net';
import { createNodeHttpFetch } from '../models/node-http-fetch.js';
import type { AddressPolicy } from './address-policy.js';
import { boundedResponse } from './bounded-response.js';

type FetchLike = (url: string | URL, init?: RequestInit) => Promise<Response>;

/**
 * fetch for MCP's HTTP transports: the host is checked by name, and every address the socket is
 * about to connect to by the policy's `lookup` (no DNS rebinding); responses are held to
 * `maxResponseBytes`. Redirects are not followed: a redirect could lead anywhere.
 */
export function pinnedFetch(policy: AddressPolicy, maxResponseBytes: number, onOversized: () => void): FetchLike {
  const fetchChecked = createNodeHttpFetch({ lookup: policy.lookup as LookupFunction });
  return async (input, init = {}) => {
    const url = new URL(input);
    policy.checkHost(url.hostname);
    const body = await bodyBytes(init.body);
    const response = await fetchChecked(url, { ...init, body: (body ?? null) as BodyInit | null });
    return boundedResponse(response, jsonRpcRequest(body), maxResponseBytes, onOversized);
  };
}

/** The JSON-RPC request a POST carries (its id and method), to answer for it when its response is refused. */
function jsonRpcRequest(body: string | Uint8Array | undefined): { id?: unknown; method?: unknown } | undefined {
  if (body === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(typeof body === 'string' ? body : Buffer.from(body).toString('utf8'));
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as { id?: unknown; method?: unknown }) : undefined;
  } catch {
    return undefined;
  }
}

async function bodyBytes(body: RequestInit['body']): Promise<string | Uint8Array | undefined> {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  return new Uint8Array(await new Response(body).arrayBuffer());
}
