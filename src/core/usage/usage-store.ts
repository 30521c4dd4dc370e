import { CompiledQuery, type Expression, type Kysely, type SqlBool, sql } from 'kysely';
import type { Tables } from '../../db/tables.js';
import { USAGE_PURPOSES, type UsageByPurpose, type UsageEntry, type UsagePurpose } from './usage-entry.js';
import type { UsageAggregation, UsageDimension, UsageGroup, UsageTotals } from './usage-report.js';

/** Each dimension's column (or UTC bucket) and the name it is read back as. */
const DIMENSION_SQL: Record<UsageDimension, { expression: ReturnType<typeof sql>; alias: string }> = {
  USER: { expression: sql`user_id`, alias: 'user_id' },
  KEY: { expression: sql`key_id`, alias: 'key_id' },
  AGENT: { expression: sql`agent_id`, alias: 'agent_id' },
  MODEL: { expression: sql`model`, alias: 'model' },
  PURPOSE: { expression: sql`purpose`, alias: 'purpose' },
  // date_trunc of the UTC wall-clock time, read back as an instant: buckets are UTC whatever the session's time zone.
  DAY: { expression: sql`(date_trunc('day', at at time zone 'UTC') at time zone 'UTC')`, alias: 'bucket_start' },
  HOUR: { expression: sql`(date_trunc('hour', at at time zone 'UTC') at time zone 'UTC')`, alias: 'bucket_start' },
};

// Sums as float8: bigint would come back as a string from node-postgres; exact for integers below 2^53.
const SUMS = sql`count(*)::int as calls,
  coalesce(sum(input_tokens), 0)::float8 as input_tokens,
  coalesce(sum(output_tokens), 0)::float8 as output_tokens,
  coalesce(sum(cached_tokens), 0)::float8 as cached_tokens,
  coalesce(sum(reasoning_tokens), 0)::float8 as reasoning_tokens,
  coalesce(sum(cost_usd), 0)::float8 as cost_usd,
  (count(*) filter (where cost_usd is null))::int as unpriced_calls`;

interface SumsRow {
  calls: number;
  input_tokens: number;
  output_tokens: number;
  cached_tokens: number;
  reasoning_tokens: number;
  cost_usd: number;
  unpriced_calls: number;
}

type GroupRow = SumsRow & { user_id?: string | null; key_id?: string | null; agent_id?: string | null; model?: string; purpose?: string; bucket_start?: Date | string };

/** A batch's insert, its rows' placeholders between (13 columns a row, in this order); an entry already stored (a retry after a lost commit answer) is skipped. */
const INSERT_ENTRIES = `insert into usage_entries (entry_id, at, user_id, key_id, agent_id, model, run_id, purpose, input_tokens, output_tokens, cached_tokens, reasoning_tokens, cost_usd) values `;
const ON_CONFLICT = ' on conflict (entry_id) do nothing';

/** Rows of usage_entries; knows SQL, not permissions. */
export class UsageStore {
  constructor(readonly db: Kysely<Tables>) {}

  /** One statement for the whole batch, its text built by hand (kysely's builder cost ~2 µs a row a second for every chat). */
  async insert(entries: readonly UsageEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const values: unknown[] = [];
    const rows: string[] = [];
    for (const entry of entries) {
      const n = values.length;
      rows.push(`($${n + 1}, $${n + 2}, $${n + 3}, $${n + 4}, $${n + 5}, $${n + 6}, $${n + 7}, $${n + 8}, $${n + 9}, $${n + 10}, $${n + 11}, $${n + 12}, $${n + 13})`);
      values.push(entry.id, entry.at, entry.userId, entry.keyId, entry.agentId, entry.model, entry.runId, entry.purpose, entry.inputTokens, entry.outputTokens, entry.cachedTokens, entry.reasoningTokens, entry.costUsd);
    }
    await this.db.executeQuery(CompiledQuery.raw(`${INSERT_ENTRIES}${rows.join(', ')}${ON_CONFLICT}`, values));
  }

  /**
   * The sums over the rows asked for, per group of the dimensions named (at most `limit` groups),
   * over all of them, and the models among them that had no price: three statements over the same rows.
   */
  async aggregate(query: UsageAggregation): Promise<{ totals: UsageTotals; groups: UsageGroup[]; unpricedModels: string[] }> {
    const where = whereOf(query);
    const dimensions = [...new Set(query.groupBy)].map((dimension) => DIMENSION_SQL[dimension]);
    const totalsRow = (await sql<SumsRow>`select ${SUMS} from usage_entries where ${where}`.execute(this.db)).rows[0]!;
    let groups: UsageGroup[] = [];
    if (dimensions.length > 0) {
      const columns = sql.join(dimensions.map(({ expression, alias }) => sql`${expression} as ${sql.ref(alias)}`));
      const keys = sql.join(dimensions.map(({ expression }) => expression));
      const bucket = dimensions.find(({ alias }) => alias === 'bucket_start');
      // Oldest bucket first, then the costliest, then the most tokens; the dimensions last so ties read the same every time.
      const order = sql.join([
        ...(bucket ? [sql`${bucket.expression}`] : []),
        sql`coalesce(sum(cost_usd), 0) desc`,
        sql`sum(input_tokens) + sum(output_tokens) desc`,
        ...dimensions.filter(({ alias }) => alias !== 'bucket_start').map(({ expression }) => sql`${expression} nulls first`),
      ]);
      const rows = await sql<GroupRow>`select ${columns}, ${SUMS} from usage_entries where ${where} group by ${keys} order by ${order} limit ${query.limit}`.execute(this.db);
      groups = rows.rows.map(groupOf);
    }
    // The totals already say whether any call was unpriced: only then are the models looked up.
    const unpriced = totalsRow.unpriced_calls > 0 ? (await sql<{ model: string }>`select distinct model from usage_entries where ${where} and cost_usd is null order by model`.execute(this.db)).rows : [];
    return { totals: totalsOf(totalsRow), groups, unpricedModels: unpriced.map((row) => row.model) };
  }

  /** Deletes the calls made before `cutoff`, in one statement; returns how many. */
  async deleteBefore(cutoff: Date): Promise<number> {
    const result = await this.db.deleteFrom('usage_entries').where('at', '<', cutoff).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /**
   * An erased user's calls keep their tokens and cost, not their user id, nor the id of an agent
   * that was theirs (a private agent's id may name them); returns how many rows changed.
   */
  async forgetUser(userId: string, agentIds: readonly string[] = []): Promise<number> {
    const result = await this.db
      .updateTable('usage_entries')
      .set((eb) => ({
        user_id: sql<string | null>`case when ${eb.ref('user_id')} = ${userId} then null else ${eb.ref('user_id')} end`,
        ...(agentIds.length ? { agent_id: eb.case().when('agent_id', 'in', agentIds).then(sql<string | null>`null`).else(eb.ref('agent_id')).end() } : {}),
      }))
      .where((eb) => eb.or([eb('user_id', '=', userId), ...(agentIds.length ? [eb('agent_id', 'in', agentIds)] : [])]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** The calls of these runs, summed by purpose (purposes with no call left out). */
  async sumByPurpose(runIds: readonly string[]): Promise<UsageByPurpose[]> {
    if (runIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('usage_entries')
      .select((eb) => [
        'purpose',
        eb.fn.countAll<string>().as('calls'),
        eb.fn.sum<string>('input_tokens').as('input'),
        eb.fn.sum<string>('output_tokens').as('output'),
        eb.fn.sum<string>('cached_tokens').as('cached'),
        eb.fn.sum<string>('reasoning_tokens').as('reasoning'),
        eb.fn.sum<number | null>('cost_usd').as('cost'),
      ])
      .where('run_id', 'in', runIds)
      .groupBy('purpose')
      .execute();
    const byPurpose = new Map(rows.map((row) => [row.purpose, row]));
    // In the enum's order, so answers read the same on both databases.
    return USAGE_PURPOSES.flatMap((purpose) => {
      const row = byPurpose.get(purpose);
      if (!row) return [];
      return [{ purpose, calls: Number(row.calls), inputTokens: Number(row.input), outputTokens: Number(row.output), cachedTokens: Number(row.cached), reasoningTokens: Number(row.reasoning), costUsd: row.cost === null ? null : Number(row.cost) }];
    });
  }
}

function whereOf({ from, to, owner, filter }: UsageAggregation): Expression<SqlBool> {
  const conditions = [sql`at >= ${from}`, sql`at < ${to}`];
  if (owner !== undefined) conditions.push(owner === null ? sql`user_id is null` : sql`user_id = ${owner}`);
  const equal = { key_id: filter.keyId, agent_id: filter.agentId, model: filter.model, purpose: filter.purpose, run_id: filter.runId };
  for (const [column, value] of Object.entries(equal)) if (value != null) conditions.push(sql`${sql.ref(column)} = ${value}`);
  return sql<SqlBool>`${sql.join(conditions, sql` and `)}`;
}

const totalsOf = (row: SumsRow): UsageTotals => ({
  calls: Number(row.calls),
  inputTokens: Number(row.input_tokens),
  outputTokens: Number(row.output_tokens),
  cachedTokens: Number(row.cached_tokens),
  reasoningTokens: Number(row.reasoning_tokens),
  totalTokens: Number(row.input_tokens) + Number(row.output_tokens),
  costUsd: Number(row.cost_usd),
  unpricedCalls: Number(row.unpriced_calls),
});

function groupOf(row: GroupRow): UsageGroup {
  const group: UsageGroup = totalsOf(row);
  if ('user_id' in row) group.userId = row.user_id ?? null;
  if ('key_id' in row) group.keyId = row.key_id ?? null;
  if ('agent_id' in row) group.agentId = row.agent_id ?? null;
  if (row.model !== undefined) group.model = row.model;
  if (row.purpose !== undefined) group.purpose = row.purpose as UsagePurpose;
  if (row.bucket_start !== undefined) group.bucketStart = new Date(row.bucket_start);
  return group;
}
