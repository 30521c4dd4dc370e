import { FreshEnoughCache } from '../caching/fresh-enough-cache.js';
import type { ChangeBus } from '../feeds/change-bus.js';
import type { CacheMeter } from '../metrics/metrics.js';
import type { MemoryStore } from './memory-store.js';

/**
 * Whether a user has any long-term memory yet, remembered per user: a chat of a user with none
 * searches no memory (no query vector, no full-text statement). Learned at once when this replica
 * writes a memory (and, through the change bus, another one); otherwise renewed in the background
 * once `ttlMs` old, so a stale "none" (a replica with no shared bus) leaves out memories at most
 * `ttlMs` old.
 */
export class MemoryPresence {
  private readonly cache: FreshEnoughCache<{ has: boolean }>;
  private bus: ChangeBus | undefined;

  constructor(
    private readonly store: Pick<MemoryStore, 'hasAny' | 'onAdded'>,
    options: { ttlMs?: number; max?: number; meter?: CacheMeter } = {},
  ) {
    this.cache = new FreshEnoughCache({ max: options.max ?? 10_000, ttlMs: options.ttlMs ?? 5_000, load: async (key) => ({ has: await store.hasAny(ownerOf(key)) }), meter: options.meter });
    store.onAdded((userId) => {
      this.cache.delete(keyOf(userId));
      this.bus?.publish('memories-added', { userId });
    });
  }

  /** Memories written on another replica show here at once. */
  shareChanges(bus: ChangeBus): void {
    this.bus = bus;
    bus.subscribe('memories-added', (message) => this.cache.delete(keyOf((message as { userId: string | null }).userId)));
  }

  /** Forgets what is remembered of one owner (erased), or of everyone (missed changes). */
  forgetCached(userId?: string | null): void {
    if (userId === undefined) this.cache.clear();
    else this.cache.delete(keyOf(userId));
  }

  /** True when the owner (null: the backend's own memories) may have a memory to find. */
  async has(userId: string | null): Promise<boolean> {
    // Unknown (the database did not answer): assume some, so nothing is left out.
    return (await this.cache.get(keyOf(userId), undefined).catch(() => undefined))?.has ?? true;
  }
}

// The backend's own memories (no user) get a key no user id can take.
const keyOf = (userId: string | null) => (userId === null ? '\u0000backend' : `u:${userId}`);
const ownerOf = (key: string) => (key.startsWith('u:') ? key.slice(2) : null);
