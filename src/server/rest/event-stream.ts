import { PassThrough } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isDomainError } from '../../core/errors.js';
import type { Metrics } from '../../core/metrics/metrics.js';
import type { ClientConnection } from '../../core/runs/client-connection.js';
import type { RunEvent } from '../../core/runs/run-event.js';
import { queueOf } from '../../core/runs/stream-to-client.js';
import { restError } from '../errors.js';
import { sendEventStreamBody } from '../event-stream-headers.js';
import { drained } from '../stream-drain.js';
import { eventJson } from './wire.js';

export interface EventStreamOptions {
  /** A comment line this often (SSE_HEARTBEAT_MS), so proxies do not close a stream waiting on a slow model. */
  heartbeatMs: number;
  metrics: Pick<Metrics, 'subscriptionOpened'>;
}

/** One run event as SSE: its seq is the id a client resumes after (Last-Event-ID). */
export const formatEvent = (event: RunEvent) => `id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(eventJson(event))}\n\n`;

/** The request asks for an event stream: `"stream": true`, or an Accept naming text/event-stream (unless the body says `"stream": false`). */
export function wantsEventStream(request: FastifyRequest, stream: boolean | undefined): boolean {
  if (stream !== undefined) return stream;
  return /(^|,)\s*text\/event-stream\s*(;|,|$)/i.test(request.headers.accept ?? '');
}

/**
 * Sends a run's events as Server-Sent Events until the run ends. The events are pulled only as
 * fast as the socket takes them, so a slow client falls behind in the run's bounded queue (deltas
 * merged, seqs kept) rather than in an unbounded stream buffer. When the client goes away the
 * iterator is ended with the connection closed: a drop the run can be resumed from, not a cancel.
 */
export function sendEventStream(
  request: FastifyRequest,
  reply: FastifyReply,
  events: AsyncIterableIterator<RunEvent>,
  connection: ClientConnection,
  options: EventStreamOptions,
  headers: Record<string, string> = {},
): FastifyReply {
  const body = new PassThrough();
  const subscriptionEnded = options.metrics.subscriptionOpened('sse');
  const heartbeat = setInterval(() => body.write(': heartbeat\n\n'), options.heartbeatMs);
  const stop = () => {
    clearInterval(heartbeat);
    subscriptionEnded();
  };
  // A drop ends the iterator while it waits for the next event; return() sees the connection closed.
  const onDrop = () => {
    stop();
    void events.return?.();
  };
  connection.closed.addEventListener('abort', onDrop, { once: true });
  // Gone already (between the run starting and this): the same drop.
  if (connection.closed.aborted) onDrop();
  // Sent at once, so the client has the headers before the first event (a resumed idle run may have none yet).
  body.write(': muxgate run events\n\n');
  // While the loop below waits for an event, a token delta is written as it comes: no promise, no iteration.
  queueOf(events)?.writeDirectly((event) => {
    if (connection.closed.aborted || body.writableNeedDrain) return false;
    body.write(formatEvent(event));
    return true;
  });

  void (async () => {
    try {
      for (;;) {
        const next = await events.next();
        if (next.done || connection.closed.aborted) break;
        if (!body.write(formatEvent(next.value))) await drained(body, connection.closed);
      }
    } catch (error) {
      // The run's queue closed this reader (too far behind): say so in the stream; the client can resume.
      if (!isDomainError(error)) request.log.error({ err: error }, 'an event stream failed');
      const failure = isDomainError(error) ? restError(error).body : { error: { code: 'INTERNAL', message: 'Unexpected error.' } };
      if (!connection.closed.aborted) body.write(`event: error\ndata: ${JSON.stringify(failure)}\n\n`);
    } finally {
      connection.closed.removeEventListener('abort', onDrop);
      stop();
      body.end();
    }
  })();

  return sendEventStreamBody(reply, body, headers);
}
