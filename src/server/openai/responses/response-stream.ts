import type { FastifyReply } from 'fastify';
import { isDomainError } from '../../../core/errors.js';
import type { TokenUsage } from '../../../core/models/chat-model.js';
import type { RunEvent } from '../../../core/runs/run-event.js';
import { queueOf } from '../../../core/runs/stream-to-client.js';
import { fromDomainError, fromRunFailure, internal, OpenAIError } from '../openai-error.js';
import { openSocketEventStream, type SocketEventStream } from '../socket-event-stream.js';
import type { ResponseEncoder } from './response-encoder.js';

export interface ResponseStreamOptions {
  /** A comment line this often while nothing else is written (tool calls running), so proxies keep the stream (SSE_HEARTBEAT_MS). */
  heartbeatMs: number;
  /** Aborts when the client's connection closes. */
  closed: AbortSignal;
  /** The response headers naming the run and its conversation, once known. */
  headers: () => Record<string, string>;
  /** A paused run's usage so far (RunPaused carries none). */
  usageAtPause: (runId: string) => Promise<TokenUsage | null>;
  reportError: (error: unknown) => void;
  /**
   * POST: the stream starts at the response's first output, so a run that fails before it is an
   * HTTP error with its status (which clients retry), as /v1/chat/completions does. GET: at once.
   */
  startAtOnce: boolean;
  /** GET …?stream=true&starting_after=N: the frames numbered N or below were seen already. */
  startingAfter?: number | undefined;
}

/** Feeds one response's run events to the encoder, pausing to read a paused run's usage; stops at the response's end. */
export async function foldResponse(events: AsyncIterator<RunEvent>, encoder: ResponseEncoder, usageAtPause: (runId: string) => Promise<TokenUsage | null>, onFrames?: (frames: string[], event: RunEvent) => Promise<void>): Promise<void> {
  while (!encoder.ended) {
    const next = await events.next();
    if (next.done) return;
    const event = next.value;
    if (event.type === 'RunPaused') encoder.setUsage(await usageAtPause(event.runId).catch(() => null));
    const frames = encoder.push(event);
    if (onFrames) await onFrames(frames, event);
  }
}

const LIFECYCLE_START = /^event: response\.(created|in_progress)\n/;

/**
 * Writes a response's run events as OpenAI's semantic SSE events. Before the stream starts, the
 * frames wait (response.created, response.in_progress); a run that fails then is thrown as an
 * OpenAIError. After it, a failure is `response.failed`, and a fault outside the run an `error` event.
 */
export async function streamResponse(reply: FastifyReply, events: AsyncIterableIterator<RunEvent>, encoder: ResponseEncoder, options: ResponseStreamOptions): Promise<void> {
  const res = reply.raw;
  let started = false;
  let waitingFrames: string[] = [];
  let stream: SocketEventStream | undefined;
  const after = options.startingAfter;
  const seen = (frame: string) => after !== undefined && Number(/"sequence_number":(\d+)/.exec(frame)?.[1] ?? -1) <= after;
  const start = () => {
    started = true;
    stream = openSocketEventStream(reply, options.headers(), options.heartbeatMs, options.closed);
  };
  const write = async (frames: string[]) => {
    if (!started) {
      waitingFrames.push(...frames);
      if (!options.startAtOnce && waitingFrames.every((frame) => LIFECYCLE_START.test(frame))) return;
      start();
      frames = waitingFrames;
      waitingFrames = [];
    }
    const text = (after === undefined ? frames : frames.filter((frame) => !seen(frame))).join('');
    if (!text) return;
    await stream!.write(text);
  };
  // Once the stream has started, a token delta that comes while the loop waits is written at once.
  if (after === undefined) {
    queueOf(events)?.writeDirectly((event) => {
      if (!started || encoder.holdsText || encoder.ended || options.closed.aborted || res.writableNeedDrain) return false;
      stream!.writeNow(encoder.push(event).join(''));
      return true;
    });
  }
  const withIds = (error: OpenAIError) => new OpenAIError(error.status, error.message, error.type, error.code, error.param, { ...error.headers, ...options.headers() });
  try {
    if (options.startAtOnce) start();
    await foldResponse(events, encoder, options.usageAtPause, async (frames, event) => {
      if (!started && event.type === 'RunFailed') throw withIds(fromRunFailure(event.code, event.message, event.retryable));
      await write(frames);
    });
    if (!started) {
      // The client went away before anything was written.
      reply.hijack();
      return;
    }
    res.end();
  } catch (error) {
    if (!started) throw error;
    // The queue gave up on a reader too far behind (RATE_LIMITED), or a fault of ours: in band.
    if (!isDomainError(error)) options.reportError(error);
    res.end(encoder.errorFrame((isDomainError(error) ? fromDomainError(error) : internal()).body));
  } finally {
    stream?.stop();
  }
}
