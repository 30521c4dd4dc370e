import type { LookupFunction } from 'node:net';
import { AddressNotAllowedError, AddressPolicy } from '../mcp/address-policy.js';
import { createNodeHttpFetch } from '../models/node-http-fetch.js';
import { readAtMost } from '../read-at-most.js';
import { ImageProblem } from './image-sources.js';
import type { ImageSettings } from './image-settings.js';

export type ImageFetcher = (url: URL, signal?: AbortSignal) => Promise<Uint8Array>;

/**
 * IMAGE_FETCH: an image URL read by the gateway under MCP's address policy (the host checked by
 * name, every address the socket connects to checked as it resolves: no DNS rebinding; loopback
 * and private networks only with MCP_ALLOW_PRIVATE_URLS), redirects not followed, and never more
 * than IMAGE_MAX_BYTES read.
 */
export function imageFetcher(settings: Pick<ImageSettings, 'allowPrivateUrls' | 'maxBytes' | 'fetchTimeoutMs'>): ImageFetcher {
  const policy = new AddressPolicy(settings.allowPrivateUrls);
  const fetchChecked = createNodeHttpFetch({ lookup: policy.lookup as LookupFunction });
  return async (url, signal) => {
    const timeout = AbortSignal.timeout(settings.fetchTimeoutMs);
    let response: Response;
    try {
      policy.checkHost(url.hostname);
      response = await fetchChecked(url, { signal: signal ? AbortSignal.any([signal, timeout]) : timeout, headers: { accept: 'image/png, image/jpeg, image/webp, image/gif' } });
    } catch (error) {
      if (signal?.aborted) throw error;
      if (error instanceof AddressNotAllowedError) throw new ImageProblem(`cannot be fetched: ${error.message}`);
      throw new ImageProblem(timeout.aborted ? `could not be fetched within ${settings.fetchTimeoutMs} ms` : 'could not be fetched (the server did not answer)');
    }
    if (response.status !== 200) {
      await response.body?.cancel().catch(() => undefined);
      throw new ImageProblem(`could not be fetched: the server answered ${response.status}${response.status >= 300 && response.status < 400 ? ' (redirects are not followed)' : ''}`);
    }
    const bytes = await readBodyAtMost(response, settings.maxBytes);
    if (!bytes) throw new ImageProblem(`is larger than ${settings.maxBytes.toLocaleString('en')} bytes (IMAGE_MAX_BYTES)`);
    return bytes;
  };
}

/** The whole body, or undefined (the rest left unread) once it passes `maxBytes`; a declared length over it is not read at all. */
async function readBodyAtMost(response: Response, maxBytes: number): Promise<Uint8Array | undefined> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    return undefined;
  }
  if (!response.body) return new Uint8Array();
  return readAtMost(response.body, maxBytes);
}
