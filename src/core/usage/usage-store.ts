import { type Kysely, sql } from 'kysely';
import type { Tables } from '../../db/tables.js';
import { USAGE_PURPOSES, type UsageByPurpose, type UsageEntry } from './usage-entry.js';

/** Rows of usage_entries; knows SQL, not permissions. */
export class UsageStore {
  constructor(readonly db: Kysely<Tables>) {}

  /** One statement for the whole batch. */
  async insert(entries: readonly UsageEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.db
      .insertInto('usage_entries')
      .values(
        entries.map((entry) => ({
          at: entry.at,
          user_id: entry.userId,
          key_id: entry.keyId,
          agent_id: entry.agentId,
          model: entry.model,
          run_id: entry.runId,
          purpose: entry.purpose,
          input_tokens: entry.inputTokens,
          output_tokens: entry.outputTokens,
          cached_tokens: entry.cachedTokens,
          reasoning_tokens: entry.reasoningTokens,
          cost_usd: entry.costUsd,
        })),
      )
      .execute();
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
