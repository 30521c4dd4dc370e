import type { Kysely } from 'kysely';
import { LRUCache } from 'lru-cache';
import type { ApiKeyRow, Tables } from '../../db/tables.js';
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

/** Verified keys are remembered briefly so a hot path does not query the database per request. */
const VERIFIED_TTL_MS = 5_000;

export class ApiKeys {
  private readonly verified = new LRUCache<string, { principal: Principal }>({ max: 10_000, ttl: VERIFIED_TTL_MS });

  constructor(
    private readonly db: Kysely<Tables>,
    /** Keys from ADMIN_API_KEY / USER_API_KEY: checked by hash, never stored; ids name them in tokens. */
    private readonly environmentKeys: EnvironmentKeys,
    /** Counts lookups of stored keys; configured keys and JWTs need none. */
    private readonly meter: CacheMeter = UNMETERED,
  ) {}

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

  /** The principal a key stands for, or undefined when it is unknown or revoked. */
  async verify(key: string): Promise<Principal | undefined> {
    const hash = sha256Hex(key);
    const { admin, user } = this.environmentKeys;
    if (admin && digestsEqual(hash, admin.hash)) return { kind: 'ADMIN', userId: undefined, via: 'API_KEY', credentialId: admin.id };
    if (user && digestsEqual(hash, user.hash)) return { kind: 'USER', userId: undefined, via: 'API_KEY', credentialId: user.id };

    const id = KEY_PATTERN.exec(key)?.[1];
    if (!id) return undefined;
    const cached = this.verified.get(hash);
    if (cached) {
      this.meter.hit();
      return cached.principal;
    }
    this.meter.miss();
    const row = await this.db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row || row.revoked_at !== null || !digestsEqual(hash, row.key_hash)) return undefined;
    const userId = row.user_id ?? undefined;
    const principal: Principal = row.is_admin
      ? { kind: 'ADMIN', userId, via: 'API_KEY', credentialId: row.id }
      : { kind: 'USER', userId, via: 'API_KEY', credentialId: row.id };
    this.verified.set(hash, { principal });
    return principal;
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
