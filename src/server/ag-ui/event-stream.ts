import { PassThrough } from 'node:stream';
import type { AGUIEvent } from '@ag-ui/core';
import type { FastifyReply } from 'fastify';
import { badInput } from '../../core/errors.js';
import { sendEventStreamBody } from '../event-stream-headers.js';
import { drained } from '../stream-drain.js';

/** Where a frame stands in the muxgate run: the run, the seq its AG-UI run follows from, and the seq it encodes. */
export interface FramePosition {
  muxgateRunId: string;
  fromSeq: number;
  seq: number;
}

/** The SSE id a client resumes after (Last-Event-ID): opaque to it, the frame's position to us. */
export const eventId = ({ muxgateRunId, fromSeq, seq }: FramePosition) => `${muxgateRunId}:${fromSeq}:${seq}`;

export function parseEventId(value: string): FramePosition {
  const match = /^\s*([A-Za-z0-9-]{1,64}):(\d{1,15}):(\d{1,15})\s*$/.exec(value);
  if (!match) throw badInput('Last-Event-ID: not an event id this endpoint sent', { field: 'Last-Event-ID' });
  return { muxgateRunId: match[1]!, fromSeq: Number(match[2]), seq: Number(match[3]) };
}

/**
 * One run event's AG-UI events as SSE frames (the documented `data: <json>` form). Only the last
 * frame carries the id: a stream cut inside the group resumes before it, so the group comes whole.
 */
export function frames(events: readonly AGUIEvent[], position?: FramePosition): string {
  return events
    .map((event, index) => `${position && index === events.length - 1 ? `id: ${eventId(position)}\n` : ''}data: ${JSON.stringify(event)}\n\n`)
    .join('');
}

/** An event stream being written: frames as the run goes, heartbeats between them, backpressure from the socket. */
export interface AgUiEventStream {
  /** Resolves when the socket wants more (at once when it does or the client is gone). */
  write(text: string): Promise<void>;
  end(): void;
}

/** Starts the response: headers now, so a client sees the stream open before the model's first token. */
export function openEventStream(reply: FastifyReply, closed: AbortSignal, heartbeatMs: number, headers: Record<string, string> = {}): AgUiEventStream {
  const body = new PassThrough();
  const heartbeat = setInterval(() => body.write(': heartbeat\n\n'), heartbeatMs);
  const stop = () => clearInterval(heartbeat);
  closed.addEventListener('abort', stop, { once: true });
  void sendEventStreamBody(reply, body, headers);
  return {
    async write(text) {
      if (closed.aborted || text === '') return;
      if (!body.write(text)) await drained(body, closed);
    },
    end() {
      stop();
      closed.removeEventListener('abort', stop);
      body.end();
    },
  };
}
