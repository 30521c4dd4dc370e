/** Gives back a slot taken by `acquire`; calling it twice gives back one slot. */
export type Release = () => void;

/** At most N things at once per key (runs per user). Async so a shared (Redis) one can plug in. */
export interface ConcurrencyLimiter {
  /** A release function, or undefined when the key already holds its limit. */
  acquire(key: string): Promise<Release | undefined>;
}

/** Slots counted in this process. */
export class MemoryConcurrencyLimiter implements ConcurrencyLimiter {
  private readonly held = new Map<string, number>();

  constructor(private readonly limit: number) {}

  async acquire(key: string): Promise<Release | undefined> {
    const count = this.held.get(key) ?? 0;
    if (count >= this.limit) return undefined;
    this.held.set(key, count + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.held.get(key) ?? 1) - 1;
      if (left > 0) this.held.set(key, left);
      else this.held.delete(key);
    };
  }
}
