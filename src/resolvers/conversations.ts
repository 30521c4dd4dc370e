import { builder } from '../schema/builder.js';
import { Conversation, ConversationConnection } from '../schema/conversation.js';

builder.queryFields((t) => ({
  conversations: t.field({
    type: ConversationConnection,
    description: 'The acting user’s conversations, most recently active first.',
    args: { first: t.arg.int({ defaultValue: 20 }), after: t.arg.string(), userId: t.arg.id() },
    resolve: (_root, { first, after, userId }, { orchestrator, principal }) =>
      orchestrator.conversations.list(principal, { first: first ?? 20, after, userId }),
  }),
  conversation: t.field({
    type: Conversation,
    description: 'One of the acting user’s conversations; another user’s is NOT_FOUND.',
    args: { id: t.arg.id({ required: true }), userId: t.arg.id() },
    resolve: (_root, { id, userId }, { orchestrator, principal }) => orchestrator.conversations.get(principal, id, { userId }),
  }),
}));
