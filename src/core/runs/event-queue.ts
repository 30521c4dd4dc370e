import { DomainError } from '../errors.js';
import type { RunEvent } from './run-event.js';

/**
 * Past this many undelivered events, consecutive token deltas are merged into one: a reader that
 * is behind gets fewer, larger frames (each frame costs a write), so it catches up.
 */
export const COALESCE_AT = 32;
/** Past this many undelivered events even after merging, the subscriber is closed (it can resume). */
export const CLOSE_AT = 1_024;

/**
 * One subscriber's bounded buffer. A slow reader never grows memory without bound: deltas are
 * coalesced (text joined, the last seq kept so resuming stays exact), and a reader still too far
 * behind is closed with an error naming the seq to resume after.
 */
export class EventQueue implements AsyncIterableIterator<RunEvent> {
  private readonly buffered: RunEvent[] = [];
  private waiting: ((result: IteratorResult<RunEvent>) => void) | undefined;
  private failWaiting: ((error: unknown) => void) | undefined;
  private ending = false;
  private closed = false;
  private failure: unknown;
  private lastDeliveredSeq = 0;

  constructor(private readonly onClose: (queue: EventQueue, how: 'completed' | 'dropped') => void = () => {}) {}

  get isClosed() {
    return this.closed;
  }

  push(event: RunEvent): void {
    if (this.closed || this.ending) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.clearWaiter();
      this.lastDeliveredSeq = event.seq;
      resolve({ value: event, done: false });
      return;
    }
    this.buffered.push(event);
    if (this.buffered.length >= COALESCE_AT) this.coalesce();
    if (this.buffered.length >= CLOSE_AT) {
      this.fail(
        new DomainError('RATE_LIMITED', `The subscriber fell too far behind the run; resume with runEvents(runId: "${event.runId}", after: ${this.lastDeliveredSeq})`),
      );
    }
  }

  /** No more events will come; what is buffered is still delivered. */
  end(): void {
    this.ending = true;
    if (this.buffered.length === 0) this.finish();
  }

  next(): Promise<IteratorResult<RunEvent>> {
    const event = this.buffered.shift();
    if (event) {
      this.lastDeliveredSeq = event.seq;
      if (this.buffered.length === 0 && this.ending) this.finish({ notify: false });
      return Promise.resolve({ value: event, done: false });
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

  /** The consumer stopped listening on purpose (e.g. graphql-ws "complete"). */
  return(): Promise<IteratorResult<RunEvent>> {
    this.close('completed');
    return Promise.resolve({ value: undefined, done: true });
  }

  /** The consumer's connection went away; it may come back and resume. */
  drop(): void {
    this.close('dropped');
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  private close(how: 'completed' | 'dropped') {
    if (this.closed) return;
    this.buffered.length = 0;
    this.finish();
    this.onClose(this, how);
  }

  private fail(error: unknown) {
    this.buffered.length = 0;
    if (this.failWaiting) {
      const reject = this.failWaiting;
      this.clearWaiter();
      reject(error);
    } else {
      this.failure = error;
    }
    this.closed = true;
    this.onClose(this, 'dropped');
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

  private coalesce() {
    const merged: RunEvent[] = [];
    for (const event of this.buffered) {
      const previous = merged.at(-1);
      if (event.type === 'TokenDelta' && previous?.type === 'TokenDelta' && previous.runId === event.runId) {
        merged[merged.length - 1] = { ...previous, seq: event.seq, text: previous.text + event.text };
      } else {
        merged.push(event);
      }
    }
    this.buffered.splice(0, this.buffered.length, ...merged);
  }
}
