import type { Message } from '../conversations/conversation.js';
import { EventQueue } from './event-queue.js';
import { RunLog } from './run-log.js';
import { isTerminal, type RunEvent, type RunEventInput } from './run-event.js';

export type RunStatus = 'RUNNING' | 'COMPLETE' | 'CANCELLED' | 'FAILED';

interface Holder {
  push(event: RunEvent): void;
  end(): void;
}

export interface RunOwner {
  /** The user the run acts for; null for credentials acting for no user. */
  userId: string | null;
}

export interface RunOptions {
  id: string;
  conversationId: string;
  agentId: string;
  owner: RunOwner;
  /** How long a run with no subscriber left (after a dropped connection) waits to be resumed. */
  orphanGraceMs: number;
  /** The request that started it, for log lines. */
  requestId?: string | undefined;
}

/**
 * One chat answer in flight: an append-only event log that any number of subscribers read,
 * replaying what they missed and then following live. Aborting its signal stops the model.
 */
export class Run {
  readonly id: string;
  readonly conversationId: string;
  readonly agentId: string;
  readonly owner: RunOwner;
  readonly requestId: string | undefined;
  readonly startedAt = new Date();
  status: RunStatus = 'RUNNING';
  /** The stored assistant message, set just before the terminal event. */
  answer: Message | undefined;
  /** Resolves with the terminal event (MessageCompleted or RunFailed). */
  readonly result: Promise<RunEvent>;

  private readonly log = new RunLog();
  private readonly controller = new AbortController();
  /** Readers whose presence keeps the run going. */
  private readonly holders = new Set<Holder>();
  /** Passive readers (conversation watchers): they see events but do not keep the run alive. */
  private readonly observers = new Set<{ push(event: RunEvent): void }>();
  private readonly orphanGraceMs: number;
  private orphanTimer: NodeJS.Timeout | undefined;
  private resolveResult!: (event: RunEvent) => void;
  private readonly finishedListeners: Array<() => void> = [];

  constructor(options: RunOptions) {
    this.id = options.id;
    this.conversationId = options.conversationId;
    this.agentId = options.agentId;
    this.owner = options.owner;
    this.requestId = options.requestId;
    this.orphanGraceMs = options.orphanGraceMs;
    this.result = new Promise((resolve) => {
      this.resolveResult = resolve;
    });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get finished(): boolean {
    return this.status !== 'RUNNING';
  }

  get lastSeq(): number {
    return this.log.length;
  }

  /** Stamps the event with this run's id and the next seq, records it and hands it to every reader. */
  emit(input: RunEventInput): RunEvent {
    if (this.finished) throw new Error(`Run ${this.id} has already ended`);
    const seq = this.log.length + 1;
    // A literal for the common event: a spread's clone here goes megamorphic and gives each copy a hidden class of its own (~300 B a token).
    const event = (input.type === 'TokenDelta' ? { type: 'TokenDelta', text: input.text, index: input.index, runId: this.id, seq } : { ...input, runId: this.id, seq }) as RunEvent;
    this.log.append(event);
    for (const holder of this.holders) holder.push(event);
    for (const observer of this.observers) observer.push(event);
    if (isTerminal(event)) this.finish(event);
    return event;
  }

  /** The events with seq greater than `after`, as recorded (no subscription). */
  eventsAfter(after: number): Iterable<RunEvent> {
    return this.log.after(after);
  }

  /** A reader that keeps the run alive: replays events after `after`, then follows live. */
  subscribe(after = 0): EventQueue {
    const queue = new EventQueue((leaving, how) => this.leave(leaving, how));
    for (const event of this.log.after(after)) queue.push(event);
    if (this.finished) {
      queue.end();
      return queue;
    }
    this.holders.add(queue);
    clearTimeout(this.orphanTimer);
    this.orphanTimer = undefined;
    return queue;
  }

  /**
   * Keeps the run alive without reading its events (a client awaiting the whole answer).
   * `release` says how the client left, as a subscriber's leaving does.
   */
  hold(): { release(how: 'completed' | 'dropped'): void } {
    const holder: Holder = { push() {}, end() {} };
    if (!this.finished) this.holders.add(holder);
    clearTimeout(this.orphanTimer);
    this.orphanTimer = undefined;
    return { release: (how) => this.leave(holder, how) };
  }

  /** A reader that sees everything from the start but does not keep the run alive. */
  observe(observer: { push(event: RunEvent): void }): () => void {
    for (const event of this.log.after(0)) observer.push(event);
    if (this.finished) return () => {};
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  /** Stops the model; the pipeline records what arrived and emits the terminal event. `reason` says why (shutdown). */
  cancel(reason?: unknown): boolean {
    if (this.finished || this.controller.signal.aborted) return false;
    clearTimeout(this.orphanTimer);
    this.controller.abort(reason);
    return true;
  }

  onFinished(listener: () => void): void {
    if (this.finished) listener();
    else this.finishedListeners.push(listener);
  }

  private leave(holder: Holder, how: 'completed' | 'dropped') {
    if (!this.holders.delete(holder) || this.finished || this.holders.size > 0) return;
    // The last reader left. One that unsubscribed has stopped the answer; one whose connection
    // dropped may come back, so the run keeps going for the grace period.
    if (how === 'completed') {
      this.cancel();
      return;
    }
    clearTimeout(this.orphanTimer);
    this.orphanTimer = setTimeout(() => {
      if (this.holders.size === 0) this.cancel();
    }, this.orphanGraceMs);
  }

  private finish(event: RunEvent) {
    clearTimeout(this.orphanTimer);
    this.status = event.type === 'RunFailed' ? (event.code === 'CANCELLED' ? 'CANCELLED' : 'FAILED') : 'COMPLETE';
    for (const holder of this.holders) holder.end();
    this.holders.clear();
    this.observers.clear();
    this.resolveResult(event);
    for (const listener of this.finishedListeners.splice(0)) listener();
    // Nobody appends after the end; replay works from the packed form from now on.
    this.log.pack();
  }
}
