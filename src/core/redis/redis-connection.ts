import { Redis } from 'ioredis';
import type { ReportError } from '../errors.js';
import { DomainError } from '../errors.js';

/**
 * The replicas' shared Redis (REDIS_URL): one connection for commands and one for subscriptions
 * (a subscribed connection can run nothing else). Commands fail at once while Redis is down — no
 * offline queue, so nothing waits on it — and the client reconnects by itself with backoff.
 */
export class RedisConnection {
  readonly commands: Redis;
  readonly subscriber: Redis;
  private downSince: number | undefined;

  constructor(
    url: string,
    private readonly reportError: ReportError,
  ) {
    const options = {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      // 50 ms, 100 ms … up to 2 s between attempts, for as long as it takes.
      retryStrategy: (attempt: number) => Math.min(50 * 2 ** attempt, 2_000),
      lazyConnect: true,
    };
    this.commands = new Redis(url, { ...options, connectionName: 'muxgate' });
    this.subscriber = new Redis(url, { ...options, connectionName: 'muxgate-subscriber', enableOfflineQueue: true });
    for (const client of [this.commands, this.subscriber]) {
      client.on('error', (error: Error) => this.markDown(error));
      client.on('ready', () => this.markUp());
    }
  }

  /** Connects both; start-up fails when Redis cannot be reached at all (REDIS_URL was asked for). */
  async connect(): Promise<void> {
    await Promise.all([this.commands.connect(), this.subscriber.connect()]);
  }

  get isUp(): boolean {
    return this.commands.status === 'ready' && this.subscriber.status === 'ready';
  }

  /** For the parts that need Redis: a clear error while it is down, instead of a hang. */
  unavailable(what: string): DomainError {
    return new DomainError('UPSTREAM_UNAVAILABLE', `Redis is unavailable, so ${what} cannot be done now; retry shortly`);
  }

  async close(): Promise<void> {
    await Promise.all([this.commands.quit().catch(() => this.commands.disconnect()), this.subscriber.quit().catch(() => this.subscriber.disconnect())]);
  }

  private markDown(error: Error): void {
    if (this.downSince !== undefined) return;
    this.downSince = Date.now();
    this.reportError(error, 'redis: connection lost; reconnecting', 'warn');
  }

  private markUp(): void {
    if (this.downSince === undefined) return;
    this.reportError(new Error(`Redis is back after ${Date.now() - this.downSince} ms`), 'redis', 'warn');
    this.downSince = undefined;
  }
}
