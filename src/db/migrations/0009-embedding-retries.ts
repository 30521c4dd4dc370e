import { type Kysely, sql } from 'kysely';

/**
 * When an embedding was last tried (the retry waits EMBEDDING_RETRY_MS from it, without touching a
 * memory's updated_at), and partial indexes so the indexer's look-ups for work left do not scan.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('memories').addColumn('embedding_tried_at', 'timestamptz').execute();
  await db.schema.alterTable('messages').addColumn('embedding_tried_at', 'timestamptz').execute();
  await sql`create index memories_embedding_pending on memories (created_at) where embedded_at is null`.execute(db);
  await sql`create index messages_index_pending on messages (ordinal) where indexed_at is null`.execute(db);
  await sql`create index messages_embedding_pending on messages (ordinal) where embedded_at is null`.execute(db);
  // 0007's index of the same rows was keyed by created_at for the retry order; the new one replaces it.
  await sql`drop index if exists memories_unembedded`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`create index memories_unembedded on memories (created_at) where embedded_at is null`.execute(db);
  await sql`drop index messages_embedding_pending`.execute(db);
  await sql`drop index messages_index_pending`.execute(db);
  await sql`drop index memories_embedding_pending`.execute(db);
  await db.schema.alterTable('messages').dropColumn('embedding_tried_at').execute();
  await db.schema.alterTable('memories').dropColumn('embedding_tried_at').execute();
}
