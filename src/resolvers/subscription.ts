/**
 * Runs `source` with an AbortSignal that fires when the subscriber leaves. An async generator's
 * return() waits for the await it is parked on, so ending a subscription must abort, not just return.
 */
export function subscribeWithSignal<T>(source: (signal: AbortSignal) => AsyncIterable<T>): AsyncIterableIterator<T> {
  const controller = new AbortController();
  const inner = source(controller.signal)[Symbol.asyncIterator]();
  const iterator: AsyncIterableIterator<T> = {
    next: () => inner.next(),
    async return(value?: unknown) {
      controller.abort();
      await inner.return?.(value);
      return { done: true, value: undefined };
    },
    async throw(error?: unknown) {
      controller.abort();
      if (inner.throw) return inner.throw(error);
      throw error;
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}
