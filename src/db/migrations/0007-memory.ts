import { type Kysely, sql } from 'kysely';

/**
 * Memory: the long-term ledger (memories), the embedded user-context store (user_context_facts), and
 * full-text search over memories and messages. Vector columns are not here: their dimension is a
 * setting, so db/vector-columns.ts adds them at start-up when the server has pgvector.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('memories')
    .addColumn('id', 'text', (c) => c.primaryKey())
    // null: memories of credentials that act for no user (the backend's own).
    .addColumn('user_id', 'text')
    .addColumn('agent_id', 'text')
    .addColumn('content', 'text', (c) => c.notNull())
    .addColumn('metadata', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('importance', 'real', (c) => c.notNull().defaultTo(0.5))
    .addColumn('source', 'text', (c) => c.notNull().check(sql`source in ('MANUAL', 'EXTRACTED', 'AGENT')`))
    // EXTRACTED: the message the fact came from (kept when that message is deleted: the fact stands).
    .addColumn('source_message_id', 'text')
    .addColumn('confidence', 'real', (c) => c.notNull().defaultTo(1))
    // A fact's key (e.g. "preferences.theme"): a newer fact with the same key supersedes it.
    .addColumn('fact_key', 'text')
    // Set when a newer fact contradicted it: kept for the record, no longer used.
    .addColumn('valid_until', 'timestamptz')
    .addColumn('superseded_by', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    // null until its embedding is stored (or while none can be: no model, no pgvector).
    .addColumn('embedded_at', 'timestamptz')
    .addColumn('embedding_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await sql`alter table memories add column tsv tsvector generated always as (to_tsvector('english'::regconfig, content)) stored`.execute(db);
  await sql`create index memories_tsv on memories using gin (tsv)`.execute(db);
  await sql`create index memories_by_user on memories (user_id, created_at desc, id desc)`.execute(db);
  await sql`create index memories_metadata on memories using gin (metadata jsonb_path_ops)`.execute(db);
  await sql`create index memories_fact_key on memories (user_id, fact_key) where fact_key is not null and valid_until is null`.execute(db);
  await sql`create index memories_unembedded on memories (created_at) where embedded_at is null`.execute(db);

  // Not generated: checkpoints rewrite a streaming answer's text twice a second. The indexer fills
  // it (and the embedding) once the turn is settled, after the answer, off the chat's path.
  await sql`alter table messages add column tsv tsvector`.execute(db);
  await sql`create index messages_tsv on messages using gin (tsv)`.execute(db);
  await db.schema.alterTable('messages').addColumn('indexed_at', 'timestamptz').execute();
  await db.schema.alterTable('messages').addColumn('embedded_at', 'timestamptz').execute();
  await db.schema.alterTable('messages').addColumn('embedding_attempts', 'integer', (c) => c.notNull().defaultTo(0)).execute();

  // User context (memobase) on PostgreSQL: one row per leaf of a user's knowledge, its path in dots.
  await db.schema
    .createTable('user_context_facts')
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('value', 'jsonb', (c) => c.notNull())
    .addColumn('importance', 'real', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('confidence', 'real', (c) => c.notNull().defaultTo(1))
    .addColumn('source_message_id', 'text')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('user_context_facts_pk', ['user_id', 'path'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('user_context_facts').execute();
  await sql`drop index messages_tsv`.execute(db);
  await db.schema.alterTable('messages').dropColumn('tsv').dropColumn('indexed_at').dropColumn('embedded_at').dropColumn('embedding_attempts').execute();
  await db.schema.dropTable('memories').execute();
}
