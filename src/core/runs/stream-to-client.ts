import type { ClientConnection } from './client-connection.js';
import type { EventQueue } from './event-queue.js';
import type { RunEvent } from './run-event.js';

/**
 * A run's events for one subscriber. When the transport ends it, an open connection
 * means the client unsubscribed (the answer is stopped); a closed one means it dropped (the run
 * waits to be resumed).
 */
export function streamToClient(queue: EventQueue, connection: ClientConnection): AsyncIterableIterator<RunEvent> {
  const iterator: AsyncIterableIterator<RunEvent> = {
    next: () => queue.next(),
    async return() {
      if (connection.isOpen()) await queue.return();
      else queue.drop();
      return { value: undefined, done: true };
    },
    async throw(error?: unknown) {
      queue.drop();
      throw error;
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  queues.set(iterator, queue);
  return iterator;
}

const queues = new WeakMap<object, EventQueue>();

/** The subscriber queue a stream made by streamToClient reads, for a transport that writes its token deltas directly. */
export const queueOf = (stream: object): EventQueue | undefined => queues.get(stream);

/** `wrapper` reads `stream`'s queue (it hands on its events in order): direct writes may go through it too. */
export function readsQueueOf(wrapper: object, stream: object): void {
  const queue = queues.get(stream);
  if (queue) queues.set(wrapper, queue);
}
