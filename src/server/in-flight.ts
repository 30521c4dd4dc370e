/** Counts what is still being answered (HTTP requests, WebSocket operations), so shutdown can let it end before closing. */
export class InFlight {
  private readonly open = new Set<string>();
  private waiters: Array<() => void> = [];

  started(id: string): void {
    this.open.add(id);
  }

  ended(id: string): void {
    if (!this.open.delete(id) || this.open.size > 0) return;
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** Resolves when none is open, or after `timeoutMs`. */
  async settled(timeoutMs: number): Promise<void> {
    if (this.open.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      this.waiters.push(resolve);
      timer = setTimeout(resolve, timeoutMs);
    });
    clearTimeout(timer);
  }
}
