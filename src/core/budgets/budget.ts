import { z } from 'zod';
import { userIdSchema } from '../input-limits.js';
import type { UsageEntry } from '../usage/usage-entry.js';

/** One list per enum: the API's enums and the table's checks. */
export const BUDGET_SCOPES = ['KEY', 'USER'] as const;
export type BudgetScope = (typeof BUDGET_SCOPES)[number];
export const BUDGET_METRICS = ['TOKENS', 'COST'] as const;
export type BudgetMetric = (typeof BUDGET_METRICS)[number];
export const BUDGET_PERIODS = ['DAY', 'MONTH'] as const;
export type BudgetPeriod = (typeof BUDGET_PERIODS)[number];

/** Beyond these an amount is a typo, not a budget. */
export const MAX_BUDGET_TOKENS = 1e12;
export const MAX_BUDGET_USD = 1e9;

/** A limit on what one API key or one user may spend per UTC calendar day or month. */
export interface Budget {
  id: string;
  scope: BudgetScope;
  /** The API key's id (`env:…` for the environment's keys), or the user's id. */
  subjectId: string;
  metric: BudgetMetric;
  period: BudgetPeriod;
  /** Tokens (input + output), or US dollars. */
  limit: number;
  /** A hard budget refuses runs and stops them; a soft one only warns (a log line and a metric). */
  hard: boolean;
  createdAt: Date;
}

/** A budget with what was spent in its current period. */
export interface BudgetState extends Budget {
  spent: number;
  remaining: number;
  /** When the current period ends and the spend starts again from zero. */
  resetsAt: Date;
  exceeded: boolean;
}

/** What one ledger entry spends of a budget of `metric`: its tokens (input + output), or its dollars (unpriced: none). */
export const spendOf = (metric: BudgetMetric, entry: Pick<UsageEntry, 'inputTokens' | 'outputTokens' | 'costUsd'>): number =>
  metric === 'TOKENS' ? entry.inputTokens + entry.outputTokens : (entry.costUsd ?? 0);

/** The UTC calendar period containing `at`: [start, end). */
export function periodOf(period: BudgetPeriod, at: Date = new Date()): { start: Date; end: Date } {
  const y = at.getUTCFullYear();
  const m = at.getUTCMonth();
  if (period === 'MONTH') return { start: new Date(Date.UTC(y, m, 1)), end: new Date(Date.UTC(y, m + 1, 1)) };
  const d = at.getUTCDate();
  return { start: new Date(Date.UTC(y, m, d)), end: new Date(Date.UTC(y, m, d + 1)) };
}

/** What an admin sets: exactly one subject and exactly one amount. */
export const budgetInputSchema = z
  .strictObject({
    keyId: z.string().min(1).max(200).nullish(),
    userId: userIdSchema.nullish(),
    tokens: z.number().int('must be a whole number of tokens').positive('must be more than 0').max(MAX_BUDGET_TOKENS, `must be at most ${MAX_BUDGET_TOKENS} tokens`).nullish(),
    costUsd: z.number().positive('must be more than 0').max(MAX_BUDGET_USD, `must be at most ${MAX_BUDGET_USD} dollars`).nullish(),
    period: z.enum(BUDGET_PERIODS),
    hard: z.boolean().nullish(),
  })
  .superRefine((input, ctx) => {
    // Each message follows the field it names (`Invalid input: userId cannot …`), the way REST renames it (`user_id cannot …`).
    if (input.keyId == null && input.userId == null) ctx.addIssue({ code: 'custom', path: ['keyId'], message: 'is required, or a user id instead' });
    if (input.keyId != null && input.userId != null) ctx.addIssue({ code: 'custom', path: ['userId'], message: 'cannot be given with a key id: a budget is one key’s or one user’s' });
    if (input.tokens == null && input.costUsd == null) ctx.addIssue({ code: 'custom', path: ['tokens'], message: 'is required, or a cost in dollars instead' });
    if (input.tokens != null && input.costUsd != null) ctx.addIssue({ code: 'custom', path: ['costUsd'], message: 'cannot be given with tokens: a budget counts tokens or dollars, not both' });
  });
export type BudgetInput = z.input<typeof budgetInputSchema>;

/** The same input without its subject (a key created with its budget). */
export type KeyBudgetInput = Omit<BudgetInput, 'keyId' | 'userId'>;
