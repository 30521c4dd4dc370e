import type { FastifyInstance } from 'fastify';
import type { BudgetState } from '../../core/budgets/budget.js';
import { principalOf } from './caller.js';
import { withRestNames } from './refusals.js';
import { JSON_TYPE, type RestOptions } from './options.js';
import { budgetIdParams, budgetList, budgetQuery, errorResponses, jsonResponse, noContent, ref, setBudgetBody } from './schemas.js';

interface SetBudgetBody {
  key_id?: string;
  user_id?: string;
  tokens?: number;
  cost_usd?: number;
  period: 'DAY' | 'MONTH';
  hard?: boolean;
}

const budgetJson = (budget: BudgetState) => ({
  id: budget.id,
  scope: budget.scope,
  key_id: budget.scope === 'KEY' ? budget.subjectId : null,
  user_id: budget.scope === 'USER' ? budget.subjectId : null,
  metric: budget.metric,
  period: budget.period,
  limit: budget.limit,
  hard: budget.hard,
  spent: budget.spent,
  remaining: budget.remaining,
  resets_at: budget.resetsAt.toISOString(),
  exceeded: budget.exceeded,
  created_at: budget.createdAt.toISOString(),
});

/** Budgets: orchestrator.budgets, as the budgets, setBudget and removeBudget fields. */
export async function budgetRoutes(app: FastifyInstance, { orchestrator }: RestOptions) {
  const { budgets } = orchestrator;

  app.get('/budgets', {
    schema: {
      tags: ['budgets'],
      operationId: 'listBudgets',
      summary: 'Budgets with their spend this period',
      description: 'Admins see every budget (narrowed by key_id / user_id); a user sees their own, their credential’s and their keys’.',
      querystring: budgetQuery,
      response: { 200: jsonResponse(budgetList, 'The budgets'), ...errorResponses() },
    },
    handler: async (request, reply) => {
      const query = request.query as { key_id?: string; user_id?: string };
      const listed = await budgets.list(principalOf(request), { keyId: query.key_id, userId: query.user_id });
      return reply.type(JSON_TYPE).send({ budgets: listed.map(budgetJson) });
    },
  });

  app.post('/budgets', {
    schema: {
      tags: ['budgets'],
      operationId: 'setBudget',
      summary: 'Set a budget (admin)',
      description:
        'One budget per subject, metric and period: setting it again replaces it (same id). An unknown key or user is 404 NOT_FOUND; ' +
        'a zero, negative or absurd amount (over 1e12 tokens or 1e9 dollars) is 400 BAD_USER_INPUT naming the field.',
      body: setBudgetBody,
      response: { 200: jsonResponse(ref('Budget'), 'The budget, with its spend this period'), ...errorResponses(404) },
    },
    handler: async (request, reply) => {
      const body = request.body as SetBudgetBody;
      const setting = budgets.set(principalOf(request), { keyId: body.key_id, userId: body.user_id, tokens: body.tokens, costUsd: body.cost_usd, period: body.period, hard: body.hard });
      return reply.type(JSON_TYPE).send(budgetJson(await withRestNames(setting, {})));
    },
  });

  app.delete('/budgets/:budget_id', {
    schema: {
      tags: ['budgets'],
      operationId: 'removeBudget',
      summary: 'Remove a budget (admin)',
      params: budgetIdParams,
      response: { 204: noContent('Removed'), ...errorResponses(404) },
    },
    handler: async (request, reply) => {
      const { budget_id: id } = request.params as { budget_id: string };
      await budgets.remove(principalOf(request), id);
      return reply.status(204).send();
    },
  });
}
