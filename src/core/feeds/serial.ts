/**
 * Runs `work` one call at a time, each after the one before has settled (a failure does not stop
 * the next); a failure is reported, and every caller gets the outcome of its own call.
 */
export class Serial {
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly work: () => Promise<void>,
    private readonly onError: (error: unknown) => void,
  ) {}

  run(): Promise<void> {
    this.tail = this.tail.then(this.work, this.work);
    this.tail.catch(this.onError);
    return this.tail;
  }

  /** Resolves once the last call has settled (shutdown). */
  async idle(): Promise<void> {
    await this.tail.catch(() => {});
  }
}
