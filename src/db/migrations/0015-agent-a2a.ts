import type { Kysely } from 'kysely';

/** Whether an agent is published under the A2A protocol (an agent card, a JSON-RPC endpoint); off unless an admin says. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('agents').addColumn('a2a', 'boolean', (column) => column.notNull().defaultTo(false)).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('agents').dropColumn('a2a').execute();
}
