import type { Memory, OwnerScope } from './memory.js';
import type { MemoryFilter, MemoryStore } from './memory-store.js';
import type { MessageMemoryStore, WindowMessage } from './message-memory-store.js';

/** What a search looks for: its words, and its vector when there is an embedding model. */
export interface SearchQuery {
  text: string;
  vector: number[] | undefined;
}

/** A vector match counts only this close (MEMORY_MIN_SIMILARITY): the nearest of unrelated texts is still unrelated. */
export const similarEnough = (distance: number | null, minSimilarity: number): boolean => distance !== null && distance <= 1 - minSimilarity;

/** The ledger's rankings of a query, best first each: full text, and vector (close matches only). Fuse them with fuseRankings. */
export async function memoryRankings(store: MemoryStore, query: SearchQuery, filter: MemoryFilter, k: number, minSimilarity: number): Promise<Memory[][]> {
  const [byText, byVector] = await Promise.all([
    store.searchFullText(query.text, filter, k),
    query.vector ? store.searchVector(query.vector, filter, k) : [],
  ]);
  return [byText, byVector.filter((memory) => similarEnough(memory.distance, minSimilarity))];
}

/** The same over an owner's messages (one conversation's, or all of theirs). */
export async function messageRankings(
  store: MessageMemoryStore,
  query: SearchQuery,
  scope: OwnerScope,
  k: number,
  conversationId: string | null | undefined,
  minSimilarity: number,
): Promise<WindowMessage[][]> {
  const [byText, byVector] = await Promise.all([
    store.searchFullText(scope, query.text, k, conversationId),
    query.vector ? store.searchVector(scope, query.vector, k, conversationId) : [],
  ]);
  return [byText, byVector.filter((message) => similarEnough(message.distance, minSimilarity))];
}
