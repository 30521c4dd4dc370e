import { type Kysely, sql } from 'kysely';

/**
 * Answers are stored from the moment their run starts (status STREAMING) and checkpointed as they
 * grow, so a crash leaves the text that had arrived; start-up marks leftovers FAILED (interrupted).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table messages drop constraint messages_status_check`.execute(db);
  await sql`alter table messages add constraint messages_status_check check (status in ('COMPLETE', 'CANCELLED', 'FAILED', 'STREAMING'))`.execute(db);
  // The seq of the last run event the stored text includes: a replay after a restart continues from it.
  await db.schema.alterTable('messages').addColumn('last_seq', 'integer').execute();
  // Renewed while the run lives (its lease): replicas sharing a server interrupt only answers whose owner went silent.
  await db.schema.alterTable('messages').addColumn('checkpointed_at', 'timestamptz').execute();
  await sql`create index messages_streaming on messages (status) where status = 'STREAMING'`.execute(db);
  await db.schema.createIndex('messages_by_run').on('messages').column('run_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('messages_by_run').execute();
  await db.schema.dropIndex('messages_streaming').execute();
  await db.schema.alterTable('messages').dropColumn('checkpointed_at').execute();
  await db.schema.alterTable('messages').dropColumn('last_seq').execute();
  await sql`alter table messages drop constraint messages_status_check`.execute(db);
  await sql`alter table messages add constraint messages_status_check check (status in ('COMPLETE', 'CANCELLED', 'FAILED'))`.execute(db);
}
