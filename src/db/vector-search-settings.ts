/**
 * pgvector's search settings for memory: HNSW candidates per search (recall against speed; k is at
 * most 100), and iterative scans (0.8+), so a filtered search goes on until it has k rows. The
 * embedded database starts with them; on a server each search sets them in its transaction.
 */
export const HNSW_EF_SEARCH = 100;

/** Messages' sparser float HNSW graph (pgvector < 0.7, db/vector-columns.ts) needs twice the candidates for the same recall. */
export const MESSAGES_HNSW_EF_SEARCH = 200;

/** Candidates a search of messages' quantized index re-ranks by cosine distance (bench/README.md, "Binary quantization"). */
export const MESSAGES_BQ_CANDIDATES = 200;

export const VECTOR_SEARCH_SETTINGS: ReadonlyArray<readonly [string, string]> = [
  ['hnsw.ef_search', String(HNSW_EF_SEARCH)],
  ['hnsw.iterative_scan', 'strict_order'],
];
