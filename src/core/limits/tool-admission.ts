import { actingUserId, type Principal, requireAuthenticated } from '../auth/principal.js';
import { rateLimited } from '../errors.js';
import type { ConcurrencyLimiter, Release } from './concurrency-limiter.js';
import type { RateLimiter } from './rate-limiter.js';

/** A tool call's end is not predictable either: try again shortly. */
const BUSY_RETRY_SECONDS = 1;

/**
 * Whether a principal may run a tool now (executeMcpTool): calls per minute (TOOL_RATE_LIMIT) and
 * calls in flight (MAX_CONCURRENT_TOOL_CALLS_PER_USER), per user acted for, as RunAdmission counts runs.
 */
export class ToolAdmission {
  constructor(
    private readonly callRate: RateLimiter,
    private readonly callsInFlight: ConcurrencyLimiter,
  ) {}

  /** Takes a call slot or throws RATE_LIMITED; the caller releases it when the call ends. */
  async admit(principal: Principal): Promise<Release> {
    requireAuthenticated(principal);
    const user = actingUserId(principal, undefined);
    const caller = user !== undefined ? `user:${user}` : `credential:${principal.credentialId ?? principal.kind}`;
    const release = await this.callsInFlight.acquire(caller);
    if (!release) throw rateLimited('Too many tool calls in flight for this user (MAX_CONCURRENT_TOOL_CALLS_PER_USER)', BUSY_RETRY_SECONDS);
    // A limiter that fails (not refuses) must not keep the slot: it would never be given back.
    const rate = await this.callRate.consume(caller).catch((error: unknown) => {
      release();
      throw error;
    });
    if (!rate.allowed) {
      release();
      throw rateLimited('Too many tool calls: the limit per minute (TOOL_RATE_LIMIT) is used up', rate.retryAfterSeconds);
    }
    return release;
  }
}
