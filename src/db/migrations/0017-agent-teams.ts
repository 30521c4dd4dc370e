import { type Kysely, sql } from 'kysely';

/**
 * Agent teams. An agent lists the agents it may delegate to (`delegates`, each offered as an
 * `ask_<id>` tool) and hand its conversation to (`handoffs`, `transfer_to_<id>`); null: none.
 * A delegation's child run answers in a conversation of its own, linked to the parent's
 * conversation and run, so `Run.children` is one indexed read and the child stays replayable.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('agents').addColumn('delegates', 'jsonb').addColumn('handoffs', 'jsonb').execute();
  await db.schema
    .alterTable('conversations')
    .addColumn('parent_conversation_id', 'text', (c) => c.references('conversations.id').onDelete('cascade'))
    .addColumn('parent_run_id', 'text')
    .execute();
  await db.schema.createIndex('conversations_by_parent_run').on('conversations').column('parent_run_id').where(sql.ref('parent_run_id'), 'is not', null).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('conversations_by_parent_run').execute();
  await db.schema.alterTable('conversations').dropColumn('parent_run_id').dropColumn('parent_conversation_id').execute();
  await db.schema.alterTable('agents').dropColumn('handoffs').dropColumn('delegates').execute();
}
