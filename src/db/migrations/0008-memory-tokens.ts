import type { Kysely } from 'kysely';

/** Answers record how many of their prompt tokens memory added. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('messages').addColumn('memory_tokens', 'integer').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('messages').dropColumn('memory_tokens').execute();
}
