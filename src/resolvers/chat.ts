import type { ChatInput as ChatInputModel } from '../core/runs/chat-input.js';
import { builder } from '../schema/builder.js';
import { ChatInput, ChatResult } from '../schema/chat.js';
import { RunEvent } from '../schema/run-event.js';

builder.mutationFields((t) => ({
  chat: t.field({
    type: ChatResult,
    description: 'Sends a message and waits for the whole answer. Use chatStream to see it token by token.',
    args: { input: t.arg({ description: 'The message and where it goes.', type: ChatInput, required: true }) },
    resolve: (_root, { input }, { orchestrator, principal, connection }) => orchestrator.chat.ask(principal, input as ChatInputModel, connection),
  }),
  cancelRun: t.boolean({
    description: 'Stops a run: the model call is aborted, the partial answer stored as CANCELLED. False if it had already ended.',
    args: { runId: t.arg.id({ description: 'The run to cancel.', required: true }), userId: t.arg.id({ description: 'Act for this user (admins and unbound user keys); a JWT acts for its own user.' }) },
    resolve: (_root, { runId, userId }, { orchestrator, principal }) => orchestrator.chat.cancel(principal, runId, { userId }),
  }),
}));

builder.subscriptionFields((t) => ({
  chatStream: t.field({
    type: RunEvent,
    description:
      'Sends a message and streams the run: RunStarted, AgentSelected, TokenDelta…, then MessageCompleted or RunFailed. ' +
      'Unsubscribing stops the answer; a dropped connection leaves it running for RUN_ORPHAN_GRACE_MS so runEvents can resume it.',
    args: { input: t.arg({ description: 'The message and where it goes.', type: ChatInput, required: true }) },
    subscribe: (_root, { input }, { orchestrator, principal, connection }) => orchestrator.chat.stream(principal, input as ChatInputModel, connection),
    resolve: (event) => event,
  }),
  runEvents: t.field({
    type: RunEvent,
    description: 'Replays a run’s events after `after` (a seq; 0 for all), then follows it live. Finished runs stay replayable for RUN_RETENTION_MS; after that (or a restart) a run answers with its stored terminal event.',
    args: { runId: t.arg.id({ description: 'The run.', required: true }), after: t.arg.int({ description: 'The last seq seen: events after it are replayed, then live ones follow.', defaultValue: 0 }), userId: t.arg.id({ description: 'Act for this user (admins and unbound user keys); a JWT acts for its own user.' }) },
    subscribe: (_root, { runId, after, userId }, { orchestrator, principal, connection }) =>
      orchestrator.chat.follow(principal, runId, Math.max(0, after ?? 0), connection, { userId }),
    resolve: (event) => event,
  }),
  conversationEvents: t.field({
    type: RunEvent,
    description: 'Every event of the conversation’s runs as they happen (a run in flight from its start), e.g. for a second tab. Watching does not keep a run alive.',
    args: { conversationId: t.arg.id({ description: 'The conversation to follow.', required: true }), userId: t.arg.id({ description: 'Act for this user (admins and unbound user keys); a JWT acts for its own user.' }) },
    subscribe: async (_root, { conversationId, userId }, { orchestrator, principal }) => {
      const queue = await orchestrator.chat.watchConversation(principal, conversationId, { userId });
      return queue;
    },
    resolve: (event) => event,
  }),
}));
