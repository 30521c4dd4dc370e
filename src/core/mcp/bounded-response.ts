/**
 * An MCP server's HTTP answer, never held beyond `maxBytes`: a JSON body or one SSE event larger
 * than that is refused while it is read (the rest is not read), and the request it answered gets
 * a JSON-RPC answer saying so instead (a tool call: an isError result), so the caller learns at
 * once rather than at its timeout.
 */
export async function boundedResponse(response: Response, request: { id?: unknown; method?: unknown } | undefined, maxBytes: number): Promise<Response> {
  if (!response.body) return response;
  const type = response.headers.get('content-type') ?? '';
  const headers = new Headers(response.headers);
  headers.delete('content-length');
  if (type.includes('text/event-stream')) {
    return new Response(boundedEvents(response.body, request, maxBytes), { status: response.status, statusText: response.statusText, headers });
  }
  const bytes = await readAtMost(response.body, maxBytes);
  if (bytes) return new Response(bytes, { status: response.status, statusText: response.statusText, headers });
  headers.set('content-type', 'application/json');
  return new Response(JSON.stringify(tooLargeAnswer(request, maxBytes)), { status: response.status, statusText: response.statusText, headers });
}

/** What a client is told in place of an answer that was too large. */
export const tooLargeText = (maxBytes: number) =>
  `The tool's result was larger than MCP_TOOL_RESULT_MAX_BYTES (${maxBytes.toLocaleString('en')} bytes): muxgate stopped reading it and kept none of it.`;

function tooLargeAnswer(request: { id?: unknown; method?: unknown } | undefined, maxBytes: number): unknown {
  const id = request?.id ?? null;
  if (request?.method === 'tools/call') return { jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: tooLargeText(maxBytes) }], isError: true } };
  return { jsonrpc: '2.0', id, error: { code: -32603, message: tooLargeText(maxBytes) } };
}

/** The whole body, or undefined (and the rest left unread) once it passes `maxBytes`. */
async function readAtMost(body: ReadableStream<Uint8Array>, maxBytes: number): Promise<Uint8Array | undefined> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/** SSE passed on event by event; an event over `maxBytes` ends the stream with the refusal in its place. */
function boundedEvents(body: ReadableStream<Uint8Array>, request: { id?: unknown; method?: unknown } | undefined, maxBytes: number): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let pending = Buffer.alloc(0);
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        const end = eventEnd(pending);
        if (end !== -1) {
          controller.enqueue(pending.subarray(0, end));
          pending = pending.subarray(end);
          return;
        }
        if (pending.byteLength > maxBytes) {
          await reader.cancel().catch(() => undefined);
          pending = Buffer.alloc(0);
          // Only a request's own stream can be answered for it; the standalone stream just ends.
          if (request?.id !== undefined) controller.enqueue(Buffer.from(`event: message\ndata: ${JSON.stringify(tooLargeAnswer(request, maxBytes))}\n\n`));
          controller.close();
          return;
        }
        const { done, value } = await reader.read();
        if (done) {
          if (pending.byteLength) controller.enqueue(pending);
          controller.close();
          return;
        }
        pending = pending.byteLength ? Buffer.concat([pending, value]) : Buffer.from(value);
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
}

/** Where the first complete event ends (after its blank line), or -1. */
function eventEnd(buffer: Buffer): number {
  const candidates = ['\n\n', '\r\n\r\n', '\r\r'].map((separator) => {
    const at = buffer.indexOf(separator);
    return at === -1 ? -1 : at + separator.length;
  });
  const found = candidates.filter((at) => at !== -1);
  return found.length ? Math.min(...found) : -1;
}
