/** One scrape, parsed: every sample by its name and labels. */
export class Samples {
  private readonly values = new Map<string, number>();
  readonly names = new Set<string>();

  constructor(readonly text: string) {
    for (const line of text.split('\n')) {
      if (line === '' || line.startsWith('#')) continue;
      const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match) throw new Error(`Not a Prometheus sample line: ${JSON.stringify(line)}`);
      const [, name, labels = '', value] = match;
      const parsed = [...labels.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map(([, key, text]) => [key!, text!] as [string, string]);
      const key = keyOf(name!, Object.fromEntries(parsed));
      if (this.values.has(key)) throw new Error(`Sample ${key} appears twice`);
      this.values.set(key, Number(value));
      this.names.add(name!);
    }
  }

  /** The sample's value; throws when there is no such sample, so a renamed metric cannot pass as 0. */
  get(name: string, labels: Record<string, string> = {}): number {
    const value = this.values.get(keyOf(name, labels));
    if (value === undefined) throw new Error(`No sample ${keyOf(name, labels)} in the scrape`);
    return value;
  }

  has(name: string, labels: Record<string, string> = {}): boolean {
    return this.values.has(keyOf(name, labels));
  }

  /** Every label set of a metric, with its value. */
  series(name: string): Array<{ labels: Record<string, string>; value: number }> {
    const found: Array<{ labels: Record<string, string>; value: number }> = [];
    for (const [key, value] of this.values) {
      const match = /^([^{]+)\{(.*)\}$/.exec(key);
      if ((match?.[1] ?? key) !== name) continue;
      const labels = Object.fromEntries((match?.[2] ?? '').split('\u0000').filter(Boolean).map((pair) => pair.split('\u0001') as [string, string]));
      found.push({ labels, value });
    }
    return found;
  }
}

function keyOf(name: string, labels: Record<string, string>): string {
  const pairs = Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1));
  return pairs.length ? `${name}{${pairs.map(([k, v]) => `${k}\u0001${v}`).join('\u0000')}}` : name;
}

/** How a sample moved between two scrapes; it must be in the second (a series may first appear in it). */
export const delta = (before: Samples, after: Samples) => (name: string, labels: Record<string, string> = {}) =>
  after.get(name, labels) - (before.has(name, labels) ? before.get(name, labels) : 0);
