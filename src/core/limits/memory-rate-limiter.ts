import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { LimitDecision, RateLimiter } from './rate-limiter.js';

/** `limit` events per key per `windowSeconds`, counted in this process. */
export class MemoryRateLimiter implements RateLimiter {
  private readonly counter: RateLimiterMemory;

  constructor(
    private readonly limit: number,
    windowSeconds: number,
  ) {
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

  async peek(key: string): Promise<LimitDecision> {
    const state = await this.counter.get(key);
    return state && state.consumedPoints >= this.limit ? refused(state) : { allowed: true };
  }
}

const refused = (state: RateLimiterRes): LimitDecision => ({ allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(state.msBeforeNext / 1000)) });
