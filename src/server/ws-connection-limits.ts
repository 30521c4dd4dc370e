/** Open WebSockets on this replica, in total and per client address. */
export class ConnectionLimits {
  private total = 0;
  private readonly perAddress = new Map<string, number>();

  constructor(private readonly limits: { total: number; perAddress: number }) {}

  /** A function that gives the slot back when the socket closes, or undefined when a limit is reached. */
  tryOpen(address: string): (() => void) | undefined {
    const count = this.perAddress.get(address) ?? 0;
    if (this.total >= this.limits.total || count >= this.limits.perAddress) return undefined;
    this.total++;
    this.perAddress.set(address, count + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      const left = (this.perAddress.get(address) ?? 1) - 1;
      if (left > 0) this.perAddress.set(address, left);
      else this.perAddress.delete(address);
    };
  }
}
