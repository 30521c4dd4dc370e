import type { Kysely } from 'kysely';
import type { Tables } from '../db/tables.js';

/** Key/value settings shared by every replica on one database. */
export class Settings {
  constructor(private readonly db: Kysely<Tables>) {}

  async get(key: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
    return row?.value;
  }

  /**
   * Stores `value` unless the key is already set, and returns what is stored: when replicas race
   * on first start, they all end up with the first writer's value.
   */
  async getOrInit(key: string, create: () => string): Promise<{ value: string; created: boolean }> {
    const candidate = create();
    const inserted = await this.db
      .insertInto('settings')
      .values({ key, value: candidate })
      .onConflict((oc) => oc.column('key').doNothing())
      .returning('value')
      .executeTakeFirst();
    if (inserted) return { value: inserted.value, created: true };
    const existing = await this.get(key);
    if (existing === undefined) throw new Error(`Setting ${key} vanished while being initialised`);
    return { value: existing, created: false };
  }
}
