import { DomainError } from '../errors.js';
import { PushQueue } from './push-queue.js';

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

  /** Ends every subscription (shutdown): each stream completes after what it has not read yet. */
  end(): void {
    for (const subscriber of this.subscribers) subscriber.end();
    this.subscribers.clear();
  }

  /** Changes accepted by `filter`, from now until the iterator's return() is called. */
  subscribe(filter: (change: T) => boolean = () => true): AsyncIterableIterator<T> {
    const subscriber = new FeedSubscriber<T>(filter, () => this.subscribers.delete(subscriber));
    this.subscribers.add(subscriber);
    return subscriber;
  }
}

class FeedSubscriber<T> extends PushQueue<T> {
  constructor(
    private readonly filter: (change: T) => boolean,
    private readonly leave: () => void,
  ) {
    super();
  }

  offer(change: T): void {
    if (this.filter(change)) this.push(change);
  }

  protected override buffering(): void {
    if (this.buffered.length >= MAX_UNREAD_CHANGES) {
      this.fail(new DomainError('RATE_LIMITED', `The subscriber fell ${MAX_UNREAD_CHANGES} changes behind and was closed; subscribe again`));
    }
  }

  protected override closing(): void {
    this.leave();
  }
}
