import { readAtMost } from '../read-at-most.js';

/**
 * An MCP server's HTTP answer, never held beyond `maxBytes`: a JSON body or one SSE event larger
 * than that is refused while it is read (the rest is not read), and the request it answered gets
 * a JSON-RPC answer saying so instead (a tool call: an isError result), so the caller learns at
 * once rather than at its timeout.
 */
export async function boundedResponse(
  response: Response,
  request: { id?: unknown; method?: unknown } | undefined,
  maxBytes: number,
  /** Told when a shared stream had to end for an event whose request could not be told: its pending calls fail with the connection. */
  onUnanswerable: () => void,
): Promise<Response> {
  if (!response.body) return response;
  const type = response.headers.get('content-type') ?? '';
  const headers = new Headers(response.headers);
  headers.delete('content-length');
  if (type.includes('text/event-stream')) {
    return new Response(boundedEvents(response.body, request, maxBytes, onUnanswerable), { status: response.status, statusText: response.statusText, headers });
  }
  const bytes = await readAtMost(response.body, maxBytes);
  if (bytes) return new Response(bytes as Uint8Array<ArrayBuffer>, { status: response.status, statusText: response.statusText, headers });
  headers.set('content-type', 'application/json');
  return new Response(JSON.stringify(tooLargeAnswer(request, maxBytes)), { status: response.status, statusText: response.statusText, headers });
}

/** What a client is told in place of an answer that was too large. */
export const tooLargeText = (maxBytes: number) =>
  `The tool's result was larger than MCP_TOOL_RESULT_MAX_BYTES (${maxBytes.toLocaleString('en')} bytes): muxgate stopped reading it and kept none of it.`;

function tooLargeAnswer(request: { id?: unknown; method?: unknown } | undefined, maxBytes: number): unknown {
  const id = request?.id ?? null;
  // resultType: servers of the 2026-07-28 revision must say it, so an answer in their place does too.
  if (request?.method === 'tools/call') return { jsonrpc: '2.0', id, result: { resultType: 'complete', content: [{ type: 'text', text: tooLargeText(maxBytes) }], isError: true } };
  return { jsonrpc: '2.0', id, error: { code: -32603, message: tooLargeText(maxBytes) } };
}

/**
 * SSE passed on event by event. An event over `maxBytes` is dropped while it is read: on a
 * request's own stream the refusal takes its place and the stream ends; on a shared stream
 * (HTTP+SSE) the refusal answers the id found near the event's start and the stream goes on, or,
 * with no id there, the stream ends (and with it the connection and its pending calls).
 */
function boundedEvents(body: ReadableStream<Uint8Array>, request: { id?: unknown; method?: unknown } | undefined, maxBytes: number, onUnanswerable: () => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  /** The event being read, in the chunks it came in (joined once, when it is complete). */
  let chunks: Buffer[] = [];
  let size = 0;
  /** The rest of a dropped event is being skipped; `tail` holds its last bytes (a separator may straddle chunks). */
  let skipping = false;
  let tail: Buffer = Buffer.alloc(0);
  const own = request?.id !== undefined;

  /** Refuses one event too large (`start`: its first bytes); false when the stream must end with it. */
  function refuse(controller: ReadableStreamDefaultController<Uint8Array>, start: Buffer | undefined): boolean {
    const answering = own ? request : idNearStart(start);
    if (answering) controller.enqueue(Buffer.from(`event: message\ndata: ${JSON.stringify(tooLargeAnswer(answering, maxBytes))}\n\n`));
    if (!own && answering) return true;
    if (!answering) onUnanswerable();
    return false;
  }

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const end = async () => {
        await reader.cancel().catch(() => undefined);
        controller.close();
      };
      for (;;) {
        const { done, value } = await reader.read();
        if (done) {
          if (size) controller.enqueue(Buffer.concat(chunks));
          controller.close();
          return;
        }
        let chunk: Buffer = Buffer.from(value);
        if (skipping) {
          // The dropped event ends at the first blank line: every event after it is passed on as usual.
          const window = Buffer.concat([tail, chunk]);
          const after = firstEventEnd(window);
          if (after === undefined) {
            tail = window.subarray(-3);
            continue;
          }
          skipping = false;
          chunk = window.subarray(after);
          if (chunk.byteLength === 0) continue;
        }
        // A separator may straddle two chunks: look from a few bytes back.
        const previous = chunks.length ? chunks[chunks.length - 1]!.subarray(-3) : Buffer.alloc(0);
        const ended = hasEventEnd(Buffer.concat([previous, chunk]));
        chunks.push(chunk);
        size += chunk.byteLength;
        let sent = false;
        if (ended) {
          // Each complete event goes on, or is refused if it is too large; what follows the last starts the next.
          let rest = Buffer.concat(chunks);
          let passed: Buffer[] = [];
          for (let at = firstEventEnd(rest); at !== undefined; at = firstEventEnd(rest)) {
            const event = rest.subarray(0, at);
            rest = rest.subarray(at);
            if (event.byteLength <= maxBytes) {
              passed.push(event);
              continue;
            }
            if (passed.length) controller.enqueue(Buffer.concat(passed));
            passed = [];
            sent = true;
            if (!refuse(controller, event)) return end();
          }
          if (passed.length) controller.enqueue(Buffer.concat(passed));
          sent ||= passed.length > 0;
          chunks = rest.byteLength ? [rest] : [];
          size = rest.byteLength;
        }
        if (size > maxBytes) {
          // Too large before its end: dropped as it is read, the rest of it skipped.
          tail = chunks[chunks.length - 1]!.subarray(-3);
          const start = chunks[0];
          chunks = [];
          size = 0;
          if (!refuse(controller, start)) return end();
          skipping = true;
          return;
        }
        if (sent) return;
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
}

const SEPARATORS = ['\n\n', '\r\n\r\n', '\r\r'];

/** Whether the buffer holds the end of an event (a blank line). */
function hasEventEnd(buffer: Buffer): boolean {
  return SEPARATORS.some((separator) => buffer.includes(separator));
}

/** Just after the first blank line in the buffer, or undefined when it holds none. */
function firstEventEnd(buffer: Buffer): number | undefined {
  const ends = SEPARATORS.map((separator) => {
    const at = buffer.indexOf(separator);
    return at === -1 ? Infinity : at + separator.length;
  });
  const first = Math.min(...ends);
  return first === Infinity ? undefined : first;
}

/** The JSON-RPC id in an event's first bytes (`data: {"jsonrpc":"2.0","id":7,…`), when there is one. */
function idNearStart(chunk: Buffer | undefined): { id: unknown } | undefined {
  const match = /"id"\s*:\s*("(?:[^"\\]|\\.){0,200}"|-?\d{1,16})/.exec(chunk?.subarray(0, 1024).toString('utf8') ?? '');
  return match ? { id: JSON.parse(match[1]!) } : undefined;
}
