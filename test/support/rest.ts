import type { TestGateway } from './gateway.js';

export interface RestResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  /** The body as sent. */
  text: string;
}

export interface RestRequest {
  body?: unknown;
  /** Sent as `Authorization: Bearer …`; omitted for none. */
  key?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** One REST call against the gateway: JSON in (when a body is given), JSON out when the answer is JSON. */
export async function rest<T = any>(gw: TestGateway, method: string, path: string, request: RestRequest = {}): Promise<RestResponse<T>> {
  const response = await fetch(`${gw.url}${path}`, {
    method,
    headers: {
      ...(request.key ? { authorization: `Bearer ${request.key}` } : {}),
      ...(request.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...request.headers,
    },
    body: request.body === undefined ? undefined : typeof request.body === 'string' ? request.body : JSON.stringify(request.body),
    signal: request.signal,
  });
  const text = await response.text();
  const isJson = response.headers.get('content-type')?.startsWith('application/json') ?? false;
  return { status: response.status, headers: response.headers, body: (isJson && text ? JSON.parse(text) : text) as T, text };
}

/** One block of an event stream, as the bytes had it: its fields, or a comment (heartbeat). */
export interface SseBlock {
  id?: string;
  event?: string;
  /** `data:` parsed as JSON. */
  data?: any;
  /** The text after `:` of the block's comment lines. */
  comments: string[];
}

/**
 * Reads an event stream from its raw bytes: blocks end at a blank line; `id:`, `event:`, `data:`
 * fields and `:` comment lines are kept as the server wrote them. Ends when the stream ends.
 */
export async function* readSse(response: Response): AsyncGenerator<SseBlock> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let boundary = buffer.indexOf('\n\n');
    while (boundary !== -1) {
      const block = buffer.slice(0, boundary);
      buffer = buffer.slice(boundary + 2);
      boundary = buffer.indexOf('\n\n');
      const parsed: SseBlock = { comments: [] };
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) parsed.comments.push(line.slice(1).trim());
        else if (line.startsWith('id: ')) parsed.id = line.slice(4);
        else if (line.startsWith('event: ')) parsed.event = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
        else throw new Error(`Unexpected line in the event stream: ${JSON.stringify(line)}`);
      }
      if (data.length) parsed.data = JSON.parse(data.join('\n'));
      yield parsed;
    }
  }
}

/** POSTs to a chat route asking for a stream; the response (headers arrived) and its blocks. */
export async function openStream(gw: TestGateway, path: string, init: { key: string; body?: unknown; headers?: Record<string, string>; method?: string; signal?: AbortSignal }) {
  const response = await fetch(`${gw.url}${path}`, {
    method: init.method ?? 'POST',
    headers: { authorization: `Bearer ${init.key}`, ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    signal: init.signal,
  });
  return { response, blocks: readSse(response) };
}

/** The event blocks (comments left out) of a stream, to its end. */
export async function eventsOf(blocks: AsyncGenerator<SseBlock>): Promise<SseBlock[]> {
  const events: SseBlock[] = [];
  for await (const block of blocks) if (block.event) events.push(block);
  return events;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `check` holds (generous: the machine is shared). */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
