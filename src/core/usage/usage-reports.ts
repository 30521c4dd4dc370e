import { z } from 'zod';
import type { Principal } from '../auth/principal.js';
import { rowsOwnedBy, viewerOf } from '../auth/visibility.js';
import { badInput } from '../errors.js';
import { idSchema, userIdSchema } from '../input-limits.js';
import { parseInput } from '../validation.js';
import { USAGE_PURPOSES } from './usage-entry.js';
import type { UsageLedger } from './usage-ledger.js';
import { USAGE_DIMENSIONS, type UsageDimension, type UsageFilter, type UsageReport } from './usage-report.js';
import type { UsageStore } from './usage-store.js';

const DAY_MS = 86_400_000;
/** The range read when none is given: the last 30 days. */
export const DEFAULT_USAGE_RANGE_DAYS = 30;
/** The widest range one report reads (the ledger keeps 400 days by default). */
export const MAX_USAGE_RANGE_DAYS = 400;
/** Grouped by HOUR, at most this many days: 744 buckets. */
export const MAX_HOURLY_RANGE_DAYS = 31;
/** Groups one report returns at most; more is refused, naming how to narrow it. */
export const MAX_USAGE_GROUPS = 10_000;

export interface UsageQuery {
  from?: Date | null | undefined;
  to?: Date | null | undefined;
  groupBy?: readonly UsageDimension[] | null | undefined;
  filter?: UsageFilter | null | undefined;
  /** Act for this user (admins and unbound user keys); the same as `filter.userId`. */
  userId?: string | null | undefined;
}

const querySchema = z.object({
  from: z.date().nullish(),
  to: z.date().nullish(),
  groupBy: z.array(z.enum(USAGE_DIMENSIONS)).max(USAGE_DIMENSIONS.length).nullish(),
  filter: z
    .object({
      userId: userIdSchema.nullish(),
      keyId: idSchema.nullish(),
      agentId: idSchema.nullish(),
      model: idSchema.nullish(),
      purpose: z.enum(USAGE_PURPOSES).nullish(),
      runId: idSchema.nullish(),
    })
    .nullish(),
  userId: userIdSchema.nullish(),
});

/**
 * Reports over the usage ledger: tokens and cost summed per user, key, agent, model, purpose and
 * UTC day or hour. A user reads their own calls; an admin everyone's, or one user's.
 */
export class UsageReports {
  constructor(
    private readonly store: UsageStore,
    private readonly ledger: UsageLedger,
  ) {}

  async report(principal: Principal, input: UsageQuery): Promise<UsageReport> {
    const query = parseInput(querySchema, input);
    const filter = query.filter ?? {};
    if (query.userId != null && filter.userId != null && query.userId !== filter.userId) throw badInput('userId and filter.userId name different users: give one');
    // Naming another user is FORBIDDEN for a credential pinned to its own, as everywhere.
    const viewer = viewerOf(principal, query.userId ?? filter.userId);
    const groupBy = [...new Set(query.groupBy ?? [])];
    if (groupBy.includes('DAY') && groupBy.includes('HOUR')) throw badInput('groupBy takes DAY or HOUR, not both');
    const to = query.to ?? new Date();
    const from = query.from ?? new Date(to.getTime() - DEFAULT_USAGE_RANGE_DAYS * DAY_MS);
    if (from >= to) throw badInput(`from must be before to (from ${from.toISOString()}, to ${to.toISOString()})`);
    const maxDays = groupBy.includes('HOUR') ? MAX_HOURLY_RANGE_DAYS : MAX_USAGE_RANGE_DAYS;
    if (to.getTime() - from.getTime() > maxDays * DAY_MS) {
      throw badInput(`The range may span at most ${maxDays} days${groupBy.includes('HOUR') ? ' when grouped by HOUR' : ''} (from ${from.toISOString()} to ${to.toISOString()} is longer)`);
    }
    // A read, not the hot path: what the ledger still holds is written first, so the report includes it.
    await this.ledger.flush();
    const { totals, groups, unpricedModels } = await this.store.aggregate({ from, to, owner: rowsOwnedBy(viewer), filter, groupBy, limit: MAX_USAGE_GROUPS + 1 });
    if (groups.length > MAX_USAGE_GROUPS) {
      throw badInput(`More than ${MAX_USAGE_GROUPS.toLocaleString('en')} groups: narrow the range or the filter, or group by fewer dimensions`);
    }
    return { from, to, groupBy, totals, groups, unpricedModels };
  }
}
