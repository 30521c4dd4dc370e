import type { Readable } from 'node:stream';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { headersOf, nodeBodyOf } from './node-http-fetch.js';
import { openAISdk } from './openai-client.js';
import { type ServerSentEvent, ServerSentEventDecoder } from './server-sent-events.js';

/** The chunks of a streamed chat completion, and what ends its body early. */
export interface CompletionChunks extends AsyncGenerator<ChatCompletionChunk> {
  /**
   * Ends the body now, as an abort of its fetch would (a read in progress ends, the connection is
   * dropped): the model's silence watchdog cuts the body itself, without a controller of its own.
   */
  cut(): void;
}

/**
 * The chunks of a streamed chat completion, read from its SSE body as the SDK's Stream reads them
 * ([DONE] ends it, an `error` event or payload is an APIError), at a fraction of its per-token
 * cost: one read per network chunk, no web stream when node-http-fetch made the response.
 */
export function completionChunks(response: Response): CompletionChunks {
  // Only the body and what builds the headers again for an error are kept: the Response, its unread
  // web stream and, for node-http-fetch's responses, its Headers (the message's raw ones are kept anyway) go.
  const node = nodeBodyOf(response);
  const body = node ? nodeReader(node.stream) : webReader(response);
  return Object.assign(chunksOf(body, node ? node.rawHeaders : response.headers), { cut: body.cut });
}

async function* chunksOf(body: BodyReader, headers: Headers | readonly string[]): AsyncGenerator<ChatCompletionChunk> {
  const decoder = new ServerSentEventDecoder();
  let finished = false;
  try {
    for (let bytes = await body.read(); bytes !== undefined; bytes = await body.read()) {
      for (const event of decoder.decode(bytes)) {
        if (event.data === '[DONE]') {
          finished = true;
          return;
        }
        const data = parseData(event);
        // An `error` event or payload is the SDK's APIError, as its own Stream throws it.
        if (event.event === 'error') throw await apiError(data?.error ?? data, headers);
        if (data?.error) throw await apiError(data.error, headers);
        yield data as ChatCompletionChunk;
      }
    }
    finished = true;
  } finally {
    body.release(finished);
  }
}

function parseData(event: ServerSentEvent) {
  try {
    return JSON.parse(event.data);
  } catch {
    throw new SyntaxError('Error reading response: malformed server-sent event JSON.');
  }
}

const apiError = async (body: unknown, headers: Headers | readonly string[]) =>
  new (await openAISdk()).APIError(undefined, body as object | undefined, undefined, headers instanceof Headers ? headers : headersOf(headers));

interface BodyReader {
  /** What has arrived since the last read, or undefined at the end; throws if the body broke off. */
  read(): Promise<Uint8Array | undefined>;
  /** Reads what is left to its end when the answer is complete (the connection is then reused), else drops the connection. */
  release(finished: boolean): void;
  /** Ends the body before its end: a read in progress ends (node-http-fetch's: with an AbortError), the connection is dropped. */
  cut(): void;
}

/** Any other fetch's response: its web stream. */
function webReader(response: Response): BodyReader {
  const reader = response.body!.getReader();
  const cancel = () => void reader.cancel().catch(() => {});
  return {
    read: async () => {
      const { done, value } = await reader.read();
      return done ? undefined : value;
    },
    release: cancel,
    cut: cancel,
  };
}

/**
 * Reads in paused mode: the parser's chunks (one per token at full speed) wait in the stream's
 * buffer and come out joined, one read and one decode per socket read; the buffer's high-water
 * mark makes a slow reader hold the socket back.
 */
function nodeReader(body: Readable): BodyReader {
  let ended = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const onReadable = () => wake?.();
  body.on('readable', onReadable);
  body.once('end', () => {
    ended = true;
    wake?.();
  });
  body.once('error', (error) => {
    failure = error;
    wake?.();
  });
  return {
    async read() {
      for (;;) {
        const bytes = body.read() as Buffer | null;
        if (bytes !== null) return bytes;
        if (failure) throw failure;
        if (ended) return undefined;
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    },
    release(finished) {
      body.off('readable', onReadable);
      if (finished) body.resume();
      else body.destroy();
    },
    // What an aborted fetch ends its body with.
    cut: () => body.destroy(new DOMException('This operation was aborted', 'AbortError')),
  };
}
