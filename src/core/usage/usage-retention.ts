import type { ReportError } from '../errors.js';
import type { UsageStore } from './usage-store.js';

const DAY_MS = 86_400_000;
/** The first sweep waits a little: start-up has enough to do, and a process restarted daily still sweeps. */
const FIRST_SWEEP_MS = 60_000;

/**
 * Deletes ledger rows older than USAGE_RETENTION_DAYS, daily, in the background: one DELETE per
 * sweep. Every replica sweeps; the same statement twice deletes nothing the second time.
 */
export class UsageRetention {
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<number> | undefined;

  constructor(
    private readonly store: UsageStore,
    private readonly retentionDays: number,
    private readonly reportError: ReportError,
  ) {}

  start(): void {
    this.timer = setTimeout(() => {
      this.timer = setInterval(() => void this.sweep(), DAY_MS).unref();
      void this.sweep();
    }, FIRST_SWEEP_MS).unref();
  }

  /** One sweep now; resolves with the rows deleted (0 when it failed: reported, tried again tomorrow). */
  sweep(now = new Date()): Promise<number> {
    this.sweeping ??= this.store
      .deleteBefore(new Date(now.getTime() - this.retentionDays * DAY_MS))
      .catch((error: unknown) => {
        this.reportError(error, 'deleting usage older than USAGE_RETENTION_DAYS', 'warn');
        return 0;
      })
      .finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  async close(): Promise<void> {
    clearTimeout(this.timer);
    clearInterval(this.timer);
    await this.sweeping;
  }
}
