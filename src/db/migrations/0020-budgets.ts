import { type Kysely, sql } from 'kysely';

/**
 * Budgets: a limit on the tokens or dollars one API key or one user may spend per UTC day or
 * month. One budget per subject, metric and period (setting one again replaces it). What was
 * spent is not stored here: the usage ledger (usage_entries) is the truth, counters are caches.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('budgets')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('scope', 'text', (c) => c.notNull().check(sql`scope in ('KEY', 'USER')`))
    .addColumn('subject_id', 'text', (c) => c.notNull())
    .addColumn('metric', 'text', (c) => c.notNull().check(sql`metric in ('TOKENS', 'COST')`))
    .addColumn('period', 'text', (c) => c.notNull().check(sql`period in ('DAY', 'MONTH')`))
    // Tokens (whole) or US dollars.
    .addColumn('limit_amount', 'double precision', (c) => c.notNull().check(sql`limit_amount > 0`))
    .addColumn('hard', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('budgets_one_per_subject_metric_period', ['scope', 'subject_id', 'metric', 'period'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('budgets').execute();
}
