import type { Agents } from '../agents/agents.js';
import { actingUserId, credentialOf, type Principal, requireAuthenticated } from '../auth/principal.js';
import { accountOfCaller } from '../usage/usage-entry.js';
import { mayReadOwned, type Viewer, viewerOf } from '../auth/visibility.js';
import type { Message } from '../conversations/conversation.js';
import type { ConversationStore } from '../conversations/conversation-store.js';
import type { Conversations } from '../conversations/conversations.js';
import { badInput, notFound } from '../errors.js';
import { parseInput } from '../validation.js';
import { decodePageCursor, encodePageCursor } from '../page-cursor.js';
import { titleFrom } from '../conversations/title.js';
import { MEMORY_MATCHES, type Memory, type MemoryHit, type MemoryMatch, type MemoryReceipt, type OwnerScope, emptyReceipt } from './memory.js';
import type { MemoryIndexer } from './memory-indexer.js';
import {
  type AddBufferMemoryInput,
  type AddMemoryInput,
  type ClearMemoryInput,
  type ListMemoriesInput,
  type MemoryInputLimits,
  type MemoryInputSchemas,
  memoryInputSchemas,
  type SearchMemoryInput,
  type UpdateMemoryInput,
} from './memory-inputs.js';
import type { MemoryCursor, MemoryStore } from './memory-store.js';
import type { MessageMemoryStore, WindowMessage } from './message-memory-store.js';
import { fuseRankings } from './rank-fusion.js';
import { memoryRankings, messageRankings } from './rankings.js';
import { refuseSensitive } from './refuse-sensitive.js';
import type { UserContextStore } from './user-context/user-context-store.js';

export interface MemoryPage {
  memories: Memory[];
  hasNextPage: boolean;
}

/**
 * Long-term and buffer memory with their ownership rule: a user reaches only their own memory
 * (a JWT's user, or the user a key acts for); admins any. Another user's memory is NOT_FOUND.
 */
export class Memories {
  private readonly schemas: MemoryInputSchemas;

  constructor(
    private readonly deps: {
      memories: MemoryStore;
      messages: MessageMemoryStore;
      conversations: Conversations;
      conversationStore: ConversationStore;
      agents: Agents;
      indexer: MemoryIndexer;
      /** An extracted fact lives in the ledger and in the user context: an edit or delete reaches both. */
      userContext: Pick<UserContextStore, 'deleteFact'>;
      limits: MemoryInputLimits;
      /** Vector hits less similar than this (cosine) are not matches (MEMORY_MIN_SIMILARITY). */
      minSimilarity: number;
    },
  ) {
    this.schemas = memoryInputSchemas(deps.limits);
  }

  /** A MANUAL memory for the acting user (admins: `userId`, or the backend's own without one). */
  async add(principal: Principal, rawInput: AddMemoryInput): Promise<Memory> {
    requireAuthenticated(principal);
    const input = parseInput(this.schemas.add, rawInput);
    const userId = actingUserId(principal, input.userId) ?? null;
    refuseSensitive(input.content, input.confirmSensitive);
    if (input.metadata) refuseSensitive(input.metadata, input.confirmSensitive);
    if (input.agentId) await this.deps.agents.get(principal, input.agentId, { userId: input.userId });
    const memory = await this.deps.memories.insert({
      userId,
      agentId: input.agentId ?? null,
      content: input.content,
      metadata: (input.metadata ?? {}) as Record<string, unknown>,
      importance: input.importance ?? 0.5,
      source: 'MANUAL',
    });
    // Full text finds it at once; the vector joins when the embedding lands (or on retry).
    // Charged to the caller: no run made it.
    await this.deps.indexer.embedMemories([memory], accountOfCaller(userId, credentialOf(principal), memory.agentId));
    return (await this.deps.memories.find(memory.id)) ?? memory;
  }

  async get(principal: Principal, id: string, options: { userId?: string | null } = {}): Promise<Memory> {
    const viewer = viewerOf(principal, options.userId);
    const memory = await this.deps.memories.find(id);
    if (!memory || !mayReadOwned(viewer, memory.userId)) throw notFound('Memory', id);
    return memory;
  }

  /** Those of these memories the principal may read (as `get`), in one query; the rest are left out. */
  async getMany(principal: Principal, ids: readonly string[]): Promise<Memory[]> {
    const viewer = viewerOf(principal);
    return (await this.deps.memories.findMany(ids)).filter((memory) => mayReadOwned(viewer, memory.userId));
  }

  async update(principal: Principal, rawInput: UpdateMemoryInput, options: { userId?: string | null } = {}): Promise<Memory> {
    const input = parseInput(this.schemas.update, rawInput);
    await this.get(principal, input.id, options);
    if (input.content != null) refuseSensitive(input.content, input.confirmSensitive);
    if (input.metadata != null) refuseSensitive(input.metadata, input.confirmSensitive);
    const updated = await this.deps.memories.update(input.id, {
      ...(input.content != null ? { content: input.content } : {}),
      ...(input.metadata != null ? { metadata: input.metadata as Record<string, unknown> } : {}),
      ...(input.importance != null ? { importance: input.importance } : {}),
    });
    if (!updated) throw notFound('Memory', input.id);
    if (input.content != null) {
      // The person's words now stand for the fact: the extracted copy in the user context goes.
      await this.forgetLinkedFact(updated);
      await this.deps.indexer.embedMemories([updated], accountOfCaller(actingUserId(principal, options.userId) ?? null, credentialOf(principal), updated.agentId));
    }
    return (await this.deps.memories.find(updated.id)) ?? updated;
  }

  async delete(principal: Principal, id: string, options: { userId?: string | null } = {}): Promise<boolean> {
    const memory = await this.get(principal, id, options);
    const deleted = await this.deps.memories.delete(id);
    await this.forgetLinkedFact(memory);
    return deleted;
  }

  /** The user-context leaf an extracted fact was also written to. */
  private async forgetLinkedFact(memory: Memory): Promise<void> {
    if (memory.source === 'EXTRACTED' && memory.factKey && memory.userId && memory.validUntil === null) {
      await this.deps.userContext.deleteFact(memory.userId, memory.factKey.split('.'));
    }
  }

  async list(principal: Principal, rawInput: ListMemoriesInput): Promise<MemoryPage> {
    const input = parseInput(this.schemas.list, rawInput);
    const scope = scopeOf(viewerOf(principal, input.userId));
    const rows = await this.deps.memories.list(
      { scope, agentId: input.agentId, includeSuperseded: input.includeSuperseded ?? false },
      input.first + 1,
      input.after ? decodeMemoryCursor(input.after) : undefined,
    );
    return { memories: rows.slice(0, input.first), hasNextPage: rows.length > input.first };
  }

  /**
   * Buffer hits (the conversation named, or all of the caller's) and long-term hits, ranked by full
   * text and, with an embedding model, by vector, fused into one ranking.
   */
  async search(principal: Principal, rawInput: SearchMemoryInput): Promise<MemoryHit[]> {
    const input = parseInput(this.schemas.search, rawInput);
    const viewer = viewerOf(principal, input.userId);
    if (input.conversationId) await this.deps.conversations.get(principal, input.conversationId, { userId: input.userId });
    const scope = scopeOf(viewer);
    const { k } = input;
    const vector = await this.deps.indexer.embedQuery(input.query, undefined, accountOfCaller(actingUserId(principal, input.userId) ?? null, credentialOf(principal), input.agentId ?? null));
    const filter = {
      scope,
      agentId: input.agentId,
      metadata: input.metadata as Record<string, unknown> | null | undefined,
      createdAfter: input.createdAfter,
      createdBefore: input.createdBefore,
    };
    const query = { text: input.query, vector };
    const { minSimilarity } = this.deps;
    const [buffer, longTerm] = await Promise.all([
      messageRankings(this.deps.messages, query, scope, k, input.conversationId, minSimilarity),
      input.useLongTerm ? memoryRankings(this.deps.memories, query, filter, k, minSimilarity) : [],
    ]);
    // Each source ranks by full text, then by vector (rankings.ts): a hit is marked with the searches that found it.
    const rankings: MemoryHit[][] = [...buffer.map((ranking) => ranking.map(bufferHit)), ...longTerm.map((ranking) => ranking.map(longTermHit))];
    const keyOf = (hit: MemoryHit) => `${hit.source}:${hit.id}`;
    const matches = new Map<string, Set<MemoryMatch>>();
    rankings.forEach((ranking, index) => {
      const match: MemoryMatch = index % 2 === 0 ? 'FULL_TEXT' : 'VECTOR';
      for (const hit of ranking) matches.set(keyOf(hit), (matches.get(keyOf(hit)) ?? new Set<MemoryMatch>()).add(match));
    });
    return fuseRankings(rankings, keyOf)
      .slice(0, k)
      .map(({ item, score }) => ({ ...item, score, matchedBy: MEMORY_MATCHES.filter((match) => matches.get(keyOf(item))?.has(match)) }));
  }

  /** A message added to a conversation's buffer (a new conversation when none is named); searchable at once. */
  async addBuffer(principal: Principal, rawInput: AddBufferMemoryInput): Promise<Message> {
    requireAuthenticated(principal);
    const input = parseInput(this.schemas.addBuffer, rawInput);
    refuseSensitive(input.message, input.confirmSensitive);
    if (input.metadata) refuseSensitive(input.metadata, input.confirmSensitive);
    if (input.agentId) await this.deps.agents.get(principal, input.agentId, { userId: input.userId });
    const conversationId = input.conversationId
      ? (await this.deps.conversations.get(principal, input.conversationId, { userId: input.userId })).id
      : (await this.deps.conversationStore.createConversation(actingUserId(principal, input.userId) ?? null, titleFrom(input.message))).id;
    const message = await this.deps.conversationStore.addMessage({
      conversationId,
      role: input.role,
      content: input.message,
      status: 'COMPLETE',
      agentId: input.agentId ?? null,
      metadata: input.metadata ?? undefined,
    });
    // Searchable when the mutation answers: indexed now, not after the queue's delay.
    await this.deps.indexer.indexMessages([message.id], undefined, true, accountOfCaller(actingUserId(principal, input.userId) ?? null, credentialOf(principal), input.agentId ?? null));
    return message;
  }

  /** Removes exactly what it names: a conversation's messages, an agent's long-term memories (of the caller's scope), or both. */
  async clear(principal: Principal, rawInput: ClearMemoryInput): Promise<MemoryReceipt> {
    const input = parseInput(this.schemas.clear, rawInput);
    if (!input.agentId && !input.conversationId) throw badInput('clearMemory needs agentId, conversationId or both: it removes exactly what it names');
    const viewer = viewerOf(principal, input.userId);
    const receipt = emptyReceipt();
    if (input.conversationId) {
      await this.deps.conversations.get(principal, input.conversationId, { userId: input.userId });
      receipt.messages = await this.deps.conversationStore.deleteMessages(input.conversationId);
    }
    if (input.agentId) receipt.memories = await this.deps.memories.deleteWhere({ scope: scopeOf(viewer), agentId: input.agentId });
    return receipt;
  }
}

const scopeOf = (viewer: Viewer): OwnerScope => (viewer.all ? { all: true } : { all: false, userId: viewer.userId ?? null });

const bufferHit = (message: WindowMessage): MemoryHit => ({
  id: message.id,
  source: 'BUFFER',
  content: message.content,
  score: 0,
  matchedBy: [],
  metadata: message.metadata,
  createdAt: message.createdAt,
  conversationId: message.conversationId,
  role: message.role,
  agentId: message.agentId,
});

const longTermHit = (memory: Memory): MemoryHit => ({
  id: memory.id,
  source: 'LONG_TERM',
  content: memory.content,
  score: 0,
  matchedBy: [],
  metadata: memory.metadata,
  createdAt: memory.createdAt,
  agentId: memory.agentId,
});

export const encodeMemoryCursor = (memory: Memory) => encodePageCursor({ at: memory.createdAt, id: memory.id });

function decodeMemoryCursor(cursor: string): MemoryCursor {
  const { at, id } = decodePageCursor(cursor);
  return { createdAt: at, id };
}
