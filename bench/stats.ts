/** Percentile by nearest rank over a copy of the samples. */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export const median = (samples: number[]) => percentile(samples, 50);

/** Write times carried in the token texts ("<epoch ms> " each). */
export function writeTimes(text: string): number[] {
  return [...text.matchAll(/(\d+\.\d{3}) /g)].map((match) => Number(match[1]));
}

export const now = () => performance.timeOrigin + performance.now();

export const round = (value: number, digits = 2) => Number(value.toFixed(digits));

export const range = (values: number[]) => [Math.min(...values), Math.max(...values)];

/** Paced-stream rounds (each the SDK direct, then the gateway) summed and compared: what the gateway adds per token. */
export function pacedSummary(rounds: Array<{ direct: any; gateway: any }>) {
  const sum = (pick: (r: { direct: any; gateway: any }) => number) => rounds.reduce((total, r) => total + pick(r), 0);
  return {
    expected: sum((r) => r.gateway.expected),
    received: sum((r) => r.gateway.received),
    incomplete: sum((r) => r.gateway.incomplete),
    addedP50: median(rounds.map((r) => r.gateway.p50 - r.direct.p50)),
    addedP99: median(rounds.map((r) => r.gateway.p99 - r.direct.p99)),
    addedP99Range: range(rounds.map((r) => r.gateway.p99 - r.direct.p99)),
  };
}
