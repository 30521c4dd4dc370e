import type { ApiKey as ApiKeyModel, CreatedApiKey as CreatedApiKeyModel } from '../core/auth/api-keys.js';
import type { Principal } from '../core/auth/principal.js';
import type { IssuedToken } from '../core/auth/tokens.js';
import { builder } from './builder.js';

export const PrincipalKind = builder.enumType('PrincipalKind', { values: ['ANONYMOUS', 'USER', 'ADMIN'] as const });

export const Me = builder.objectRef<Principal>('Me').implement({
  description: 'The caller, as the gateway sees its credentials.',
  fields: (t) => ({
    kind: t.expose('kind', { type: PrincipalKind }),
    userId: t.id({ nullable: true, resolve: (principal) => ('userId' in principal ? principal.userId : null) ?? null }),
  }),
});

export const ApiKey = builder.objectRef<ApiKeyModel>('ApiKey').implement({
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The public part of the key; use it to revoke.' }),
    isAdmin: t.exposeBoolean('isAdmin'),
    userId: t.exposeID('userId', { nullable: true }),
    label: t.exposeString('label', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true }),
  }),
});

export const CreatedApiKey = builder.objectRef<CreatedApiKeyModel>('CreatedApiKey').implement({
  description: 'A new key. `key` is shown this once and cannot be read again.',
  fields: (t) => ({
    id: t.exposeID('id'),
    key: t.exposeString('key'),
    isAdmin: t.exposeBoolean('isAdmin'),
    userId: t.exposeID('userId', { nullable: true }),
    label: t.exposeString('label', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

export const Token = builder.objectRef<IssuedToken>('Token').implement({
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The token’s id (its `jti` claim); revokeToken(id:) takes it.' }),
    accessToken: t.exposeString('accessToken'),
    tokenType: t.exposeString('tokenType'),
    expiresIn: t.exposeInt('expiresIn', { description: 'Seconds until the token expires.' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
  }),
});
