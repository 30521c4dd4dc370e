import { randomUUID } from 'node:crypto';
import { type CompiledQuery, type Insertable, type Kysely, sql } from 'kysely';
import { FileStore, type NewFile } from '../images/file-store.js';
import { type ImagePart, imagePartsOf } from '../images/image-part.js';
import type { ConversationRow, MessageRow, MessagesTable, MessageStatus, Tables } from '../../db/tables.js';
import type { TokenUsage } from '../models/chat-model.js';
import type { RoutingDecision } from '../routing/routing-decision.js';
import type { ToolRound } from '../tools/tool-round.js';
import type { Conversation, Message } from './conversation.js';
import { addTurnStatement, answerEndColumns, finishAnswerStatement, type FinishedRow, startConversationStatement } from './turn-statements.js';

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
  /** A user message's images (messages.parts). */
  parts?: ImagePart[] | undefined;
}

/** A user message and the empty answer its run fills in, written together. */
export interface NewTurn {
  user: Omit<NewMessage, 'conversationId' | 'role' | 'status'>;
  /** The message's new image files, stored in the same transaction (owned as the conversation is). */
  files?: readonly NewFile[] | undefined;
  /** `id`: chosen by the caller when it must name the answer before the row exists. */
  answer: { id?: string; agentId: string; runId: string; routing: RoutingDecision };
}

/** A stored turn's rows: the user message's and the answer's ids (chosen before the statement, so nothing is read back). */
export interface StoredTurn {
  messageId: string;
  answerId: string;
}

export interface AnswerEnd {
  content: string;
  status: Exclude<MessageStatus, 'STREAMING' | 'WAITING'>;
  finishReason?: string | null;
  errorCode?: string | null;
  usage?: TokenUsage | null;
  lastSeq: number;
  /** The tool rounds that completed; written in the same statement (null when there are none). */
  toolRounds?: ToolRound[];
}

/** A run as its stored answer and conversation tell it: where it sits in a delegation, and how it stands. */
export interface RunInfo {
  id: string;
  conversationId: string;
  /** The agent of its answer (the receiving one after a handoff). */
  agentId: string | null;
  status: MessageStatus;
  /** The run that delegated to it; null for a run a client started. */
  parentRunId: string | null;
  ownerId: string | null;
  createdAt: Date;
}

/** A position in a newest-first listing: the last conversation's updated_at and id. */
export interface ConversationCursor {
  updatedAt: Date;
  id: string;
}

/** Rows of conversations and messages; knows SQL, not permissions. */
export class ConversationStore {
  private readonly files: FileStore;

  constructor(private readonly db: Kysely<Tables>) {
    this.files = new FileStore(db);
  }

  /** Creates a conversation with its first turn in one statement (one round trip); `id` and `now` may be chosen by the caller. */
  async startConversation(
    userId: string | null,
    title: string,
    turn: NewTurn,
    { id = randomUUID(), now = new Date() }: { id?: string; now?: Date } = {},
  ): Promise<{ conversation: Conversation } & StoredTurn> {
    const ids = turnIds(turn);
    const statement = startConversationStatement(id, userId, title, turn, now, ids);
    await (turn.files?.length ? this.withFiles(statement, id, userId, turn.files) : this.db.executeQuery(statement));
    return { conversation: { id, userId, title, createdAt: now, updatedAt: now }, ...ids };
  }

  /** A delegation's child conversation (linked to its parent's conversation and run) and its one turn, together. */
  async startChildConversation(conversation: Conversation, turn: NewTurn): Promise<StoredTurn> {
    return this.db.transaction().execute(async (tx) => {
      await tx
        .insertInto('conversations')
        .values({ id: conversation.id, user_id: conversation.userId, title: conversation.title, created_at: conversation.createdAt, updated_at: conversation.updatedAt, parent_conversation_id: conversation.parentConversationId ?? null, parent_run_id: conversation.parentRunId ?? null })
        .execute();
      const ids = turnIds(turn);
      await tx.executeQuery(addTurnStatement(conversation.id, turn, ids));
      return ids;
    });
  }

  /** A handoff passed the answer on: its row is the receiving agent's from now (routing keeps the conversation with it). */
  async setAnswerAgent(answerId: string, agentId: string): Promise<void> {
    await this.db.updateTable('messages').set({ agent_id: agentId }).where('id', '=', answerId).execute();
  }

  /** Runs by id, a run's children (the runs it delegated to), or the runs paused for their clients (of one owner, or all), in the order they started. */
  async runInfos(filter: { runIds: readonly string[] } | { parentRunId: string } | { waiting: true; ownerId?: string | null | undefined }): Promise<RunInfo[]> {
    let query = this.db
      .selectFrom('messages')
      .innerJoin('conversations', 'conversations.id', 'messages.conversation_id')
      .select(['messages.run_id', 'messages.conversation_id', 'messages.agent_id', 'messages.status', 'messages.created_at', 'conversations.user_id', 'conversations.parent_run_id'])
      .where('messages.role', '=', 'assistant');
    if ('runIds' in filter) {
      if (filter.runIds.length === 0) return [];
      query = query.where('messages.run_id', 'in', filter.runIds);
    } else if ('parentRunId' in filter) {
      query = query.where('conversations.parent_run_id', '=', filter.parentRunId);
    } else {
      query = query.where('messages.status', '=', 'WAITING');
      if (filter.ownerId !== undefined) query = filter.ownerId === null ? query.where('conversations.user_id', 'is', null) : query.where('conversations.user_id', '=', filter.ownerId);
    }
    const rows = await query.orderBy('messages.created_at').orderBy('messages.ordinal').execute();
    return rows.map((row) => ({ id: row.run_id!, conversationId: row.conversation_id, agentId: row.agent_id, status: row.status, parentRunId: row.parent_run_id, ownerId: row.user_id, createdAt: row.created_at }));
  }

  /** Appends a user message and its run's empty answer, and marks the conversation active: one statement. */
  async addTurn(conversationId: string, turn: NewTurn, ownerId: string | null = null): Promise<StoredTurn> {
    const ids = turnIds(turn);
    const statement = addTurnStatement(conversationId, turn, ids);
    await (turn.files?.length ? this.withFiles(statement, conversationId, ownerId, turn.files) : this.db.executeQuery(statement));
    return ids;
  }

  /** A turn and its image files, all or nothing (the files after the turn: its conversation may be new). */
  private withFiles(statement: CompiledQuery<never>, conversationId: string, ownerId: string | null, files: readonly NewFile[]) {
    return this.db.transaction().execute(async (tx) => {
      const result = await tx.executeQuery(statement);
      await this.files.insert(tx, conversationId, ownerId, files);
      return result;
    });
  }

  /**
   * Renews the lease of answers still streaming and appends what each one gained since `offset`
   * (characters already stored), in one statement; an answer that has ended is left alone.
   */
  async checkpointAnswers(answers: ReadonlyArray<{ id: string; offset: number; added: string | null; lastSeq: number | null }>): Promise<void> {
    if (answers.length === 0) return;
    const values = sql.join(answers.map((a) => sql`(${a.id}, ${a.offset}::integer, ${a.added}::text, ${a.lastSeq}::integer)`));
    await sql`update messages as m
      set content = case when v.added is null then m.content else left(m.content, v.offset) || v.added end,
        last_seq = coalesce(v.last_seq, m.last_seq), checkpointed_at = now()
      from (values ${values}) as v(id, "offset", added, last_seq)
      where m.id = v.id and m.status = 'STREAMING'`.execute(this.db);
  }

  /** Stores how an answer ended and marks its conversation active, in one statement; the answer as stored. */
  async finishAnswer(id: string, conversationId: string, end: AnswerEnd): Promise<Message> {
    const { rows } = await this.db.executeQuery(finishAnswerStatement(id, conversationId, end));
    if (!rows[0]) throw new Error(`Answer ${id} is not stored`);
    return endedAnswer(id, conversationId, end, rows[0]);
  }

  /**
   * The answer's run waits for its client: text, usage and completed rounds so far, and the paused
   * step (`pending`), in one statement. Only an answer still streaming pauses.
   */
  async pauseAnswer(id: string, pause: { content: string; lastSeq: number; usage: TokenUsage | null; toolRounds: ToolRound[]; pending: unknown }): Promise<Message> {
    const row = await this.db
      .updateTable('messages')
      .set({
        status: 'WAITING',
        content: pause.content,
        last_seq: pause.lastSeq,
        prompt_tokens: pause.usage?.promptTokens ?? null,
        completion_tokens: pause.usage?.completionTokens ?? null,
        total_tokens: pause.usage?.totalTokens ?? null,
        memory_tokens: pause.usage?.memoryTokens ?? null,
        tool_calls: pause.toolRounds.length ? JSON.stringify(pause.toolRounds) : null,
        pending: JSON.stringify(pause.pending),
        checkpointed_at: null,
      })
      .where('id', '=', id)
      .where('status', '=', 'STREAMING')
      .returning(MESSAGE_COLUMNS)
      .executeTakeFirst();
    if (!row) throw new Error(`Answer ${id} is not streaming`);
    return toMessage(row);
  }

  /**
   * Writes a waiting answer's paused step if it is still at `version` (the decision read it there);
   * `resume` also claims it for running (STREAMING, its lease taken now). False when another
   * decision, a cancel or a timeout got there first.
   */
  async updatePaused(runId: string, version: number, pending: unknown, resume: boolean): Promise<boolean> {
    const result = await this.db
      .updateTable('messages')
      .set(resume ? { pending: JSON.stringify(pending), status: 'STREAMING', checkpointed_at: new Date() } : { pending: JSON.stringify(pending) })
      .where('run_id', '=', runId)
      .where('role', '=', 'assistant')
      .where('status', '=', 'WAITING')
      .where(sql<boolean>`(pending->>'version')::integer = ${version}`)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /**
   * A decided step (STREAMING, `pending` still its step) as claimed at `pausedSeq`/`version`: with
   * `next`, taken for going on (exactly one process takes it); without, its claim renewed
   * (checkpointed_at, so no sweep takes it for dead meanwhile). False once another took it or it ended.
   */
  async touchClaimed(runId: string, pausedSeq: number, version: number, next?: unknown): Promise<boolean> {
    const result = await this.db
      .updateTable('messages')
      .set(next === undefined ? { checkpointed_at: new Date() } : { pending: JSON.stringify(next), checkpointed_at: new Date() })
      .where('run_id', '=', runId)
      .where('role', '=', 'assistant')
      .where('status', '=', 'STREAMING')
      .where(sql<boolean>`(pending->>'pausedSeq')::integer = ${pausedSeq} and (pending->>'version')::integer = ${version}`)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Runs waiting for their clients, with when each pause ends (start-up arms their timeouts). */
  async waitingRuns(): Promise<Array<{ runId: string; expiresAt: string }>> {
    const rows = await this.db
      .selectFrom('messages')
      .select(['run_id', sql<string>`pending->>'expiresAt'`.as('expires_at')])
      .where('status', '=', 'WAITING')
      .where('role', '=', 'assistant')
      .execute();
    return rows.flatMap((row) => (row.run_id ? [{ runId: row.run_id, expiresAt: row.expires_at }] : []));
  }

  /**
   * After a crash: answers whose run died with its process end FAILED (interrupted), checkpointed
   * text kept. With `silentForMs`, only those whose lease has not been renewed for that long (other
   * replicas' live answers are left alone).
   */
  async interruptStreaming(silentForMs?: number): Promise<number> {
    let query = this.db.updateTable('messages').set({ status: 'FAILED', error_code: 'INTERRUPTED' }).where('status', '=', 'STREAMING');
    if (silentForMs !== undefined) {
      const since = new Date(Date.now() - silentForMs);
      query = query.where((eb) => eb.or([eb('checkpointed_at', '<', since), eb('checkpointed_at', 'is', null)]));
    }
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /**
   * One run's answer, left STREAMING by a replica whose run lease lapsed: marked FAILED
   * (INTERRUPTED) with its checkpointed text, unless its checkpoint was renewed within `silentForMs`
   * (its replica is alive after all). Then the answer as stored.
   */
  async interruptRun(runId: string, silentForMs: number): Promise<{ answer: Message; ownerId: string | null } | undefined> {
    const since = new Date(Date.now() - silentForMs);
    await this.db
      .updateTable('messages')
      .set({ status: 'FAILED', error_code: 'INTERRUPTED' })
      .where('run_id', '=', runId)
      .where('role', '=', 'assistant')
      .where('status', '=', 'STREAMING')
      .where((eb) => eb.or([eb('checkpointed_at', '<', since), eb('checkpointed_at', 'is', null)]))
      .execute();
    return this.findAnswerByRun(runId);
  }

  /**
   * The answer waiting for a client's result to this call (a /v1 request's tool message), with its
   * conversation's owner; only in `conversationId` when given. Call ids are the model's, unique
   * only in practice: the caller checks that the run is the principal's.
   */
  async findWaitingForCall(callId: string, conversationId?: string): Promise<Array<{ answer: Message; ownerId: string | null }>> {
    let query = this.db
      .selectFrom('messages')
      .innerJoin('conversations', 'conversations.id', 'messages.conversation_id')
      .select(MESSAGE_COLUMNS.map((column) => `messages.${column}` as const))
      .select('conversations.user_id as owner_id')
      .where('messages.status', '=', 'WAITING')
      .where('messages.role', '=', 'assistant')
      // Containment reaches into the paused step's calls; the partial index keeps the scan to waiting answers.
      .where(sql<boolean>`messages.pending @> ${JSON.stringify({ step: { pending: [{ callId }] } })}::jsonb`);
    if (conversationId !== undefined) query = query.where('messages.conversation_id', '=', conversationId);
    const rows = await query.execute();
    return rows.map(({ owner_id, ...message }) => ({ answer: toMessage(message), ownerId: owner_id }));
  }

  /** A run's stored answer and the owner of its conversation. */
  async findAnswerByRun(runId: string): Promise<{ answer: Message; ownerId: string | null } | undefined> {
    const row = await this.db
      .selectFrom('messages')
      .innerJoin('conversations', 'conversations.id', 'messages.conversation_id')
      .select(MESSAGE_COLUMNS.map((column) => `messages.${column}` as const))
      .select('conversations.user_id as owner_id')
      .where('messages.run_id', '=', runId)
      .where('messages.role', '=', 'assistant')
      .executeTakeFirst();
    if (!row) return undefined;
    const { owner_id, ...message } = row;
    return { answer: toMessage(message), ownerId: owner_id };
  }

  /** Messages of these ids with their conversation's owner, in one query (Relay's `nodes`). */
  async findMessages(ids: readonly string[]): Promise<Array<{ message: Message; ownerId: string | null }>> {
    if (ids.length === 0) return [];
    const rows = await this.db
      .selectFrom('messages')
      .innerJoin('conversations', 'conversations.id', 'messages.conversation_id')
      .select(MESSAGE_COLUMNS.map((column) => `messages.${column}` as const))
      .select('conversations.user_id as owner_id')
      .where('messages.id', 'in', ids)
      .execute();
    return rows.map(({ owner_id, ...message }) => ({ message: toMessage(message), ownerId: owner_id }));
  }

  /** Conversations of these ids, in one query (Relay's `nodes`). */
  async findMany(ids: readonly string[]): Promise<Conversation[]> {
    if (ids.length === 0) return [];
    return (await this.db.selectFrom('conversations').selectAll().where('id', 'in', ids).execute()).map(toConversation);
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
      // A delegation's child conversations are its parent's detail (Run.children), not the user's list.
      .where('parent_conversation_id', 'is', null)
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

  /** A conversation with no messages yet (addBufferMemory without a conversation). */
  async createConversation(userId: string | null, title: string): Promise<Conversation> {
    const now = new Date();
    const row = await this.db.insertInto('conversations').values({ id: randomUUID(), user_id: userId, title, created_at: now, updated_at: now }).returningAll().executeTakeFirstOrThrow();
    return toConversation(row);
  }

  /** Deletes a conversation's settled messages (its buffer memory); an answer still streaming stays. The number deleted. */
  async deleteMessages(conversationId: string): Promise<number> {
    const result = await this.db.deleteFrom('messages').where('conversation_id', '=', conversationId).where('status', 'not in', ['STREAMING', 'WAITING']).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Deletes one turn (the user message and the answer of a run) once its answer has settled; the number deleted. */
  async deleteRun(runId: string): Promise<number> {
    const result = await this.db
      .deleteFrom('messages')
      .where('run_id', '=', runId)
      .where((eb) => eb.not(eb.exists(eb.selectFrom('messages as a').select('a.id').where('a.run_id', '=', runId).where('a.status', 'in', ['STREAMING', 'WAITING']))))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Deletes a user's conversations, their messages and their image files; the numbers deleted. */
  async deleteForUser(userId: string): Promise<{ conversations: number; messages: number; files: number }> {
    return this.db.transaction().execute(async (tx) => {
      // Their conversations' cascade would take them too: deleted first, so they are counted.
      const files = await tx.deleteFrom('files').where('user_id', '=', userId).executeTakeFirst();
      const messages = await tx
        .deleteFrom('messages')
        .where('conversation_id', 'in', (eb) => eb.selectFrom('conversations').select('id').where('user_id', '=', userId))
        .executeTakeFirst();
      const conversations = await tx.deleteFrom('conversations').where('user_id', '=', userId).executeTakeFirst();
      return { conversations: Number(conversations.numDeletedRows), messages: Number(messages.numDeletedRows), files: Number(files.numDeletedRows) };
    });
  }

  /** Appends a message and marks the conversation active, in one statement (one round trip). */
  async addMessage(message: NewMessage): Promise<Message> {
    const row = await this.db
      // Milliseconds from JS, not now()'s microseconds: cursors carry a JS Date and must compare exactly.
      .with('touched', (db) => db.updateTable('conversations').set({ updated_at: new Date() }).where('id', '=', message.conversationId))
      .insertInto('messages')
      .values(messageColumns(message))
      .returning(MESSAGE_COLUMNS)
      .executeTakeFirstOrThrow();
    return toMessage(row);
  }

  /** The agent of the conversation's latest answer: routing keeps a follow-up with it. */
  async lastAnswerAgentId(conversationId: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('messages')
      .select('agent_id')
      .where('conversation_id', '=', conversationId)
      .where('role', '=', 'assistant')
      .where('agent_id', 'is not', null)
      .orderBy('ordinal', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row?.agent_id ?? undefined;
  }

  /** The conversation's messages in order; with `last`, only the most recent ones. */
  async messages(conversationId: string, options: { last?: number; settledOnly?: boolean } = {}): Promise<Message[]> {
    let query = this.db.selectFrom('messages').select(MESSAGE_COLUMNS).where('conversation_id', '=', conversationId);
    if (options.settledOnly) query = query.where('status', 'not in', ['STREAMING', 'WAITING']);
    if (options.last === undefined) return (await query.orderBy('ordinal').execute()).map(toMessage);
    query = query.orderBy('ordinal', 'desc').limit(options.last);
    return (await query.execute()).reverse().map(toMessage);
  }
}

/** What a Message is made of: not the search columns (tsv, embedding), which can be large. */
const MESSAGE_COLUMNS = [
  'id', 'ordinal', 'conversation_id', 'role', 'content', 'status', 'agent_id', 'run_id', 'finish_reason', 'error_code',
  'prompt_tokens', 'completion_tokens', 'total_tokens', 'memory_tokens', 'metadata', 'last_seq', 'routing', 'checkpointed_at', 'created_at', 'tool_calls',
  'pending', 'parts',
] as const;

type StoredMessage = Pick<MessageRow, (typeof MESSAGE_COLUMNS)[number]>;

function turnIds(turn: NewTurn): StoredTurn {
  return { messageId: randomUUID(), answerId: turn.answer.id ?? randomUUID() };
}

/** The answer as finishAnswer stored it: what it wrote (as the columns hold it) and the columns it read back. */
function endedAnswer(id: string, conversationId: string, end: AnswerEnd, row: FinishedRow): Message {
  return toMessage({ ...row, id, conversation_id: conversationId, ...answerEndColumns(end), checkpointed_at: null, pending: null });
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
    parts: message.parts?.length ? JSON.stringify(message.parts) : null,
  };
}

function toConversation(row: ConversationRow): Conversation {
  return { id: row.id, userId: row.user_id, title: row.title, createdAt: row.created_at, updatedAt: row.updated_at, parentConversationId: row.parent_conversation_id, parentRunId: row.parent_run_id };
}

function toMessage(row: Omit<StoredMessage, 'ordinal'>): Message {
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
        : { promptTokens: row.prompt_tokens ?? 0, completionTokens: row.completion_tokens ?? 0, totalTokens: row.total_tokens, memoryTokens: row.memory_tokens },
    metadata: row.metadata,
    routing: (row.routing as RoutingDecision | null) ?? null,
    lastSeq: row.last_seq,
    toolRounds: (row.tool_calls as ToolRound[] | null) ?? [],
    pending: row.pending ?? null,
    images: imagePartsOf(row.parts),
    createdAt: row.created_at,
  };
}
