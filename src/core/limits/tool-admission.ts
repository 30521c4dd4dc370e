import { Admission } from './admission.js';
import type { ConcurrencyLimiter } from './concurrency-limiter.js';
import type { RateLimiter } from './rate-limiter.js';

/** Whether a principal may run a tool now (executeMcpTool): TOOL_RATE_LIMIT a minute, MAX_CONCURRENT_TOOL_CALLS_PER_USER in flight. */
export class ToolAdmission extends Admission {
  constructor(callRate: RateLimiter, callsInFlight: ConcurrencyLimiter) {
    super(callRate, callsInFlight, {
      busy: 'Too many tool calls in flight for this user (MAX_CONCURRENT_TOOL_CALLS_PER_USER)',
      exhausted: 'Too many tool calls: the limit per minute (TOOL_RATE_LIMIT) is used up',
    });
  }
}
