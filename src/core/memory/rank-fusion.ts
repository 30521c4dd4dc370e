/** The constant of reciprocal rank fusion (Cormack et al. 2009): damps the weight of the very top ranks. */
export const RRF_K = 60;

/**
 * Fuses rankings (each best first) into one: an item scores the sum of 1 / (RRF_K + rank) over
 * the rankings it appears in, so agreement between full-text and vector search lifts it.
 */
export function fuseRankings<T>(rankings: ReadonlyArray<ReadonlyArray<T>>, keyOf: (item: T) => string): Array<{ item: T; score: number }> {
  const fused = new Map<string, { item: T; score: number }>();
  for (const ranking of rankings) {
    ranking.forEach((item, index) => {
      const key = keyOf(item);
      const entry = fused.get(key) ?? { item, score: 0 };
      entry.score += 1 / (RRF_K + index + 1);
      fused.set(key, entry);
    });
  }
  return [...fused.values()].sort((a, b) => b.score - a.score);
}
