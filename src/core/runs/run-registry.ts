import { EventQueue } from './event-queue.js';
import type { Run } from './run.js';

/** Runs in flight, and finished ones for a while so clients can still replay them. */
export class RunRegistry {
  private readonly runs = new Map<string, Run>();
  private readonly watchers = new Map<string, Set<(run: Run) => void>>();
  private readonly expiryTimers = new Set<NodeJS.Timeout>();
  private readonly watcherQueues = new Set<EventQueue>();
  private readonly addedListeners: Array<(run: Run) => void> = [];

  constructor(private readonly retentionMs: number) {}

  add(run: Run): void {
    this.runs.set(run.id, run);
    run.onFinished(() => {
      const timer = setTimeout(() => {
        this.expiryTimers.delete(timer);
        this.runs.delete(run.id);
      }, this.retentionMs);
      timer.unref();
      this.expiryTimers.add(timer);
    });
    for (const watcher of this.watchers.get(run.conversationId) ?? []) watcher(run);
    for (const listener of this.addedListeners) listener(run);
  }

  /** Calls `listener` with every run added from now on (started here, or a paused one revived here). */
  onAdded(listener: (run: Run) => void): void {
    this.addedListeners.push(listener);
  }

  /** The runs here that have not ended: running, or paused and still in memory. */
  inFlight(): Run[] {
    return [...this.runs.values()].filter((run) => !run.finished);
  }

  /** Erasure: cancels the user's runs in flight, waits for their ends, and forgets every run of theirs kept for replay; their ids. */
  async forgetOwner(userId: string): Promise<string[]> {
    const theirs = [...this.runs.values()].filter((run) => run.owner.userId === userId);
    await Promise.all(
      theirs.map((run) => {
        run.cancel();
        return new Promise<void>((resolve) => run.onFinished(resolve));
      }),
    );
    for (const run of theirs) this.runs.delete(run.id);
    return theirs.map((run) => run.id);
  }

  /** A paused run nobody reads leaves memory (its state is stored; a reader or a decision revives it). */
  remove(run: Run): void {
    if (this.runs.get(run.id) === run) this.runs.delete(run.id);
  }

  get(runId: string): Run | undefined {
    return this.runs.get(runId);
  }

  /** Runs of a conversation that have not ended. */
  active(conversationId: string): Run[] {
    return [...this.runs.values()].filter((run) => run.conversationId === conversationId && !run.finished);
  }

  /** Calls `watcher` with every run that starts in the conversation until the returned function is called. */
  watch(conversationId: string, watcher: (run: Run) => void): () => void {
    let set = this.watchers.get(conversationId);
    if (!set) this.watchers.set(conversationId, (set = new Set()));
    set.add(watcher);
    return () => {
      set.delete(watcher);
      if (set.size === 0) this.watchers.delete(conversationId);
    };
  }

  /**
   * Every event of the conversation's runs, the ones in flight (from their start) and the ones
   * that start later, until the reader leaves. Watching does not keep a run alive, and a watcher
   * lets go of each run as it finishes, so a long-lived watcher holds no finished runs.
   */
  watchConversation(conversationId: string, onClose?: () => void): EventQueue {
    const detachers = new Map<Run, () => void>();
    const queue = new EventQueue(() => {
      onClose?.();
      for (const detach of detachers.values()) detach();
      detachers.clear();
      stopWatching();
      this.watcherQueues.delete(queue);
    });
    const follow = (run: Run) => {
      const detach = run.observe(queue);
      if (run.finished) return;
      detachers.set(run, detach);
      run.onFinished(() => detachers.delete(run));
    };
    for (const run of this.active(conversationId)) follow(run);
    const stopWatching = this.watch(conversationId, follow);
    this.watcherQueues.add(queue);
    return queue;
  }

  /**
   * Shutdown: lets runs in flight finish for up to `graceMs`, then cancels the rest with `reason`;
   * resolves when every run has sent its terminal event (and stored its answer).
   */
  async settle(graceMs: number, reason: unknown): Promise<void> {
    // A paused run holds nothing to finish: its state is stored, and any replica (or the next start) resumes it.
    const running = () => [...this.runs.values()].filter((run) => run.status === 'RUNNING');
    const inFlight = running();
    if (inFlight.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
    await Promise.race([Promise.all(inFlight.map((run) => run.result)), graceOver]);
    clearTimeout(timer);
    const left = running();
    for (const run of left) run.cancel(reason);
    await Promise.all(left.map((run) => run.result));
  }

  /** Ends every conversation watcher (shutdown): their streams complete instead of being cut. */
  endWatchers(): void {
    for (const queue of this.watcherQueues) queue.end();
    this.watcherQueues.clear();
  }

  /** Cancels every run in flight (shutdown) and resolves when they have all ended. */
  async cancelAll(): Promise<void> {
    const running = [...this.runs.values()].filter((run) => run.status === 'RUNNING');
    for (const run of running) run.cancel();
    await Promise.all(running.map((run) => run.result));
    for (const timer of this.expiryTimers) clearTimeout(timer);
    this.expiryTimers.clear();
  }
}
