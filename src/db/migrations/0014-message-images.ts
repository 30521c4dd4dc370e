import { type Kysely, sql } from 'kysely';

/**
 * Images in messages. Uploaded (and fetched, and data: URL) images are rows of `files`, in the
 * database rather than a folder: every replica shares the database, not a disk, and an erasure
 * that deletes a user's conversations takes their files with them (cascade) in the same
 * transaction. A user message lists its images in `messages.parts` (null when it has none).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('files')
    .addColumn('id', 'text', (c) => c.primaryKey())
    // The owner of the conversation it was sent in: GET /files/{id} is checked against it.
    .addColumn('user_id', 'text')
    .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
    .addColumn('media_type', 'text', (c) => c.notNull())
    .addColumn('byte_size', 'integer', (c) => c.notNull())
    .addColumn('width', 'integer')
    .addColumn('height', 'integer')
    .addColumn('filename', 'text')
    .addColumn('bytes', 'bytea', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('files_by_conversation').on('files').column('conversation_id').execute();
  await db.schema.createIndex('files_by_user').on('files').column('user_id').execute();
  await db.schema.alterTable('messages').addColumn('parts', 'jsonb').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('messages').dropColumn('parts').execute();
  await db.schema.dropTable('files').execute();
}
