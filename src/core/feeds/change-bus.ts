import { randomUUID } from 'node:crypto';
import type { ReportError } from '../errors.js';
import type { RedisConnection } from '../redis/redis-connection.js';

/** What one replica tells the others: small JSON signals; receivers re-read the database for the rest. */
export type Topic = 'agents' | 'revocations' | 'mcp-servers' | 'remote-agents' | 'users-forgotten' | 'user-context' | 'memories-added' | 'budgets';

/**
 * Tells the other replicas that something changed, so they clear their caches and feed their
 * subscribers. The replica making a change acts on it itself at once (in-process), and the bus
 * only carries it to the others: without Redis there are no others and it does nothing.
 */
export interface ChangeBus {
  /** Whether changes made elsewhere can reach this replica now (false while Redis is down). */
  readonly connected: boolean;
  /** Best effort: a change that cannot be sent is reported, and the others catch up by their cache's renewal. */
  publish(topic: Topic, message: object): void;
  /** Messages other replicas published on `topic`. */
  subscribe(topic: Topic, handler: (message: unknown) => void): void;
  /** Called after a lost connection comes back: changes may have been missed meanwhile. */
  onReconnect(handler: () => void): void;
}

/** One process: nobody else to tell. */
export class LocalChangeBus implements ChangeBus {
  readonly connected = true;
  publish(): void {}
  subscribe(): void {}
  onReconnect(): void {}
}

const CHANNEL_PREFIX = 'muxgate:changes:';

/** Redis pub/sub: every replica subscribes to every topic; a replica ignores its own messages. */
export class RedisChangeBus implements ChangeBus {
  private readonly origin = randomUUID();
  private readonly handlers = new Map<Topic, Array<(message: unknown) => void>>();
  private readonly reconnectHandlers: Array<() => void> = [];
  private wasDown = false;

  constructor(
    private readonly redis: RedisConnection,
    private readonly reportError: ReportError,
  ) {
    redis.subscriber.on('message', (channel: string, raw: string) => this.receive(channel, raw));
    for (const client of [redis.commands, redis.subscriber]) {
      client.on('close', () => (this.wasDown = true));
      client.on('ready', () => this.ready());
    }
  }

  get connected(): boolean {
    return this.redis.isUp;
  }

  publish(topic: Topic, message: object): void {
    const payload = JSON.stringify({ origin: this.origin, message });
    this.redis.commands.publish(CHANNEL_PREFIX + topic, payload).catch((error: unknown) => {
      this.reportError(error, `redis: a change (${topic}) could not reach the other replicas; they see it when their caches renew`, 'warn');
    });
  }

  subscribe(topic: Topic, handler: (message: unknown) => void): void {
    const list = this.handlers.get(topic);
    if (list) {
      list.push(handler);
      return;
    }
    this.handlers.set(topic, [handler]);
    // The subscriber connection keeps an offline queue, and ioredis re-subscribes after a reconnect.
    this.redis.subscriber.subscribe(CHANNEL_PREFIX + topic).catch((error: unknown) => this.reportError(error, `redis: subscribing to ${topic}`));
  }

  onReconnect(handler: () => void): void {
    this.reconnectHandlers.push(handler);
  }

  private ready(): void {
    if (!this.wasDown || !this.redis.isUp) return;
    this.wasDown = false;
    for (const handler of this.reconnectHandlers) {
      try {
        handler();
      } catch (error) {
        this.reportError(error, 'redis: catching up after a reconnect');
      }
    }
  }

  private receive(channel: string, raw: string): void {
    if (!channel.startsWith(CHANNEL_PREFIX)) return;
    let parsed: { origin?: unknown; message?: unknown };
    try {
      parsed = JSON.parse(raw) as typeof parsed;
    } catch (error) {
      this.reportError(error, `redis: an unreadable change on ${channel}`, 'warn');
      return;
    }
    if (parsed.origin === this.origin) return;
    for (const handler of this.handlers.get(channel.slice(CHANNEL_PREFIX.length) as Topic) ?? []) {
      try {
        handler(parsed.message);
      } catch (error) {
        this.reportError(error, `redis: applying a change from ${channel}`);
      }
    }
  }
}
