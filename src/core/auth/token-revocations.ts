import type { Kysely } from 'kysely';
import type { Tables } from '../../db/tables.js';

/** Revocations made on other replicas arrive within this; the hot path queries at most this often. */
const REFRESH_MS = 5_000;
/** Expired revocations are deleted from the table at most this often. */
const PRUNE_MS = 3_600_000;

/**
 * Revoked JWT ids and revoked API key ids, held in memory so verifying a token needs no query.
 * Loaded at start, added to on revoke, refreshed from the database every few seconds.
 */
export class TokenRevocations {
  /** jti -> when the token expires (ms); after that the entry is useless. */
  private readonly tokens = new Map<string, number>();
  private readonly keys = new Set<string>();
  private loadedAt = 0;
  private prunedAt = 0;
  private loading: Promise<void> | undefined;

  constructor(private readonly db: Kysely<Tables>) {}

  /** Erasure: revocations of the user's tokens stay in force but no longer name the user. */
  async unlinkUser(userId: string): Promise<void> {
    await this.db.updateTable('revoked_tokens').set({ user_id: null }).where('user_id', '=', userId).execute();
  }

  async load(): Promise<void> {
    const now = new Date();
    if (now.getTime() - this.prunedAt > PRUNE_MS) {
      this.prunedAt = now.getTime();
      await this.db.deleteFrom('revoked_tokens').where('expires_at', '<', now).execute();
    }
    const [tokens, keys] = await Promise.all([
      this.db.selectFrom('revoked_tokens').select(['jti', 'expires_at']).where('expires_at', '>=', now).execute(),
      this.db.selectFrom('api_keys').select('id').where('revoked_at', 'is not', null).execute(),
    ]);
    // Merged, never replaced: a revocation made while this query ran must not be lost.
    for (const row of tokens) this.tokens.set(row.jti, row.expires_at.getTime());
    for (const row of keys) this.keys.add(row.id);
    for (const [jti, expiresAt] of this.tokens) if (expiresAt < now.getTime()) this.tokens.delete(jti);
    this.loadedAt = Date.now();
  }

  /**
   * Whether the token, or the key that issued it, has been revoked: from memory. Once the set is
   * older than REFRESH_MS one background read renews it (other replicas' revocations), unawaited.
   */
  async isRevoked(jti: string, keyId: string): Promise<boolean> {
    if (Date.now() - this.loadedAt > REFRESH_MS) this.loading ??= this.refresh();
    return this.tokens.has(jti) || this.keys.has(keyId);
  }

  /** A database that does not answer leaves the last known revocations in force rather than refusing every token. */
  private async refresh(): Promise<void> {
    try {
      await this.load();
    } catch {
      this.loadedAt = Date.now(); // try again after REFRESH_MS; health reports the database as down
    } finally {
      this.loading = undefined;
    }
  }

  /** Records a revoked token; false when it was revoked already. */
  async revokeToken(jti: string, userId: string | null, expiresAt: Date): Promise<boolean> {
    const inserted = await this.db
      .insertInto('revoked_tokens')
      .values({ jti, user_id: userId, expires_at: expiresAt })
      .onConflict((c) => c.column('jti').doNothing())
      .executeTakeFirst();
    this.tokens.set(jti, expiresAt.getTime());
    return (inserted.numInsertedOrUpdatedRows ?? 0n) > 0n;
  }

  /** A token revoked on another replica (its row is written): refused here at once. */
  tokenRevoked(jti: string, expiresAt: number): void {
    this.tokens.set(jti, expiresAt);
  }

  /** The key's row is already marked revoked; this makes the tokens it issued fail at once. */
  keyRevoked(id: string): void {
    this.keys.add(id);
  }
}
