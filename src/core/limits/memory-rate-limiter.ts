import { RateLimiterMemory, RateLimiterRes } from './rate-limiter-flexible.js';
import type { LimitDecision, RateLimiter } from './rate-limiter.js';

/** `limit` events per key per `windowSeconds`, counted in this process. */
export class MemoryRateLimiter implements RateLimiter {
  private readonly counter: RateLimiterMemory;

  constructor(limit: number, windowSeconds: number) {
    this.counter = new RateLimiterMemory({ points: limit, duration: windowSeconds });
  }

  async consume(key: string): Promise<LimitDecision> {
    try {
      await this.counter.consume(key);
      return { allowed: true };
    } catch (error) {
      if (error instanceof RateLimiterRes) return refused(error);
      throw error;
    }
  }
}

const refused = (state: RateLimiterRes): LimitDecision => ({ allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(state.msBeforeNext / 1000)) });
