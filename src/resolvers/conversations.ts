import { builder } from '../schema/builder.js';
import { Conversation, ConversationConnection } from '../schema/conversation.js';

builder.queryFields((t) => ({
  conversations: t.field({
    type: ConversationConnection,
    description: 'The acting user’s conversations, most recently active first.',
    args: { first: t.arg.int({ description: 'How many, 0 to 100.', defaultValue: 20 }), after: t.arg.string({ description: 'A cursor from this connection: the page after it.' }), userId: t.arg.id({ description: 'Act for this user (admins and unbound user keys); a JWT acts for its own user.' }) },
    resolve: (_root, { first, after, userId }, { orchestrator, principal }) =>
      orchestrator.conversations.list(principal, { first: first ?? 20, after, userId }),
  }),
  conversation: t.field({
    type: Conversation,
    description: 'One of the acting user’s conversations; another user’s is NOT_FOUND.',
    args: { id: t.arg.id({ description: 'The conversation’s id.', required: true }), userId: t.arg.id({ description: 'Act for this user (admins and unbound user keys); a JWT acts for its own user.' }) },
    resolve: (_root, { id, userId }, { orchestrator, principal }) => orchestrator.conversations.get(principal, id, { userId }),
  }),
}));
