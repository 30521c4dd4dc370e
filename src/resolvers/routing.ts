import { builder } from '../schema/builder.js';
import { RoutingDecision } from '../schema/routing.js';

builder.queryField('selectAgent', (t) =>
  t.field({
    type: RoutingDecision,
    description: 'Which agent would answer this message, and why, without sending it (routing cache and models are used as for a chat).',
    args: { message: t.arg.string({ required: true }), conversationId: t.arg.id(), userId: t.arg.id() },
    resolve: (_root, args, { orchestrator, principal }) => orchestrator.chat.route(principal, args.message, { conversationId: args.conversationId, userId: args.userId }),
  }),
);
