import type { ReportError } from '../errors.js';
import type { Metrics } from '../metrics/metrics.js';
import type { EmbeddingModel } from '../models/embedding-model.js';
import type { MemoryStore } from './memory-store.js';
import type { MessageMemoryStore } from './message-memory-store.js';

/** Rows embedded per request; a backfill round takes up to ROUNDS_PER_BACKFILL of them, so an outage is caught up quickly. */
const BATCH = 64;
const ROUNDS_PER_BACKFILL = 16;
/** About 2,000 tokens: within every embedding model's input limit (text-embedding-3: 8,191). */
const MAX_EMBEDDED_CHARS = 8_000;

/** Counters the indexer reports (exposed through metrics and tests). */
export interface IndexerCounts {
  embedded: number;
  embeddingFailures: number;
}

/**
 * Keeps memory searchable: a settled turn's messages get their full-text vector and embedding
 * after the answer (never before it), memories their embedding when written; what failed (the
 * embedding provider down) is tried again every EMBEDDING_RETRY_MS. Full text never waits on it.
 */
export class MemoryIndexer {
  readonly counts: IndexerCounts = { embedded: 0, embeddingFailures: 0 };
  private timer: NodeJS.Timeout | undefined;
  private backfilling: Promise<void> | undefined;
  private readonly pending = new Set<Promise<unknown>>();
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
      /** The embedded database's stand-in for autovacuum's ANALYZE, run with each backfill. */
      keepStatistics?: (() => Promise<unknown>) | undefined;
      reportError: ReportError;
      metrics: Pick<Metrics, 'memoryEvent'>;
    },
  ) {}

  get vectors(): boolean {
    return this.deps.embeddings !== undefined && this.deps.memories.vectors;
  }

  /** The query's vector for a search, or undefined (no vectors, or the provider failed: full text answers alone). */
  async embedQuery(text: string, signal?: AbortSignal): Promise<number[] | undefined> {
    // A provider that just failed is not asked again on every chat: no added wait, no log per chat.
    if (!this.vectors || performance.now() - this.queryFailedAt < this.deps.retryMs) return undefined;
    try {
      const timeout = AbortSignal.timeout(this.deps.queryTimeoutMs ?? 2_000);
      return (await this.deps.embeddings!.embed([text], signal ? AbortSignal.any([signal, timeout]) : timeout))[0];
    } catch (error) {
      if (signal?.aborted) throw error;
      this.queryFailedAt = performance.now();
      this.counts.embeddingFailures++;
      this.deps.metrics.memoryEvent('embedding_failed');
      this.deps.reportError(error, `embedding a memory search (answered by full text alone; vectors are tried again in ${this.deps.retryMs} ms)`, 'warn');
      return undefined;
    }
  }

  /** After a turn: index its messages and embed them (`known` vectors, e.g. the question's, are reused). In the background. */
  indexMessages(ids: string[], known: ReadonlyMap<string, number[]> = new Map()): Promise<void> {
    return this.track(async () => {
      await this.deps.messages.index(ids);
      if (!this.vectors) return;
      const rows = await this.deps.messages.unembedded(ids.length, 0, ids);
      await this.embedRows(rows, this.deps.messages, known);
    }, 'indexing messages');
  }

  /** Embeds freshly written memories; a failure leaves them to the retry (they are searchable by full text already). */
  async embedMemories(rows: ReadonlyArray<{ id: string; content: string }>): Promise<void> {
    if (!this.vectors || rows.length === 0) return;
    await this.embedRows(rows, this.deps.memories, new Map()).catch((error: unknown) => this.deps.reportError(error, 'storing memory embeddings'));
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

  /** Waits for background indexing in flight (tests, shutdown). */
  async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
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
        const unindexed = await this.deps.messages.unindexed(500);
        if (unindexed.length) await this.deps.messages.index(unindexed);
        if (unindexed.length < 500) break;
      }
      if (!this.vectors) return;
      for (const store of [this.deps.messages, this.deps.memories]) {
        for (let round = 0; round < ROUNDS_PER_BACKFILL; round++) {
          const rows = await store.unembedded(BATCH, this.deps.retryMs);
          if (rows.length === 0) break;
          const failuresBefore = this.counts.embeddingFailures;
          await this.embedRows(rows, store, new Map());
          // The provider is failing: wait for the next round rather than hammer it.
          if (this.counts.embeddingFailures > failuresBefore || rows.length < BATCH) break;
        }
      }
    } catch (error) {
      this.deps.reportError(error, 'memory backfill');
    }
  }

  private async embedRows(
    rows: ReadonlyArray<{ id: string; content: string }>,
    store: Pick<MemoryStore, 'setEmbeddings' | 'embeddingFailed'>,
    known: ReadonlyMap<string, number[]>,
  ): Promise<void> {
    const missing = rows.filter((row) => !known.has(row.id));
    let vectors: number[][];
    try {
      // Embedding models take a few thousand tokens; the start of a long text stands for it.
      vectors = missing.length ? await this.deps.embeddings!.embed(missing.map((row) => row.content.slice(0, MAX_EMBEDDED_CHARS))) : [];
    } catch (error) {
      this.counts.embeddingFailures++;
      this.deps.metrics.memoryEvent('embedding_failed');
      this.deps.reportError(error, `embedding ${missing.length} memory row(s) (kept, searchable by full text; retried in ${this.deps.retryMs} ms)`, 'warn');
      await store.embeddingFailed(missing.map((row) => row.id));
      // What was known already is still stored.
      const embeddedKnown = rows.filter((row) => known.has(row.id)).map((row) => ({ ...row, vector: known.get(row.id)! }));
      await store.setEmbeddings(embeddedKnown);
      return;
    }
    const byId = new Map(missing.map((row, i) => [row.id, vectors[i]!]));
    const embedded = rows.map((row) => ({ ...row, vector: known.get(row.id) ?? byId.get(row.id)! }));
    await store.setEmbeddings(embedded);
    this.counts.embedded += embedded.length;
  }

  private track(work: () => Promise<void>, what: string): Promise<void> {
    const promise = work().catch((error: unknown) => this.deps.reportError(error, what));
    this.pending.add(promise);
    void promise.finally(() => this.pending.delete(promise));
    return promise;
  }
}
