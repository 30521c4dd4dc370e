/** The memory group of the configuration (BUFFER_SIZE stays with the chat settings it always had). */
export interface MemorySettings {
  /** Older messages of the conversation that match the new one, added to the buffer (BUFFER_SEMANTIC_K). */
  bufferSemanticK: number;
  /** The semantic look-up reaches back BUFFER_SIZE × this many messages (BUFFER_MULTIPLIER). */
  bufferMultiplier: number;
  /** Long-term memories put in the context (MEMORY_K). */
  memoryK: number;
  /** The whole prompt's budget, counted with the tokenizer (MAX_CONTEXT_TOKENS). */
  maxContextTokens: number;
  /** Ask a model for durable facts about the user after each answer (AUTO_EXTRACT_USER_INFO). */
  autoExtract: boolean;
  extractionModel: string;
  /** Extracted facts below this confidence are dropped (EXTRACTION_CONFIDENCE). */
  extractionConfidence: number;
  /** Memory uses the embedding model when one is configured (MEMORY_EMBEDDINGS); off: full text only. */
  useEmbeddings: boolean;
  /** Vector matches below this cosine similarity are not put in an answer's context (MEMORY_MIN_SIMILARITY). */
  minSimilarity: number;
  /** How long a failed embedding waits before it is tried again (EMBEDDING_RETRY_MS). */
  embeddingRetryMs: number;
  /** Settled messages waiting to be indexed, at most; past it they are left to the backfill (MEMORY_INDEX_QUEUE_MAX). */
  indexQueueMax: number;
  /** How long a settled turn waits for others to share its embedding request and statement (MEMORY_INDEX_DELAY_MS). */
  indexDelayMs: number;
  /** The longest memory content accepted, in characters (MEMORY_MAX_CHARS). */
  maxMemoryChars: number;
  /** User context in MongoDB instead of PostgreSQL (MONGODB_URI). */
  mongodbUri: string | undefined;
  mongodbDatabase: string;
}

export const DEFAULT_MEMORY_SETTINGS: MemorySettings = {
  bufferSemanticK: 3,
  bufferMultiplier: 10,
  memoryK: 5,
  maxContextTokens: 8_000,
  autoExtract: false,
  extractionModel: 'gpt-4o-mini',
  extractionConfidence: 0.7,
  useEmbeddings: true,
  minSimilarity: 0.25,
  embeddingRetryMs: 30_000,
  indexQueueMax: 5_000,
  indexDelayMs: 200,
  maxMemoryChars: 8_000,
  mongodbUri: undefined,
  mongodbDatabase: 'muxgate',
};
