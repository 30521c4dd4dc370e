import { afterEach, describe, expect, it } from 'vitest';

/**
 * Any Intl object's first use (toLocaleString, Intl.NumberFormat, Intl.Segmenter …) maps ~5 MB of ICU's locale
 * data into the process (Node 20): a gateway that has only started and idles must not have made one.
 */
describe('Intl at start', () => {
  const restores: Array<() => void> = [];
  afterEach(() => restores.splice(0).forEach((restore) => restore()));

  /** Replaces owner[name] by a counting proxy (calls and `new` alike) until the test ends. */
  function count(owner: Record<string, unknown>, name: string, calls: string[]) {
    const original = owner[name] as (...args: unknown[]) => unknown;
    owner[name] = new Proxy(original, {
      apply: (target, self, args) => (calls.push(name), Reflect.apply(target, self, args)),
      construct: (target, args, newTarget) => (calls.push(name), Reflect.construct(target, args, newTarget)),
    });
    restores.push(() => (owner[name] = original));
  }

  it('starting a gateway (modules loaded, database migrated, routes added) uses none', async () => {
    const calls: string[] = [];
    for (const name of ['NumberFormat', 'DateTimeFormat', 'Segmenter', 'PluralRules', 'Collator', 'ListFormat', 'RelativeTimeFormat', 'DisplayNames']) count(Intl as never, name, calls);
    count(Number.prototype as never, 'toLocaleString', calls);
    count(Date.prototype as never, 'toLocaleString', calls);
    count(String.prototype as never, 'localeCompare', calls);
    const { startTestGateway } = await import('./support/gateway.js');
    const gw = await startTestGateway('pglite');
    try {
      expect(calls).toEqual([]);
      // The counting itself works: a formatted number is seen.
      (1000).toLocaleString('en');
      expect(calls).toEqual(['toLocaleString']);
    } finally {
      await gw.stop();
    }
  });
});
