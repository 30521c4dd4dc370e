import { type ExpressionBuilder, type Kysely, type Selectable, sql, type SqlBool } from 'kysely';
import type { Tables, UserContextFactsTable } from '../../../db/tables.js';
import { ancestorKeys, checkPath, comparePaths, pathKey, subtreePrefix } from './fact-path.js';
import { checkFact, settleWrites } from './fact-writes.js';
import type { KnowledgeSource, NewUserFact, UserContextStore, UserFact } from './user-context-store.js';

type Where = ExpressionBuilder<Tables, 'user_context_facts'>;

/** Rows of user_context_facts, one per leaf, `path` the JSON text of its keys. */
export class PostgresUserContextStore implements UserContextStore {
  constructor(private readonly db: Kysely<Tables>) {}

  async merge(userId: string, facts: NewUserFact[]): Promise<void> {
    const writes = settleWrites(facts);
    if (writes.length === 0) return;
    await this.db.transaction().execute(async (tx) => {
      // Merges of one user take turns: two concurrent merges could each miss the other's leaf and leave a scalar above an object.
      await sql`select pg_advisory_xact_lock(hashtextextended(${`muxgate.user-context:${userId}`}, 0))`.execute(tx);
      const ancestors = [...new Set(writes.flatMap((fact) => ancestorKeys(fact.path)))];
      await tx
        .deleteFrom('user_context_facts')
        .where('user_id', '=', userId)
        .where((eb) => eb.or([...writes.map((fact) => below(eb, fact.path)), ...(ancestors.length > 0 ? [eb('path', 'in', ancestors)] : [])]))
        .execute();
      await tx
        .insertInto('user_context_facts')
        .values(writes.map((fact) => ({ user_id: userId, path: pathKey(fact.path), ...toColumns(fact) })))
        .onConflict((oc) =>
          oc.columns(['user_id', 'path']).doUpdateSet((eb) => ({
            value: eb.ref('excluded.value'),
            importance: eb.ref('excluded.importance'),
            source: eb.ref('excluded.source'),
            confidence: eb.ref('excluded.confidence'),
            source_message_id: eb.ref('excluded.source_message_id'),
            updated_at: sql`now()`,
          })),
        )
        .execute();
    });
  }

  async facts(userId: string): Promise<UserFact[]> {
    const rows = await this.db.selectFrom('user_context_facts').selectAll().where('user_id', '=', userId).execute();
    // Sorted here, not by SQL: text order follows the server's collation, and Mongo must agree.
    return rows.map(toFact).sort((a, b) => comparePaths(a.path, b.path));
  }

  async updateFact(userId: string, path: string[], fact: Omit<NewUserFact, 'path'>): Promise<UserFact | undefined> {
    checkFact(fact, checkPath(path));
    const row = await this.db
      .updateTable('user_context_facts')
      .set({ ...toColumns(fact), updated_at: sql`now()` })
      .where('user_id', '=', userId)
      .where('path', '=', pathKey(path))
      .returningAll()
      .executeTakeFirst();
    return row && toFact(row);
  }

  async deleteFact(userId: string, path: string[]): Promise<number> {
    checkPath(path);
    const result = await this.db
      .deleteFrom('user_context_facts')
      .where('user_id', '=', userId)
      .where((eb) => eb.or([eb('path', '=', pathKey(path)), below(eb, path)]))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async forgetUser(userId: string): Promise<number> {
    const result = await this.db.deleteFrom('user_context_facts').where('user_id', '=', userId).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** The database belongs to whoever opened it. */
  async close(): Promise<void> {}
}

/** Leaves strictly below `path`: starts_with compares text as it is, with no LIKE wildcards to escape. */
const below = (eb: Where, path: readonly string[]) => eb.fn<SqlBool>('starts_with', [eb.ref('path'), eb.val(subtreePrefix(path))]);

const toColumns = (fact: Omit<NewUserFact, 'path'>) => ({
  value: JSON.stringify(fact.value),
  importance: fact.importance,
  source: fact.source,
  confidence: fact.confidence,
  source_message_id: fact.sourceMessageId,
});

const toFact = (row: Selectable<UserContextFactsTable>): UserFact => ({
  path: JSON.parse(row.path) as string[],
  value: row.value,
  importance: row.importance,
  source: row.source as KnowledgeSource,
  confidence: row.confidence,
  sourceMessageId: row.source_message_id,
  updatedAt: row.updated_at,
});
