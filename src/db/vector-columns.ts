import { type Kysely, sql } from 'kysely';
import type { Tables } from './tables.js';

/** Whether vector search can run here, and if not, why (shown by `health` and logged at start-up). */
export type VectorSupport =
  | {
      state: 'AVAILABLE';
      dimensions: number;
      /** pgvector 0.8+: filtered searches scan on until they have k rows. */
      iterativeScan: boolean;
      /** pgvector 0.7+: messages' index holds binary-quantized vectors (MESSAGES_QUANTIZED_INDEX); searches re-rank its candidates. */
      quantizedMessages: boolean;
    }
  | { state: 'DISABLED'; reason: string }
  | { state: 'UNAVAILABLE'; reason: string };

/** The tables whose rows carry an embedding. */
export const EMBEDDED_TABLES = ['memories', 'messages'] as const;
export type EmbeddedTable = (typeof EMBEDDED_TABLES)[number];

const DIMENSIONS_SETTING = 'embedding_dimensions';

/**
 * HNSW build options per table. Messages add two index entries with every chat (question and
 * answer) and are searched across conversations only by searchMemory: a sparser graph (m 8,
 * ef_construction 32) makes each insert cheaper, and its searches re-rank MESSAGES_BQ_CANDIDATES for
 * the float graph's recall (bench/README.md, "Indexing batched" and "Binary quantization").
 * Memories, written rarely and searched with every chat of a user who has them, keep pgvector's
 * defaults (m 16, ef_construction 64). An index built before keeps its options until rebuilt.
 */
export const HNSW_BUILD_OPTIONS: Record<EmbeddedTable, { m: number; efConstruction: number }> = {
  memories: { m: 16, efConstruction: 64 },
  messages: { m: 8, efConstruction: 32 },
};

/**
 * Messages' index on pgvector 0.7+: HNSW over each vector's signs (`binary_quantize(embedding)::bit(N)`,
 * Hamming distance), whose insert costs a fraction of the float graph's on the embedded database;
 * searches take candidates from it and re-rank them by cosine distance (MessageMemoryStore.searchVector,
 * bench/README.md "Binary quantization"). Older pgvector keeps the float index `messages_embedding_hnsw`.
 */
export const MESSAGES_QUANTIZED_INDEX = 'messages_embedding_bq';

/** pgvector's HNSW takes bit vectors of up to 64,000 dimensions. */
const MAX_BIT_DIMENSIONS = 64_000;

/** The expression messages' quantized index is built on; a search must order by this very expression to use it. */
export const quantizedEmbedding = (dimensions: number, column = 'embedding') => sql.raw(`binary_quantize(${column})::bit(${dimensions})`);

/**
 * Adds `embedding vector(dimensions)` with an HNSW index to memories (cosine) and messages (quantized,
 * MESSAGES_QUANTIZED_INDEX) when the server has pgvector; a messages' float index of an earlier
 * version is replaced (under the lock, in the transaction: one replica does it). A changed dimension drops the old vectors (they cannot be compared with new
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
  const version = await sql<{ extversion: string }>`select extversion from pg_extension where extname = 'vector'`.execute(db);
  const [major = 0, minor = 0] = (version.rows[0]?.extversion ?? '0').split('.').map(Number);
  const quantizedMessages = (major > 0 || minor >= 7) && dimensions <= MAX_BIT_DIMENSIONS;
  await db.transaction().execute(async (tx) => {
    // One replica at a time changes the columns; the others wait and then find them in place.
    await sql`select pg_advisory_xact_lock(hashtext('muxgate.vector-columns'))`.execute(tx);
    const stored = await tx.selectFrom('settings').select('value').where('key', '=', DIMENSIONS_SETTING).executeTakeFirst();
    if (stored && Number(stored.value) !== dimensions) {
      await sql`drop index if exists ${sql.id(MESSAGES_QUANTIZED_INDEX)}`.execute(tx);
      for (const table of EMBEDDED_TABLES) {
        await sql`drop index if exists ${sql.id(`${table}_embedding_hnsw`)}`.execute(tx);
        await sql`alter table ${sql.id(table)} drop column if exists embedding`.execute(tx);
        await sql`update ${sql.id(table)} set embedded_at = null, embedding_attempts = 0, embedding_tried_at = null where embedded_at is not null or embedding_attempts > 0`.execute(tx);
      }
    }
    for (const table of EMBEDDED_TABLES) {
      await sql`alter table ${sql.id(table)} add column if not exists embedding vector(${sql.raw(String(dimensions))})`.execute(tx);
      const { m, efConstruction } = HNSW_BUILD_OPTIONS[table];
      const options = sql`with (m = ${sql.lit(m)}, ef_construction = ${sql.lit(efConstruction)})`;
      if (table === 'messages' && quantizedMessages) {
        // A database indexed before drops the float graph: one index per message vector, searches use the quantized one.
        await sql`drop index if exists messages_embedding_hnsw`.execute(tx);
        await sql`create index if not exists ${sql.id(MESSAGES_QUANTIZED_INDEX)} on messages using hnsw ((${quantizedEmbedding(dimensions)}) bit_hamming_ops) ${options}`.execute(tx);
        continue;
      }
      if (table === 'messages') await sql`drop index if exists ${sql.id(MESSAGES_QUANTIZED_INDEX)}`.execute(tx);
      await sql`create index if not exists ${sql.id(`${table}_embedding_hnsw`)} on ${sql.id(table)} using hnsw (embedding vector_cosine_ops) ${options}`.execute(tx);
    }
    await tx
      .insertInto('settings')
      .values({ key: DIMENSIONS_SETTING, value: String(dimensions) })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: String(dimensions), updated_at: new Date() }))
      .execute();
  });
  return { state: 'AVAILABLE', dimensions, iterativeScan: major > 0 || minor >= 8, quantizedMessages };
}
