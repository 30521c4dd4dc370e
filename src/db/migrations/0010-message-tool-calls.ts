import type { Kysely } from 'kysely';

/** Answers keep the tool rounds that produced them (null when they called no tool), for the next turn's context. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('messages').addColumn('tool_calls', 'jsonb').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('messages').dropColumn('tool_calls').execute();
}
