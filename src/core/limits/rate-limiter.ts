/** What a limiter says about one key: allowed, or not before `retryAfterSeconds`. */
export type LimitDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * A fixed-window counter per key. In memory today; a Redis implementation (rate-limiter-flexible's
 * RateLimiterRedis has the same API) plugs in here when replicas must share counts.
 */
export interface RateLimiter {
  /** Counts one event for `key`; not allowed once the window's limit is used up. */
  consume(key: string): Promise<LimitDecision>;
}
