import { type Kysely, sql } from 'kysely';

/**
 * Remote agents (A2A) an admin registered, their cards fetched again at start-up. Header values
 * are secrets kept here only. The card itself is not stored: each replica fetches its own.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('remote_agents')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('url', 'text', (column) => column.notNull())
    .addColumn('headers', 'jsonb', (column) => column.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('remote_agents').execute();
}
