import type { ApiKey, CreatedApiKey } from '../auth/api-keys.js';
import { actingUserId, type Principal, requireAdmin, requireAuthenticated } from '../auth/principal.js';
import { DomainError, notFound, type ReportError } from '../errors.js';
import type { ChangeBus } from '../feeds/change-bus.js';
import type { UsageEntry } from '../usage/usage-entry.js';
import { parseInput } from '../validation.js';
import { type Budget, type BudgetInput, budgetInputSchema, type BudgetScope, type BudgetState, type KeyBudgetInput, periodOf, spendOf } from './budget.js';
import type { BudgetStore } from './budget-store.js';
import type { CounterOf, CounterPlace, SpendCounters } from './spend-counters.js';

/** What budgets need of auth: keys are created and revoked there, and the environment's keys are known there. */
export interface BudgetKeys {
  createApiKey(principal: Principal, options: { isAdmin: boolean; userId?: string | null; label?: string | null }): Promise<CreatedApiKey>;
  revokeApiKey(principal: Principal, id: string): Promise<void>;
  isEnvironmentKey(id: string): boolean;
  /** The ids of the keys bound to a user (a user sees their keys' budgets). */
  keysOfUser(userId: string): Promise<ApiKey[]>;
}

/** A run as budgets see it: whom its model calls are charged to. */
export interface ChargedRun {
  keyId: string | null;
  owner: { userId: string | null };
}

/** Operators hear of budgets crossed (soft ones only warn). */
export interface BudgetMeter {
  budgetCrossed(scope: BudgetScope, hard: boolean): void;
}

/**
 * Budgets' rules: who may set and read them, which apply to a run, whether a run may start or go
 * on. Spend comes from SpendCounters (never a ledger sum on the hot path, except to rebuild a
 * missing counter once); budgets themselves are held in memory, reloaded when any replica changes one.
 */
export class Budgets {
  private bySubject = new Map<string, Budget[]>();
  private all: Budget[] = [];
  private reloads = 0;
  private readonly currentCounters = new WeakMap<Budget, CounterOf>();

  constructor(
    private readonly deps: {
      store: BudgetStore;
      counters: SpendCounters;
      keys: BudgetKeys;
      bus: ChangeBus;
      meter: BudgetMeter;
      reportError: ReportError;
    },
  ) {}

  /** Loads the budgets and follows other replicas' changes. */
  async start(): Promise<void> {
    await this.reload();
    this.deps.bus.subscribe('budgets', () => void this.reload().catch((error: unknown) => this.deps.reportError(error, 'reloading budgets')));
    this.deps.bus.onReconnect(() => void this.reload().catch((error: unknown) => this.deps.reportError(error, 'reloading budgets')));
  }

  /** Where spend is counted now (health): across replicas, per replica (Redis down), or in the one process. */
  get enforcement(): CounterPlace {
    return this.deps.counters.place;
  }

  // ---- the API ----------------------------------------------------------------------------------

  /** Admin only. Sets the subject's budget for the metric and period, replacing one already set. */
  async set(principal: Principal, input: BudgetInput): Promise<BudgetState> {
    requireAdmin(principal);
    const parsed = parseInput(budgetInputSchema, input);
    if (parsed.keyId != null && !(this.deps.keys.isEnvironmentKey(parsed.keyId) || (await this.deps.store.keyIsActive(parsed.keyId)))) throw notFound('API key', parsed.keyId);
    if (parsed.userId != null && !(await this.deps.store.userIsKnown(parsed.userId))) {
      throw new DomainError('NOT_FOUND', `User "${parsed.userId}" was not found: no API key, conversation or recorded usage names them`, { id: parsed.userId });
    }
    const budget = await this.deps.store.upsert({
      scope: parsed.keyId != null ? 'KEY' : 'USER',
      subjectId: (parsed.keyId ?? parsed.userId)!,
      metric: parsed.tokens != null ? 'TOKENS' : 'COST',
      period: parsed.period,
      limit: (parsed.tokens ?? parsed.costUsd)!,
      hard: parsed.hard ?? true,
    });
    await this.deps.counters.reset(this.counterOf(budget, new Date()));
    await this.changed();
    return this.stateOf(budget);
  }

  /** Admin only. A key and its budget in one step: the budget is checked before the key is made. */
  async createKeyWithBudget(principal: Principal, key: { isAdmin: boolean; userId?: string | null; label?: string | null }, budget: KeyBudgetInput): Promise<{ key: CreatedApiKey; budget: BudgetState }> {
    requireAdmin(principal);
    // The id is not known yet: a placeholder stands for it while the amounts are checked.
    parseInput(budgetInputSchema, { ...budget, keyId: 'new-key' });
    const created = await this.deps.keys.createApiKey(principal, key);
    try {
      return { key: created, budget: await this.set(principal, { ...budget, keyId: created.id }) };
    } catch (error) {
      // No key without the budget it was asked with.
      await this.deps.keys.revokeApiKey(principal, created.id).catch(() => {});
      throw error;
    }
  }

  /** Admin only. NOT_FOUND when there is no such budget. */
  async remove(principal: Principal, id: string): Promise<Budget> {
    requireAdmin(principal);
    const removed = await this.deps.store.remove(id);
    if (!removed) throw notFound('Budget', id);
    await this.deps.counters.reset(this.counterOf(removed, new Date()));
    await this.changed();
    return removed;
  }

  /**
   * Budgets with their spend. Admins see every one (narrowed to `keyId` / `userId` when given); a
   * user sees their own, their credential's and their keys'.
   */
  async list(principal: Principal, filter: { keyId?: string | null; userId?: string | null } = {}): Promise<BudgetState[]> {
    requireAuthenticated(principal);
    let visible = this.all;
    if (principal.kind !== 'ADMIN') {
      const userId = actingUserId(principal, filter.userId);
      const keyIds = new Set<string>(principal.credentialId ? [principal.credentialId] : []);
      if (userId !== undefined) for (const key of await this.deps.keys.keysOfUser(userId)) keyIds.add(key.id);
      visible = visible.filter((budget) => (budget.scope === 'USER' ? budget.subjectId === userId : keyIds.has(budget.subjectId)));
    }
    if (filter.keyId != null) visible = visible.filter((budget) => budget.scope === 'KEY' && budget.subjectId === filter.keyId);
    if (filter.userId != null) visible = visible.filter((budget) => budget.scope === 'USER' && budget.subjectId === filter.userId);
    return Promise.all(visible.map((budget) => this.stateOf(budget)));
  }

  /** A revoked key's budgets go with it (its spend stays in the ledger). */
  async keyRevoked(keyId: string): Promise<void> {
    if ((await this.deps.store.removeFor('KEY', keyId)) === 0) return;
    this.deps.counters.forget('KEY', keyId);
    await this.changed();
  }

  /** An erased user's budgets go with them. */
  async forgetUser(userId: string): Promise<void> {
    if ((await this.deps.store.removeFor('USER', userId)) === 0) return;
    this.deps.counters.forget('USER', userId);
    await this.changed();
  }

  // ---- enforcement ------------------------------------------------------------------------------

  /**
   * Before a run: BUDGET_EXCEEDED when a hard budget of the credential or of the user acted for is
   * spent. Of several, the one that resets last is named (retrying earlier cannot succeed).
   */
  admit(keyId: string | null, userId: string | null | undefined): Promise<void> | undefined {
    const budgets = this.applying(keyId, userId ?? null);
    // No budget applies (the usual case): nothing to await, not even a promise.
    return budgets.length === 0 ? undefined : this.admitUnder(budgets);
  }

  private async admitUnder(budgets: readonly Budget[]): Promise<void> {
    const now = new Date();
    const hard = budgets.filter((budget) => budget.hard);
    const counters = hard.map((budget) => this.counterOf(budget, now));
    // From this process's own counters when it holds them; from Redis side by side otherwise.
    const own = counters.map((counter) => this.deps.counters.ownValue(counter));
    const spent = own.every((value) => value !== undefined) ? own : await Promise.all(counters.map((counter, i) => own[i] ?? this.deps.counters.current(counter)));
    let spentOne: BudgetState | undefined;
    for (const [i, budget] of hard.entries()) {
      const counter = counters[i]!;
      if (spent[i]! < budget.limit || (spentOne && spentOne.resetsAt >= counter.end)) continue;
      spentOne = { ...budget, spent: spent[i]!, remaining: 0, resetsAt: counter.end, exceeded: true };
    }
    if (spentOne) throw budgetExceeded(spentOne);
  }

  /** During a run, after each model step: whether a hard budget it is charged to is spent (synchronous, from the counters). */
  stopsRun(run: ChargedRun): boolean {
    if (this.all.length === 0) return false;
    const now = new Date();
    return this.applying(run.keyId, run.owner.userId).some((budget) => budget.hard && (this.deps.counters.known(this.counterOf(budget, now)) ?? 0) >= budget.limit);
  }

  /** The ledger's listener: every budget the entry's key and user have is counted. */
  count(entry: UsageEntry): void {
    for (const budget of this.applying(entry.keyId, entry.userId)) {
      const amount = spendOf(budget.metric, entry);
      if (amount <= 0) continue;
      const counter = this.counterOf(budget, entry.at);
      const before = this.deps.counters.known(counter);
      this.deps.counters.add(counter, amount, entry.at);
      if (before !== undefined && before < budget.limit && before + amount >= budget.limit) this.crossed(budget);
    }
  }

  // ---- inside -----------------------------------------------------------------------------------

  private crossed(budget: Budget): void {
    this.deps.meter.budgetCrossed(budget.scope, budget.hard);
    this.deps.reportError(new Error(`${budget.hard ? 'Hard' : 'Soft'} budget ${budget.id} (${budget.scope} ${budget.subjectId}, ${budget.limit} ${budget.metric === 'TOKENS' ? 'tokens' : 'USD'} per ${budget.period.toLowerCase()}) is spent`), 'budgets', 'warn', { budgetId: budget.id });
  }

  private applying(keyId: string | null, userId: string | null): readonly Budget[] {
    if (this.all.length === 0) return NONE;
    const forKey = keyId ? (this.bySubject.get(`KEY:${keyId}`) ?? []) : [];
    const forUser = userId ? (this.bySubject.get(`USER:${userId}`) ?? []) : [];
    return forKey.length === 0 ? forUser : forUser.length === 0 ? forKey : [...forKey, ...forUser];
  }

  /** The budget's counter for the period holding `at`; the current one is kept, so the hot path makes no dates. */
  private counterOf(budget: Budget, at: Date): CounterOf {
    const kept = this.currentCounters.get(budget);
    const time = at.getTime();
    if (kept && kept.start.getTime() <= time && time < kept.end.getTime()) return kept;
    const { start, end } = periodOf(budget.period, at);
    const counter = { scope: budget.scope, subjectId: budget.subjectId, metric: budget.metric, period: budget.period, start, end };
    this.currentCounters.set(budget, counter);
    return counter;
  }

  private async stateOf(budget: Budget): Promise<BudgetState> {
    const counter = this.counterOf(budget, new Date());
    const spent = await this.deps.counters.current(counter);
    return { ...budget, spent, remaining: Math.max(0, budget.limit - spent), resetsAt: counter.end, exceeded: spent >= budget.limit };
  }

  private async changed(): Promise<void> {
    await this.reload();
    this.deps.bus.publish('budgets', {});
  }

  private async reload(): Promise<void> {
    // Reloads may overlap (a change here and another replica's notice): only the latest started applies its read.
    const generation = ++this.reloads;
    const all = await this.deps.store.all();
    if (generation !== this.reloads) return;
    const bySubject = new Map<string, Budget[]>();
    for (const budget of all) {
      const key = `${budget.scope}:${budget.subjectId}`;
      bySubject.set(key, [...(bySubject.get(key) ?? []), budget]);
    }
    this.all = all;
    this.bySubject = bySubject;
  }
}

const NONE: readonly Budget[] = [];

/** BUDGET_EXCEEDED: HTTP 429 with Retry-After until the budget's period ends. */
export function budgetExceeded(state: BudgetState): DomainError {
  const retryAfterSeconds = Math.max(1, Math.ceil((state.resetsAt.getTime() - Date.now()) / 1000));
  const what = state.scope === 'KEY' ? 'this API key' : `user "${state.subjectId}"`;
  const amount = state.metric === 'TOKENS' ? `${state.limit} tokens` : `$${state.limit}`;
  return new DomainError('BUDGET_EXCEEDED', `The budget of ${what} (${amount} per ${state.period.toLowerCase()}) is spent; it resets at ${state.resetsAt.toISOString()}`, {
    budgetId: state.id,
    scope: state.scope,
    resetsAt: state.resetsAt.toISOString(),
    retryAfterSeconds,
  });
}
