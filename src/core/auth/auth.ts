import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Tables } from '../../db/tables.js';
import { forbidden, unauthenticated } from '../errors.js';
import { labelSchema, userIdSchema } from '../limits.js';
import type { Settings } from '../settings.js';
import { parseInput } from '../validation.js';
import { type ApiKey, ApiKeys, type CreatedApiKey } from './api-keys.js';
import { ANONYMOUS, actingUserId, type Principal, requireAdmin, requireAuthenticated } from './principal.js';
import { randomToken, sha256Hex } from './secrets.js';
import { type IssuedToken, looksLikeJwt, Tokens } from './tokens.js';

const createApiKeySchema = z.object({ isAdmin: z.boolean(), userId: userIdSchema.nullish(), label: labelSchema.nullish() });

export interface AuthConfig {
  secretKey?: string | undefined;
  adminApiKey?: string | undefined;
  userApiKey?: string | undefined;
  jwtIssuer: string;
  jwtTtlSeconds: number;
}

export interface Authenticated {
  principal: Principal;
  /** When the credential stops being valid (JWTs); long-lived connections close then. */
  expiresAt?: Date | undefined;
}

/** Keys generated on first start, to be printed once: only their hashes are kept. */
export interface BootstrapKeys {
  adminApiKey?: string;
  userApiKey?: string;
}

export class Auth {
  private constructor(
    private readonly apiKeys: ApiKeys,
    private readonly tokens: Tokens,
  ) {}

  static async create(db: Kysely<Tables>, settings: Settings, config: AuthConfig): Promise<{ auth: Auth; bootstrapKeys: BootstrapKeys }> {
    const secret = config.secretKey ?? (await settings.getOrInit('auth.jwt_secret', () => randomToken(48))).value;
    const apiKeys = new ApiKeys(db, {
      adminKeyHash: config.adminApiKey ? sha256Hex(config.adminApiKey) : undefined,
      userKeyHash: config.userApiKey ? sha256Hex(config.userApiKey) : undefined,
    });
    const bootstrapKeys: BootstrapKeys = {};
    if (!config.adminApiKey) {
      const key = await bootstrapKey(settings, apiKeys, true);
      if (key) bootstrapKeys.adminApiKey = key;
    }
    if (!config.userApiKey) {
      const key = await bootstrapKey(settings, apiKeys, false);
      if (key) bootstrapKeys.userApiKey = key;
    }
    return { auth: new Auth(apiKeys, new Tokens(secret, config.jwtIssuer, config.jwtTtlSeconds)), bootstrapKeys };
  }

  /** Turns a bearer credential (API key or JWT) into a principal; no credential is anonymous. */
  async authenticate(credential: string | undefined | null): Promise<Authenticated> {
    const value = credential?.trim();
    if (!value) return { principal: ANONYMOUS };
    if (looksLikeJwt(value)) {
      const token = await this.tokens.verify(value);
      return { principal: { kind: 'USER', userId: token.userId, via: 'JWT' }, expiresAt: token.expiresAt };
    }
    const principal = await this.apiKeys.verify(value);
    if (!principal) throw unauthenticated('The API key is not valid');
    return { principal };
  }

  /** Tokens come from API-key holders; a token minting tokens would let a stolen one live forever. */
  async issueToken(principal: Principal, userId: string, ttlSeconds?: number | null): Promise<IssuedToken> {
    requireAuthenticated(principal);
    if (principal.via === 'JWT') throw forbidden('A JWT cannot issue tokens: ask the backend holding an API key for a fresh one');
    const subject = actingUserId(principal, userId);
    return this.tokens.issue(subject ?? userId, ttlSeconds ?? undefined);
  }

  async createApiKey(principal: Principal, options: { isAdmin: boolean; userId?: string | null; label?: string | null }): Promise<CreatedApiKey> {
    requireAdmin(principal);
    return this.apiKeys.create(parseInput(createApiKeySchema, options));
  }

  async listApiKeys(principal: Principal): Promise<ApiKey[]> {
    requireAdmin(principal);
    return this.apiKeys.list();
  }

  async revokeApiKey(principal: Principal, id: string): Promise<void> {
    requireAdmin(principal);
    await this.apiKeys.revoke(id);
  }
}

/** Creates the first admin or user key once per database; replicas racing on first start create one. */
async function bootstrapKey(settings: Settings, apiKeys: ApiKeys, isAdmin: boolean): Promise<string | undefined> {
  const marker = isAdmin ? 'auth.bootstrap_admin_key' : 'auth.bootstrap_user_key';
  const { created } = await settings.getOrInit(marker, () => new Date().toISOString());
  if (!created) return undefined;
  const key = await apiKeys.create({ isAdmin, label: isAdmin ? 'bootstrap admin key' : 'bootstrap user key' });
  return key.key;
}
