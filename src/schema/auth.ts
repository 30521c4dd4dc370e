import type { ApiKey as ApiKeyModel, CreatedApiKey as CreatedApiKeyModel } from '../core/auth/api-keys.js';
import type { Principal } from '../core/auth/principal.js';
import type { IssuedToken } from '../core/auth/tokens.js';
import type { BudgetState } from '../core/budgets/budget.js';
import { builder } from './builder.js';
import { Budget } from './budget.js';

export const PrincipalKind = builder.enumType('PrincipalKind', {
  description: 'What kind of caller the credentials make.',
  values: {
    ANONYMOUS: { description: 'No credentials (allowed only when the gateway is open to anonymous callers).' },
    USER: { description: 'A JWT or a user API key.' },
    ADMIN: { description: 'An admin API key.' },
  } as const,
});

export const Me = builder.objectRef<Principal>('Me').implement({
  description: 'The caller, as the gateway sees its credentials.',
  fields: (t) => ({
    kind: t.expose('kind', { description: 'What the credentials make the caller.', type: PrincipalKind }),
    userId: t.id({ description: 'The user the caller acts for; null for none.', nullable: true, resolve: (principal) => ('userId' in principal ? principal.userId : null) ?? null }),
  }),
});

export const ApiKey = builder.objectRef<ApiKeyModel>('ApiKey').implement({
  description: 'An API key, without its secret.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The public part of the key; use it to revoke.' }),
    isAdmin: t.exposeBoolean('isAdmin', { description: 'True for an admin key.' }),
    userId: t.exposeID('userId', { description: 'The user it acts for; null for an unbound key.', nullable: true }),
    label: t.exposeString('label', { description: 'A name for people.', nullable: true }),
    createdAt: t.expose('createdAt', { description: 'When it was created.', type: 'DateTime' }),
    revokedAt: t.expose('revokedAt', { description: 'When it was revoked; null while it works.', type: 'DateTime', nullable: true }),
  }),
});

export const CreatedApiKey = builder.objectRef<CreatedApiKeyModel & { budget?: BudgetState }>('CreatedApiKey').implement({
  description: 'A new key. `key` is shown this once and cannot be read again.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The public part of the key; use it to revoke.' }),
    key: t.exposeString('key', { description: 'The whole key, to send as `Authorization: Bearer`.' }),
    isAdmin: t.exposeBoolean('isAdmin', { description: 'True for an admin key.' }),
    userId: t.exposeID('userId', { description: 'The user it acts for; null for an unbound key.', nullable: true }),
    label: t.exposeString('label', { description: 'A name for people.', nullable: true }),
    createdAt: t.expose('createdAt', { description: 'When it was created.', type: 'DateTime' }),
    budget: t.field({ type: Budget, nullable: true, description: 'The budget it was created with; null for none.', resolve: (key) => key.budget ?? null }),
  }),
});

export const Token = builder.objectRef<IssuedToken>('Token').implement({
  description: 'A signed JWT for one user.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The token’s id (its `jti` claim); revokeToken(id:) takes it.' }),
    accessToken: t.exposeString('accessToken', { description: 'The JWT, to send as `Authorization: Bearer`.' }),
    tokenType: t.exposeString('tokenType', { description: 'Always "Bearer".' }),
    expiresIn: t.exposeInt('expiresIn', { description: 'Seconds until the token expires.' }),
    expiresAt: t.expose('expiresAt', { description: 'When it expires.', type: 'DateTime' }),
  }),
});
