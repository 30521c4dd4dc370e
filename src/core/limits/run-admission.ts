import { actingUserId, type Principal, requireAuthenticated } from '../auth/principal.js';
import { rateLimited } from '../errors.js';
import type { ConcurrencyLimiter, Release } from './concurrency-limiter.js';
import type { RateLimiter } from './rate-limiter.js';

/** How long a client refused for too many runs in flight should wait: a run's end is not predictable. */
const BUSY_RETRY_SECONDS = 1;

/** Decides whether a principal may start a run now: chats per minute, and runs in flight per user. */
export class RunAdmission {
  constructor(
    private readonly chatRate: RateLimiter,
    private readonly runsInFlight: ConcurrencyLimiter,
  ) {}

  /** Takes a run slot or throws RATE_LIMITED; the caller releases the slot when the run finishes. */
  async admit(principal: Principal, requestedUserId?: string | null): Promise<Release> {
    requireAuthenticated(principal);
    // Per user acted for: a backend key serving many users gives each of them their own slots and
    // budget; a credential acting for nobody is counted as itself.
    const user = actingUserId(principal, requestedUserId);
    const caller = user !== undefined ? `user:${user}` : `credential:${principal.credentialId ?? principal.kind}`;
    const release = await this.runsInFlight.acquire(caller);
    if (!release) throw rateLimited('Too many runs in flight for this user (MAX_CONCURRENT_RUNS_PER_USER)', BUSY_RETRY_SECONDS);
    // Counted after the slot, so a chat refused for being busy does not use up the minute's budget.
    // A limiter that fails (not refuses) must not keep the slot: it would never be given back.
    const rate = await this.chatRate.consume(caller).catch((error: unknown) => {
      release();
      throw error;
    });
    if (!rate.allowed) {
      release();
      throw rateLimited('Too many chats: the limit per minute (CHAT_RATE_LIMIT) is used up', rate.retryAfterSeconds);
    }
    return release;
  }
}
