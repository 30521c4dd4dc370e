import { actingUserId, type Principal, requireAuthenticated } from '../auth/principal.js';
import { rateLimited } from '../errors.js';
import type { ConcurrencyLimiter, Release } from './concurrency-limiter.js';
import type { RateLimiter } from './rate-limiter.js';

/** How long a client refused for too much in flight should wait: when a run or call ends is not predictable. */
const BUSY_RETRY_SECONDS = 1;

/** What a refusal says: too many in flight, or the minute's budget used up (each naming its setting). */
export interface AdmissionRefusals {
  busy: string;
  exhausted: string;
}

/**
 * Whether a principal may start something now: so many a minute, and so many in flight, per user
 * acted for (a backend key serving many users gives each their own slots and budget; a credential
 * acting for nobody is counted as itself).
 */
export class Admission {
  constructor(
    private readonly rate: RateLimiter,
    private readonly inFlight: ConcurrencyLimiter,
    private readonly refusals: AdmissionRefusals,
  ) {}

  /** Takes a slot or throws RATE_LIMITED; the caller releases the slot when its work ends. */
  async admit(principal: Principal, requestedUserId?: string | null): Promise<Release> {
    requireAuthenticated(principal);
    const user = actingUserId(principal, requestedUserId);
    const caller = user !== undefined ? `user:${user}` : `credential:${principal.credentialId ?? principal.kind}`;
    const release = await this.inFlight.acquire(caller);
    if (!release) throw rateLimited(this.refusals.busy, BUSY_RETRY_SECONDS);
    // Counted after the slot, so a request refused for being busy does not use up the minute's budget.
    // A limiter that fails (not refuses) must not keep the slot: it would never be given back.
    const rate = await this.rate.consume(caller).catch((error: unknown) => {
      release();
      throw error;
    });
    if (!rate.allowed) {
      release();
      throw rateLimited(this.refusals.exhausted, rate.retryAfterSeconds);
    }
    return release;
  }
}
