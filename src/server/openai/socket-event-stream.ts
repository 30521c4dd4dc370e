import type { OutgoingHttpHeaders } from 'node:http';
import type { FastifyReply } from 'fastify';
import { EVENT_STREAM_HEADERS } from '../event-stream-headers.js';
import { drained } from '../stream-drain.js';

/** An OpenAI event stream written straight to the socket (the reply hijacked): frames, and a keep-alive comment in each quiet heartbeat. */
export interface SocketEventStream {
  /** Writes a frame; resolves when the socket wants more (meanwhile the run's queue merges the deltas it holds). */
  write(text: string): Promise<void>;
  /** Writes a frame at once (a token delta handed over while the writer waits): the socket is known to want it. */
  writeNow(text: string): void;
  /** Stops the heartbeat. */
  stop(): void;
}

/** Hijacks the reply and sends the headers (Fastify's own, the event stream's, then `headers`): the stream has started. */
export function openSocketEventStream(reply: FastifyReply, headers: Record<string, string>, heartbeatMs: number, closed: AbortSignal): SocketEventStream {
  const res = reply.raw;
  reply.hijack();
  res.writeHead(200, { ...(reply.getHeaders() as OutgoingHttpHeaders), ...EVENT_STREAM_HEADERS, ...headers });
  let quiet = true;
  // A comment line while nothing else is written (tool calls running), so proxies keep the stream.
  const heartbeat = setInterval(() => {
    if (quiet) res.write(': keep-alive\n\n');
    quiet = true;
  }, heartbeatMs).unref();
  return {
    async write(text) {
      quiet = false;
      if (!res.write(text)) await drained(res, closed);
    },
    writeNow(text) {
      quiet = false;
      res.write(text);
    },
    stop: () => clearInterval(heartbeat),
  };
}
