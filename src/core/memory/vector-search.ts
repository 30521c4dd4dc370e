import { type Kysely, sql } from 'kysely';
import type { Tables } from '../../db/tables.js';
import { HNSW_EF_SEARCH } from '../../db/vector-search-settings.js';

export interface VectorSearchOptions {
  /** HNSW candidates per search: higher finds more of the true nearest, slower. */
  efSearch: number;
  /** pgvector 0.8+ (older servers lack hnsw.iterative_scan: a filtered search may then return fewer than k). */
  iterativeScan: boolean;
  /** The connection started with VECTOR_SEARCH_SETTINGS (embedded PGlite): nothing to set per search. */
  settingsInSession: boolean;
}

export const DEFAULT_VECTOR_SEARCH: VectorSearchOptions = { efSearch: HNSW_EF_SEARCH, iterativeScan: true, settingsInSession: false };

/**
 * Runs a vector search with pgvector's settings: as the session already has them (one statement),
 * or set for one transaction (a pool's connections do not all have them).
 */
export async function withVectorSettings<T>(db: Kysely<Tables>, options: VectorSearchOptions, k: number, search: (db: Kysely<Tables>) => Promise<T>): Promise<T> {
  const efSearch = Math.max(options.efSearch, k);
  if (options.settingsInSession && efSearch === HNSW_EF_SEARCH && options.iterativeScan) return search(db);
  return db.transaction().execute(async (tx) => {
    // One round trip for both settings, local to this transaction.
    await (options.iterativeScan
      ? sql`select set_config('hnsw.iterative_scan', 'strict_order', true), set_config('hnsw.ef_search', ${String(efSearch)}, true)`
      : sql`select set_config('hnsw.ef_search', ${String(efSearch)}, true)`
    ).execute(tx);
    return search(tx);
  });
}
