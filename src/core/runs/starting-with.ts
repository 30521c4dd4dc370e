import type { RunEvent } from './run-event.js';
import { readsQueueOf } from './stream-to-client.js';

/**
 * `first` (an event already read, to learn the run's id), then the rest of `events`; ending it
 * ends `events` (a drop stays a drop). Token deltas may still be written straight from the run's queue.
 */
export function startingWith(first: RunEvent, events: AsyncIterableIterator<RunEvent>): AsyncIterableIterator<RunEvent> {
  let pending: RunEvent | undefined = first;
  const iterator: AsyncIterableIterator<RunEvent> = {
    next: () => {
      if (!pending) return events.next();
      const value = pending;
      pending = undefined;
      return Promise.resolve({ value, done: false });
    },
    return: () => events.return?.() ?? Promise.resolve({ value: undefined, done: true }),
    [Symbol.asyncIterator]: () => iterator,
  };
  readsQueueOf(iterator, events);
  return iterator;
}
