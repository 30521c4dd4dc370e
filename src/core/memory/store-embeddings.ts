import { type Kysely, sql } from 'kysely';
import pgvector from 'pgvector';
import type { EmbeddedTable } from '../../db/vector-columns.js';
import type { Tables } from '../../db/tables.js';
import type { UsageAccount } from '../usage/usage-entry.js';

/** An embedding to store, with the text it was made from. */
export interface EmbeddedRow {
  id: string;
  content: string;
  vector: number[];
}

/** A row waiting for its embedding; `owner`, whom the embedding is charged to (the usage ledger), where known. */
export interface UnembeddedRow {
  id: string;
  content: string;
  owner?: UsageAccount | undefined;
}

/**
 * Stores vectors in one statement, each only where the row still holds the text embedded: a row
 * edited meanwhile keeps waiting for the embedding of its new text.
 */
export async function storeEmbeddings(db: Kysely<Tables>, table: EmbeddedTable, rows: ReadonlyArray<EmbeddedRow>): Promise<void> {
  if (rows.length === 0) return;
  const values = sql.join(rows.map((row) => sql`(${row.id}, ${row.content}, ${pgvector.toSql(row.vector)}::vector)`));
  await sql`update ${sql.table(table)} as t set embedding = v.embedding, embedded_at = now()
    from (values ${values}) as v(id, content, embedding)
    where t.id = v.id and t.content = v.content`.execute(db);
}

/** Counts a failed attempt per row; the retry waits EMBEDDING_RETRY_MS from now. */
export async function markEmbeddingFailed(db: Kysely<Tables>, table: EmbeddedTable, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await sql`update ${sql.table(table)} set embedding_attempts = embedding_attempts + 1, embedding_tried_at = now() where id in (${sql.join(ids)})`.execute(db);
}
