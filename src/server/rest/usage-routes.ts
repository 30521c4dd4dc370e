import type { FastifyInstance } from 'fastify';
import { USAGE_PURPOSES, type UsagePurpose } from '../../core/usage/usage-entry.js';
import { USAGE_DIMENSIONS, type UsageDimension, type UsageReport, type UsageTotals } from '../../core/usage/usage-report.js';
import { badInput } from '../../core/errors.js';
import { principalOf } from './caller.js';
import { given, JSON_TYPE, type RestOptions } from './options.js';
import { errorResponses, jsonResponse, nullable } from './schemas.js';

const idQuery = (description: string) => ({ type: 'string', description });

const usageQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    from: { type: 'string', format: 'date-time', description: 'Start (included), RFC 3339; 30 days before `to` when absent.' },
    to: { type: 'string', format: 'date-time', description: 'End (excluded), RFC 3339; now when absent.' },
    group_by: { type: 'string', description: `Comma-separated dimensions: ${USAGE_DIMENSIONS.map((d) => d.toLowerCase()).join(', ')} (day or hour, UTC; not both). None: totals only.` },
    user_id: idQuery('One user’s calls: admins and unbound user keys; a JWT or user-bound key may name only its own user.'),
    key_id: idQuery('Calls made with this credential (an API key’s id, env:… for the environment’s keys).'),
    agent_id: idQuery('Calls of this agent.'),
    model: idQuery('Calls to this model, as recorded.'),
    purpose: { type: 'string', description: `Calls made for this purpose: ${USAGE_PURPOSES.map((p) => p.toLowerCase()).join(', ')}.` },
    run_id: idQuery('Calls of this run.'),
  },
};

const TOTALS = {
  calls: { type: 'integer', description: 'Model calls.' },
  input_tokens: { type: 'number', description: 'Prompt tokens (cached ones included).' },
  output_tokens: { type: 'number', description: 'Completion tokens (reasoning ones included).' },
  cached_tokens: { type: 'number' },
  reasoning_tokens: { type: 'number' },
  total_tokens: { type: 'number', description: 'Input + output tokens.' },
  cost_usd: { type: 'number', description: 'US dollars from MODEL_PRICES, over the priced calls.' },
  unpriced_calls: { type: 'integer', description: 'Calls whose model had no price (not in cost_usd).' },
};
const GROUP = {
  user_id: nullable('string', { description: 'Grouped by user (null: calls for no user, or not grouped by it).' }),
  key_id: nullable('string'),
  agent_id: nullable('string'),
  model: nullable('string'),
  purpose: nullable('string', { enum: [...USAGE_PURPOSES, null] }),
  bucket_start: nullable('string', { format: 'date-time', description: 'Grouped by day or hour: the start of the UTC day or hour.' }),
  ...TOTALS,
};
const sent = (properties: Record<string, unknown>) => ({ type: 'object', properties, required: Object.keys(properties) });
const usageReport = sent({
  from: { type: 'string', format: 'date-time' },
  to: { type: 'string', format: 'date-time' },
  group_by: { type: 'array', items: { type: 'string', enum: [...USAGE_DIMENSIONS] } },
  totals: sent(TOTALS),
  groups: { type: 'array', items: sent(GROUP), description: 'Time buckets oldest first, then costliest first.' },
  unpriced_models: { type: 'array', items: { type: 'string' }, description: 'Models of calls in the range that had no price.' },
});

/** GET /usage: orchestrator.usageReports, as the `usage` query. */
export async function usageRoutes(app: FastifyInstance, { orchestrator }: RestOptions) {
  app.get('/usage', {
    schema: {
      tags: ['usage'],
      operationId: 'getUsage',
      summary: 'Tokens and cost of model calls, grouped',
      description:
        'Sums from the usage ledger over [from, to), grouped by any of user, key, agent, model, purpose and a UTC day or hour. ' +
        'A user reads their own calls; an admin everyone’s, or one user’s with user_id. At most 400 days (31 grouped by hour) and 10,000 groups.',
      querystring: usageQuery,
      response: { 200: jsonResponse(usageReport, 'The totals, the groups and the unpriced models'), ...errorResponses() },
    },
    handler: async (request, reply) => {
      const query = request.query as Record<string, string | undefined>;
      const report = await orchestrator.usageReports.report(principalOf(request), {
        from: query.from ? new Date(query.from) : undefined,
        to: query.to ? new Date(query.to) : undefined,
        groupBy: query.group_by ? listOf('group_by', query.group_by, USAGE_DIMENSIONS) : undefined,
        filter: {
          userId: given(query.user_id),
          keyId: given(query.key_id),
          agentId: given(query.agent_id),
          model: given(query.model),
          purpose: query.purpose ? (listOf('purpose', query.purpose, USAGE_PURPOSES)[0] as UsagePurpose) : undefined,
          runId: given(query.run_id),
        },
      });
      return reply.type(JSON_TYPE).send(usageReportJson(report));
    },
  });
}

/** `user,model` -> ['USER', 'MODEL'], refusing a value not among `known` by the parameter's name. */
function listOf<T extends string>(name: string, text: string, known: readonly T[]): T[] {
  const values = text.split(',').map((value) => value.trim().toUpperCase());
  const unknown = values.find((value) => !known.includes(value as T));
  if (unknown !== undefined) throw badInput(`${name}: "${unknown.toLowerCase()}" is not one of ${known.map((k) => k.toLowerCase()).join(', ')}`, { field: name });
  return values as T[];
}

const totalsJson = (totals: UsageTotals) => ({
  calls: totals.calls,
  input_tokens: totals.inputTokens,
  output_tokens: totals.outputTokens,
  cached_tokens: totals.cachedTokens,
  reasoning_tokens: totals.reasoningTokens,
  total_tokens: totals.totalTokens,
  cost_usd: totals.costUsd,
  unpriced_calls: totals.unpricedCalls,
});

const usageReportJson = (report: UsageReport) => ({
  from: report.from.toISOString(),
  to: report.to.toISOString(),
  group_by: report.groupBy satisfies UsageDimension[],
  totals: totalsJson(report.totals),
  groups: report.groups.map((group) => ({
    user_id: group.userId ?? null,
    key_id: group.keyId ?? null,
    agent_id: group.agentId ?? null,
    model: group.model ?? null,
    purpose: group.purpose ?? null,
    bucket_start: group.bucketStart?.toISOString() ?? null,
    ...totalsJson(group),
  })),
  unpriced_models: report.unpricedModels,
});
