import { builder } from '../schema/builder.js';
import { Budget, BudgetInput } from '../schema/budget.js';

builder.queryFields((t) => ({
  budgets: t.field({
    type: [Budget],
    description: 'Budgets with their spend this period. Admins see every one (narrowed by keyId / userId); a user sees their own, their credential’s and their keys’.',
    args: { keyId: t.arg.id({ description: 'Only this API key’s.' }), userId: t.arg.id({ description: 'Only this user’s.' }) },
    resolve: (_root, { keyId, userId }, { orchestrator, principal }) => orchestrator.budgets.list(principal, { keyId, userId }),
  }),
}));

builder.mutationFields((t) => ({
  setBudget: t.field({
    type: Budget,
    description:
      'Admin only. Sets a budget, replacing the subject’s budget of the same metric and period. An unknown key or user is NOT_FOUND; an amount of 0 or less, or beyond 1e12 tokens or 1e9 dollars, BAD_USER_INPUT naming the field.',
    args: { input: t.arg({ type: BudgetInput, required: true, description: 'The subject (keyId or userId), the amount (tokens or costUsd), the period and whether it is hard.' }) },
    resolve: (_root, { input }, { orchestrator, principal }) => orchestrator.budgets.set(principal, input),
  }),
  removeBudget: t.boolean({
    description: 'Admin only. NOT_FOUND when there is no such budget.',
    args: { id: t.arg.id({ required: true, description: 'The budget’s id.' }) },
    resolve: async (_root, { id }, { orchestrator, principal }) => {
      await orchestrator.budgets.remove(principal, id);
      return true;
    },
  }),
}));
