import type { LRUCache } from 'lru-cache';
import { growingLru } from './growing-lru.js';
import { type CacheMeter, UNMETERED } from '../metrics/metrics.js';

interface Entry<V> {
  value: V;
  loadedAt: number;
  refreshing: boolean;
}

/**
 * A read-through cache for rows read on every request and rarely changed: after the first read,
 * callers get the remembered value at once; once it is older than `ttlMs`, the next caller still
 * gets it while one background read refreshes it. So the hot path never waits on the database,
 * and another replica's change shows within about `ttlMs` (or at once, through `clear()`, here).
 */
export class FreshEnoughCache<V extends {}, C = undefined> {
  private readonly entries: LRUCache<string, Entry<V>>;
  /** Bumped by clear(): a read begun before it may hold old data and is not remembered. */
  private generation = 0;
  /** First reads in flight: callers arriving meanwhile (200 streams starting at once) share one. */
  private readonly loading = new Map<string, Promise<V | undefined>>();

  /** `load` resolving undefined means "nothing to remember" (e.g. an unknown key): the next call reads again. */
  constructor(private readonly options: { max: number; ttlMs: number; load: (key: string, context: C) => Promise<V | undefined>; meter?: CacheMeter }) {
    this.entries = growingLru(options.max);
  }

  async get(key: string, context: C): Promise<V | undefined> {
    const entry = this.entries.get(key);
    const meter = this.options.meter ?? UNMETERED;
    if (entry) {
      meter.hit();
      if (!entry.refreshing && performance.now() - entry.loadedAt > this.options.ttlMs) this.refresh(key, context, entry);
      return entry.value;
    }
    meter.miss();
    const inFlight = this.loading.get(key);
    if (inFlight) return inFlight;
    const generation = this.generation;
    const read = this.options.load(key, context).then((value) => {
      if (generation === this.generation) this.remember(key, value);
      return value;
    });
    this.loading.set(key, read);
    const forget = () => {
      if (this.loading.get(key) === read) this.loading.delete(key);
    };
    read.then(forget, forget);
    return read;
  }

  /** Forgets one key; reads in flight (of any key) are not remembered, since they may predate the change. */
  delete(key: string): void {
    this.generation++;
    this.entries.delete(key);
    this.loading.delete(key);
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
    this.loading.clear();
  }

  private refresh(key: string, context: C, entry: Entry<V>) {
    entry.refreshing = true;
    const generation = this.generation;
    this.options.load(key, context).then(
      (value) => {
        if (generation === this.generation && this.entries.peek(key) === entry) this.remember(key, value);
      },
      // The database is away: keep serving what we had, and try again on a later call.
      () => {
        entry.refreshing = false;
      },
    );
  }

  private remember(key: string, value: V | undefined) {
    if (value === undefined) this.entries.delete(key);
    else this.entries.set(key, { value, loadedAt: performance.now(), refreshing: false });
  }
}
