import { EventQueue } from './event-queue.js';
import type { Run } from './run.js';

/** Runs in flight, and finished ones for a while so clients can still replay them. */
export class RunRegistry {
  private readonly runs = new Map<string, Run>();
  private readonly watchers = new Map<string, Set<(run: Run) => void>>();
  private readonly expiryTimers = new Set<NodeJS.Timeout>();

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
   * that start later, until the reader leaves. Watching does not keep a run alive.
   */
  watchConversation(conversationId: string): EventQueue {
    const detachers: Array<() => void> = [];
    const queue = new EventQueue(() => {
      for (const detach of detachers.splice(0)) detach();
    });
    for (const run of this.active(conversationId)) detachers.push(run.observe(queue));
    detachers.push(this.watch(conversationId, (run) => detachers.push(run.observe(queue))));
    return queue;
  }

  /** Cancels every run in flight (shutdown) and resolves when they have all ended. */
  async cancelAll(): Promise<void> {
    const running = [...this.runs.values()].filter((run) => !run.finished);
    for (const run of running) run.cancel();
    await Promise.all(running.map((run) => run.result));
    for (const timer of this.expiryTimers) clearTimeout(timer);
    this.expiryTimers.clear();
  }
}
