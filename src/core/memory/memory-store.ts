import { randomUUID } from 'node:crypto';
import { type ExpressionBuilder, type Kysely, type SelectQueryBuilder, sql } from 'kysely';
import pgvector from 'pgvector';
import type { MemoryRow, Tables } from '../../db/tables.js';
import { anyWordQuery } from './full-text.js';
import { DEFAULT_VECTOR_SEARCH, type VectorSearchOptions, withVectorSettings } from './vector-search.js';
import { type EmbeddedRow, markEmbeddingFailed, storeEmbeddings, type UnembeddedRow } from './store-embeddings.js';
import type { Memory, MemorySource, OwnerScope } from './memory.js';

/** A memory to write: the columns a caller chooses; the rest (id, times, embedding state) are the store's. */
export type NewMemory = Pick<Memory, 'userId' | 'agentId' | 'content' | 'metadata' | 'importance' | 'source'> &
  Partial<Pick<Memory, 'sourceMessageId' | 'confidence' | 'factKey'>>;

export type MemoryPatch = Partial<Pick<Memory, 'content' | 'metadata' | 'importance' | 'agentId'>>;

/** What a search or listing may return. */
export interface MemoryFilter {
  scope: OwnerScope;
  /** That agent's memories and those tied to no agent. */
  agentId?: string | null | undefined;
  /** Memories whose metadata contains this object (jsonb @>). */
  metadata?: Record<string, unknown> | null | undefined;
  createdAfter?: Date | null | undefined;
  createdBefore?: Date | null | undefined;
  /** Superseded facts are kept for the record but not used unless asked for. */
  includeSuperseded?: boolean | undefined;
}

/** A position in a newest-first listing. */
export interface MemoryCursor {
  createdAt: Date;
  id: string;
}

/** Every column but the large ones (tsv, embedding) a caller never reads. */
const MEMORY_COLUMNS = [
  'id', 'user_id', 'agent_id', 'content', 'metadata', 'importance', 'source', 'source_message_id', 'confidence',
  'fact_key', 'valid_until', 'superseded_by', 'created_at', 'updated_at', 'embedded_at', 'embedding_attempts', 'embedding_tried_at',
] as const;

/** A text the provider refused this often is left to full-text search (MAX_EMBEDDING_ATTEMPTS tries). */
export const MAX_EMBEDDING_ATTEMPTS = 10;

type StoredMemory = Omit<MemoryRow, 'tsv'>;
type MemoryQuery = SelectQueryBuilder<Tables, 'memories', StoredMemory>;

/** Rows of the long-term ledger and its two searches; knows SQL, not permissions. */
export class MemoryStore {
  constructor(
    private readonly db: Kysely<Tables>,
    /** The `embedding` column exists (pgvector and an embedding model). */
    readonly vectors: boolean,
    private readonly search: VectorSearchOptions = DEFAULT_VECTOR_SEARCH,
  ) {}

  /** Told the owner of each memory written here (the presence cache learns of it at once). */
  private readonly addedListeners: Array<(userId: string | null) => void> = [];

  onAdded(listener: (userId: string | null) => void): void {
    this.addedListeners.push(listener);
  }

  /** Whether the owner has any current memory: what a chat's long-term search could find at all. */
  async hasAny(userId: string | null): Promise<boolean> {
    const row = await this.db.selectFrom('memories').select(sql<number>`1`.as('one')).where((eb) => ownerIs(eb, userId)).where('valid_until', 'is', null).limit(1).executeTakeFirst();
    return row !== undefined;
  }

  async insert(memory: NewMemory): Promise<Memory> {
    const row = await this.db.insertInto('memories').values(columns(memory)).returning(MEMORY_COLUMNS).executeTakeFirstOrThrow();
    this.added(memory.userId);
    return toMemory(row);
  }

  private added(userId: string | null): void {
    for (const listener of this.addedListeners) listener(userId);
  }

  /**
   * A keyed fact: the same value again refreshes the stored one; a different value is inserted and
   * the current fact of that key is marked superseded (kept, no longer used). One transaction.
   */
  async recordFact(memory: NewMemory & { factKey: string }): Promise<{ memory: Memory; superseded: Memory | null; unchanged: boolean }> {
    const recorded = await this.db.transaction().execute(async (tx) => {
      // Two writers of one user's key at once would both supersede the old fact and both stay current.
      await sql`select pg_advisory_xact_lock(hashtext(${`memory-fact:${memory.userId ?? ''}:${memory.factKey}`}))`.execute(tx);
      const current = await tx
        .selectFrom('memories')
        .select(MEMORY_COLUMNS)
        .where((eb) => ownerIs(eb, memory.userId))
        .where('fact_key', '=', memory.factKey)
        .where('valid_until', 'is', null)
        .executeTakeFirst();
      if (current && current.content === memory.content) {
        const refreshed = await tx
          .updateTable('memories')
          .set({ confidence: Math.max(current.confidence, memory.confidence ?? 1), importance: memory.importance, updated_at: new Date() })
          .where('id', '=', current.id)
          .returning(MEMORY_COLUMNS)
          .executeTakeFirstOrThrow();
        return { memory: toMemory(refreshed), superseded: null, unchanged: true };
      }
      const inserted = await tx.insertInto('memories').values(columns(memory)).returning(MEMORY_COLUMNS).executeTakeFirstOrThrow();
      let superseded: Memory | null = null;
      if (current) {
        const row = await tx
          .updateTable('memories')
          .set({ valid_until: new Date(), superseded_by: inserted.id, updated_at: new Date() })
          .where('id', '=', current.id)
          .returning(MEMORY_COLUMNS)
          .executeTakeFirstOrThrow();
        superseded = toMemory(row);
      }
      return { memory: toMemory(inserted), superseded, unchanged: false };
    });
    this.added(memory.userId);
    return recorded;
  }

  /** Marks the user's current facts of `key` (and of keys below it) superseded now; the number retired. */
  async retireFacts(userId: string, key: string): Promise<number> {
    const result = await this.db
      .updateTable('memories')
      .set({ valid_until: new Date(), updated_at: new Date() })
      .where('user_id', '=', userId)
      .where('valid_until', 'is', null)
      .where((eb) => eb.or([eb('fact_key', '=', key), eb(sql<string>`left(fact_key, ${key.length + 1})`, '=', `${key}.`)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** Memories of these ids, in one query (Relay's `nodes`). */
  async findMany(ids: readonly string[]): Promise<Memory[]> {
    if (ids.length === 0) return [];
    return (await this.db.selectFrom('memories').select(MEMORY_COLUMNS).where('id', 'in', ids).execute()).map(toMemory);
  }

  async find(id: string): Promise<Memory | undefined> {
    const row = await this.db.selectFrom('memories').select(MEMORY_COLUMNS).where('id', '=', id).executeTakeFirst();
    return row && toMemory(row);
  }

  /** A changed content is searchable by full text at once; its embedding is redone. */
  async update(id: string, patch: MemoryPatch): Promise<Memory | undefined> {
    const contentChanged = patch.content !== undefined;
    const row = await this.db
      .updateTable('memories')
      .set({
        ...(patch.content !== undefined ? { content: patch.content } : {}),
        ...(patch.metadata !== undefined ? { metadata: JSON.stringify(patch.metadata) } : {}),
        ...(patch.importance !== undefined ? { importance: patch.importance } : {}),
        ...(patch.agentId !== undefined ? { agent_id: patch.agentId } : {}),
        ...(contentChanged ? { embedded_at: null, embedding_attempts: 0, embedding_tried_at: null, ...(this.vectors ? { embedding: null } : {}) } : {}),
        updated_at: new Date(),
      } as never)
      .where('id', '=', id)
      .returning(MEMORY_COLUMNS)
      .executeTakeFirst();
    return row && toMemory(row);
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('memories').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  /** Deletes every memory the filter selects (superseded ones too); the number deleted. */
  async deleteWhere(filter: Pick<MemoryFilter, 'scope' | 'agentId'> & { exactAgent?: boolean }): Promise<number> {
    // Everyone's memories of every agent is never what a caller means.
    if (filter.scope.all && filter.agentId == null) throw new Error('deleteWhere needs an owner or an agent');
    let query = this.db.deleteFrom('memories');
    if (!filter.scope.all) query = query.where((eb) => ownerIs(eb as never, (filter.scope as { userId: string | null }).userId));
    if (filter.agentId != null) query = query.where('agent_id', '=', filter.agentId);
    const result = await query.executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Newest first, `limit` rows after the cursor. */
  async list(filter: MemoryFilter, limit: number, after?: MemoryCursor): Promise<Memory[]> {
    let query = this.filtered(this.db.selectFrom('memories').select(MEMORY_COLUMNS), filter);
    if (after) {
      query = query.where((eb) => eb.or([eb('created_at', '<', after.createdAt), eb.and([eb('created_at', '=', after.createdAt), eb('id', '<', after.id)])]));
    }
    const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    return rows.map(toMemory);
  }

  /** The best `k` by full-text rank (any of the query's words), best first. */
  async searchFullText(text: string, filter: MemoryFilter, k: number): Promise<Memory[]> {
    // The query is built once, in a subselect: the statement plans faster than with it written twice.
    const rows = await this.filtered(
      this.db
        .selectFrom(['memories', sql<{ q: unknown }>`(select ${anyWordQuery(text)} as q)`.as('query')])
        .select(MEMORY_COLUMNS.map((column) => `memories.${column}` as const)) as unknown as MemoryQuery,
      filter,
    )
      .where(sql<boolean>`tsv @@ q`)
      .orderBy(sql`ts_rank_cd(tsv, q)`, 'desc')
      .orderBy('created_at', 'desc')
      .limit(k)
      .execute();
    return rows.map(toMemory);
  }

  /**
   * The `k` nearest by cosine distance, best first. pgvector filters after the HNSW scan, so a
   * filtered search scans on (iterative scan) until it has k rows or runs out.
   */
  async searchVector(vector: number[], filter: MemoryFilter, k: number): Promise<Array<Memory & { distance: number }>> {
    if (!this.vectors) return [];
    const literal = pgvector.toSql(vector);
    return withVectorSettings(this.db, this.search, k, async (tx) => {
      const rows = await this.filtered(tx.selectFrom('memories').select(MEMORY_COLUMNS), filter)
        .select(sql<number>`embedding <=> ${literal}::vector`.as('distance'))
        .where(sql<boolean>`embedding is not null`)
        // By the selected column: the distance is computed once a row (twice read out-of-line vectors twice).
        .orderBy(sql`distance`)
        .limit(k)
        .execute();
      return rows.map((row) => ({ ...toMemory(row), distance: Number(row.distance) }));
    });
  }

  /** Memories waiting for an embedding (new, changed, or whose embedding failed `retryAfterMs` ago). */
  async unembedded(limit: number, retryAfterMs: number): Promise<UnembeddedRow[]> {
    const rows = await this.db
      .selectFrom('memories')
      .select(['id', 'content', 'user_id', 'agent_id'])
      .where('embedded_at', 'is', null)
      .where('embedding_attempts', '<', MAX_EMBEDDING_ATTEMPTS)
      .where((eb) => eb.or([eb('embedding_tried_at', 'is', null), eb('embedding_tried_at', '<', new Date(Date.now() - retryAfterMs))]))
      .orderBy('created_at')
      .limit(limit)
      .execute();
    return rows.map((row) => ({ id: row.id, content: row.content, owner: { userId: row.user_id, keyId: null, agentId: row.agent_id, runId: null } }));
  }

  /** Stores vectors for rows whose content is still the one embedded. */
  async setEmbeddings(rows: ReadonlyArray<EmbeddedRow>): Promise<void> {
    if (this.vectors) await storeEmbeddings(this.db, 'memories', rows);
  }

  /** Counts a failed attempt; the row is tried again after EMBEDDING_RETRY_MS. */
  async embeddingFailed(ids: string[]): Promise<void> {
    await markEmbeddingFailed(this.db, 'memories', ids);
  }

  private filtered(query: MemoryQuery, filter: MemoryFilter): MemoryQuery {
    let q = query;
    if (!filter.scope.all) {
      const userId = filter.scope.userId;
      q = q.where((eb) => ownerIs(eb, userId));
    }
    if (filter.agentId != null) {
      const agentId = filter.agentId;
      q = q.where((eb) => eb.or([eb('agent_id', '=', agentId), eb('agent_id', 'is', null)]));
    }
    if (filter.metadata && Object.keys(filter.metadata).length > 0) q = q.where(sql<boolean>`metadata @> ${JSON.stringify(filter.metadata)}::jsonb`);
    if (filter.createdAfter) q = q.where('created_at', '>=', filter.createdAfter);
    if (filter.createdBefore) q = q.where('created_at', '<', filter.createdBefore);
    if (!filter.includeSuperseded) q = q.where('valid_until', 'is', null);
    return q;
  }
}

const ownerIs = (eb: ExpressionBuilder<Tables, 'memories'>, userId: string | null) => (userId === null ? eb('user_id', 'is', null) : eb('user_id', '=', userId));

function columns(memory: NewMemory) {
  return {
    id: randomUUID(),
    user_id: memory.userId,
    agent_id: memory.agentId,
    content: memory.content,
    metadata: JSON.stringify(memory.metadata),
    importance: memory.importance,
    source: memory.source,
    source_message_id: memory.sourceMessageId ?? null,
    confidence: memory.confidence ?? 1,
    fact_key: memory.factKey ?? null,
    // Milliseconds from JS, not now()'s microseconds: cursors carry a JS Date and must compare exactly.
    created_at: new Date(),
  };
}

export function toMemory(row: StoredMemory): Memory {
  return {
    id: row.id,
    userId: row.user_id,
    agentId: row.agent_id,
    content: row.content,
    metadata: row.metadata ?? {},
    importance: row.importance,
    source: row.source,
    sourceMessageId: row.source_message_id,
    confidence: row.confidence,
    factKey: row.fact_key,
    validUntil: row.valid_until,
    supersededBy: row.superseded_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    embeddedAt: row.embedded_at,
  };
}
