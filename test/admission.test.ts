import { describe, expect, it } from 'vitest';
import { MemoryConcurrencyLimiter } from '../src/core/limits/concurrency-limiter.js';
import type { RateLimiter } from '../src/core/limits/rate-limiter.js';
import { RunAdmission } from '../src/core/limits/run-admission.js';
import { ToolAdmission } from '../src/core/limits/tool-admission.js';
import type { Principal } from '../src/core/auth/principal.js';

/** A rate limiter whose store fails on the first `failures` calls (as a shared store can), then allows. */
function failingThenAllowing(failures: number): RateLimiter {
  let calls = 0;
  return {
    async consume() {
      calls += 1;
      if (calls <= failures) throw new Error('rate store unavailable');
      return { allowed: true };
    },
  };
}

const user: Principal = { kind: 'USER', userId: 'ada', via: 'API_KEY', credentialId: 'key-1' };

describe('admission gives its slot back when the rate limiter fails', () => {
  it('ToolAdmission: after 3 failures with one slot, a call is still admitted', async () => {
    const admission = new ToolAdmission(failingThenAllowing(3), new MemoryConcurrencyLimiter(1));
    for (let i = 0; i < 3; i++) await expect(admission.admit(user)).rejects.toThrow('rate store unavailable');
    const release = await admission.admit(user);
    expect(typeof release).toBe('function');
  });

  it('RunAdmission: after 3 failures with one slot, a run is still admitted', async () => {
    const admission = new RunAdmission(failingThenAllowing(3), new MemoryConcurrencyLimiter(1));
    for (let i = 0; i < 3; i++) await expect(admission.admit(user)).rejects.toThrow('rate store unavailable');
    const release = await admission.admit(user);
    expect(typeof release).toBe('function');
  });
});
