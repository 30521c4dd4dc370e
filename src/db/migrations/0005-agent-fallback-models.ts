import { type Kysely, sql } from 'kysely';

/** Models that answer, in order, when an agent's own model is unavailable before its first token. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('agents').addColumn('fallback_models', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`)).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('agents').dropColumn('fallback_models').execute();
}
