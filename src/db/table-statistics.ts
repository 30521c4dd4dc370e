import { type Kysely, sql } from 'kysely';
import type { Tables } from './tables.js';

/**
 * The embedded database runs no autovacuum, so its planner's statistics would stay those of an
 * empty table, and a user's filtered vector search would pick a plan 10× slower (bench/README.md,
 * "Memory search"). This does autovacuum's analyze step: a table changed by more than 10% (at
 * least 500 rows) since its last ANALYZE is analyzed again. Returns the tables it analyzed.
 */
export async function analyzeIfStale(db: Kysely<Tables>, tables: ReadonlyArray<keyof Tables>): Promise<string[]> {
  const analyzed: string[] = [];
  for (const table of tables) {
    const { rows } = await sql<{ rows: string; estimate: number }>`select (select count(*) from ${sql.table(table)}) as rows,
      (select reltuples from pg_class where oid = to_regclass(${table})) as estimate`.execute(db);
    const live = Number(rows[0]?.rows ?? 0);
    const estimate = Math.max(0, Number(rows[0]?.estimate ?? 0));
    if (Math.abs(live - estimate) > Math.max(500, estimate * 0.1)) {
      await sql`analyze ${sql.table(table)}`.execute(db);
      analyzed.push(table);
    }
  }
  return analyzed;
}
