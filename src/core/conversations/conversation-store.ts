import { randomUUID } from 'node:crypto';
import type { Insertable, Kysely } from 'kysely';
import type { ConversationRow, MessageRow, MessagesTable, MessageStatus, Tables } from '../../db/tables.js';
import type { TokenUsage } from '../models/chat-model.js';
import type { Conversation, Message } from './conversation.js';

export interface NewMessage {
  conversationId: string;
  role: 'user' | 'assistant';
  content: string;
  status: MessageStatus;
  agentId?: string | null;
  runId?: string | null;
  finishReason?: string | null;
  errorCode?: string | null;
  usage?: TokenUsage | null;
  metadata?: unknown;
}

/** A position in a newest-first listing: the last conversation's updated_at and id. */
export interface ConversationCursor {
  updatedAt: Date;
  id: string;
}

/** Rows of conversations and messages; knows SQL, not permissions. */
export class ConversationStore {
  constructor(private readonly db: Kysely<Tables>) {}

  /** Creates a conversation with its first message in one statement (one round trip). */
  async startConversation(userId: string | null, title: string, first: Omit<NewMessage, 'conversationId'>): Promise<{ conversation: Conversation; message: Message }> {
    const id = randomUUID();
    const now = new Date();
    const row = await this.db
      .with('conversation', (db) => db.insertInto('conversations').values({ id, user_id: userId, title, created_at: now, updated_at: now }))
      .insertInto('messages')
      .values(messageColumns({ ...first, conversationId: id }))
      .returningAll()
      .executeTakeFirstOrThrow();
    return { conversation: { id, userId, title, createdAt: now, updatedAt: now }, message: toMessage(row) };
  }

  async find(id: string): Promise<Conversation | undefined> {
    const row = await this.db.selectFrom('conversations').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toConversation(row);
  }

  /** Newest first; `limit` rows after the cursor. A null userId lists conversations that have no user. */
  async listForUser(userId: string | null, limit: number, after?: ConversationCursor): Promise<Conversation[]> {
    let query = this.db
      .selectFrom('conversations')
      .selectAll()
      .where((eb) => (userId === null ? eb('user_id', 'is', null) : eb('user_id', '=', userId)))
      .orderBy('updated_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit);
    if (after) {
      query = query.where((eb) =>
        eb.or([eb('updated_at', '<', after.updatedAt), eb.and([eb('updated_at', '=', after.updatedAt), eb('id', '<', after.id)])]),
      );
    }
    return (await query.execute()).map(toConversation);
  }

  /** Appends a message and marks the conversation active, in one statement (one round trip). */
  async addMessage(message: NewMessage): Promise<Message> {
    const row = await this.db
      // Milliseconds from JS, not now()'s microseconds: cursors carry a JS Date and must compare exactly.
      .with('touched', (db) => db.updateTable('conversations').set({ updated_at: new Date() }).where('id', '=', message.conversationId))
      .insertInto('messages')
      .values(messageColumns(message))
      .returningAll()
      .executeTakeFirstOrThrow();
    return toMessage(row);
  }

  /** The conversation's messages in order; with `last`, only the most recent ones. */
  async messages(conversationId: string, options: { last?: number } = {}): Promise<Message[]> {
    let query = this.db.selectFrom('messages').selectAll().where('conversation_id', '=', conversationId);
    if (options.last === undefined) return (await query.orderBy('ordinal').execute()).map(toMessage);
    query = query.orderBy('ordinal', 'desc').limit(options.last);
    return (await query.execute()).reverse().map(toMessage);
  }
}

function messageColumns(message: NewMessage): Insertable<MessagesTable> {
  return {
    id: randomUUID(),
    conversation_id: message.conversationId,
    role: message.role,
    content: message.content,
    status: message.status,
    agent_id: message.agentId ?? null,
    run_id: message.runId ?? null,
    finish_reason: message.finishReason ?? null,
    error_code: message.errorCode ?? null,
    prompt_tokens: message.usage?.promptTokens ?? null,
    completion_tokens: message.usage?.completionTokens ?? null,
    total_tokens: message.usage?.totalTokens ?? null,
    metadata: message.metadata === undefined ? null : JSON.stringify(message.metadata),
  };
}

function toConversation(row: ConversationRow): Conversation {
  return { id: row.id, userId: row.user_id, title: row.title, createdAt: row.created_at, updatedAt: row.updated_at };
}

function toMessage(row: MessageRow): Message {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    role: row.role,
    content: row.content,
    status: row.status,
    agentId: row.agent_id,
    runId: row.run_id,
    finishReason: row.finish_reason,
    errorCode: row.error_code,
    usage:
      row.total_tokens === null
        ? null
        : { promptTokens: row.prompt_tokens ?? 0, completionTokens: row.completion_tokens ?? 0, totalTokens: row.total_tokens },
    metadata: row.metadata,
    createdAt: row.created_at,
  };
}
