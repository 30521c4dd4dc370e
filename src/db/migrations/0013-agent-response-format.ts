import type { Kysely } from 'kysely';

/** An agent's default response format (structured answers): a JSON Schema its answers must match; null for text. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('agents').addColumn('response_format', 'jsonb').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('agents').dropColumn('response_format').execute();
}
