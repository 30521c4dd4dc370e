import { builder } from '../schema/builder.js';
import { RoutingDecision } from '../schema/routing.js';

builder.queryField('selectAgent', (t) =>
  t.field({
    type: RoutingDecision,
    description: 'Which agent would answer this message, and why, without sending it (routing cache and models are used as for a chat).',
    args: {
      message: t.arg.string({ description: 'The message to route.', required: true }),
      conversationId: t.arg.id({ description: 'The conversation it would continue (a follow-up may stay with its agent).' }),
      userId: t.arg.id({ description: 'Act for this user (admins and unbound user keys); a JWT acts for its own user.' }),
    },
    resolve: (_root, args, { orchestrator, principal }) => orchestrator.chat.route(principal, args.message, { conversationId: args.conversationId, userId: args.userId }),
  }),
);
