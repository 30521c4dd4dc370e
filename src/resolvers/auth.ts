import { requireAuthenticated } from '../core/auth/principal.js';
import { ApiKey, CreatedApiKey, Me, Token } from '../schema/auth.js';
import { builder } from '../schema/builder.js';
import { KeyBudgetInput } from '../schema/budget.js';

builder.queryFields((t) => ({
  me: t.field({
    description: 'The caller.',
    type: Me,
    resolve: (_root, _args, { principal }) => {
      requireAuthenticated(principal);
      return principal;
    },
  }),
  apiKeys: t.field({
    type: [ApiKey],
    description: 'Admin only. Every key ever created, revoked ones included.',
    resolve: (_root, _args, { orchestrator, principal }) => orchestrator.auth.listApiKeys(principal),
  }),
}));

builder.mutationFields((t) => ({
  createApiKey: t.field({
    type: CreatedApiKey,
    description: 'Admin only. The returned key is shown once.',
    args: {
      isAdmin: t.arg.boolean({ description: 'Make an admin key.', required: true }),
      userId: t.arg.id({ description: 'Bind the key to one user: it can then act for that user only.' }),
      label: t.arg.string({ description: 'A name for people.' }),
      budget: t.arg({ type: KeyBudgetInput, description: 'Create the key with this budget, in one step: a budget refused creates no key.' }),
    },
    resolve: async (_root, { budget, ...key }, { orchestrator, principal }) => {
      if (!budget) return orchestrator.auth.createApiKey(principal, key);
      const created = await orchestrator.budgets.createKeyWithBudget(principal, key, budget);
      return { ...created.key, budget: created.budget };
    },
  }),
  revokeApiKey: t.boolean({
    description: 'Admin only. The key and the tokens it issued stop working at once on this replica (its sockets close with 4403), within seconds on others.',
    args: { id: t.arg.id({ description: 'The key’s public id.', required: true }) },
    resolve: async (_root, { id }, { orchestrator, principal }) => {
      await orchestrator.auth.revokeApiKey(principal, id);
      return true;
    },
  }),
  revokeToken: t.boolean({
    description:
      'Withdraws a JWT, given the token itself (admins, or whoever may act for its user: a user may revoke their own) or its id (admins). ' +
      'Sockets using it close at once (4403). True when revoked now, false when it already was.',
    args: { token: t.arg.string({ description: 'The token itself.' }), id: t.arg.id({ description: 'The token’s id (its jti).' }) },
    resolve: (_root, { token, id }, { orchestrator, principal }) => orchestrator.auth.revokeToken(principal, { token, id }),
  }),
  issueToken: t.field({
    type: Token,
    description:
      'A JWT for a user, valid for ttlSeconds (at most MAX_TOKEN_TTL_SECONDS). Admins and unbound user keys may name any user; others only themselves. ' +
      'Revoking the issuing API key revokes the token.',
    args: { userId: t.arg.id({ description: 'The user it acts for.', required: true }), ttlSeconds: t.arg.int({ description: 'Its lifetime; TOKEN_TTL_SECONDS when left out.' }) },
    resolve: (_root, { userId, ttlSeconds }, { orchestrator, principal }) => orchestrator.auth.issueToken(principal, userId, ttlSeconds),
  }),
}));
