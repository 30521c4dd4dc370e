import { setTimeout as sleep } from 'node:timers/promises';
import type { UsageAccount } from '../usage/usage-entry.js';

/** One message waiting to be indexed, with its vector when the chat already has it (the question's). */
export interface QueuedMessage {
  id: string;
  vector?: number[] | undefined;
  /** Whom its embedding is charged to (the usage ledger). */
  account?: UsageAccount | undefined;
}

export interface IndexingQueueOptions {
  /** Most messages waiting or being indexed; past it new work is dropped (MEMORY_INDEX_QUEUE_MAX). */
  maxDepth: number;
  /** Most messages one drain takes (one embedding request, one statement). */
  maxBatch: number;
  /** How long the first message waits for others to join its batch. */
  lingerMs: number;
  /**
   * The most of the time the drain may spend indexing while more is waiting (0–1): after a batch that
   * took t ms it rests t × (1 / share − 1) ms, so a backlog never holds the database (PGlite's one
   * thread) from the chats; what the rest leaves behind fills the queue, and past maxDepth is dropped.
   */
  busyShare?: number;
  /** Indexes one batch; its errors are the caller's to report (the queue goes on). */
  index(batch: QueuedMessage[]): Promise<void>;
  /** The depth changed (the gauge on /metrics). */
  depthChanged(depth: number): void;
  /** Messages shed because the queue was full (they stay unindexed for the backfill). */
  dropped(count: number): void;
}

interface Waiting extends QueuedMessage {
  done: () => void;
}

/**
 * A bounded queue of settled messages to index: one drainer takes up to maxBatch at a time, so
 * many chats' answers share one embedding request and one statement. When full, new messages are
 * dropped (counted), never awaited: an answer never waits on indexing, and the backfill finds them.
 */
export class IndexingQueue {
  private readonly waiting: Waiting[] = [];
  /** The ids waiting or being indexed (the backfill asks for each). */
  private readonly queued = new Set<string>();
  private inFlight = 0;
  private timer: NodeJS.Timeout | undefined;
  private draining: Promise<void> | undefined;
  private settling = false;

  constructor(private readonly options: IndexingQueueOptions) {}

  /** Messages accepted and not yet indexed (waiting or in the batch being indexed). */
  get depth(): number {
    return this.waiting.length + this.inFlight;
  }

  /** Whether the message is queued or being indexed (the backfill leaves it to the queue). */
  has(id: string): boolean {
    return this.queued.has(id);
  }

  /**
   * Queues the messages; resolves once they are indexed, or at once when they were dropped.
   * `now`: drain without waiting for others (a caller that answers once the message is indexed).
   */
  push(messages: QueuedMessage[], now = false): Promise<void> {
    if (messages.length === 0) return Promise.resolve();
    if (this.depth + messages.length > this.options.maxDepth) {
      this.options.dropped(messages.length);
      return Promise.resolve();
    }
    const done = new Promise<void>((resolve) => {
      let left = messages.length;
      const one = () => {
        if (--left === 0) resolve();
      };
      for (const message of messages) {
        this.waiting.push({ ...message, done: one });
        this.queued.add(message.id);
      }
    });
    this.options.depthChanged(this.depth);
    if (now || this.waiting.length >= this.options.maxBatch) this.flush();
    else if (!this.timer && !this.draining) {
      this.timer = setTimeout(() => this.flush(), this.options.lingerMs);
      this.timer.unref();
    }
    return done;
  }

  /** Starts draining now (no linger); resolves when the queue is empty. */
  async settle(): Promise<void> {
    // Shutdown and tests wait for the backlog: no rests between batches then.
    this.settling = true;
    try {
      while (this.depth > 0 || this.draining) {
        this.flush();
        await this.draining;
      }
    } finally {
      this.settling = false;
    }
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.draining ??= this.drain().finally(() => (this.draining = undefined));
  }

  private async drain(): Promise<void> {
    // Messages that arrive meanwhile have waited for this batch: the next one starts at once.
    const share = this.options.busyShare ?? 1;
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.options.maxBatch);
      this.inFlight = batch.length;
      const started = performance.now();
      try {
        await this.options.index(batch.map(({ id, vector, account }) => ({ id, vector, account })));
      } catch {
        // The index callback reports its own errors; what failed stays for the backfill.
      } finally {
        this.inFlight = 0;
        for (const message of batch) {
          this.queued.delete(message.id);
          message.done();
        }
        this.options.depthChanged(this.depth);
      }
      if (share < 1 && this.waiting.length > 0 && !this.settling) await sleep((performance.now() - started) * (1 / share - 1));
    }
  }
}
