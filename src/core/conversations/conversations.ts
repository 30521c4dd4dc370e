import { actingUserId, type Principal, requireAuthenticated } from '../auth/principal.js';
import { mayReadOwned, viewerOf } from '../auth/visibility.js';
import { badInput, forbidden, notFound } from '../errors.js';
import { decodePageCursor, encodePageCursor } from '../page-cursor.js';
import type { Conversation, Message } from './conversation.js';
import type { ConversationCursor, ConversationStore } from './conversation-store.js';

export interface ConversationPage {
  conversations: Conversation[];
  hasNextPage: boolean;
}

/** Conversations with their ownership rule: a user sees only their own; another's is NOT_FOUND. */
export class Conversations {
  constructor(readonly store: ConversationStore) {}

  /** The conversation if the principal (acting for `userId`) owns it; admins may read any. */
  async get(principal: Principal, id: string, options: { userId?: string | null } = {}): Promise<Conversation> {
    const viewer = viewerOf(principal, options.userId); // naming another user is FORBIDDEN before anything is read
    const conversation = await this.store.find(id);
    if (!conversation || !mayReadOwned(viewer, conversation.userId)) throw notFound('Conversation', id);
    return conversation;
  }

  /**
   * For ids a client chooses (AG-UI threads): the conversation if the principal may read it, undefined
   * if none has the id yet; another user's is FORBIDDEN (a chosen id cannot hide that it is taken).
   */
  async ownedOrAbsent(principal: Principal, id: string, options: { userId?: string | null } = {}): Promise<Conversation | undefined> {
    const viewer = viewerOf(principal, options.userId);
    const conversation = await this.store.find(id);
    if (conversation && !mayReadOwned(viewer, conversation.userId)) throw forbidden(`Conversation "${id}" belongs to another user`);
    return conversation;
  }

  /** Those of these conversations the principal may read (as `get`), in one query; the rest are left out. */
  async getMany(principal: Principal, ids: readonly string[]): Promise<Conversation[]> {
    const viewer = viewerOf(principal);
    return (await this.store.findMany(ids)).filter((conversation) => mayReadOwned(viewer, conversation.userId));
  }

  /** Those of these messages the principal may read (those of conversations it may `get`), in one query; the rest are left out. */
  async getMessages(principal: Principal, ids: readonly string[]): Promise<Message[]> {
    const viewer = viewerOf(principal);
    return (await this.store.findMessages(ids)).filter((found) => mayReadOwned(viewer, found.ownerId)).map((found) => found.message);
  }

  async list(principal: Principal, options: { userId?: string | null; first: number; after?: string | null }): Promise<ConversationPage> {
    requireAuthenticated(principal);
    if (!Number.isInteger(options.first) || options.first < 0 || options.first > 100) throw badInput('first must be between 0 and 100');
    const owner = actingUserId(principal, options.userId) ?? null;
    const rows = await this.store.listForUser(owner, options.first + 1, options.after ? decodeCursor(options.after) : undefined);
    return { conversations: rows.slice(0, options.first), hasNextPage: rows.length > options.first };
  }

  /**
   * Deletes one turn of a conversation, the user message and the answer of run `runId` (a
   * /v1/responses DELETE): the principal's own, settled (a run still going or waiting is refused).
   */
  async deleteTurn(principal: Principal, runId: string, options: { userId?: string | null } = {}): Promise<void> {
    const viewer = viewerOf(principal, options.userId);
    const found = await this.store.findAnswerByRun(runId);
    if (!found || !mayReadOwned(viewer, found.ownerId)) throw notFound('Run', runId);
    if (found.answer.status === 'STREAMING' || found.answer.status === 'WAITING') throw badInput(`Run "${runId}" has not ended (${found.answer.status}): cancel it first`, { runId });
    if ((await this.store.deleteRun(runId)) === 0) throw badInput(`Run "${runId}" has not ended: cancel it first`, { runId });
  }

  messages(conversationId: string): Promise<Message[]> {
    return this.store.messages(conversationId);
  }
}

export const encodeCursor = (conversation: Conversation) => encodePageCursor({ at: conversation.updatedAt, id: conversation.id });

function decodeCursor(cursor: string): ConversationCursor {
  const { at, id } = decodePageCursor(cursor);
  return { updatedAt: at, id };
}
