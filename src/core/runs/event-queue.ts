import { DomainError } from '../errors.js';
import { PushQueue, type QueueClose } from '../feeds/push-queue.js';
import type { RunEvent } from './run-event.js';

/** Writes one token delta to the subscriber's transport; false when it cannot now (the event then takes the usual way). */
export type DirectWrite = (event: Extract<RunEvent, { type: 'TokenDelta' }>) => boolean;

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
export class EventQueue extends PushQueue<RunEvent> {
  private lastDeliveredSeq = 0;
  private direct: DirectWrite | undefined;
  /** Set: only this run's own events reach the reader (a delegated run's forwarded ones are left out). */
  private ownRunId: string | undefined;

  constructor(private readonly onClose: (queue: EventQueue, how: QueueClose) => void = () => {}) {
    super();
  }

  /**
   * Token deltas go to `write` (the transport's frame, written at once) while the reader is idle, so
   * a token costs no promise or per-event execution; anything else, or a write refused (the socket
   * is behind), goes the usual way, after which the reader is busy until it has sent it: order holds.
   */
  writeDirectly(write: DirectWrite | undefined): void {
    this.direct = write;
  }

  /**
   * From now on (and of what is buffered) only `runId`'s own events: for protocols with no place
   * for a delegated run's events (/v1, Responses, AG-UI), whose text would read as the answer's.
   */
  ownEventsOf(runId: string): this {
    this.ownRunId = runId;
    const own = this.buffered.filter((event) => event.runId === runId);
    this.buffered.splice(0, this.buffered.length, ...own);
    return this;
  }

  override push(event: RunEvent): void {
    if (this.ownRunId !== undefined && event.runId !== this.ownRunId) return;
    if (this.direct !== undefined && event.type === 'TokenDelta' && this.readerIdle && this.tryDirect(event)) {
      this.delivered(event);
      return;
    }
    super.push(event);
  }

  /** A writer that throws (none does today) must not fail the run for every subscriber: this one falls back to the usual way. */
  private tryDirect(event: Extract<RunEvent, { type: 'TokenDelta' }>): boolean {
    try {
      return this.direct!(event);
    } catch {
      this.direct = undefined;
      return false;
    }
  }

  /** The consumer's connection went away; it may come back and resume. */
  drop(): void {
    this.close('dropped');
  }

  /** Ends the reader's stream with `error` (something it depends on went away; it may resubscribe). */
  failWith(error: unknown): void {
    this.fail(error);
  }

  protected override delivered(event: RunEvent): void {
    this.lastDeliveredSeq = event.seq;
  }

  protected override buffering(): void {
    if (this.buffered.length >= COALESCE_AT) this.coalesce();
    if (this.buffered.length >= CLOSE_AT) {
      const runId = this.buffered.at(-1)!.runId;
      this.fail(
        new DomainError('RATE_LIMITED', `The subscriber fell too far behind the run; resume with runEvents(runId: "${runId}", after: ${this.lastDeliveredSeq})`),
      );
    }
  }

  protected override closing(how: QueueClose): void {
    this.onClose(this, how);
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
