import type { PassThrough } from 'node:stream';
import type { FastifyReply } from 'fastify';

/** Every SSE response's headers. Proxies (nginx) buffer responses unless told not to; an event stream must never be transformed. */
export const EVENT_STREAM_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'x-accel-buffering': 'no',
  'cache-control': 'no-cache, no-transform',
} as const;

/** Starts an event stream whose frames `body` carries: the headers go out at once, before the first frame. */
export function sendEventStreamBody(reply: FastifyReply, body: PassThrough, headers: Record<string, string>): FastifyReply {
  return reply.status(200).headers(headers).headers(EVENT_STREAM_HEADERS).send(body);
}
