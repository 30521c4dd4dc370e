import { USAGE_PURPOSES } from '../core/usage/usage-entry.js';
import { USAGE_DIMENSIONS, type UsageGroup as UsageGroupModel, type UsageReport as UsageReportModel, type UsageTotals as UsageTotalsModel } from '../core/usage/usage-report.js';
import { builder } from './builder.js';

export const UsagePurpose = builder.enumType('UsagePurpose', {
  description: 'Why a model call was made: ANSWER (an answer’s first round), TOOL_ROUND (a round after tool results), ROUTING, EXTRACTION (user facts), EMBEDDING, DELEGATION (a delegated agent’s answer).',
  values: {
    ANSWER: { description: 'The first model call of an answer.' },
    TOOL_ROUND: { description: 'A model call after tool results, within an answer.' },
    ROUTING: { description: 'The routing model choosing an agent.' },
    EXTRACTION: { description: 'Extracting user facts after an answer.' },
    EMBEDDING: { description: 'Embedding a message, memory or query.' },
    DELEGATION: { description: 'A delegated agent’s answer (a child run).' },
  } as const satisfies Record<(typeof USAGE_PURPOSES)[number], object>,
});

export const UsageDimension = builder.enumType('UsageDimension', {
  description: 'What usage is grouped by: USER, KEY (the credential), AGENT, MODEL, PURPOSE, or a UTC DAY or HOUR (one of the two).',
  values: {
    USER: { description: 'The user the calls were made for.' },
    KEY: { description: 'The credential the calls were made with.' },
    AGENT: { description: 'The agent that made the calls.' },
    MODEL: { description: 'The model called.' },
    PURPOSE: { description: 'Why the calls were made.' },
    DAY: { description: 'The UTC day.' },
    HOUR: { description: 'The UTC hour.' },
  } as const satisfies Record<(typeof USAGE_DIMENSIONS)[number], object>,
});

export const UsageFilter = builder.inputType('UsageFilter', {
  description: 'Narrows the calls read; each field given must match exactly.',
  fields: (t) => ({
    userId: t.id({ description: 'One user’s calls (admins and unbound user keys; others may name only themselves).' }),
    keyId: t.id({ description: 'Calls made with this credential (an API key’s id, env:… for the environment’s keys).' }),
    agentId: t.id({ description: 'Calls of this agent.' }),
    model: t.string({ description: 'Calls to this model, as recorded (e.g. gpt-4o-mini).' }),
    purpose: t.field({ type: UsagePurpose, description: 'Calls made for this purpose.' }),
    runId: t.id({ description: 'Calls of this run.' }),
  }),
});

const totalsFields = (t: any) => ({
  calls: t.exposeInt('calls', { description: 'Model calls.' }),
  inputTokens: t.exposeFloat('inputTokens', { description: 'Prompt tokens (cached ones included).' }),
  outputTokens: t.exposeFloat('outputTokens', { description: 'Completion tokens (reasoning ones included).' }),
  cachedTokens: t.exposeFloat('cachedTokens', { description: 'Of the input tokens, those served from the provider’s prompt cache.' }),
  reasoningTokens: t.exposeFloat('reasoningTokens', { description: 'Of the output tokens, those spent reasoning.' }),
  totalTokens: t.exposeFloat('totalTokens', { description: 'Input + output tokens.' }),
  costUsd: t.exposeFloat('costUsd', { description: 'US dollars from MODEL_PRICES, over the priced calls (unpriced calls count nothing).' }),
  unpricedCalls: t.exposeInt('unpricedCalls', { description: 'Calls whose model had no price when they were made.' }),
});

export const UsageTotals = builder.objectRef<UsageTotalsModel>('UsageTotals').implement({
  description: 'Tokens and cost summed over a set of model calls.',
  fields: totalsFields,
});

export const UsageGroup = builder.objectRef<UsageGroupModel>('UsageGroup').implement({
  description: 'The calls sharing the values of the dimensions grouped by (fields of other dimensions are null), and their sums.',
  fields: (t) => ({
    userId: t.id({ nullable: true, description: 'Grouped by USER: the user (null: calls for no user).', resolve: (group) => group.userId ?? null }),
    keyId: t.id({ nullable: true, description: 'Grouped by KEY: the credential (null: none recorded).', resolve: (group) => group.keyId ?? null }),
    agentId: t.id({ nullable: true, description: 'Grouped by AGENT: the agent (null: a call outside any agent).', resolve: (group) => group.agentId ?? null }),
    model: t.string({ nullable: true, description: 'Grouped by MODEL: the model.', resolve: (group) => group.model ?? null }),
    purpose: t.field({ type: UsagePurpose, nullable: true, description: 'Grouped by PURPOSE: the purpose.', resolve: (group) => group.purpose ?? null }),
    bucketStart: t.field({ type: 'DateTime', nullable: true, description: 'Grouped by DAY or HOUR: the start of the UTC day or hour.', resolve: (group) => group.bucketStart ?? null }),
    ...totalsFields(t),
  }),
});

export const UsageReport = builder.objectRef<UsageReportModel>('UsageReport').implement({
  description: 'Model usage over a time range: totals, groups, and the models that had no price.',
  fields: (t) => ({
    from: t.expose('from', { type: 'DateTime', description: 'The range’s start (included).' }),
    to: t.expose('to', { type: 'DateTime', description: 'The range’s end (excluded).' }),
    groupBy: t.expose('groupBy', { type: [UsageDimension], description: 'The dimensions grouped by.' }),
    totals: t.expose('totals', { type: UsageTotals, description: 'Sums over every call in the range (and the filter).' }),
    groups: t.expose('groups', { type: [UsageGroup], description: 'One per combination of the groupBy values; time buckets oldest first, then costliest first. Empty without groupBy.' }),
    unpricedModels: t.exposeStringList('unpricedModels', { description: 'Models of calls in the range that had no price in MODEL_PRICES (their cost is not counted).' }),
  }),
});
