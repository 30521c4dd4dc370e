import { requireAuthenticated } from '../core/auth/principal.js';
import { ApiKey, CreatedApiKey, Me, Token } from '../schema/auth.js';
import { builder } from '../schema/builder.js';

builder.queryFields((t) => ({
  me: t.field({
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
      isAdmin: t.arg.boolean({ required: true }),
      userId: t.arg.id({ description: 'Bind the key to one user: it can then act for that user only.' }),
      label: t.arg.string(),
    },
    resolve: (_root, args, { orchestrator, principal }) => orchestrator.auth.createApiKey(principal, args),
  }),
  revokeApiKey: t.boolean({
    description: 'Admin only. The key stops working at once on this replica, within seconds on others.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, { orchestrator, principal }) => {
      await orchestrator.auth.revokeApiKey(principal, id);
      return true;
    },
  }),
  issueToken: t.field({
    type: Token,
    description: 'A JWT for a user. Admins and unbound user keys may name any user; others only themselves.',
    args: { userId: t.arg.id({ required: true }), ttlSeconds: t.arg.int() },
    resolve: (_root, { userId, ttlSeconds }, { orchestrator, principal }) => orchestrator.auth.issueToken(principal, userId, ttlSeconds),
  }),
}));
