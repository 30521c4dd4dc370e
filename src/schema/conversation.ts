import type { Conversation as ConversationModel, Message as MessageModel } from '../core/conversations/conversation.js';
import { encodeCursor } from '../core/conversations/conversations.js';
import { parsedArguments, type ToolCallRecord as ToolCallRecordModel } from '../core/tools/tool-round.js';
import { builder } from './builder.js';
import { Node } from './node.js';
import { FINISH_REASON, Usage } from './run-event.js';
import { RoutingDecision } from './routing.js';

/** UPPER_CASE in GraphQL like every enum; the stored (and REST, /v1) roles stay OpenAI's lower case. */
export const MessageRole = builder.enumType('MessageRole', {
  description: 'Who wrote a message.',
  values: {
    USER: { value: 'user', description: 'The person (or client) asking.' },
    ASSISTANT: { value: 'assistant', description: 'An agent answering.' },
  } as const,
});

export const MessageStatus = builder.enumType('MessageStatus', {
  description: 'STREAMING while the answer is written (its text checkpointed as it grows); then COMPLETE, or how it ended early (its partial text is kept).',
  values: ['STREAMING', 'COMPLETE', 'CANCELLED', 'FAILED'] as const,
});

export const ToolCallRecord = builder.objectRef<ToolCallRecordModel & { round: number }>('ToolCallRecord').implement({
  description: 'A tool call an answer made, and the result its model was given.',
  fields: (t) => ({
    callId: t.exposeID('callId'),
    serverId: t.exposeID('serverId', { nullable: true, description: 'The MCP server of the tool; null for in-process tools.' }),
    tool: t.exposeString('tool', { description: 'The function name the model used.' }),
    arguments: t.field({
      type: 'JSON',
      description: 'The arguments the model sent, parsed; the raw text when it was not valid JSON.',
      resolve: (call) => parsedArguments(call.arguments),
    }),
    result: t.exposeString('result', { description: 'The text the model was given: the result, or the error when isError.' }),
    isError: t.exposeBoolean('isError'),
    durationMs: t.exposeInt('durationMs'),
    round: t.exposeInt('round', { description: 'The tool round of the answer, from 1; the calls of one round ran side by side.' }),
  }),
});

export const Message = builder.objectRef<MessageModel>('Message').implement({
  interfaces: [Node],
  fields: (t) => ({
    conversationId: t.exposeID('conversationId'),
    role: t.expose('role', { type: MessageRole }),
    content: t.exposeString('content'),
    status: t.expose('status', { type: MessageStatus }),
    agentId: t.exposeID('agentId', { nullable: true }),
    runId: t.exposeID('runId', { nullable: true }),
    finishReason: t.exposeString('finishReason', { nullable: true, description: FINISH_REASON }),
    errorCode: t.exposeString('errorCode', { nullable: true }),
    usage: t.expose('usage', { type: Usage, nullable: true }),
    routing: t.expose('routing', { type: RoutingDecision, nullable: true, description: 'Answers: how their agent was chosen.' }),
    metadata: t.expose('metadata', { type: 'JSON', nullable: true }),
    toolCalls: t.field({
      type: [ToolCallRecord],
      description: 'Answers: the tool calls that completed before the text, in order (empty when none).',
      resolve: (message) => message.toolRounds.flatMap((round, index) => round.calls.map((call) => ({ ...call, round: index + 1 }))),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

export const Conversation = builder.objectRef<ConversationModel>('Conversation').implement({
  interfaces: [Node],
  fields: (t) => ({
    userId: t.exposeID('userId', { nullable: true }),
    title: t.exposeString('title', { description: 'The start of the first message.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    messages: t.field({
      type: [Message],
      description: 'Every message, oldest first.',
      resolve: (conversation, _args, { orchestrator }) => orchestrator.conversations.messages(conversation.id),
    }),
  }),
});

/** A page's Relay PageInfo from the cursors of its first and last edges. */
export function pageInfoOf<Item>(items: readonly Item[], hasNextPage: boolean, cursorOf: (item: Item) => string): PageInfoModel {
  const first = items[0];
  const last = items.at(-1);
  return { hasNextPage, startCursor: first ? cursorOf(first) : null, endCursor: last ? cursorOf(last) : null };
}

interface PageInfoModel {
  hasNextPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

export const PageInfo = builder.objectRef<PageInfoModel>('PageInfo').implement({
  fields: (t) => ({
    hasNextPage: t.exposeBoolean('hasNextPage'),
    hasPreviousPage: t.boolean({ resolve: () => false, description: 'Always false: pages go forward only.' }),
    startCursor: t.exposeString('startCursor', { nullable: true }),
    endCursor: t.exposeString('endCursor', { nullable: true }),
  }),
});

const ConversationEdge = builder.objectRef<ConversationModel>('ConversationEdge').implement({
  fields: (t) => ({
    cursor: t.string({ resolve: (conversation) => encodeCursor(conversation) }),
    node: t.field({ type: Conversation, resolve: (conversation) => conversation }),
  }),
});

export const ConversationConnection = builder
  .objectRef<{ conversations: ConversationModel[]; hasNextPage: boolean }>('ConversationConnection')
  .implement({
    description: 'A Relay connection of conversations, most recently active first.',
    fields: (t) => ({
      edges: t.field({ type: [ConversationEdge], resolve: (page) => page.conversations }),
      pageInfo: t.field({
        type: PageInfo,
        resolve: (page) => pageInfoOf(page.conversations, page.hasNextPage, encodeCursor),
      }),
    }),
  });
