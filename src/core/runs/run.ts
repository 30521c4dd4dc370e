import type { Message } from '../conversations/conversation.js';
import { EventQueue } from './event-queue.js';
import { RunLog } from './run-log.js';
import { isTerminal, type RunEvent, type RunEventInput, type RunFailureCode } from './run-event.js';

/** WAITING: paused for its client (a client tool's result, an approval); it holds no model call meanwhile. */
export type RunStatus = 'RUNNING' | 'WAITING' | 'COMPLETE' | 'CANCELLED' | 'FAILED';

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
  /** A paused run rebuilt from storage: the events it shows (its pause's), numbered as first emitted. */
  replay?: RunEvent[] | undefined;
  /** A delegated run: its parent, how deep it is, and the agents above it (core/teams). */
  delegation?: Delegation | undefined;
  /** The credential that started it (Principal.credentialId): its model calls are charged to it in the usage ledger. */
  keyId?: string | null | undefined;
}

/** Where a delegated (child) run sits: depth 1 for a child of a run a client started. */
export interface Delegation {
  parentRunId: string;
  depth: number;
  /** The agents of the runs above it, nearest last: a delegate among them would be a cycle. */
  ancestors: readonly string[];
}

/** What a paused run does when it is cancelled before anyone resumes it (no model call is there to abort). */
export interface PauseHandler {
  cancel(reason: unknown): void;
  /** Nobody reads the paused run (its last reader left, or a dropped one did not come back in time): it may leave memory. */
  unread(): void;
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
  readonly delegation: Delegation | undefined;
  readonly keyId: string | null;
  /** The agent answering now: `agentId` until a handoff passes the answer on. */
  answeringAgentId: string;
  readonly startedAt = new Date();
  status: RunStatus = 'RUNNING';
  /** The stored assistant message, set just before the terminal event (a paused answer goes to nextStop's waiters, not here: a paused run keeps no copy). */
  answer: Message | undefined;
  /** Resolves with the terminal event (MessageCompleted or RunFailed). */
  readonly result: Promise<RunEvent>;
  /** Text deltas of the answer so far (the last TokenDelta's index + 1), and when the first came (epoch ms): live views read them, the run only counts. */
  tokens = 0;
  firstTokenAt: number | undefined;
  /** A failed run's code (RunFailed), once it has ended. */
  failureCode: RunFailureCode | undefined;

  private readonly log: RunLog;
  private readonly controller = new AbortController();
  /** Readers whose presence keeps the run going. */
  private readonly holders = new Set<Holder>();
  /** Passive readers (conversation watchers): they see events but do not keep the run alive. */
  private readonly observers = new Set<{ push(event: RunEvent): void }>();
  private readonly orphanGraceMs: number;
  private orphanTimer: NodeJS.Timeout | undefined;
  private resolveResult!: (event: RunEvent) => void;
  private readonly finishedListeners: Array<() => void> = [];
  /** Called at the next pause (with the paused answer) or end (a client awaiting "the answer or the next question"). */
  private stopListeners: Array<(paused: Message | undefined) => void> = [];
  private pauseHandler: PauseHandler | undefined;
  private leftMemoryListeners: Array<() => void> = [];

  constructor(options: RunOptions) {
    this.id = options.id;
    this.conversationId = options.conversationId;
    this.agentId = options.agentId;
    this.owner = options.owner;
    this.requestId = options.requestId;
    this.delegation = options.delegation;
    this.keyId = options.keyId ?? null;
    this.answeringAgentId = options.agentId;
    this.orphanGraceMs = options.orphanGraceMs;
    const replay = options.replay ?? [];
    this.log = new RunLog();
    for (const event of replay) this.log.append(event);
    if (replay.at(-1)?.type === 'RunPaused') this.status = 'WAITING';
    this.result = new Promise((resolve) => {
      this.resolveResult = resolve;
    });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get finished(): boolean {
    return this.status !== 'RUNNING' && this.status !== 'WAITING';
  }

  get waiting(): boolean {
    return this.status === 'WAITING';
  }

  /** The run waits for its client from now on; `handler` ends it if it is cancelled meanwhile; `answer` (as stored) goes to nextStop's waiters. */
  pause(handler: PauseHandler, answer?: Message): void {
    this.status = 'WAITING';
    this.pauseHandler = handler;
    clearTimeout(this.orphanTimer);
    this.orphanTimer = undefined;
    this.notifyStop(answer);
    if (this.holders.size === 0) this.whenUnread('dropped');
  }

  /** A decision completed the paused step: the run goes on (its events continue the same seq numbering). */
  resume(): void {
    if (this.status !== 'WAITING') throw new Error(`Run ${this.id} is not waiting`);
    this.status = 'RUNNING';
    this.pauseHandler = undefined;
  }

  /** Resolves at the run's next pause (with its stored answer) or at its end, whichever comes first (now, with nothing, if it waits or has ended). */
  nextStop(): Promise<Message | undefined> {
    if (this.status !== 'RUNNING') return Promise.resolve(undefined);
    return new Promise((resolve) => this.stopListeners.push(resolve));
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
    if (input.type === 'TokenDelta') {
      this.firstTokenAt ??= Date.now();
      this.tokens = input.index + 1;
    }
    this.log.append(event);
    for (const holder of this.holders) holder.push(event);
    for (const observer of this.observers) observer.push(event);
    if (isTerminal(event)) this.finish(event);
    return event;
  }

  /**
   * A delegated run's event, handed to this run's readers and recorded in its log (replayable with
   * its events): it keeps its own runId and takes this stream's next seq, so `after` resumes here
   * too. A child's terminal event is not forwarded (DelegationCompleted stands for it): every
   * reader of this run takes MessageCompleted and RunFailed as this run's end.
   */
  forward(event: RunEvent): void {
    if (this.finished || event.runId === this.id || isTerminal(event)) return;
    const forwarded = { ...event, seq: this.log.length + 1 } as RunEvent;
    this.log.append(forwarded);
    for (const holder of this.holders) holder.push(forwarded);
    for (const observer of this.observers) observer.push(forwarded);
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
    // Paused, nothing runs to see the abort: the pause ends the run itself.
    if (this.status === 'WAITING') this.pauseHandler?.cancel(reason);
    return true;
  }

  /** Called when the run leaves this process paused (nobody read it): what it held here is given back. */
  onLeftMemory(listener: () => void): void {
    this.leftMemoryListeners.push(listener);
  }

  /** The paused run leaves this process (RunPauses.evict); a revived copy carries it on. */
  leaveMemory(): void {
    for (const listener of this.leftMemoryListeners.splice(0)) listener();
  }

  onFinished(listener: () => void): void {
    if (this.finished) listener();
    else this.finishedListeners.push(listener);
  }

  private leave(holder: Holder, how: 'completed' | 'dropped') {
    if (!this.holders.delete(holder) || this.finished || this.holders.size > 0) return;
    // A paused run waits for a decision that may come from anywhere (another request, another replica):
    // readers leaving do not end it; with none left (a dropped one given its grace), it may leave memory.
    if (this.waiting) {
      this.whenUnread(how);
      return;
    }
    // The last reader left. One that unsubscribed has stopped the answer; one whose connection
    // dropped may come back, so the run keeps going for the grace period.
    if (how === 'completed') {
      this.cancel();
      return;
    }
    clearTimeout(this.orphanTimer);
    this.orphanTimer = setTimeout(() => {
      if (this.holders.size === 0 && !this.waiting) this.cancel();
    }, this.orphanGraceMs);
  }

  /** A paused run without readers: unread now, or after the grace a dropped reader has to come back. */
  private whenUnread(how: 'completed' | 'dropped') {
    clearTimeout(this.orphanTimer);
    this.orphanTimer = undefined;
    if (how === 'completed') {
      this.pauseHandler?.unread();
      return;
    }
    this.orphanTimer = setTimeout(() => {
      this.orphanTimer = undefined;
      if (this.holders.size === 0 && this.waiting) this.pauseHandler?.unread();
    }, this.orphanGraceMs);
  }

  private notifyStop(paused?: Message) {
    const listeners = this.stopListeners;
    this.stopListeners = [];
    for (const listener of listeners) listener(paused);
  }

  private finish(event: RunEvent) {
    clearTimeout(this.orphanTimer);
    this.status = event.type === 'RunFailed' ? (event.code === 'CANCELLED' ? 'CANCELLED' : 'FAILED') : 'COMPLETE';
    if (event.type === 'RunFailed') this.failureCode = event.code;
    for (const holder of this.holders) holder.end();
    this.holders.clear();
    this.observers.clear();
    this.pauseHandler = undefined;
    this.resolveResult(event);
    this.notifyStop();
    for (const listener of this.finishedListeners.splice(0)) listener();
    // Nobody appends after the end; replay works from the packed form from now on.
    this.log.pack();
  }
}
