import type { UsagePurpose } from './usage-entry.js';

/** What a usage report may be grouped by; one list for the API's enum and the store's query. DAY and HOUR are UTC buckets. */
export const USAGE_DIMENSIONS = ['USER', 'KEY', 'AGENT', 'MODEL', 'PURPOSE', 'DAY', 'HOUR'] as const;
export type UsageDimension = (typeof USAGE_DIMENSIONS)[number];

/** Rows a report reads: each field given narrows them (equality). */
export interface UsageFilter {
  userId?: string | null | undefined;
  keyId?: string | null | undefined;
  agentId?: string | null | undefined;
  model?: string | null | undefined;
  purpose?: UsagePurpose | null | undefined;
  runId?: string | null | undefined;
}

/** Sums over a set of ledger rows. */
export interface UsageTotals {
  calls: number;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  reasoningTokens: number;
  /** input + output. */
  totalTokens: number;
  /** US dollars, over the priced calls only (0 when none was priced). */
  costUsd: number;
  /** Calls whose model had no price when they were made: counted in the tokens, not in the cost. */
  unpricedCalls: number;
}

/** One group: the values of the dimensions grouped by (the others are undefined), and its sums. Null is "none" (a call for no user). */
export interface UsageGroup extends UsageTotals {
  userId?: string | null;
  keyId?: string | null;
  agentId?: string | null;
  model?: string;
  purpose?: UsagePurpose;
  /** The UTC day or hour the calls fall in, when grouped by DAY or HOUR. */
  bucketStart?: Date;
}

export interface UsageReport {
  /** The range read, [from, to). */
  from: Date;
  to: Date;
  groupBy: UsageDimension[];
  totals: UsageTotals;
  /** Time buckets first (oldest first), then the most costly, then the most tokens. */
  groups: UsageGroup[];
  /** Models of calls in the range that had no price, alphabetically. */
  unpricedModels: string[];
}

/** What the store is asked: the range, the rows (owner null: the backend's own rows; undefined: everyone's) and the grouping. */
export interface UsageAggregation {
  from: Date;
  to: Date;
  owner: string | null | undefined;
  filter: Omit<UsageFilter, 'userId'>;
  groupBy: readonly UsageDimension[];
  /** Groups read at most (one more tells the caller there are more). */
  limit: number;
}
