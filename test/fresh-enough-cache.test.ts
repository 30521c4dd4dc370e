import { describe, expect, it } from 'vitest';
import { FreshEnoughCache } from '../src/core/caching/fresh-enough-cache.js';

/** A loader whose reads can be held open, counting them. */
function loader() {
  const state = { reads: 0, version: 1, fail: false, held: undefined as undefined | (() => void) };
  const load = async (key: string) => {
    state.reads++;
    // What the database holds when the read begins.
    const version = state.version;
    if (key === 'held') await new Promise<void>((resolve) => (state.held = resolve));
    if (state.fail) throw new Error('database away');
    if (key === 'unknown') return undefined;
    return { key, version };
  };
  return { state, load };
}
const later = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('FreshEnoughCache', () => {
  it('reads once, then answers from memory; past its age it answers the old value while one read renews it', async () => {
    const { state, load } = loader();
    const cache = new FreshEnoughCache<{ key: string; version: number }>({ max: 10, ttlMs: 20, load });
    expect(await cache.get('a', undefined)).toEqual({ key: 'a', version: 1 });
    expect(await cache.get('a', undefined)).toEqual({ key: 'a', version: 1 });
    expect(state.reads).toBe(1);
    state.version = 2;
    await later(40);
    // Old and new callers alike get the remembered value; one background read starts.
    expect(await Promise.all([cache.get('a', undefined), cache.get('a', undefined)])).toEqual([
      { key: 'a', version: 1 },
      { key: 'a', version: 1 },
    ]);
    expect(state.reads).toBe(2);
    await later(0);
    expect(await cache.get('a', undefined)).toEqual({ key: 'a', version: 2 });
  });

  it('does not remember a read that began before clear(), nor "nothing"', async () => {
    const { state, load } = loader();
    const cache = new FreshEnoughCache<{ key: string; version: number }>({ max: 10, ttlMs: 60_000, load });
    const pending = cache.get('held', undefined);
    await later(0);
    cache.clear();
    state.version = 2;
    state.held!();
    expect(await pending).toEqual({ key: 'held', version: 1 });
    const again = cache.get('held', undefined);
    await later(0);
    state.held!();
    expect(await again).toEqual({ key: 'held', version: 2 });
    expect(await cache.get('unknown', undefined)).toBeUndefined();
    expect(await cache.get('unknown', undefined)).toBeUndefined();
    expect(state.reads).toBe(4);
  });

  it('surfaces a failed first read, and keeps serving the old value when a renewal fails', async () => {
    const { state, load } = loader();
    const cache = new FreshEnoughCache<{ key: string; version: number }>({ max: 10, ttlMs: 20, load });
    expect(await cache.get('a', undefined)).toEqual({ key: 'a', version: 1 });
    state.fail = true;
    await expect(cache.get('b', undefined)).rejects.toThrow('database away');
    await later(40);
    expect(await cache.get('a', undefined)).toEqual({ key: 'a', version: 1 });
    await later(0);
    state.fail = false;
    state.version = 3;
    expect(await cache.get('a', undefined)).toEqual({ key: 'a', version: 1 });
    await later(0);
    expect(await cache.get('a', undefined)).toEqual({ key: 'a', version: 3 });
  });
});

describe('FreshEnoughCache, first reads', () => {
  it('shares one read among callers arriving while it is in flight', async () => {
    const { state, load } = loader();
    const cache = new FreshEnoughCache<{ key: string; version: number }>({ max: 10, ttlMs: 60_000, load });
    const callers = Array.from({ length: 50 }, () => cache.get('held', undefined));
    await later(0);
    state.held!();
    expect(new Set((await Promise.all(callers)).map((value) => JSON.stringify(value)))).toEqual(new Set([JSON.stringify({ key: 'held', version: 1 })]));
    expect(state.reads).toBe(1);
  });
});
