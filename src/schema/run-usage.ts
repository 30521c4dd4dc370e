import type { RunUsage } from '../core/usage/run-usage.js';
import type { UsageByPurpose as UsageByPurposeModel } from '../core/usage/usage-entry.js';
import { UsagePurpose } from './usage.js';
import { builder } from './builder.js';
import type { GraphQLContext } from './context.js';
import { Usage, type UsageSource } from './run-event.js';


export const UsageByPurpose = builder.objectRef<UsageByPurposeModel>('UsageByPurpose').implement({
  description: 'A run’s calls of one purpose (its delegations’ children included), summed from the usage ledger.',
  fields: (t) => ({
    purpose: t.expose('purpose', { type: UsagePurpose, description: 'Why the calls were made.' }),
    calls: t.exposeInt('calls', { description: 'Model calls.' }),
    inputTokens: t.exposeInt('inputTokens', { description: 'Input (prompt) tokens, as the provider reported them.' }),
    outputTokens: t.exposeInt('outputTokens', { description: 'Output tokens (0 for embeddings).' }),
    cachedTokens: t.exposeInt('cachedTokens', { description: 'Of the input tokens, those served from the provider’s prompt cache.' }),
    reasoningTokens: t.exposeInt('reasoningTokens', { description: 'Of the output tokens, those spent reasoning.' }),
    costUsd: t.exposeFloat('costUsd', { nullable: true, description: 'US dollars from MODEL_PRICES; null when none of these calls’ models is priced.' }),
  }),
});

/** One ledger read per usage object, however many of its fields are asked for. */
const reads = new WeakMap<UsageSource, Promise<RunUsage>>();
function runUsageOf(usage: UsageSource, context: GraphQLContext): Promise<RunUsage> | null {
  if (!usage.runId) return null;
  let read = reads.get(usage);
  if (!read) reads.set(usage, (read = context.orchestrator.runUsage.of(usage.runId)));
  return read;
}

builder.objectFields(Usage, (t) => ({
  auxiliaryTokens: t.int({
    nullable: true,
    description:
      'Tokens of the calls around the answer, for this run and its delegations’ children: routing (its model and embeddings), the embeddings of the question and of the stored turn, fact extraction. Background calls are counted once they have happened. Null when the usage is not a run’s.',
    resolve: async (usage, _args, context) => (await runUsageOf(usage, context))?.auxiliaryTokens ?? null,
  }),
  costUsd: t.float({
    nullable: true,
    description: 'US dollars of every call of the run and its children (answer, tool rounds, delegations, auxiliary calls), from MODEL_PRICES; unpriced models count nothing. Null when no call was priced.',
    resolve: async (usage, _args, context) => (await runUsageOf(usage, context))?.costUsd ?? null,
  }),
  byPurpose: t.field({
    type: [UsageByPurpose],
    nullable: true,
    description: 'Every call of the run and its children from the usage ledger, summed by purpose (purposes without calls left out). Null when the usage is not a run’s.',
    resolve: async (usage, _args, context) => (await runUsageOf(usage, context))?.byPurpose ?? null,
  }),
}));
