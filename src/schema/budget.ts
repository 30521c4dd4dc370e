import type { BUDGET_METRICS, BUDGET_PERIODS, BUDGET_SCOPES, BudgetState } from '../core/budgets/budget.js';
import { builder } from './builder.js';

export const BudgetScope = builder.enumType('BudgetScope', { description: 'Whose spend a budget limits: one API key’s (its tokens count too), or one user’s.', values: { KEY: { description: 'One API key (JWTs count under the key that issued them).' }, USER: { description: 'One user.' } } as const satisfies Record<(typeof BUDGET_SCOPES)[number], unknown> });
export const BudgetMetric = builder.enumType('BudgetMetric', { description: 'TOKENS: input + output tokens. COST: US dollars from MODEL_PRICES (unpriced models cost nothing).', values: { TOKENS: { description: 'Input + output tokens.' }, COST: { description: 'US dollars (MODEL_PRICES).' } } as const satisfies Record<(typeof BUDGET_METRICS)[number], unknown> });
export const BudgetPeriod = builder.enumType('BudgetPeriod', { description: 'A UTC calendar day or month: spend starts again from zero when it ends.', values: { DAY: { description: 'A UTC calendar day.' }, MONTH: { description: 'A UTC calendar month.' } } as const satisfies Record<(typeof BUDGET_PERIODS)[number], unknown> });

export const Budget = builder.objectRef<BudgetState>('Budget').implement({
  description: 'A limit on what one API key or one user may spend per UTC day or month, with what is spent in the current period.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Its id; removeBudget takes it.' }),
    scope: t.expose('scope', { type: BudgetScope, description: 'KEY or USER.' }),
    keyId: t.id({ nullable: true, description: 'The API key it limits (KEY budgets; `env:…` for ADMIN_API_KEY / USER_API_KEY).', resolve: (b) => (b.scope === 'KEY' ? b.subjectId : null) }),
    userId: t.id({ nullable: true, description: 'The user it limits (USER budgets).', resolve: (b) => (b.scope === 'USER' ? b.subjectId : null) }),
    metric: t.expose('metric', { type: BudgetMetric, description: 'Tokens or dollars.' }),
    period: t.expose('period', { type: BudgetPeriod, description: 'Per UTC day or month.' }),
    limit: t.exposeFloat('limit', { description: 'Tokens (whole) or US dollars per period.' }),
    hard: t.exposeBoolean('hard', { description: 'Hard: a spent budget refuses new runs (BUDGET_EXCEEDED) and stops runs after their current step. Soft: it only warns (log, /metrics).' }),
    spent: t.exposeFloat('spent', { description: 'Spent in the current period.' }),
    remaining: t.exposeFloat('remaining', { description: 'What is left: limit − spent, never below 0.' }),
    resetsAt: t.expose('resetsAt', { type: 'DateTime', description: 'When the current period ends.' }),
    exceeded: t.exposeBoolean('exceeded', { description: 'True when spent ≥ limit.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was first set.' }),
  }),
});

export const BudgetInput = builder.inputType('BudgetInput', {
  description: 'A budget for one API key or one user; one per subject, metric and period (setting it again replaces it).',
  fields: (t) => ({
    keyId: t.id({ description: 'The API key (an id from apiKeys, or `env:…`). Give this or userId.' }),
    userId: t.id({ description: 'The user: one an API key is bound to, or who has a conversation or recorded usage. Give this or keyId.' }),
    tokens: t.float({ description: 'A token budget (input + output): a whole number, 1 to 1e12. Give this or costUsd.' }),
    costUsd: t.float({ description: 'A dollar budget: more than 0, at most 1e9. Give this or tokens.' }),
    period: t.field({ type: BudgetPeriod, required: true, description: 'Per UTC day or month.' }),
    hard: t.boolean({ description: 'True (the default): refuses and stops runs. False: only warns.' }),
  }),
});

export const KeyBudgetInput = builder.inputType('KeyBudgetInput', {
  description: 'The budget a new API key is created with.',
  fields: (t) => ({
    tokens: t.float({ description: 'A token budget (input + output): a whole number, 1 to 1e12. Give this or costUsd.' }),
    costUsd: t.float({ description: 'A dollar budget: more than 0, at most 1e9. Give this or tokens.' }),
    period: t.field({ type: BudgetPeriod, required: true, description: 'Per UTC day or month.' }),
    hard: t.boolean({ description: 'True (the default): refuses and stops runs. False: only warns.' }),
  }),
});
