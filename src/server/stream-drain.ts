import { once } from 'node:events';

/** Resolves when a stream that refused a write wants more, or at once when the client has gone (backpressure for SSE). */
export async function drained(stream: NodeJS.EventEmitter, closed: AbortSignal): Promise<void> {
  if (closed.aborted) return;
  await once(stream, 'drain', { signal: closed }).catch(() => {});
}
