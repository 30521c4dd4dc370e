import type { Kysely } from 'kysely';

/** How the answering agent was chosen, stored with the answer (strategy, confidence, candidates). */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('messages').addColumn('routing', 'jsonb').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('messages').dropColumn('routing').execute();
}
