import { Admission } from './admission.js';
import type { ConcurrencyLimiter } from './concurrency-limiter.js';
import type { RateLimiter } from './rate-limiter.js';

/** Whether a principal may start a run now: chats per minute (CHAT_RATE_LIMIT), runs in flight per user. */
export class RunAdmission extends Admission {
  constructor(chatRate: RateLimiter, runsInFlight: ConcurrencyLimiter) {
    super(chatRate, runsInFlight, {
      busy: 'Too many runs in flight for this user (MAX_CONCURRENT_RUNS_PER_USER)',
      exhausted: 'Too many chats: the limit per minute (CHAT_RATE_LIMIT) is used up',
    });
  }
}
