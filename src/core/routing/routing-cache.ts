import { createHash } from 'node:crypto';
import type { LRUCache } from 'lru-cache';
import { growingLru } from '../caching/growing-lru.js';
import { type CacheMeter, UNMETERED } from '../metrics/metrics.js';

export interface CachedChoice {
  agentId: string;
  confidence: number;
  reason: string;
  /** Whose message it was, so a user's text can be forgotten on request. */
  userId: string | null;
}

/**
 * Remembers routing choices by normalised message and candidate-set version. The version covers
 * every candidate's id and description, so any agent change, and any difference in whose private
 * agents are visible, makes a different key.
 */
export class RoutingCache {
  private readonly entries: LRUCache<string, CachedChoice>;
  hits = 0;
  misses = 0;

  private readonly meter: CacheMeter;

  constructor(options: { size: number; ttlSeconds: number; meter?: CacheMeter | undefined }) {
    this.entries = growingLru(options.size, { ttl: options.ttlSeconds * 1_000 });
    this.meter = options.meter ?? UNMETERED;
  }

  get(message: string, candidateVersion: string): CachedChoice | undefined {
    const hit = this.entries.get(cacheKey(message, candidateVersion));
    if (hit) {
      this.hits++;
      this.meter.hit();
    } else {
      this.misses++;
      this.meter.miss();
    }
    return hit;
  }

  set(message: string, candidateVersion: string, choice: CachedChoice): void {
    this.entries.set(cacheKey(message, candidateVersion), choice);
  }

  /** Drops every choice made for this user's messages. */
  forgetUser(userId: string | null): number {
    let dropped = 0;
    for (const [key, choice] of this.entries.entries()) {
      if (choice.userId === userId && this.entries.delete(key)) dropped++;
    }
    return dropped;
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}

/** Trim, lower-case, collapse whitespace: "Hello  World " and "hello world" are one message. */
export const normaliseMessage = (message: string) => message.trim().toLowerCase().replace(/\s+/g, ' ');

/** Hashed, so the key holds no message text in the clear. */
const cacheKey = (message: string, candidateVersion: string) =>
  createHash('sha256').update(candidateVersion).update('\0').update(normaliseMessage(message)).digest('hex');

/** The candidate set's version: sorted ids with their descriptions and last change. */
export function candidateVersion(agents: ReadonlyArray<{ id: string; description: string | null; updatedAt: Date }>): string {
  const hash = createHash('sha256');
  for (const agent of [...agents].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    hash.update(`${agent.id}\0${agent.description ?? ''}\0${agent.updatedAt.getTime()}\n`);
  }
  return hash.digest('hex');
}
