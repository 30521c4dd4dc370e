import { type Kysely, sql } from 'kysely';
import pgvector from 'pgvector';
import type { Tables } from '../../db/tables.js';
import { quantizedEmbedding } from '../../db/vector-columns.js';
import { MESSAGES_BQ_CANDIDATES } from '../../db/vector-search-settings.js';
import type { ToolRound } from '../tools/tool-round.js';
import { type ImagePart, imagePartsOf } from '../images/image-part.js';
import { anyWordQuery } from './full-text.js';
import { MAX_EMBEDDING_ATTEMPTS } from './memory-store.js';
import { DEFAULT_VECTOR_SEARCH, type VectorSearchOptions, withVectorSettings } from './vector-search.js';
import { type EmbeddedRow, markEmbeddingFailed, storeEmbeddings, type UnembeddedRow } from './store-embeddings.js';
import type { OwnerScope } from './memory.js';

/** A settled message as buffer memory sees it. */
export interface WindowMessage {
  id: string;
  conversationId: string;
  role: 'user' | 'assistant';
  content: string;
  agentId: string | null;
  runId: string | null;
  metadata: Record<string, unknown>;
  createdAt: Date;
  /** Full-text rank against the query; null when the message does not match it. */
  textRank: number | null;
  /** Cosine distance to the query's vector; null without one or without the message's embedding. */
  distance: number | null;
  /** An answer's tool rounds, when read (the window's newest messages); else empty. */
  toolRounds: ToolRound[];
  /** A user message's images, when read (the window's newest messages); else empty. */
  images: ImagePart[];
}

/** Conversation messages as memory: their search index, embeddings, and the buffer's window; knows SQL. */
export class MessageMemoryStore {
  constructor(
    private readonly db: Kysely<Tables>,
    readonly vectors: boolean,
    private readonly search: VectorSearchOptions = DEFAULT_VECTOR_SEARCH,
    /** The dimensions of messages' binary-quantized index (db/vector-columns.ts) when it has one; else the float index. */
    private readonly quantizedDimensions?: number,
  ) {}

  /**
   * The last `size` settled messages of a conversation in order, each scored against the query
   * (full text, and vector when given): one statement gives the recent buffer and the older
   * messages to pick from. Messages the indexer has not reached yet are matched on the fly.
   * Answers with nothing to show (no text, no tool round: failed at once) take no place.
   * `excludeRunId`: the turn being answered, whose message may or may not have landed yet.
   * `withRounds`: how many of the newest messages come with their tool rounds; the older ones'
   * (possibly large, and unused for them) are not read.
   */
  async window(conversationId: string, size: number, text: string, vector: number[] | undefined, excludeRunId?: string, withRounds = 0): Promise<WindowMessage[]> {
    const query = anyWordQuery(text);
    const distance = vector && this.vectors ? sql`embedding <=> ${pgvector.toSql(vector)}::vector` : sql`null::float8`;
    const { rows } = await sql<WindowRow>`
      select id, conversation_id, role, content, agent_id, run_id, metadata, created_at,
        case when document @@ q then ts_rank_cd(document, q) end as text_rank, distance,
        case when row_number() over (order by ordinal desc) <= ${withRounds} then tool_calls end as tool_calls,
        case when row_number() over (order by ordinal desc) <= ${withRounds} then parts end as parts
      from (
        select id, conversation_id, role, content, agent_id, run_id, metadata, created_at, ordinal, tool_calls, parts,
          coalesce(tsv, to_tsvector('english', content)) as document, ${distance} as distance
        from messages
        where conversation_id = ${conversationId} and status not in ('STREAMING', 'WAITING') and run_id is distinct from ${excludeRunId ?? null}
          and (role = 'user' or content <> '' or tool_calls is not null)
        order by ordinal desc
        limit ${size}
      ) as recent, (select ${query} as q) as query
      order by ordinal`.execute(this.db);
    return rows.map(toWindowMessage);
  }

  /** The owner's messages across conversations best matching the words, best first (indexed messages). */
  async searchFullText(scope: OwnerScope, text: string, k: number, conversationId?: string | null): Promise<WindowMessage[]> {
    const query = anyWordQuery(text);
    const { rows } = await sql<WindowRow>`
      select m.id, m.conversation_id, m.role, m.content, m.agent_id, m.run_id, m.metadata, m.created_at,
        ts_rank_cd(m.tsv, q) as text_rank, null::float8 as distance
      from messages m join conversations c on c.id = m.conversation_id, (select ${query} as q) as query
      where m.tsv @@ q and ${ownerClause(scope)} ${conversationClause(conversationId)}
      order by text_rank desc, m.ordinal desc
      limit ${k}`.execute(this.db);
    return rows.map(toWindowMessage);
  }

  /**
   * The owner's messages nearest the vector, best first, with their cosine distance (HNSW with
   * iterative scan, since the owner filter comes after it). With the quantized index: the nearest
   * MESSAGES_BQ_CANDIDATES by Hamming distance of the vectors' signs, re-ranked by cosine distance.
   */
  async searchVector(scope: OwnerScope, vector: number[], k: number, conversationId?: string | null): Promise<WindowMessage[]> {
    if (!this.vectors) return [];
    const literal = pgvector.toSql(vector);
    const candidates = Math.max(MESSAGES_BQ_CANDIDATES, k);
    return withVectorSettings(this.db, this.search, this.quantizedDimensions ? candidates : k, async (tx) => {
      const columns = sql`m.id, m.conversation_id, m.role, m.content, m.agent_id, m.run_id, m.metadata, m.created_at,
          null::float4 as text_rank, m.embedding <=> ${literal}::vector as distance
        from messages m join conversations c on c.id = m.conversation_id
        where m.embedding is not null and ${ownerClause(scope)} ${conversationClause(conversationId)}`;
      const { rows } = await (this.quantizedDimensions
        ? sql<WindowRow>`select * from (
            select ${columns} order by ${quantizedEmbedding(this.quantizedDimensions, 'm.embedding')} <~> binary_quantize(${literal}::vector) limit ${candidates}
          ) as candidates order by distance limit ${k}`
        : sql<WindowRow>`select ${columns} order by distance limit ${k}`
      ).execute(tx);
      return rows.map(toWindowMessage);
    });
  }

  /** Fills the full-text vector of settled messages (after their turn, off the chat's path). */
  async index(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await sql`update messages set tsv = to_tsvector('english', content), indexed_at = now()
      where id in (${sql.join(ids)}) and status not in ('STREAMING', 'WAITING')`.execute(this.db);
  }

  /**
   * Indexes a batch in one statement: the full-text vector of every settled message named, and the
   * embeddings given, each only where the row still holds the text embedded. One row version per
   * message, so its vector enters the HNSW index once.
   */
  async indexWithEmbeddings(ids: string[], embedded: ReadonlyArray<EmbeddedRow>): Promise<void> {
    if (ids.length === 0) return;
    if (!this.vectors || embedded.length === 0) return this.index(ids);
    const byId = new Map(embedded.map((row) => [row.id, row]));
    const contents = ids.map((id) => byId.get(id)?.content ?? null);
    const vectors = ids.map((id) => {
      const row = byId.get(id);
      return row ? (pgvector.toSql(row.vector) as string) : null;
    });
    await sql`update messages as t set tsv = to_tsvector('english', t.content), indexed_at = now(),
        embedding = case when v.content = t.content then v.embedding::vector else t.embedding end,
        embedded_at = case when v.content = t.content then now() else t.embedded_at end
      from unnest(${ids}::text[], ${contents}::text[], ${vectors}::text[]) as v(id, content, embedding)
      where t.id = v.id and t.status not in ('STREAMING', 'WAITING')`.execute(this.db);
  }

  /** Settled messages the indexer never reached (a crash between answer and index). */
  async unindexed(limit: number): Promise<string[]> {
    const rows = await this.db.selectFrom('messages').select('id').where('indexed_at', 'is', null).where('status', 'not in', ['STREAMING', 'WAITING']).orderBy('ordinal').limit(limit).execute();
    return rows.map((row) => row.id);
  }

  /**
   * Settled messages with text waiting for an embedding (new, or failed `retryAfterMs` ago). The
   * backfill's (no `ids`) carry whom they are embedded for, from their run and conversation.
   */
  async unembedded(limit: number, retryAfterMs: number, ids?: string[]): Promise<UnembeddedRow[]> {
    let query = this.db
      .selectFrom('messages')
      .select(['id', 'content', 'run_id', 'agent_id'])
      .where('embedded_at', 'is', null)
      .where('status', 'not in', ['STREAMING', 'WAITING'])
      .where('content', '<>', '');
    if (ids) return query.where('id', 'in', ids.length ? ids : ['']).limit(limit).execute().then((rows) => rows.map(({ id, content }) => ({ id, content })));
    const rows = await query
      .select((eb) => eb.selectFrom('conversations').select('user_id').whereRef('conversations.id', '=', 'messages.conversation_id').as('owner_id'))
      .where('embedding_attempts', '<', MAX_EMBEDDING_ATTEMPTS)
      .where((eb) => eb.or([eb('embedding_tried_at', 'is', null), eb('embedding_tried_at', '<', new Date(Date.now() - retryAfterMs))]))
      .orderBy('ordinal')
      .limit(limit)
      .execute();
    return rows.map((row) => ({ id: row.id, content: row.content, owner: { userId: row.owner_id ?? null, keyId: null, agentId: row.agent_id, runId: row.run_id } }));
  }

  async setEmbeddings(rows: ReadonlyArray<EmbeddedRow>): Promise<void> {
    if (this.vectors) await storeEmbeddings(this.db, 'messages', rows);
  }

  /** Counts a failed attempt; the retry waits EMBEDDING_RETRY_MS from it. */
  async embeddingFailed(ids: string[]): Promise<void> {
    await markEmbeddingFailed(this.db, 'messages', ids);
  }
}

interface WindowRow {
  id: string;
  conversation_id: string;
  role: 'user' | 'assistant';
  content: string;
  agent_id: string | null;
  run_id: string | null;
  metadata: unknown;
  created_at: Date;
  text_rank: number | null;
  distance: number | null;
  /** Only the window reads it. */
  tool_calls?: unknown;
  /** Only the window reads it. */
  parts?: unknown;
}

const ownerClause = (scope: OwnerScope) =>
  scope.all ? sql`true` : scope.userId === null ? sql`c.user_id is null` : sql`c.user_id = ${scope.userId}`;

const conversationClause = (conversationId: string | null | undefined) => (conversationId ? sql`and m.conversation_id = ${conversationId}` : sql``);

function toWindowMessage(row: WindowRow): WindowMessage {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    role: row.role,
    content: row.content,
    agentId: row.agent_id,
    runId: row.run_id,
    metadata: isObject(row.metadata) ? row.metadata : {},
    createdAt: new Date(row.created_at),
    textRank: row.text_rank === null ? null : Number(row.text_rank),
    distance: row.distance === null ? null : Number(row.distance),
    toolRounds: (row.tool_calls as ToolRound[] | null | undefined) ?? [],
    images: imagePartsOf(row.parts),
  };
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
