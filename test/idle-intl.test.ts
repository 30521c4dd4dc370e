import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestGateway } from './support/gateway.js';

/**
 * Any Intl object's first use (toLocaleString, Intl.NumberFormat, Intl.Segmenter …) maps ~5 MB of ICU's locale
 * data into the process (Node 20): a gateway that has only started and idles must not have made one.
 */
describe('Intl at start', () => {
  const calls: string[] = [];
  const restores: Array<() => void> = [];
  let gw: TestGateway | undefined;

  /** Replaces owner[name] by a counting proxy (calls and `new` alike) until the file's tests end. */
  function count(owner: Record<string, unknown>, name: string) {
    const original = owner[name] as (...args: unknown[]) => unknown;
    owner[name] = new Proxy(original, {
      apply: (target, self, args) => (calls.push(name), Reflect.apply(target, self, args)),
      construct: (target, args, newTarget) => (calls.push(name), Reflect.construct(target, args, newTarget)),
    });
    restores.push(() => (owner[name] = original));
  }

  // Counting starts before the gateway's modules are loaded: their top-level code is counted too.
  beforeAll(async () => {
    for (const name of ['NumberFormat', 'DateTimeFormat', 'Segmenter', 'PluralRules', 'Collator', 'ListFormat', 'RelativeTimeFormat', 'DisplayNames']) count(Intl as never, name);
    count(Number.prototype as never, 'toLocaleString');
    count(Date.prototype as never, 'toLocaleString');
    count(String.prototype as never, 'localeCompare');
    const { startTestGateway } = await import('./support/gateway.js');
    gw = await startTestGateway('pglite');
  });
  afterAll(async () => {
    restores.splice(0).forEach((restore) => restore());
    await gw?.stop();
  });

  it('starting a gateway (modules loaded, database migrated, routes added) uses none', () => {
    expect(gw).toBeDefined();
    expect(calls).toEqual([]);
    // The counting itself works: a formatted number is seen.
    (1000).toLocaleString('en');
    expect(calls).toEqual(['toLocaleString']);
  });
});
