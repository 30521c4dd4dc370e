import type { Kysely } from 'kysely';

/**
 * The usage ledger: one row per model call (answers, tool rounds, routing, extraction, embeddings,
 * delegations) with its owner, tokens and cost. Not tied to conversations by foreign key: spend
 * outlives what it was spent on (a forgotten user's rows lose their user id instead).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('usage_entries')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .addColumn('user_id', 'text')
    .addColumn('key_id', 'text')
    .addColumn('agent_id', 'text')
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('run_id', 'text')
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('input_tokens', 'integer', (c) => c.notNull())
    .addColumn('output_tokens', 'integer', (c) => c.notNull())
    .addColumn('cached_tokens', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('reasoning_tokens', 'integer', (c) => c.notNull().defaultTo(0))
    // Dollars; null when the model had no price when the call was made.
    .addColumn('cost_usd', 'double precision')
    .execute();
  await db.schema.createIndex('usage_entries_by_time').on('usage_entries').column('at').execute();
  await db.schema.createIndex('usage_entries_by_user').on('usage_entries').columns(['user_id', 'at']).execute();
  await db.schema.createIndex('usage_entries_by_key').on('usage_entries').columns(['key_id', 'at']).execute();
  await db.schema.createIndex('usage_entries_by_run').on('usage_entries').column('run_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('usage_entries').execute();
}
