import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import type { AddressPolicy } from './address-policy.js';
import { boundedResponse } from './bounded-response.js';

type FetchLike = (url: string | URL, init?: RequestInit) => Promise<Response>;

/**
 * fetch for MCP's HTTP transports over node:http, whose `lookup` hook lets the policy check every
 * address the socket is about to connect to (the global fetch has no such hook). Redirects are not
 * followed: a redirect could lead anywhere.
 */
export function pinnedFetch(policy: AddressPolicy, maxResponseBytes: number, onOversized: () => void): FetchLike {
  return async (input, init = {}) => {
    const url = new URL(input);
    policy.checkHost(url.hostname);
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, name) => (headers[name] = value));
    const body = await bodyBytes(init.body);
    const response = await new Promise<Response>((resolve, reject) => {
      const request = (url.protocol === 'https:' ? https : http).request(
        url,
        { method: init.method ?? 'GET', headers, lookup: policy.lookup as never, ...(init.signal ? { signal: init.signal } : {}) },
        (response) => {
          const responseHeaders = new Headers();
          for (let i = 0; i < response.rawHeaders.length; i += 2) responseHeaders.append(response.rawHeaders[i]!, response.rawHeaders[i + 1]!);
          const status = response.statusCode ?? 502;
          const empty = [101, 204, 205, 304].includes(status) || init.method === 'HEAD';
          if (empty) response.resume();
          resolve(new Response(empty ? null : (Readable.toWeb(response) as ReadableStream<Uint8Array>), { status, statusText: response.statusMessage ?? '', headers: responseHeaders }));
        },
      );
      request.on('error', reject);
      request.end(body);
    });
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
