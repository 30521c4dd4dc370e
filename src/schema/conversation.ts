import type { Conversation as ConversationModel, Message as MessageModel } from '../core/conversations/conversation.js';
import { encodeCursor } from '../core/conversations/conversations.js';
import { type Decider, parsedArguments, type ToolCallRecord as ToolCallRecordModel } from '../core/tools/tool-round.js';
import { pendingToolCalls } from '../core/runs/paused-step.js';
import { PendingToolCall } from './pending-tool-call.js';
import { builder } from './builder.js';
import { MessagePart, messageParts } from './image.js';
import { Node } from './node.js';
import { FINISH_REASON, Usage, usageOfRun } from './run-event.js';
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
  values: {
    STREAMING: { description: 'Being written.' },
    WAITING: { description: 'Its run waits for its client: a client tool’s result or an approval (pendingToolCalls).' },
    COMPLETE: { description: 'Finished.' },
    CANCELLED: { description: 'Cancelled before it finished.' },
    FAILED: { description: 'Failed before it finished; errorCode says why.' },
  } as const,
});

const ToolExecutor = builder.enumType('ToolExecutor', {
  description: 'Who ran a tool call.',
  values: { GATEWAY: { description: 'The gateway: an in-process or MCP tool.' }, CLIENT: { description: 'The client: a client tool whose result it submitted.' } } as const,
});

const ToolDecider = builder.objectRef<Decider & { at: string }>('ToolDecider').implement({
  description: 'Who decided on a tool call, and when; all empty for the gateway itself (CLIENT_TOOL_TIMEOUT_MS passed).',
  fields: (t) => ({
    userId: t.exposeID('userId', { nullable: true, description: 'The user the credential acted for.' }),
    credentialId: t.exposeID('credentialId', { nullable: true, description: 'The API key or JWT issuer that was used.' }),
    admin: t.exposeBoolean('admin', { description: 'True when an admin credential decided.' }),
    at: t.field({ type: 'DateTime', description: 'When.', resolve: (decider) => new Date(decider.at) }),
  }),
});

const ToolApproval = builder.objectRef<NonNullable<ToolCallRecordModel['approval']>>('ToolApproval').implement({
  description: 'A decision on a tool call that needed approval.',
  fields: (t) => ({
    approved: t.exposeBoolean('approved', { description: 'True when it was allowed to run.' }),
    reason: t.exposeString('reason', { nullable: true, description: 'Why, as the person said.' }),
    decidedBy: t.field({ type: ToolDecider, description: 'Who decided, and when.', resolve: (approval) => ({ ...approval.by, at: approval.at }) }),
  }),
});

export const ToolCallRecord = builder.objectRef<ToolCallRecordModel & { round: number }>('ToolCallRecord').implement({
  description: 'A tool call an answer made, and the result its model was given.',
  fields: (t) => ({
    callId: t.exposeID('callId', { description: 'The model’s id of the call.' }),
    serverId: t.exposeID('serverId', { nullable: true, description: 'The MCP server of the tool; null for in-process tools.' }),
    tool: t.exposeString('tool', { description: 'The function name the model used.' }),
    arguments: t.field({
      type: 'JSON',
      description: 'The arguments the model sent, parsed; the raw text when it was not valid JSON.',
      resolve: (call) => parsedArguments(call.arguments),
    }),
    result: t.exposeString('result', { description: 'The text the model was given: the result, or the error when isError.' }),
    isError: t.exposeBoolean('isError', { description: 'True when the tool failed.' }),
    durationMs: t.exposeInt('durationMs', { description: 'How long the call took.' }),
    round: t.exposeInt('round', { description: 'The tool round of the answer, from 1; the calls of one round ran side by side.' }),
    executedBy: t.field({
      type: ToolExecutor,
      description: 'Who ran it: the gateway (its own tools) or the client (a client tool, its result submitted).',
      resolve: (call) => (call.executedBy === 'client' ? 'CLIENT' : 'GATEWAY'),
    }),
    submittedBy: t.field({ type: ToolDecider, nullable: true, description: 'Client tools: who submitted the result.', resolve: (call) => (call.submitted ? { ...call.submitted.by, at: call.submitted.at } : null) }),
    approval: t.field({ type: ToolApproval, nullable: true, description: 'Calls that needed approval: the decision, who made it, when and why.', resolve: (call) => call.approval ?? null }),
  }),
});

export const Message = builder.objectRef<MessageModel>('Message').implement({
  description: 'A message of a conversation: the user’s, or an agent’s answer.',
  interfaces: [Node],
  fields: (t) => ({
    conversationId: t.exposeID('conversationId', { description: 'Its conversation.' }),
    role: t.expose('role', { description: 'Who wrote it.', type: MessageRole }),
    content: t.exposeString('content', { description: 'The text (so far, while STREAMING).' }),
    status: t.expose('status', { description: 'Whether the text is final.', type: MessageStatus }),
    agentId: t.exposeID('agentId', { description: 'Answers: the agent that wrote it.', nullable: true }),
    runId: t.exposeID('runId', { description: 'The run that wrote or answered it.', nullable: true }),
    finishReason: t.exposeString('finishReason', { nullable: true, description: FINISH_REASON }),
    errorCode: t.exposeString('errorCode', { description: 'Answers that ended early: why (a RunFailureCode).', nullable: true }),
    usage: t.field({ description: 'Answers: the tokens used.', type: Usage, nullable: true, resolve: (message) => usageOfRun(message.usage, message.runId) }),
    routing: t.expose('routing', { type: RoutingDecision, nullable: true, description: 'Answers: how their agent was chosen.' }),
    metadata: t.expose('metadata', { description: 'What the client stored with it.', type: 'JSON', nullable: true }),
    toolCalls: t.field({
      type: [ToolCallRecord],
      description: 'Answers: the tool calls that completed before the text, in order (empty when none).',
      resolve: (message) => message.toolRounds.flatMap((round, index) => round.calls.map((call) => ({ ...call, round: index + 1 }))),
    }),
    pendingToolCalls: t.field({
      type: [PendingToolCall],
      description: 'Answers WAITING for their client: the calls they wait for (empty otherwise).',
      resolve: (message) => pendingToolCalls(message),
    }),
    parts: t.field({
      type: [MessagePart],
      description: 'The message as parts: its text (left out only for a message of images alone), then its images in order.',
      resolve: (message) => messageParts(message),
    }),
    createdAt: t.expose('createdAt', { description: 'When it was added.', type: 'DateTime' }),
  }),
});

export const Conversation = builder.objectRef<ConversationModel>('Conversation').implement({
  description: 'A conversation: the messages between one user (or none) and the agents.',
  interfaces: [Node],
  fields: (t) => ({
    userId: t.exposeID('userId', { description: 'Whose it is; null for credentials that act for no user.', nullable: true }),
    title: t.exposeString('title', { description: 'The start of the first message.' }),
    createdAt: t.expose('createdAt', { description: 'When it started.', type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { description: 'When its last message was added.', type: 'DateTime' }),
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
  description: 'Where a page of a Relay connection stands.',
  fields: (t) => ({
    hasNextPage: t.exposeBoolean('hasNextPage', { description: 'True when more items follow this page.' }),
    hasPreviousPage: t.boolean({ resolve: () => false, description: 'Always false: pages go forward only.' }),
    startCursor: t.exposeString('startCursor', { description: 'The first edge’s cursor; null when there are no edges.', nullable: true }),
    endCursor: t.exposeString('endCursor', { description: 'The last edge’s cursor; null when there are no edges.', nullable: true }),
  }),
});

const ConversationEdge = builder.objectRef<ConversationModel>('ConversationEdge').implement({
  description: 'A conversation in a page, with its cursor.',
  fields: (t) => ({
    cursor: t.string({ description: 'Pass as `after` to get the conversations after this one.', resolve: (conversation) => encodeCursor(conversation) }),
    node: t.field({ description: 'The conversation.', type: Conversation, resolve: (conversation) => conversation }),
  }),
});

export const ConversationConnection = builder
  .objectRef<{ conversations: ConversationModel[]; hasNextPage: boolean }>('ConversationConnection')
  .implement({
    description: 'A Relay connection of conversations, most recently active first.',
    fields: (t) => ({
      edges: t.field({ description: 'This page’s conversations.', type: [ConversationEdge], resolve: (page) => page.conversations }),
      pageInfo: t.field({
        description: 'Where this page stands.',
        type: PageInfo,
        resolve: (page) => pageInfoOf(page.conversations, page.hasNextPage, encodeCursor),
      }),
    }),
  });
