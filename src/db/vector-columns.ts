import { type Kysely, sql } from 'kysely';
import type { Tables } from './tables.js';

/** Whether vector search can run here, and if not, why (shown by `health` and logged at start-up). */
export type VectorSupport =
  | { state: 'AVAILABLE'; dimensions: number; /** pgvector 0.8+: filtered searches scan on until they have k rows. */ iterativeScan: boolean }
  | { state: 'DISABLED'; reason: string }
  | { state: 'UNAVAILABLE'; reason: string };

/** The tables whose rows carry an embedding. */
export const EMBEDDED_TABLES = ['memories', 'messages'] as const;
export type EmbeddedTable = (typeof EMBEDDED_TABLES)[number];

const DIMENSIONS_SETTING = 'embedding_dimensions';

/**
 * HNSW build options per table. Messages add two index entries with every chat (question and
 * answer) and are searched across conversations only by searchMemory: a sparser graph (m 8,
 * ef_construction 32) makes each insert 1.7-2.8× cheaper on the embedded database, and its searches
 * take MESSAGES_HNSW_EF_SEARCH for the recall pgvector's defaults give (bench/README.md, "Indexing
 * batched"). Memories, written rarely and searched with every chat of a user who has them, keep
 * pgvector's defaults (m 16, ef_construction 64). An index built before keeps its options until
 * rebuilt (`REINDEX INDEX messages_embedding_hnsw`).
 */
export const HNSW_BUILD_OPTIONS: Record<EmbeddedTable, { m: number; efConstruction: number }> = {
  memories: { m: 16, efConstruction: 64 },
  messages: { m: 8, efConstruction: 32 },
};

/**
 * Adds `embedding vector(dimensions)` with an HNSW (cosine) index to memories and messages when the
 * server has pgvector. A changed dimension drops the old vectors (they cannot be compared with new
 * ones) and marks every row for re-embedding; the text stays searchable by full text meanwhile.
 */
export async function ensureVectorColumns(db: Kysely<Tables>, dimensions: number | undefined): Promise<VectorSupport> {
  if (dimensions === undefined) return { state: 'DISABLED', reason: 'no embedding model is configured (set OPENAI_API_KEY or OPENAI_BASE_URL, and ENABLE_EMBEDDINGS)' };
  try {
    await sql`create extension if not exists vector`.execute(db);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return {
      state: 'UNAVAILABLE',
      reason:
        `the PostgreSQL server has no "vector" extension (${detail}). Install pgvector on the server ` +
        '(https://github.com/pgvector/pgvector#installation, e.g. the postgresql-NN-pgvector package or the pgvector/pgvector image) ' +
        'and restart muxgate; until then memory is searched by full text only',
    };
  }
  await db.transaction().execute(async (tx) => {
    // One replica at a time changes the columns; the others wait and then find them in place.
    await sql`select pg_advisory_xact_lock(hashtext('muxgate.vector-columns'))`.execute(tx);
    const stored = await tx.selectFrom('settings').select('value').where('key', '=', DIMENSIONS_SETTING).executeTakeFirst();
    if (stored && Number(stored.value) !== dimensions) {
      for (const table of EMBEDDED_TABLES) {
        await sql`drop index if exists ${sql.id(`${table}_embedding_hnsw`)}`.execute(tx);
        await sql`alter table ${sql.id(table)} drop column if exists embedding`.execute(tx);
        await sql`update ${sql.id(table)} set embedded_at = null, embedding_attempts = 0, embedding_tried_at = null where embedded_at is not null or embedding_attempts > 0`.execute(tx);
      }
    }
    for (const table of EMBEDDED_TABLES) {
      await sql`alter table ${sql.id(table)} add column if not exists embedding vector(${sql.raw(String(dimensions))})`.execute(tx);
      const { m, efConstruction } = HNSW_BUILD_OPTIONS[table];
      await sql`create index if not exists ${sql.id(`${table}_embedding_hnsw`)} on ${sql.id(table)} using hnsw (embedding vector_cosine_ops)
        with (m = ${sql.lit(m)}, ef_construction = ${sql.lit(efConstruction)})`.execute(tx);
    }
    await tx
      .insertInto('settings')
      .values({ key: DIMENSIONS_SETTING, value: String(dimensions) })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: String(dimensions), updated_at: new Date() }))
      .execute();
  });
  const version = await sql<{ extversion: string }>`select extversion from pg_extension where extname = 'vector'`.execute(db);
  const [major = 0, minor = 0] = (version.rows[0]?.extversion ?? '0').split('.').map(Number);
  return { state: 'AVAILABLE', dimensions, iterativeScan: major > 0 || minor >= 8 };
}
