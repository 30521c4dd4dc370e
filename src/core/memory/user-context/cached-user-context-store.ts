import { FreshEnoughCache } from '../../caching/fresh-enough-cache.js';
import type { ChangeBus } from '../../feeds/change-bus.js';
import type { CacheMeter } from '../../metrics/metrics.js';
import type { NewUserFact, UserContextStore, UserFact } from './user-context-store.js';

/**
 * Every chat of a user reads their context: it answers from memory (as agents and keys do), renewed
 * in the background once `ttlMs` old, and forgotten at once when this replica writes it. Another
 * replica's write shows at once with a shared bus (Redis), otherwise within about `ttlMs`.
 */
export class CachedUserContextStore implements UserContextStore {
  private readonly cache: FreshEnoughCache<UserFact[]>;
  private bus: ChangeBus | undefined;

  constructor(
    private readonly inner: UserContextStore,
    options: { ttlMs?: number; max?: number; meter?: CacheMeter } = {},
  ) {
    this.cache = new FreshEnoughCache({ max: options.max ?? 10_000, ttlMs: options.ttlMs ?? 5_000, load: (userId) => inner.facts(userId), meter: options.meter });
  }

  /** Writes here make the other replicas forget the user's context too; theirs, this one. */
  shareChanges(bus: ChangeBus): void {
    this.bus = bus;
    bus.subscribe('user-context', (message) => this.cache.delete((message as { userId: string }).userId));
  }

  /** Forgets what is remembered of one user (changed on another replica), or of everyone. */
  forgetCached(userId?: string): void {
    if (userId === undefined) this.cache.clear();
    else this.cache.delete(userId);
  }

  async facts(userId: string): Promise<UserFact[]> {
    return (await this.cache.get(userId, undefined)) ?? [];
  }

  async merge(userId: string, facts: NewUserFact[]): Promise<void> {
    try {
      await this.inner.merge(userId, facts);
    } finally {
      this.changed(userId);
    }
  }

  async updateFact(userId: string, path: string[], fact: Omit<NewUserFact, 'path'>): Promise<UserFact | undefined> {
    try {
      return await this.inner.updateFact(userId, path, fact);
    } finally {
      this.changed(userId);
    }
  }

  async deleteFact(userId: string, path: string[]): Promise<number> {
    try {
      return await this.inner.deleteFact(userId, path);
    } finally {
      this.changed(userId);
    }
  }

  async forgetUser(userId: string): Promise<number> {
    try {
      return await this.inner.forgetUser(userId);
    } finally {
      this.changed(userId);
    }
  }

  private changed(userId: string): void {
    this.cache.delete(userId);
    this.bus?.publish('user-context', { userId });
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
