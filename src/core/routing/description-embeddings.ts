import { createHash } from 'node:crypto';
import { growingLru } from '../caching/growing-lru.js';
import { embedMeasured, type EmbeddingModel } from '../models/embedding-model.js';

export interface Describable {
  id: string;
  description: string | null;
}

/** Ranks candidates against a message by cosine similarity of embeddings. */
export class EmbeddingRanker {
  /** Agent id -> its text's hash and vector: re-embedded only when the description changes. */
  private readonly descriptions = growingLru<string, { hash: string; vector: number[] }>(10_000);
  /** Descriptions embedded so far (tests and the evaluation count upstream work with it). */
  embeddedDescriptions = 0;

  constructor(private readonly model: EmbeddingModel) {}

  /**
   * Candidates with their similarity, best first; the message and any new descriptions go in one
   * request. `onMessageVector` gets the message's own embedding (memory reuses it for the turn);
   * `onTokens`, the request's input tokens as the provider reported them.
   */
  async rank<T extends Describable>(
    message: string,
    candidates: T[],
    signal?: AbortSignal,
    onMessageVector?: (vector: number[]) => void,
    onTokens?: (inputTokens: number | undefined) => void,
  ): Promise<Array<{ candidate: T; score: number }>> {
    const texts = candidates.map(describe);
    const hashes = texts.map(hashOf);
    const missing = candidates.flatMap((c, i) => (this.descriptions.get(c.id)?.hash === hashes[i] ? [] : [i]));
    const embedded = await embedMeasured(this.model, [message, ...missing.map((i) => texts[i]!)], signal);
    onTokens?.(embedded.inputTokens);
    const vectors = embedded.vectors;
    missing.forEach((i, n) => this.descriptions.set(candidates[i]!.id, { hash: hashes[i]!, vector: vectors[n + 1]! }));
    this.embeddedDescriptions += missing.length;
    const query = vectors[0]!;
    onMessageVector?.(query);
    return candidates
      .map((candidate) => ({ candidate, score: cosine(query, this.descriptions.get(candidate.id)!.vector) }))
      .sort((a, b) => b.score - a.score);
  }
}

/** The id carries meaning too ("billing"), and is all an agent without a description has. */
const describe = (agent: Describable) => (agent.description ? `${agent.id}: ${agent.description}` : agent.id);

const hashOf = (text: string) => createHash('sha256').update(text).digest('hex');

export function cosine(a: number[], b: number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}
