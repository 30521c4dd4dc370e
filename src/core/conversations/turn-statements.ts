import { CompiledQuery } from 'kysely';
import type { MessageRow } from '../../db/tables.js';
import type { AnswerEnd, NewTurn, StoredTurn } from './conversation-store.js';

// The statements every chat runs, written once: the query builder costs more CPU per chat than
// the rest of storing a turn. Their columns are those of MessagesTable (db/tables.ts).

/**
 * The user message and the empty answer: `$c` is the conversation's id, `$t` the moment (also the
 * answer's first lease), the rest numbered from `first` (see turnValues).
 */
const turnRows = (c: number, t: number, first: number, withParts = false) => {
  const $ = (offset: number) => `$${first + offset}`;
  // A message with images stores them in `parts`; the statement of a text-only turn stays as it was.
  return `insert into messages (id, conversation_id, role, content, status, agent_id, run_id, metadata, routing, checkpointed_at${withParts ? ', parts' : ''})
  values (${$(0)}, $${c}, 'user', ${$(1)}, 'COMPLETE', ${$(2)}, ${$(3)}, ${$(4)}, null, null${withParts ? `, ${$(8)}` : ''}),
    (${$(5)}, $${c}, 'assistant', '', 'STREAMING', ${$(6)}, ${$(3)}, null, ${$(7)}, $${t}${withParts ? ', null' : ''})`;
};

const startConversation = (withParts: boolean) => `with conversation as (
    insert into conversations (id, user_id, title, created_at, updated_at) values ($1, $2, $3, $4, $4))
  ${turnRows(1, 4, 5, withParts)}`;

const addTurn = (withParts: boolean) => `with touched as (update conversations set updated_at = $2 where id = $1)
  ${turnRows(1, 2, 3, withParts)}`;

const START_CONVERSATION = startConversation(false);
const START_CONVERSATION_WITH_PARTS = startConversation(true);
const ADD_TURN = addTurn(false);
const ADD_TURN_WITH_PARTS = addTurn(true);

/**
 * What the answer's end reads back: the columns FINISH_ANSWER does not write. The rest (its text
 * above all) the caller has already; reading it back would send it twice and parse every column.
 */
export const FINISHED_COLUMNS = ['role', 'agent_id', 'run_id', 'metadata', 'routing', 'created_at', 'parts'] as const;
export type FinishedRow = Pick<MessageRow, (typeof FINISHED_COLUMNS)[number]>;

const FINISH_ANSWER = `with touched as (update conversations set updated_at = $1 where id = $2)
  update messages set content = $3, status = $4, finish_reason = $5, error_code = $6, prompt_tokens = $7,
    completion_tokens = $8, total_tokens = $9, last_seq = $10, checkpointed_at = null, memory_tokens = $12, tool_calls = $13, pending = null
  where id = $11
  returning ${FINISHED_COLUMNS.join(', ')}`;

/** The values turnRows numbers from `first`, in order. */
function turnValues({ user, answer }: NewTurn, ids: StoredTurn): unknown[] {
  return [
    ids.messageId,
    user.content,
    user.agentId ?? null,
    answer.runId,
    user.metadata === undefined ? null : JSON.stringify(user.metadata),
    ids.answerId,
    answer.agentId,
    JSON.stringify(answer.routing),
    ...(user.parts?.length ? [JSON.stringify(user.parts)] : []),
  ];
}

/** The turn's rows, read back by nothing: their ids are `ids`, chosen here. */
export function startConversationStatement(id: string, userId: string | null, title: string, turn: NewTurn, now: Date, ids: StoredTurn): CompiledQuery<never> {
  return CompiledQuery.raw(turn.user.parts?.length ? START_CONVERSATION_WITH_PARTS : START_CONVERSATION, [id, userId, title, now, ...turnValues(turn, ids)]) as CompiledQuery<never>;
}

export function addTurnStatement(conversationId: string, turn: NewTurn, ids: StoredTurn): CompiledQuery<never> {
  return CompiledQuery.raw(turn.user.parts?.length ? ADD_TURN_WITH_PARTS : ADD_TURN, [conversationId, new Date(), ...turnValues(turn, ids)]) as CompiledQuery<never>;
}

/** The columns an answer's end writes, from the run's AnswerEnd: the statement's values and the Message read back. */
export function answerEndColumns(end: AnswerEnd) {
  return {
    content: end.content,
    status: end.status,
    finish_reason: end.finishReason ?? null,
    error_code: end.errorCode ?? null,
    prompt_tokens: end.usage?.promptTokens ?? null,
    completion_tokens: end.usage?.completionTokens ?? null,
    total_tokens: end.usage?.totalTokens ?? null,
    memory_tokens: end.usage?.memoryTokens ?? null,
    last_seq: end.lastSeq,
    tool_calls: end.toolRounds?.length ? end.toolRounds : null,
  };
}

export function finishAnswerStatement(id: string, conversationId: string, end: AnswerEnd): CompiledQuery<FinishedRow> {
  const columns = answerEndColumns(end);
  return CompiledQuery.raw(FINISH_ANSWER, [
    new Date(),
    conversationId,
    columns.content,
    columns.status,
    columns.finish_reason,
    columns.error_code,
    columns.prompt_tokens,
    columns.completion_tokens,
    columns.total_tokens,
    columns.last_seq,
    id,
    columns.memory_tokens,
    columns.tool_calls === null ? null : JSON.stringify(columns.tool_calls),
  ]) as CompiledQuery<FinishedRow>;
}
