import { randomUUID } from 'node:crypto';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from './rate-limiter-flexible.js';
import type { RedisConnection } from '../redis/redis-connection.js';
import { type ConcurrencyLimiter, MemoryConcurrencyLimiter, type Release } from './concurrency-limiter.js';
import type { LimitDecision, RateLimiter } from './rate-limiter.js';

/**
 * `limit` events per key per `windowSeconds`, counted across replicas in Redis. While Redis is down
 * each replica counts on its own (rate-limiter-flexible's insurance limiter): limits stay in force,
 * only looser by the number of replicas, and nothing is refused for Redis being away.
 */
export class RedisRateLimiter implements RateLimiter {
  private readonly counter: RateLimiterRedis;

  constructor(redis: RedisConnection, limit: number, windowSeconds: number, prefix: string) {
    this.counter = new RateLimiterRedis({
      storeClient: redis.commands,
      keyPrefix: `muxgate:rate:${prefix}`,
      points: limit,
      duration: windowSeconds,
      insuranceLimiter: new RateLimiterMemory({ points: limit, duration: windowSeconds }),
    });
  }

  async consume(key: string): Promise<LimitDecision> {
    try {
      await this.counter.consume(key);
      return { allowed: true };
    } catch (error) {
      if (error instanceof RateLimiterRes) return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(error.msBeforeNext / 1000)) };
      throw error;
    }
  }
}

/** A slot is held this long unless its replica renews it: a replica that dies gives its slots back by then. */
const SLOT_LEASE_MS = 30_000;
const RENEW_MS = 10_000;

/** Drops lapsed slots, then takes one when fewer than the limit are held. 1: taken; 0: full. */
const ACQUIRE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1`;

/**
 * Runs in flight per key, counted across replicas: a sorted set of slots per key, each scored by
 * when its lease lapses, renewed while the run goes on, so a replica that dies frees its slots
 * after SLOT_LEASE_MS at most (expiry safety) and the whole key expires when idle. While Redis is
 * down, slots are counted in this process instead.
 */
export class RedisConcurrencyLimiter implements ConcurrencyLimiter {
  private readonly local: MemoryConcurrencyLimiter;
  /** Slots held in Redis by this replica: key -> slot ids, renewed together. */
  private readonly held = new Map<string, Set<string>>();
  private readonly renewal: NodeJS.Timeout;

  constructor(
    private readonly redis: RedisConnection,
    private readonly limit: number,
    /** What is counted (runs, tool calls): each has its own slots. */
    private readonly prefix = 'runs',
  ) {
    this.local = new MemoryConcurrencyLimiter(limit);
    this.renewal = setInterval(() => this.renew(), RENEW_MS).unref();
  }

  async acquire(key: string): Promise<Release | undefined> {
    const redisKey = `muxgate:${this.prefix}:${key}`;
    const slot = randomUUID();
    const now = Date.now();
    let taken: unknown;
    try {
      taken = await this.redis.commands.eval(ACQUIRE, 1, redisKey, now, now + SLOT_LEASE_MS, this.limit, slot, SLOT_LEASE_MS * 2);
    } catch {
      // Redis is away: this replica's own count keeps the limit (per replica) until it is back.
      return this.local.acquire(key);
    }
    if (taken !== 1) return undefined;
    let slots = this.held.get(redisKey);
    if (!slots) this.held.set(redisKey, (slots = new Set()));
    slots.add(slot);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      slots.delete(slot);
      if (slots.size === 0 && this.held.get(redisKey) === slots) this.held.delete(redisKey);
      // A release that cannot reach Redis lapses by itself after SLOT_LEASE_MS.
      this.redis.commands.zrem(redisKey, slot).catch(() => {});
    };
  }

  close(): void {
    clearInterval(this.renewal);
  }

  private renew(): void {
    const until = Date.now() + SLOT_LEASE_MS;
    for (const [redisKey, slots] of this.held) {
      if (slots.size === 0) continue;
      const pairs = [...slots].flatMap((slot) => [until, slot]);
      // XX: only slots still there (one released meanwhile is not brought back).
      this.redis.commands
        .zadd(redisKey, 'XX', ...pairs)
        .then(() => this.redis.commands.pexpire(redisKey, SLOT_LEASE_MS * 2))
        .catch(() => {});
    }
  }
}
