/** Where a long-term memory came from: a person, the fact extractor, or an agent. */
export const MEMORY_SOURCES = ['MANUAL', 'EXTRACTED', 'AGENT'] as const;
export type MemorySource = (typeof MEMORY_SOURCES)[number];

/** Which memory a search hit comes from: a conversation's messages, or the long-term ledger. */
export const MEMORY_HIT_SOURCES = ['BUFFER', 'LONG_TERM'] as const;
export type MemoryHitSource = (typeof MEMORY_HIT_SOURCES)[number];

/** Which searches found a hit: full text (words, stemmed), vector (an embedding near the query's), or both. */
export const MEMORY_MATCHES = ['FULL_TEXT', 'VECTOR'] as const;
export type MemoryMatch = (typeof MEMORY_MATCHES)[number];

/** One entry of the long-term ledger. */
export interface Memory {
  id: string;
  userId: string | null;
  agentId: string | null;
  content: string;
  metadata: Record<string, unknown>;
  importance: number;
  source: MemorySource;
  /** EXTRACTED: the message the fact came from. */
  sourceMessageId: string | null;
  confidence: number;
  /** Extracted facts: their key; a newer fact with the same key supersedes this one. */
  factKey: string | null;
  /** Set when a newer memory superseded this one: kept for the record, no longer used. */
  validUntil: Date | null;
  supersededBy: string | null;
  createdAt: Date;
  updatedAt: Date;
  /** Null until its embedding is stored (or while none can be). */
  embeddedAt: Date | null;
}

export interface MemoryHit {
  id: string;
  source: MemoryHitSource;
  content: string;
  /** Reciprocal-rank-fusion score over every ranking the hit appeared in: higher is better. */
  score: number;
  /** The rankings it appeared in, in MEMORY_MATCHES order. */
  matchedBy: MemoryMatch[];
  metadata: Record<string, unknown>;
  createdAt: Date;
  /** BUFFER hits: the message's conversation and role. */
  conversationId?: string;
  role?: 'user' | 'assistant';
  agentId?: string | null;
}

/** Whose rows a query may touch: all (an admin acting for nobody) or one owner (null: the backend's own). */
export type OwnerScope = { all: true } | { all: false; userId: string | null };

/** What an erasure removed, by kind (clearMemory fills the kinds it touches, forgetUser all). */
export interface MemoryReceipt {
  conversations: number;
  messages: number;
  /** Image files of their messages (forgetUser). */
  files: number;
  memories: number;
  userContextFacts: number;
  agents: number;
  apiKeys: number;
  runs: number;
  cachedAnswers: number;
  routingDecisions: number;
}

export const emptyReceipt = (): MemoryReceipt => ({
  conversations: 0,
  messages: 0,
  files: 0,
  memories: 0,
  userContextFacts: 0,
  agents: 0,
  apiKeys: 0,
  runs: 0,
  cachedAnswers: 0,
  routingDecisions: 0,
});
