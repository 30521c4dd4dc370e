import { createHmac } from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Tables } from '../../db/tables.js';
import { badInput, forbidden, isDomainError, rateLimited, type ReportError, unauthenticated } from '../errors.js';
import { type ChangeBus, LocalChangeBus } from '../feeds/change-bus.js';
import { labelSchema, userIdSchema } from '../input-limits.js';
import type { CacheMeter } from '../metrics/metrics.js';
import type { RateLimiter } from '../limits/rate-limiter.js';
import type { Settings } from '../settings.js';
import { parseInput } from '../validation.js';
import { type ApiKey, ApiKeys, type CreatedApiKey, type EnvironmentKey } from './api-keys.js';
import { ANONYMOUS, actingUserId, type Principal, requireAdmin, requireAuthenticated } from './principal.js';
import { type RevocationId, RevocationFeed } from './revocation-feed.js';
import { randomToken, sha256Hex } from './secrets.js';
import { TokenRevocations } from './token-revocations.js';
import { type IssuedToken, looksLikeJwt, Tokens } from './tokens.js';

const createApiKeySchema = z.object({ isAdmin: z.boolean(), userId: userIdSchema.nullish(), label: labelSchema.nullish() });

export interface AuthConfig {
  secretKey?: string | undefined;
  adminApiKey?: string | undefined;
  userApiKey?: string | undefined;
  jwtIssuer: string;
  jwtTtlSeconds: number;
  maxTokenTtlSeconds: number;
}

export interface Authenticated {
  principal: Principal;
  /** When the credential stops being valid (JWTs); long-lived connections close then. */
  expiresAt?: Date | undefined;
  /** Revoking any of these ends the credential: its key, and for a JWT its own id. */
  revocationIds?: RevocationId[] | undefined;
}

/**
 * What a request authenticates with: a string from `Authorization: Bearer` (an API key or a JWT),
 * or `{ apiKey }` from `X-API-Key` / a connection's `apiKey`, which carries API keys only.
 */
export type Credential = string | { apiKey: string };

/** The credential's text, wherever it came from. */
export const credentialText = (credential: Credential | undefined | null): string | undefined =>
  (typeof credential === 'string' ? credential : credential?.apiKey)?.trim();

/** Where a credential came from; failed attempts are counted per address. */
export interface ClientInfo {
  address?: string | undefined;
}

/** Keys generated on first start, to be printed once: only their hashes are kept. */
export interface BootstrapKeys {
  adminApiKey?: string;
  userApiKey?: string;
}

export class Auth {
  private readonly feed = new RevocationFeed();
  private bus: ChangeBus = new LocalChangeBus();

  private constructor(
    private readonly apiKeys: ApiKeys,
    private readonly tokens: Tokens,
    private readonly revocations: TokenRevocations,
    /** `env:…` ids of the configured keys: a token issued by a key no longer configured is refused. */
    private readonly environmentKeyIds: ReadonlySet<string>,
    private readonly failures: RateLimiter,
    private readonly maxTokenTtlSeconds: number,
    /** ADMIN_API_KEY's id, so /metrics can tell the two environment keys apart. */
    private readonly environmentAdminKeyId?: string,
  ) {}

  static async create(
    db: Kysely<Tables>,
    settings: Settings,
    config: AuthConfig,
    limits: { authFailures: RateLimiter },
    keyCacheMeter?: CacheMeter,
  ): Promise<{ auth: Auth; bootstrapKeys: BootstrapKeys }> {
    const secret = config.secretKey ?? (await settings.getOrInit('auth.jwt_secret', () => randomToken(48))).value;
    // Keyed by the secret so a token's `key` claim says nothing about the key to its holder.
    const environmentKey = (key: string | undefined): EnvironmentKey | undefined =>
      key ? { hash: sha256Hex(key), id: `env:${createHmac('sha256', secret).update(key).digest('hex').slice(0, 16)}` } : undefined;
    const environmentKeys = { admin: environmentKey(config.adminApiKey), user: environmentKey(config.userApiKey) };
    const apiKeys = new ApiKeys(db, environmentKeys, keyCacheMeter);
    const bootstrapKeys: BootstrapKeys = {};
    if (!config.adminApiKey) {
      const key = await bootstrapKey(settings, apiKeys, true);
      if (key) bootstrapKeys.adminApiKey = key;
    }
    if (!config.userApiKey) {
      const key = await bootstrapKey(settings, apiKeys, false);
      if (key) bootstrapKeys.userApiKey = key;
    }
    const revocations = new TokenRevocations(db);
    await revocations.load();
    const environmentKeyIds = new Set([environmentKeys.admin?.id, environmentKeys.user?.id].filter((id) => id !== undefined));
    const tokens = new Tokens(secret, config.jwtIssuer, config.jwtTtlSeconds, config.maxTokenTtlSeconds);
    const auth = new Auth(apiKeys, tokens, revocations, environmentKeyIds, limits.authFailures, config.maxTokenTtlSeconds, environmentKeys.admin?.id);
    return { auth, bootstrapKeys };
  }

  /**
   * Turns a bearer credential (API key or JWT) into a principal; no credential is anonymous.
   * Failures are counted per address: past AUTH_FAILURE_LIMIT a further failure is RATE_LIMITED
   * rather than UNAUTHENTICATED. A credential that verifies always passes, so nobody can lock the
   * real users out by sending bad keys from their address (every user behind one proxy shares it).
   */
  async authenticate(credential: Credential | undefined | null, client: ClientInfo = {}): Promise<Authenticated> {
    const value = credentialText(credential);
    if (!value) return { principal: ANONYMOUS };
    try {
      // A token in the API-key header is refused, not guessed at: that header is logged and cached as an API key's place.
      if (typeof credential === 'object' && looksLikeJwt(value)) {
        throw unauthenticated('X-API-Key carries API keys only: send a JWT as "Authorization: Bearer <token>"');
      }
      return await this.verify(value);
    } catch (error) {
      const { address } = client;
      if (address !== undefined && isDomainError(error) && error.code === 'UNAUTHENTICATED') {
        const state = await this.failures.consume(address);
        if (!state.allowed) throw rateLimited('Too many failed authentications from this address (AUTH_FAILURE_LIMIT)', state.retryAfterSeconds);
      }
      throw error;
    }
  }

  /**
   * Shares revocations with the other replicas: one made elsewhere is refused here at once (and
   * closes this replica's sockets using it); after the bus was down, revocations are read again.
   */
  shareRevocations(bus: ChangeBus, reportError: ReportError): void {
    this.bus = bus;
    bus.subscribe('revocations', (message) => {
      const remote = message as RemoteRevocation;
      if (remote.kind === 'key') {
        this.apiKeys.forgetVerified();
        this.revocations.keyRevoked(remote.id);
        this.feed.publish(`key:${remote.id}`);
      } else if (remote.kind === 'token') {
        this.revocations.tokenRevoked(remote.id, remote.expiresAt);
        this.feed.publish(`token:${remote.id}`);
      }
    });
    bus.onReconnect(() => {
      this.apiKeys.forgetVerified();
      this.revocations.load().catch((error: unknown) => reportError(error, 'reading revocations after Redis came back', 'warn'));
    });
  }

  /** Called the moment a credential is revoked on this replica, or on another through the bus (`key:<id>` or `token:<jti>`). */
  onRevoked(listener: (id: RevocationId) => void): () => void {
    return this.feed.subscribe(listener);
  }

  /** Tokens come from API-key holders; a token minting tokens would let a stolen one live forever. */
  async issueToken(principal: Principal, userId: string, ttlSeconds?: number | null): Promise<IssuedToken> {
    requireAuthenticated(principal);
    if (principal.via === 'JWT' || !principal.credentialId) throw forbidden('A JWT cannot issue tokens: ask the backend holding an API key for a fresh one');
    const subject = actingUserId(principal, userId);
    return this.tokens.issue(subject ?? userId, principal.credentialId, ttlSeconds ?? undefined);
  }

  /**
   * Withdraws a JWT: by the token itself (admins, or whoever may act for its user, e.g. the user
   * with that very token), or by its id alone (admins). True when it was revoked now.
   */
  async revokeToken(principal: Principal, target: { token?: string | null; id?: string | null }): Promise<boolean> {
    requireAuthenticated(principal);
    if (!target.token === !target.id) throw badInput('Give exactly one of token and id');
    let id: string;
    let userId: string | null = null;
    // The id alone tells nothing of the token's expiry: keep the row as long as any token can live.
    let expiresAt = new Date(Date.now() + this.maxTokenTtlSeconds * 1000);
    if (target.token) {
      const token = await this.tokens.verify(target.token.trim()).catch((error: unknown) => {
        throw isDomainError(error) ? badInput(`token: ${error.message}`) : error;
      });
      if (principal.kind !== 'ADMIN') actingUserId(principal, token.userId);
      ({ id, userId, expiresAt } = { id: token.id, userId: token.userId, expiresAt: token.expiresAt });
    } else {
      requireAdmin(principal);
      id = target.id!;
    }
    const revoked = await this.revocations.revokeToken(id, userId, expiresAt);
    this.feed.publish(`token:${id}`);
    this.bus.publish('revocations', { kind: 'token', id, expiresAt: expiresAt.getTime() } satisfies RemoteRevocation);
    return revoked;
  }

  async createApiKey(principal: Principal, options: { isAdmin: boolean; userId?: string | null; label?: string | null }): Promise<CreatedApiKey> {
    requireAdmin(principal);
    return this.apiKeys.create(parseInput(createApiKeySchema, options));
  }

  async listApiKeys(principal: Principal): Promise<ApiKey[]> {
    requireAdmin(principal);
    return this.apiKeys.list();
  }

  /** Whether `id` names ADMIN_API_KEY or USER_API_KEY as configured now (`env:…`). */
  isEnvironmentKey(id: string): boolean {
    return this.environmentKeyIds.has(id);
  }

  /** The API keys bound to a user (revoked ones too). */
  async keysOfUser(userId: string): Promise<ApiKey[]> {
    return (await this.apiKeys.list()).filter((key) => key.userId === userId);
  }

  /**
   * The group /metrics counts a credential's spend under: an API key's id, `env-admin` / `env-user`
   * for the environment's keys (JWTs count under the key that issued them), `none` for no credential.
   */
  keyGroupOf(keyId: string | null): string {
    if (keyId === null) return 'none';
    if (keyId.startsWith('env:')) return keyId === this.environmentAdminKeyId ? 'env-admin' : this.environmentKeyIds.has(keyId) ? 'env-user' : 'env-other';
    return keyId;
  }

  /** The key, every token it issued and every socket using either stop working at once on this replica. */
  async revokeApiKey(principal: Principal, id: string): Promise<void> {
    requireAdmin(principal);
    await this.apiKeys.revoke(id);
    this.revocations.keyRevoked(id);
    this.feed.publish(`key:${id}`);
    this.bus.publish('revocations', { kind: 'key', id } satisfies RemoteRevocation);
  }

  /** Erasure of a user: their keys are revoked (with their tokens and sockets) and no stored row names them. The number of keys revoked. */
  async forgetUser(userId: string): Promise<number> {
    const keys = (await this.apiKeys.list()).filter((key) => key.userId === userId && !key.revokedAt);
    for (const key of keys) {
      await this.apiKeys.revoke(key.id);
      this.revocations.keyRevoked(key.id);
      this.feed.publish(`key:${key.id}`);
      this.bus.publish('revocations', { kind: 'key', id: key.id } satisfies RemoteRevocation);
    }
    await this.apiKeys.unlinkUser(userId);
    await this.revocations.unlinkUser(userId);
    return keys.length;
  }

  private async verify(credential: string): Promise<Authenticated> {
    if (looksLikeJwt(credential)) {
      const token = await this.tokens.verify(credential);
      if (token.keyId.startsWith('env:') && !this.environmentKeyIds.has(token.keyId)) {
        throw unauthenticated('The token was issued by an API key that is no longer configured');
      }
      if (await this.revocations.isRevoked(token.id, token.keyId)) throw unauthenticated('The token has been revoked');
      return {
        principal: { kind: 'USER', userId: token.userId, via: 'JWT', credentialId: token.keyId },
        expiresAt: token.expiresAt,
        revocationIds: [`token:${token.id}`, `key:${token.keyId}`],
      };
    }
    const principal = await this.apiKeys.verify(credential);
    if (!principal) throw unauthenticated('The API key is not valid');
    const keyId = 'credentialId' in principal ? principal.credentialId : undefined;
    return { principal, revocationIds: keyId ? [`key:${keyId}`] : [] };
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

/** A revocation as it crosses replicas; the database row was written by the replica that made it. */
type RemoteRevocation = { kind: 'key'; id: string } | { kind: 'token'; id: string; expiresAt: number };
