/** Why a queue closed: its reader stopped on purpose, or it went away (or fell too far behind). */
export type QueueClose = 'completed' | 'dropped';

/**
 * An async iterator fed by push(): each value goes straight to a waiting reader, or is buffered
 * until read. Subclasses bound the buffer (buffering) and hear when it closes (closing).
 */
export abstract class PushQueue<T> implements AsyncIterableIterator<T> {
  protected readonly buffered: T[] = [];
  private waiting: ((result: IteratorResult<T>) => void) | undefined;
  private failWaiting: ((error: unknown) => void) | undefined;
  private failure: unknown;
  private ending = false;
  private closed = false;

  get isClosed() {
    return this.closed;
  }

  /** The reader is waiting for a value and nothing is buffered: a value pushed now would go straight to it. */
  protected get readerIdle(): boolean {
    return this.waiting !== undefined && this.buffered.length === 0 && !this.closed && !this.ending;
  }

  push(value: T): void {
    if (this.closed || this.ending) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.clearWaiter();
      this.delivered(value);
      resolve({ value, done: false });
      return;
    }
    this.buffered.push(value);
    this.buffering();
  }

  /** No more values will come; what is buffered is still delivered. */
  end(): void {
    this.ending = true;
    if (this.buffered.length === 0) this.finish();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.buffered.length > 0) {
      const value = this.buffered.shift()!;
      this.delivered(value);
      if (this.buffered.length === 0 && this.ending) this.finish({ notify: false });
      return Promise.resolve({ value, done: false });
    }
    if (this.failure !== undefined) {
      const failure = this.failure;
      this.failure = undefined;
      return Promise.reject(failure);
    }
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiting = resolve;
      this.failWaiting = reject;
    });
  }

  /** The reader stopped listening on purpose (e.g. graphql-ws "complete"). */
  return(): Promise<IteratorResult<T>> {
    this.close('completed');
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  /** A value reached the reader. */
  protected delivered(_value: T): void {}

  /** A value was buffered: the place to bound the buffer. */
  protected buffering(): void {}

  /** The queue closed before its end: the reader left, or fail() closed it. Called once. */
  protected closing(_how: QueueClose): void {}

  protected close(how: QueueClose): void {
    if (this.closed) return;
    this.buffered.length = 0;
    this.finish();
    this.closing(how);
  }

  /** Drops what is buffered and closes; the reader gets `error` once, then the end. */
  protected fail(error: unknown): void {
    this.buffered.length = 0;
    if (this.failWaiting) {
      const reject = this.failWaiting;
      this.clearWaiter();
      reject(error);
    } else {
      this.failure = error;
    }
    this.closed = true;
    this.closing('dropped');
  }

  private finish(options: { notify?: boolean } = {}) {
    this.closed = true;
    if (this.waiting && options.notify !== false) {
      const resolve = this.waiting;
      this.clearWaiter();
      resolve({ value: undefined, done: true });
    }
  }

  private clearWaiter() {
    this.waiting = undefined;
    this.failWaiting = undefined;
  }
}
