import { randomUUID } from 'node:crypto';
import type { ModelPrices } from './model-prices.js';
import type { UsageStore } from './usage-store.js';
import type { CallTokens, UsageAccount, UsageEntry, UsagePurpose } from './usage-entry.js';

export interface UsageLedgerSettings {
  /** How long recorded calls wait to be written together. */
  flushIntervalMs: number;
  /** A batch this large is written at once. */
  maxBatch: number;
  /** Calls kept while the database is unreachable; beyond it the oldest are dropped (and counted). */
  maxPending: number;
}

export const DEFAULT_LEDGER_SETTINGS: UsageLedgerSettings = { flushIntervalMs: 1_000, maxBatch: 500, maxPending: 50_000 };

type Listener = (entry: UsageEntry) => void;

/**
 * Where every model call's tokens are recorded. `record` is synchronous and cheap (the hot path
 * calls it): the entry is priced, handed to listeners (budgets count it at once) and queued; the
 * queue is written in batches off the hot path, one statement per batch.
 */
export class UsageLedger {
  private pending: UsageEntry[] = [];
  private readonly listeners = new Set<Listener>();
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private closed = false;
  /** The last write failed (the database is unreachable): writes wait for the retry timer. */
  private failing = false;
  /** Entries dropped because the database stayed unreachable past `maxPending`. */
  dropped = 0;

  constructor(
    private readonly store: UsageStore,
    readonly prices: ModelPrices,
    private readonly settings: UsageLedgerSettings = DEFAULT_LEDGER_SETTINGS,
    private readonly reportError: (error: unknown, context: string) => void = () => {},
  ) {}

  record(account: UsageAccount, model: string, purpose: UsagePurpose, tokens: CallTokens): UsageEntry {
    // A literal, not spreads: one shape for every entry, no copying loop (this runs for every model call).
    const entry: UsageEntry = {
      id: randomUUID(),
      userId: account.userId,
      keyId: account.keyId,
      agentId: account.agentId,
      runId: account.runId,
      inputTokens: tokens.inputTokens,
      outputTokens: tokens.outputTokens,
      cachedTokens: tokens.cachedTokens,
      reasoningTokens: tokens.reasoningTokens,
      at: new Date(),
      model,
      purpose,
      costUsd: this.prices.costOf(model, tokens),
    };
    for (const listener of this.listeners) {
      try {
        listener(entry);
      } catch (error) {
        this.reportError(error, 'usage listener');
      }
    }
    if (this.closed) return entry;
    this.pending.push(entry);
    if (this.pending.length > this.settings.maxPending) this.dropped += this.pending.splice(0, this.pending.length - this.settings.maxPending).length;
    // While writes fail, the retry timer writes next: not one attempt per call recorded.
    if (this.pending.length >= this.settings.maxBatch && !this.failing) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.settings.flushIntervalMs).unref();
    return entry;
  }

  /** Called with every entry as it is recorded (before it is written); returns the unsubscribe. */
  onRecorded(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Writes what is queued; resolves when it (and any write before it) is stored or has failed. */
  flush(): Promise<void> {
    return this.exclusive(() => this.writePending());
  }

  /**
   * The ledger's sum of something (`read`, a query of the stored rows) plus `amountOf` each call
   * still queued: what is queued is written first, and the rows are read while no batch is being
   * written, so every call is in exactly one of the two — a call the database refused to store
   * (it is kept queued) is not missed, a call being written is not counted twice.
   */
  sumWithPending(read: () => Promise<number>, amountOf: (entry: UsageEntry) => number): Promise<number> {
    return this.exclusive(async () => {
      await this.writePending();
      const stored = await read();
      return this.pending.reduce((sum, entry) => sum + amountOf(entry), stored);
    });
  }

  /** Runs `task` after every write before it, and before any write after it. */
  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const done = this.writing.then(task);
    this.writing = done.then(
      () => {},
      () => {},
    );
    return done;
  }

  private async writePending(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.settings.maxBatch);
      try {
        await this.store.insert(batch);
        this.failing = false;
      } catch (error) {
        // Put back for the next flush (bounded by maxPending): the ledger is the budgets' truth.
        this.pending.unshift(...batch);
        // Once per outage, not once per call recorded during it.
        if (!this.failing) this.reportError(error, 'usage ledger write');
        this.failing = true;
        if (!this.closed) this.timer ??= setTimeout(() => void this.flush(), this.settings.flushIntervalMs * 5).unref();
        return;
      }
    }
  }

  /**
   * An erased user (forgetUser): their calls stay in the ledger (spend is the operator's record)
   * without their user id, nor the ids of their private agents (`agentIds`, removed with them), the
   * queued calls and the stored ones alike. Returns the stored rows changed.
   */
  async forgetUser(userId: string, agentIds: readonly string[] = []): Promise<number> {
    const theirs = new Set(agentIds);
    // In the write queue: no batch is in flight, so every unwritten call is in `pending` (a batch
    // the database refuses comes back there, and must come back without their ids).
    await this.exclusive(async () => {
      for (const entry of this.pending) {
        if (entry.userId === userId) entry.userId = null;
        if (entry.agentId !== null && theirs.has(entry.agentId)) entry.agentId = null;
      }
      await this.writePending();
    });
    return this.store.forgetUser(userId, agentIds);
  }

  /** Writes what is left; records after this are counted by listeners but not stored. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
  }
}
