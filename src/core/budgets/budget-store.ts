import { randomUUID } from 'node:crypto';
import { type Kysely, type Selectable, sql } from 'kysely';
import type { BudgetsTable, Tables } from '../../db/tables.js';
import type { Budget, BudgetMetric, BudgetPeriod, BudgetScope } from './budget.js';

/** Rows of budgets, and the ledger sums counters are rebuilt from; knows SQL, not permissions. */
export class BudgetStore {
  constructor(private readonly db: Kysely<Tables>) {}

  /** One budget per subject, metric and period: setting it again replaces its limit and hardness (its id stays). */
  async upsert(budget: { scope: BudgetScope; subjectId: string; metric: BudgetMetric; period: BudgetPeriod; limit: number; hard: boolean }): Promise<Budget> {
    const row = await this.db
      .insertInto('budgets')
      .values({ id: randomUUID(), scope: budget.scope, subject_id: budget.subjectId, metric: budget.metric, period: budget.period, limit_amount: budget.limit, hard: budget.hard })
      .onConflict((c) => c.columns(['scope', 'subject_id', 'metric', 'period']).doUpdateSet({ limit_amount: budget.limit, hard: budget.hard }))
      .returningAll()
      .executeTakeFirstOrThrow();
    return toBudget(row);
  }

  async remove(id: string): Promise<Budget | undefined> {
    const row = await this.db.deleteFrom('budgets').where('id', '=', id).returningAll().executeTakeFirst();
    return row && toBudget(row);
  }

  /** A revoked key's or a forgotten user's budgets. */
  async removeFor(scope: BudgetScope, subjectId: string): Promise<number> {
    const result = await this.db.deleteFrom('budgets').where('scope', '=', scope).where('subject_id', '=', subjectId).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async all(): Promise<Budget[]> {
    const rows = await this.db.selectFrom('budgets').selectAll().orderBy('created_at').orderBy('id').execute();
    return rows.map(toBudget);
  }

  /** Spend of a key or a user from `from` up to and including `until`, from the ledger. */
  async spent(scope: BudgetScope, subjectId: string, metric: BudgetMetric, from: Date, until: Date): Promise<number> {
    const column = scope === 'KEY' ? 'key_id' : 'user_id';
    const amount = metric === 'TOKENS' ? sql<string>`coalesce(sum(input_tokens + output_tokens), 0)` : sql<string>`coalesce(sum(cost_usd), 0)`;
    const row = await this.db
      .selectFrom('usage_entries')
      .select(amount.as('spent'))
      .where(column, '=', subjectId)
      .where('at', '>=', from)
      .where('at', '<=', until)
      .executeTakeFirstOrThrow();
    return Number(row.spent);
  }

  /** Whether a user is known: an API key is bound to them, a conversation is theirs, or the ledger names them. */
  async userIsKnown(userId: string): Promise<boolean> {
    const row = await this.db
      .selectNoFrom((eb) => [
        eb.exists(eb.selectFrom('api_keys').select('id').where('user_id', '=', userId)).as('key'),
        eb.exists(eb.selectFrom('conversations').select('id').where('user_id', '=', userId)).as('conversation'),
        eb.exists(eb.selectFrom('usage_entries').select('id').where('user_id', '=', userId)).as('usage'),
      ])
      .executeTakeFirstOrThrow();
    return Boolean(row.key || row.conversation || row.usage);
  }

  /** Whether an API key row exists and works (revoked keys take no budgets). */
  async keyIsActive(keyId: string): Promise<boolean> {
    const row = await this.db.selectFrom('api_keys').select('id').where('id', '=', keyId).where('revoked_at', 'is', null).executeTakeFirst();
    return row !== undefined;
  }
}

function toBudget(row: Selectable<BudgetsTable>): Budget {
  return {
    id: row.id,
    scope: row.scope,
    subjectId: row.subject_id,
    metric: row.metric,
    period: row.period,
    limit: Number(row.limit_amount),
    hard: row.hard,
    createdAt: row.created_at,
  };
}
