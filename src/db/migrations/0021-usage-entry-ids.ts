import type { Kysely } from 'kysely';

/**
 * Each usage entry carries the id the gateway gave it when the call was recorded: a batch written
 * again after a commit whose answer was lost (the connection dropped) is stored once, not twice.
 * Rows from before have none (nulls never conflict).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('usage_entries').addColumn('entry_id', 'uuid').execute();
  await db.schema.createIndex('usage_entries_by_entry_id').on('usage_entries').column('entry_id').unique().execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('usage_entries_by_entry_id').execute();
  await db.schema.alterTable('usage_entries').dropColumn('entry_id').execute();
}
