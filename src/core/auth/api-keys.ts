import type { Kysely } from 'kysely';
import type { ApiKeyRow, Tables } from '../../db/tables.js';
import { FreshEnoughCache } from '../caching/fresh-enough-cache.js';
import { notFound } from '../errors.js';
import { type CacheMeter, UNMETERED } from '../metrics/metrics.js';
import type { Principal } from './principal.js';
import { digestsEqual, randomToken, sha256Hex } from './secrets.js';

export interface ApiKey {
  id: string;
  isAdmin: boolean;
  userId: string | null;
  label: string | null;
  createdAt: Date;
  revokedAt: Date | null;
}

/** A configured key: its hash, and the id (`env:…`) that tokens it issues carry. */
export interface EnvironmentKey {
  hash: string;
  id: string;
}

export interface EnvironmentKeys {
  admin?: EnvironmentKey | undefined;
  user?: EnvironmentKey | undefined;
}

export interface CreatedApiKey extends ApiKey {
  /** The whole key: shown once, never stored. */
  key: string;
}

/** Keys look like `mxg_<id>_<secret>`; the id finds the row, the hash of the whole key proves it. */
const KEY_PATTERN = /^mxg_([a-z0-9]{12})_[A-Za-z0-9_-]{32,}$/;

/**
 * Verified keys answer from memory, so the hot path does not query the database per request; a
 * key revoked on this replica stops at once, on another within about this long.
 */
const VERIFIED_TTL_MS = 5_000;

export class ApiKeys {
  /** By the key's hash; only keys that verified are remembered. */
  private readonly verified: FreshEnoughCache<{ principal: Principal }, string>;

  constructor(
    private readonly db: Kysely<Tables>,
    /** Keys from ADMIN_API_KEY / USER_API_KEY: checked by hash, never stored; ids name them in tokens. */
    private readonly environmentKeys: EnvironmentKeys,
    /** Counts lookups of stored keys; configured keys and JWTs need none. */
    meter: CacheMeter = UNMETERED,
  ) {
    this.verified = new FreshEnoughCache({ max: 10_000, ttlMs: VERIFIED_TTL_MS, meter, load: (hash, id) => this.load(hash, id) });
  }

  async create(options: { isAdmin: boolean; userId?: string | null; label?: string | null }): Promise<CreatedApiKey> {
    const id = randomToken(12).toLowerCase().replace(/[^a-z0-9]/g, '').padEnd(12, '0').slice(0, 12);
    const key = `mxg_${id}_${randomToken(32)}`;
    const row = await this.db
      .insertInto('api_keys')
      .values({
        id,
        key_hash: sha256Hex(key),
        is_admin: options.isAdmin,
        user_id: options.userId ?? null,
        label: options.label ?? null,
        revoked_at: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { ...toApiKey(row), key };
  }

  async list(): Promise<ApiKey[]> {
    const rows = await this.db.selectFrom('api_keys').selectAll().orderBy('created_at').orderBy('id').execute();
    return rows.map(toApiKey);
  }

  async revoke(id: string): Promise<void> {
    const result = await this.db
      .updateTable('api_keys')
      .set({ revoked_at: new Date() })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n) throw notFound('API key', id);
    this.verified.clear();
  }

  /** Forgets every verified key (a key was revoked on another replica, or Redis came back). */
  forgetVerified(): void {
    this.verified.clear();
  }

  /** Erasure: the user's (revoked) keys keep no link to them; the rows stay so the keys stay refused. */
  async unlinkUser(userId: string): Promise<void> {
    await this.db.updateTable('api_keys').set({ user_id: null, label: null }).where('user_id', '=', userId).where('revoked_at', 'is not', null).execute();
    this.verified.clear();
  }

  /** The principal a key stands for, or undefined when it is unknown or revoked. */
  async verify(key: string): Promise<Principal | undefined> {
    const hash = sha256Hex(key);
    const { admin, user } = this.environmentKeys;
    if (admin && digestsEqual(hash, admin.hash)) return { kind: 'ADMIN', userId: undefined, via: 'API_KEY', credentialId: admin.id };
    if (user && digestsEqual(hash, user.hash)) return { kind: 'USER', userId: undefined, via: 'API_KEY', credentialId: user.id };

    const id = KEY_PATTERN.exec(key)?.[1];
    if (!id) return undefined;
    return (await this.verified.get(hash, id))?.principal;
  }

  private async load(hash: string, id: string): Promise<{ principal: Principal } | undefined> {
    const row = await this.db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row || row.revoked_at !== null || !digestsEqual(hash, row.key_hash)) return undefined;
    const userId = row.user_id ?? undefined;
    const principal: Principal = row.is_admin
      ? { kind: 'ADMIN', userId, via: 'API_KEY', credentialId: row.id }
      : { kind: 'USER', userId, via: 'API_KEY', credentialId: row.id };
    return { principal };
  }
}

function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    isAdmin: row.is_admin,
    userId: row.user_id,
    label: row.label,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  };
}
