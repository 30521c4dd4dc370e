import { type Kysely, sql } from 'kysely';

/**
 * Runs that wait for their client: an answer may be WAITING (a client tool's result or an
 * approval), its paused step kept in `pending` so any replica, or this one after a restart, can
 * resume it; agents name the tools that need approval.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table messages drop constraint messages_status_check`.execute(db);
  await sql`alter table messages add constraint messages_status_check check (status in ('COMPLETE', 'CANCELLED', 'FAILED', 'STREAMING', 'WAITING'))`.execute(db);
  await db.schema.alterTable('messages').addColumn('pending', 'jsonb').execute();
  // Start-up re-arms the timeouts of waiting runs: a short list, found without a scan.
  await sql`create index messages_waiting on messages (status) where status = 'WAITING'`.execute(db);
  await db.schema.alterTable('agents').addColumn('require_approval', 'jsonb').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('agents').dropColumn('require_approval').execute();
  await sql`drop index messages_waiting`.execute(db);
  await db.schema.alterTable('messages').dropColumn('pending').execute();
  await sql`alter table messages drop constraint messages_status_check`.execute(db);
  await sql`alter table messages add constraint messages_status_check check (status in ('COMPLETE', 'CANCELLED', 'FAILED', 'STREAMING'))`.execute(db);
}
