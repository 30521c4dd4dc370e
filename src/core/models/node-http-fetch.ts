import { type ClientRequest, Agent as HttpAgent, type IncomingMessage, request as httpRequest, type RequestOptions } from 'node:http';
import type { LookupFunction } from 'node:net';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { pipeline, type Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';

// Process-wide, so every model client talking to one host shares its warm connections.
const agents = { 'http:': new HttpAgent({ keepAlive: true }), 'https:': new HttpsAgent({ keepAlive: true }) };
// Connections made through a checking `lookup` are pooled apart: a model client's socket never serves them.
const checkedAgents = { 'http:': new HttpAgent({ keepAlive: true }), 'https:': new HttpsAgent({ keepAlive: true }) };

/** What a reader that skips the web stream needs of a response this fetch made. */
export interface NodeBody {
  readonly stream: Readable;
  /** The message's own raw headers (name, value, …): a reader keeps these, not the Response's Headers, for as long as it reads. */
  readonly rawHeaders: readonly string[];
}

const nodeBodies = new WeakMap<Response, NodeBody>();

/** Chunks a web-stream reader may fall behind by before the socket waits for it. */
const HIGH_WATER_CHUNKS = 16;

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/**
 * A `fetch` over node:http with keep-alive agents: the same requests and responses, at about half
 * the CPU of undici's spec-complete fetch on this path. Redirects are not followed. With `lookup`
 * (MCP's address policy) every address a socket connects to goes through it, and nothing falls back
 * to the global fetch, which has no such hook; without it, bodies other than text or bytes (forms,
 * streams: never sent by muxgate) go to the global fetch.
 */
export function createNodeHttpFetch(options: { lookup?: LookupFunction } = {}): typeof fetch {
  const { lookup } = options;
  const pool = lookup ? checkedAgents : agents;
  return (input, init = {}) => {
    const requestBody = init.body;
    const url = typeof input === 'string' ? new URL(input) : input instanceof URL ? input : undefined;
    const sendable = url !== undefined && url.protocol in pool && (requestBody == null || typeof requestBody === 'string' || requestBody instanceof Uint8Array);
    if (!sendable) return lookup ? Promise.reject(new TypeError('fetch failed: only http(s) URLs with text or byte bodies are sent')) : fetch(input, init);
    return send(url, requestBody ?? undefined, init, { ...(lookup ? { lookup } : {}), agent: pool[url.protocol as keyof typeof pool] });
  };
}

/** For the openai SDK: the model clients' fetch. */
export const nodeHttpFetch = createNodeHttpFetch();

function send(url: URL, requestBody: string | Uint8Array | undefined, init: RequestInit, connection: Pick<RequestOptions, 'agent' | 'lookup'>): Promise<Response> {
  const { signal } = init;
  if (signal?.aborted) return Promise.reject(signal.reason);
  // The listeners below live as long as the response, and with them this function's closure context:
  // it holds only what they use. The URL, the init, the options and the request body (the whole prompt)
  // are used here only, so they are not kept for the answer's life; the promise's settle functions are
  // reached through `pending`, cleared once it settles, so the Response (and its stream) is not kept either.
  let pending: { resolve: (response: Response) => void; reject: (reason: unknown) => void } | undefined;
  const promise = new Promise<Response>((resolve, reject) => (pending = { resolve, reject }));
  const settle = (outcome: Response | { error: unknown }) => {
    const settling = pending;
    pending = undefined;
    if (outcome instanceof Response) settling?.resolve(outcome);
    else settling?.reject(outcome.error);
  };
  let body: Readable | undefined;
  const head = init.method === 'HEAD';
  let request: ClientRequest | undefined;
  // As fetch does: a pending request rejects with the signal's reason, a body being read errors with it.
  const onAbort = () => {
    if (body) body.destroy(signal!.reason);
    else request?.destroy(signal!.reason);
    settle({ error: signal!.reason });
  };
  try {
    const options: RequestOptions = { method: init.method ?? 'GET', headers: headerRecord(init.headers), ...connection };
    request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, options, (message) => {
      const nullBody = NULL_BODY_STATUSES.has(message.statusCode!) || head;
      body = decode(message);
      if (nullBody) message.resume();
      const response = new Response(nullBody ? null : lazyWebStream(body), { status: message.statusCode!, statusText: message.statusMessage, headers: headersOf(message.rawHeaders) });
      if (!nullBody) nodeBodies.set(response, { stream: body, rawHeaders: message.rawHeaders });
      message.once('close', () => {
        signal?.removeEventListener('abort', onAbort);
        // A body cut before its end is an error, as fetch reports it, never a short answer.
        if (!message.complete) body!.destroy(new TypeError('terminated', { cause: new Error('The connection closed before the response ended') }));
      });
      settle(response);
    });
    signal?.addEventListener('abort', onAbort, { once: true });
    request.once('error', (error) => {
      signal?.removeEventListener('abort', onAbort);
      settle({ error: signal?.aborted ? signal.reason : new TypeError('fetch failed', { cause: error }) });
    });
    request.end(requestBody);
  } catch (error) {
    // What the promise's executor did with a throw (headers node:http refuses, say): reject with it.
    settle({ error });
  }
  return promise;
}

/** The response body as a Node stream, with its raw headers, when this fetch made it; else undefined. */
export function nodeBodyOf(response: Response): NodeBody | undefined {
  return nodeBodies.get(response);
}

function headerRecord(headers: HeadersInit | undefined): Record<string, string> {
  const record: Record<string, string> = {};
  if (headers) (headers instanceof Headers ? headers : new Headers(headers)).forEach((value, name) => (record[name] = value));
  return record;
}

/** A response's Headers from its raw ones, as node:http gives them (name, value, …). */
export function headersOf(raw: readonly string[]): Headers {
  const headers = new Headers();
  for (let i = 0; i < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
  return headers;
}

/** fetch decodes compressed bodies; this fetch asks for none, but a server may send one anyway. */
function decode(message: IncomingMessage): Readable {
  const encoding = message.headers['content-encoding']?.trim().toLowerCase();
  const decoder = encoding === 'gzip' || encoding === 'x-gzip' ? createGunzip() : encoding === 'deflate' ? createInflate() : encoding === 'br' ? createBrotliDecompress() : undefined;
  // pipeline carries an error or a destroy from either end to the other.
  return decoder ? pipeline(message, decoder, () => {}) : message;
}

/**
 * A web stream over the Node one that starts reading only when read: a reader of the Node stream
 * itself (nodeBodyOf) then never pays for it.
 */
function lazyWebStream(source: Readable): ReadableStream<Uint8Array> {
  let attached = false;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (attached) {
          source.resume();
          return;
        }
        attached = true;
        source.on('data', (chunk: Buffer) => {
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          if ((controller.desiredSize ?? 0) <= -HIGH_WATER_CHUNKS) source.pause();
        });
        source.once('end', () => controller.close());
        source.once('error', (error) => controller.error(error));
      },
      cancel() {
        source.destroy();
      },
    },
    { highWaterMark: 0 },
  );
}
