import type { ReportError } from '../errors.js';
import type { Metrics } from '../metrics/metrics.js';
import { embeddingModelName, embedMeasured, type EmbeddingModel } from '../models/embedding-model.js';
import { recordEmbedding, recordEmbeddingFor } from '../usage/embedding-usage.js';
import { NO_ACCOUNT, type UsageAccount } from '../usage/usage-entry.js';
import type { UsageLedger } from '../usage/usage-ledger.js';
import { DEFAULT_MEMORY_SETTINGS } from './memory-settings.js';
import { IndexingQueue, type QueuedMessage } from './indexing-queue.js';
import type { MemoryStore } from './memory-store.js';
import type { MessageMemoryStore } from './message-memory-store.js';
import type { EmbeddedRow, UnembeddedRow } from './store-embeddings.js';

/** Rows embedded per request; a backfill round takes up to ROUNDS_PER_BACKFILL of them, so an outage is caught up quickly. */
const BATCH = 64;
const ROUNDS_PER_BACKFILL = 16;
/** Messages per drain: one embedding request (texts of at most MAX_EMBEDDED_CHARS each). */
const INDEX_BATCH = 32;
/** A backlog's drain indexes at most half the time: the other half is the chats' (their statements share PGlite's one thread). */
const INDEX_BUSY_SHARE = 0.5;
/**
 * Messages per UPDATE: each vector's HNSW insert (and its text's parsing) costs the embedded
 * database's one thread about 3-7 ms (bench/README.md, "Indexing batched"), so a statement of 4
 * holds it about as long as one chat's two inserts did, and the chats' statements get in between.
 */
const INDEX_WRITE_CHUNK = 4;
/** About 2,000 tokens: within every embedding model's input limit (text-embedding-3: 8,191). */
const MAX_EMBEDDED_CHARS = 8_000;

/** Counters the indexer reports (exposed through metrics and tests). */
export interface IndexerCounts {
  embedded: number;
  embeddingFailures: number;
  /** Settled messages shed because the queue was full (left to the backfill). */
  dropped: number;
}

/**
 * Keeps memory searchable: a settled turn's messages get their full-text vector and embedding
 * after the answer (never before it), through a bounded queue whose drainer indexes many turns
 * together (one embedding request, one statement); memories get their embedding when written;
 * what failed (the embedding provider down) or was shed (the queue full) is caught up by the
 * backfill every EMBEDDING_RETRY_MS. Full text never waits on it.
 */
export class MemoryIndexer {
  readonly counts: IndexerCounts = { embedded: 0, embeddingFailures: 0, dropped: 0 };
  private readonly queue: IndexingQueue;
  private timer: NodeJS.Timeout | undefined;
  private backfilling: Promise<void> | undefined;
  /** When a query's embedding last failed: searches go without vectors until EMBEDDING_RETRY_MS has passed. */
  private queryFailedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly deps: {
      memories: MemoryStore;
      messages: MessageMemoryStore;
      /** Undefined: no vectors here (no model, or no pgvector), full text only. */
      embeddings: EmbeddingModel | undefined;
      retryMs: number;
      /** A search's embedding waits at most this long (MEMORY_EMBEDDING_TIMEOUT_MS): then full text answers alone. */
      queryTimeoutMs?: number;
      /** The embedded database's stand-in for autovacuum (ANALYZE, VACUUM when due), run with each backfill. */
      keepStatistics?: (() => Promise<unknown>) | undefined;
      reportError: ReportError;
      metrics: Pick<Metrics, 'memoryEvent' | 'memoryIndexQueue'>;
      /** Most messages waiting to be indexed (MEMORY_INDEX_QUEUE_MAX), and how long a turn waits for others (MEMORY_INDEX_DELAY_MS). */
      queue?: { maxDepth: number; delayMs: number };
      /** Every embeddings call is recorded here (EMBEDDING), charged to whom its texts were embedded for. */
      ledger?: UsageLedger | undefined;
    },
  ) {
    this.queue = new IndexingQueue({
      maxDepth: deps.queue?.maxDepth ?? DEFAULT_MEMORY_SETTINGS.indexQueueMax,
      maxBatch: INDEX_BATCH,
      lingerMs: deps.queue?.delayMs ?? DEFAULT_MEMORY_SETTINGS.indexDelayMs,
      busyShare: INDEX_BUSY_SHARE,
      index: (batch) => this.indexBatch(batch),
      depthChanged: (depth) => deps.metrics.memoryIndexQueue(depth),
      dropped: (count) => {
        this.counts.dropped += count;
        deps.metrics.memoryEvent('index_dropped', count);
      },
    });
  }

  /** Settled messages queued and not yet indexed. */
  get queueDepth(): number {
    return this.queue.depth;
  }

  get vectors(): boolean {
    return this.deps.embeddings !== undefined && this.deps.memories.vectors;
  }

  /** The query's vector for a search, or undefined (no vectors, or the provider failed: full text answers alone); its tokens are charged to `account`. */
  async embedQuery(text: string, signal?: AbortSignal, account: UsageAccount = NO_ACCOUNT): Promise<number[] | undefined> {
    // A provider that just failed is not asked again on every chat: no added wait, no log per chat.
    if (!this.vectors || performance.now() - this.queryFailedAt < this.deps.retryMs) return undefined;
    // A message of images alone has no text to embed (and providers refuse an empty input).
    if (text.trim().length === 0) return undefined;
    try {
      const timeout = AbortSignal.timeout(this.deps.queryTimeoutMs ?? 2_000);
      const model = this.deps.embeddings!;
      const embedded = await embedMeasured(model, [text], signal ? AbortSignal.any([signal, timeout]) : timeout);
      recordEmbeddingFor(this.deps.ledger, embeddingModelName(model), embedded.inputTokens, account);
      return embedded.vectors[0];
    } catch (error) {
      if (signal?.aborted) throw error;
      this.queryFailedAt = performance.now();
      this.counts.embeddingFailures++;
      this.deps.metrics.memoryEvent('embedding_failed');
      this.deps.reportError(error, `embedding a memory search (answered by full text alone; vectors are tried again in ${this.deps.retryMs} ms)`, 'warn');
      return undefined;
    }
  }

  /**
   * After a turn: queues its messages to be indexed and embedded with other turns' (`known`
   * vectors, e.g. the question's, are reused). Resolves once indexed, or at once when the queue was
   * full (the messages are then left to the backfill); never rejects. `now`: without waiting
   * MEMORY_INDEX_DELAY_MS for other turns (a caller that answers once the message is indexed).
   * Their embeddings are charged to `account` (the turn's run), whatever batch they share.
   */
  indexMessages(ids: string[], known: ReadonlyMap<string, number[]> = new Map(), now = false, account: UsageAccount = NO_ACCOUNT): Promise<void> {
    return this.queue.push(ids.map((id) => ({ id, vector: known.get(id), account })), now);
  }

  /** Embeds freshly written memories, charged to `account`; a failure leaves them to the retry (they are searchable by full text already). */
  async embedMemories(rows: ReadonlyArray<{ id: string; content: string }>, account: UsageAccount = NO_ACCOUNT): Promise<void> {
    if (!this.vectors || rows.length === 0) return;
    await this.embedRows(rows.map((row) => ({ ...row, owner: account })), this.deps.memories, new Map()).catch((error: unknown) => this.deps.reportError(error, 'storing memory embeddings'));
  }

  /** Starts the retry timer. */
  start(): void {
    this.timer = setInterval(() => void this.backfill(), this.deps.retryMs);
    this.timer.unref();
    // What a previous process left (a crash between an answer and its indexing) is caught up now.
    void this.backfill();
  }

  /** One round of catching up: unindexed settled messages, unembedded messages and memories. */
  backfill(): Promise<void> {
    this.backfilling ??= this.runBackfill().finally(() => (this.backfilling = undefined));
    return this.backfilling;
  }

  /** Indexes what is queued now and waits for background indexing in flight (tests, shutdown). */
  async settle(): Promise<void> {
    await this.queue.settle();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.settle();
    await this.backfilling;
  }

  private async runBackfill(): Promise<void> {
    try {
      await this.deps.keepStatistics?.();
      for (let round = 0; round < ROUNDS_PER_BACKFILL; round++) {
        const found = await this.deps.messages.unindexed(500);
        // What the queue holds is indexed by it, with its embeddings.
        const unindexed = found.filter((id) => !this.queue.has(id));
        if (unindexed.length) await this.deps.messages.index(unindexed);
        if (found.length < 500) break;
      }
      if (!this.vectors) return;
      for (const store of [this.deps.messages, this.deps.memories]) {
        for (let round = 0; round < ROUNDS_PER_BACKFILL; round++) {
          const found = await store.unembedded(BATCH, this.deps.retryMs);
          if (found.length === 0) break;
          const rows = found.filter((row) => !this.queue.has(row.id));
          const failuresBefore = this.counts.embeddingFailures;
          await this.embedRows(rows, store, new Map());
          // The provider is failing: wait for the next round rather than hammer it.
          if (this.counts.embeddingFailures > failuresBefore || found.length < BATCH) break;
        }
      }
    } catch (error) {
      this.deps.reportError(error, 'memory backfill');
    }
  }

  /** One drain of the queue: the batch's texts embedded in one request, then indexed in one statement. */
  private async indexBatch(batch: QueuedMessage[]): Promise<void> {
    const ids = batch.map((message) => message.id);
    try {
      if (!this.vectors) return await this.deps.messages.index(ids);
      const owners = new Map(batch.map((message) => [message.id, message.account] as const));
      const rows = (await this.deps.messages.unembedded(ids.length, 0, ids)).map((row) => ({ ...row, owner: owners.get(row.id) }));
      const known = new Map(batch.flatMap((message) => (message.vector ? [[message.id, message.vector] as const] : [])));
      const embedded = await this.embedTexts(rows, this.deps.messages, known);
      for (let start = 0; start < ids.length; start += INDEX_WRITE_CHUNK) {
        const chunk = new Set(ids.slice(start, start + INDEX_WRITE_CHUNK));
        await this.deps.messages.indexWithEmbeddings([...chunk], embedded.filter((row) => chunk.has(row.id)));
      }
      this.counts.embedded += embedded.length;
    } catch (error) {
      this.deps.reportError(error, `indexing ${ids.length} message(s) (left to the backfill)`);
    }
  }

  private async embedRows(
    rows: readonly UnembeddedRow[],
    store: Pick<MemoryStore, 'setEmbeddings' | 'embeddingFailed'>,
    known: ReadonlyMap<string, number[]>,
  ): Promise<void> {
    const embedded = await this.embedTexts(rows, store, known);
    await store.setEmbeddings(embedded);
    this.counts.embedded += embedded.length;
  }

  /**
   * The rows' vectors, `known` ones reused and the others asked for in one request; on failure, the
   * known ones alone (the others marked failed). The request's tokens are split among the rows'
   * owners by the length of their texts: one ledger row per owner.
   */
  private async embedTexts(
    rows: readonly UnembeddedRow[],
    store: Pick<MemoryStore, 'embeddingFailed'>,
    known: ReadonlyMap<string, number[]>,
  ): Promise<EmbeddedRow[]> {
    const missing = rows.filter((row) => !known.has(row.id));
    let vectors: number[][];
    try {
      // Embedding models take a few thousand tokens; the start of a long text stands for it.
      const texts = missing.map((row) => row.content.slice(0, MAX_EMBEDDED_CHARS));
      const model = this.deps.embeddings!;
      const embedded = missing.length ? await embedMeasured(model, texts) : { vectors: [], inputTokens: undefined };
      vectors = embedded.vectors;
      recordEmbedding(this.deps.ledger, embeddingModelName(model), embedded.inputTokens, missing.map((row, i) => ({ account: row.owner ?? NO_ACCOUNT, chars: texts[i]!.length })));
    } catch (error) {
      this.counts.embeddingFailures++;
      this.deps.metrics.memoryEvent('embedding_failed');
      this.deps.reportError(error, `embedding ${missing.length} memory row(s) (kept, searchable by full text; retried in ${this.deps.retryMs} ms)`, 'warn');
      await store.embeddingFailed(missing.map((row) => row.id));
      // What was known already is still stored.
      return rows.filter((row) => known.has(row.id)).map((row) => ({ ...row, vector: known.get(row.id)! }));
    }
    const byId = new Map(missing.map((row, i) => [row.id, vectors[i]!]));
    return rows.map((row) => ({ ...row, vector: known.get(row.id) ?? byId.get(row.id)! }));
  }
}
