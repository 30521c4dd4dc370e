import { type Collection, type Filter, MongoClient } from 'mongodb';
import { ancestorKeys, checkPath, comparePaths, pathKey } from './fact-path.js';
import { checkFact, settleWrites } from './fact-writes.js';
import type { KnowledgeSource, NewUserFact, UserContextStore, UserFact } from './user-context-store.js';

/** One leaf of a user's knowledge; `pathKey` is the JSON text of `path`, as PostgreSQL stores it. */
interface FactDocument {
  userId: string;
  path: string[];
  pathKey: string;
  value: unknown;
  importance: number;
  source: KnowledgeSource;
  confidence: number;
  sourceMessageId: string | null;
  updatedAt: Date;
}

/** User context on MongoDB (when MONGODB_URI is set): one document per leaf. */
export class MongoUserContextStore implements UserContextStore {
  private constructor(
    private readonly client: MongoClient,
    private readonly collection: Collection<FactDocument>,
  ) {}

  /** Connects and makes sure the unique (userId, pathKey) index exists. */
  static async connect(uri: string, databaseName: string, collectionName = 'user_context_facts'): Promise<MongoUserContextStore> {
    const client = new MongoClient(uri);
    try {
      await client.connect();
      const collection = client.db(databaseName).collection<FactDocument>(collectionName);
      await collection.createIndex({ userId: 1, pathKey: 1 }, { unique: true, name: 'user_context_facts_user_path' });
      return new MongoUserContextStore(client, collection);
    } catch (error) {
      await client.close();
      throw error;
    }
  }

  async merge(userId: string, facts: NewUserFact[]): Promise<void> {
    const writes = settleWrites(facts);
    if (writes.length === 0) return;
    const ancestors = [...new Set(writes.flatMap((fact) => ancestorKeys(fact.path)))];
    // No transaction (a standalone server has none): deleting first leaves a smaller valid tree and the upserts are idempotent, so a failure in between is mended by retrying the merge.
    await this.collection.deleteMany({ userId, $or: [...writes.map((fact) => below(fact.path)), ...(ancestors.length > 0 ? [{ pathKey: { $in: ancestors } }] : [])] });
    const updatedAt = new Date();
    await this.collection.bulkWrite(
      writes.map((fact) => ({
        replaceOne: { filter: { userId, pathKey: pathKey(fact.path) }, replacement: toDocument(userId, fact.path, fact, updatedAt), upsert: true },
      })),
    );
  }

  async facts(userId: string): Promise<UserFact[]> {
    const documents = await this.collection.find({ userId }).toArray();
    return documents.map(toFact).sort((a, b) => comparePaths(a.path, b.path));
  }

  async updateFact(userId: string, path: string[], fact: Omit<NewUserFact, 'path'>): Promise<UserFact | undefined> {
    checkFact(fact, checkPath(path));
    const updated = await this.collection.findOneAndUpdate({ userId, pathKey: pathKey(path) }, { $set: toProvenance(fact, new Date()) }, { returnDocument: 'after' });
    return updated ? toFact(updated) : undefined;
  }

  async deleteFact(userId: string, path: string[]): Promise<number> {
    checkPath(path);
    const result = await this.collection.deleteMany({ userId, $or: [{ pathKey: pathKey(path) }, below(path)] });
    return result.deletedCount;
  }

  async forgetUser(userId: string): Promise<number> {
    return (await this.collection.deleteMany({ userId })).deletedCount;
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

/** Leaves strictly below `path`, matched key by key on the array: no pattern, so nothing to escape. */
function below(path: readonly string[]): Filter<FactDocument> {
  const filter: Record<string, unknown> = { [`path.${path.length}`]: { $exists: true } };
  path.forEach((key, i) => (filter[`path.${i}`] = key));
  return filter as Filter<FactDocument>;
}

const toDocument = (userId: string, path: readonly string[], fact: Omit<NewUserFact, 'path'>, updatedAt: Date): FactDocument => ({
  userId,
  path: [...path],
  pathKey: pathKey(path),
  ...toProvenance(fact, updatedAt),
});

/** A leaf's value and where it came from: what updateFact changes. */
const toProvenance = (fact: Omit<NewUserFact, 'path'>, updatedAt: Date) => ({
  value: fact.value,
  importance: fact.importance,
  source: fact.source,
  confidence: fact.confidence,
  sourceMessageId: fact.sourceMessageId,
  updatedAt,
});

const toFact = (document: FactDocument): UserFact => ({
  path: document.path,
  value: document.value,
  importance: document.importance,
  source: document.source,
  confidence: document.confidence,
  sourceMessageId: document.sourceMessageId,
  updatedAt: document.updatedAt,
});
