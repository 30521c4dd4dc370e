import { DomainError } from '../errors.js';

/** A subscriber this many changes behind is closed instead of buffering without bound. */
export const MAX_UNREAD_CHANGES = 1_000;

/**
 * Fans changes out to many long-lived subscribers. Each subscriber holds only the changes it has
 * not read yet: an idle one costs a few small objects, where `events.on()` preallocates two
 * 2,048-slot queues (~32 KB) per listener.
 */
export class ChangeFeed<T> {
  private readonly subscribers = new Set<FeedSubscriber<T>>();

  get subscriberCount() {
    return this.subscribers.size;
  }

  publish(change: T): void {
    for (const subscriber of this.subscribers) subscriber.offer(change);
  }

  /** Changes accepted by `filter`, from now until the iterator's return() is called. */
  subscribe(filter: (change: T) => boolean = () => true): AsyncIterableIterator<T> {
    const subscriber = new FeedSubscriber<T>(filter, () => this.subscribers.delete(subscriber));
    this.subscribers.add(subscriber);
    return subscriber;
  }
}

class FeedSubscriber<T> implements AsyncIterableIterator<T> {
  private unread: T[] | undefined;
  private waiting: ((result: IteratorResult<T>) => void) | undefined;
  private failure: DomainError | undefined;
  private closed = false;

  constructor(
    private readonly filter: (change: T) => boolean,
    private readonly leave: () => void,
  ) {}

  offer(change: T): void {
    if (this.closed || !this.filter(change)) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value: change, done: false });
      return;
    }
    (this.unread ??= []).push(change);
    if (this.unread.length >= MAX_UNREAD_CHANGES) {
      this.failure = new DomainError('RATE_LIMITED', `The subscriber fell ${MAX_UNREAD_CHANGES} changes behind and was closed; subscribe again`);
      this.unread = undefined;
      this.stop();
    }
  }

  next(): Promise<IteratorResult<T>> {
    const change = this.unread?.shift();
    if (change !== undefined) return Promise.resolve({ value: change, done: false });
    if (this.failure) {
      const failure = this.failure;
      this.failure = undefined;
      return Promise.reject(failure);
    }
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  return(): Promise<IteratorResult<T>> {
    this.unread = undefined;
    this.stop();
    const resolve = this.waiting;
    this.waiting = undefined;
    resolve?.({ value: undefined, done: true });
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  private stop() {
    if (this.closed) return;
    this.closed = true;
    this.leave();
  }
}
