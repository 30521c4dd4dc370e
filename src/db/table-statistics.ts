import { type Kysely, sql } from 'kysely';
import type { Tables } from './tables.js';

/** What one round of upkeep did. */
export interface TableUpkeep {
  analyzed: string[];
  vacuumed: string[];
}

interface TableActivity {
  table: string;
  live: number;
  dead: number;
  modified: number;
  estimate: number;
}

/**
 * The embedded database runs no autovacuum, so this does its two jobs, decided from the cumulative
 * statistics (two small statements; no table is counted):
 * - ANALYZE a table changed by more than 10% (at least 500 rows) since its last ANALYZE: without it
 *   the planner keeps an empty table's statistics, and a user's filtered vector search picks a plan
 *   10× slower (bench/README.md, "Memory search");
 * - VACUUM a table with more dead row versions than autovacuum allows (50 + 20% of the live rows):
 *   they stay in its HNSW index too, and a filtered iterative-scan search walking through them can
 *   come back empty.
 */
export async function keepTables(db: Kysely<Tables>, tables: ReadonlyArray<keyof Tables>): Promise<TableUpkeep> {
  const activity = await tableActivity(db, tables);
  const analyzed: string[] = [];
  const vacuumed: string[] = [];
  for (const { table, live, dead, modified, estimate } of activity) {
    const vacuum = dead > 50 + 0.2 * live;
    const analyze = modified > Math.max(500, estimate * 0.1);
    // VACUUM ANALYZE: one pass over the table for both.
    if (vacuum) await sql`vacuum ${analyze ? sql`analyze` : sql``} ${sql.table(table)}`.execute(db);
    else if (analyze) await sql`analyze ${sql.table(table)}`.execute(db);
    if (vacuum) vacuumed.push(table);
    if (analyze) analyzed.push(table);
  }
  return { analyzed, vacuumed };
}

async function tableActivity(db: Kysely<Tables>, tables: ReadonlyArray<keyof Tables>): Promise<TableActivity[]> {
  if (tables.length === 0) return [];
  // The session's counters reach the shared statistics at the end of a statement, at most once a
  // second unless forced: forced here, so the read below sees every change made so far.
  await sql`select pg_stat_force_next_flush()`.execute(db);
  const { rows } = await sql<{ table: string; live: string; dead: string; modified: string; estimate: number }>`
    select s.relname as table, s.n_live_tup as live, s.n_dead_tup as dead, s.n_mod_since_analyze as modified, c.reltuples as estimate
    from pg_stat_user_tables s join pg_class c on c.oid = s.relid
    where s.schemaname = current_schema() and s.relname in (${sql.join(tables)})`.execute(db);
  return rows.map((row) => ({
    table: row.table,
    live: Number(row.live),
    dead: Number(row.dead),
    modified: Number(row.modified),
    // -1: never analyzed nor vacuumed.
    estimate: Math.max(0, Number(row.estimate)),
  }));
}
