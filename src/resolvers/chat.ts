import type { ChatInput as ChatInputModel } from '../core/runs/chat-input.js';
import type { ToolChoice } from '../core/runs/client-tools.js';
import type { ImageDetail, ImageInput as ImageInputModel } from '../core/images/image-input.js';
import { builder } from '../schema/builder.js';
import { ChatInput, ChatResult, ToolResultInput } from '../schema/chat.js';
import { RunEvent } from '../schema/run-event.js';

builder.mutationFields((t) => ({
  chat: t.field({
    type: ChatResult,
    description: 'Sends a message and waits for the whole answer. Use chatStream to see it token by token.',
    args: { input: t.arg({ description: 'The message and where it goes.', type: ChatInput, required: true }) },
    resolve: async (_root, { input }, { orchestrator, principal, connection }) => orchestrator.chat.ask(principal, await chatInput(input), connection),
  }),
  submitToolResults: t.field({
    type: ChatResult,
    description:
      'Answers client tool calls of a paused run (ToolCallRequested). All the results of a request are stored or none is; once no call of the step waits, ' +
      'the same run goes on (subscribers see the rest) and this returns when it ends or pauses again. Only the run’s owner or an admin may answer.',
    args: {
      runId: t.arg.id({ description: 'The paused run.', required: true }),
      results: t.arg({ type: [ToolResultInput], required: true, description: 'One result (or error) per call.' }),
      userId: t.arg.id({ description: 'Act for this user (admins and unbound user keys); a JWT acts for its own user.' }),
    },
    resolve: async (_root, { runId, results, userId }, { orchestrator, principal, connection }) => {
      const decided = await orchestrator.chat.submitToolResults(principal, runId, results.map((result) => ({ callId: result.callId, output: result.output, error: result.error })), { userId });
      return orchestrator.chat.untilStop(principal, decided, connection, { userId });
    },
  }),
  approveToolCall: t.field({
    type: ChatResult,
    description:
      'Decides a call that needs approval (ToolApprovalRequested): approved, it runs; refused, the model is told so (with the reason) and answers on. ' +
      'Stored with who decided, when and why. Returns when the run ends or pauses again (at once if other calls of the step still wait).',
    args: {
      runId: t.arg.id({ description: 'The paused run.', required: true }),
      callId: t.arg.id({ description: 'The call, as ToolApprovalRequested named it.', required: true }),
      approved: t.arg.boolean({ required: true, description: 'True lets it run.' }),
      reason: t.arg.string({ description: 'Why; the model reads it when the call is refused.' }),
      userId: t.arg.id({ description: 'Act for this user (admins and unbound user keys); a JWT acts for its own user.' }),
    },
    resolve: async (_root, { runId, callId, approved, reason, userId }, { orchestrator, principal, connection }) => {
      const decided = await orchestrator.chat.approveToolCall(principal, runId, callId, approved, reason, { userId });
      return orchestrator.chat.untilStop(principal, decided, connection, { userId });
    },
  }),
  cancelRun: t.boolean({
    description: 'Stops a run: the model call is aborted, the partial answer stored as CANCELLED. False if it had already ended.',
    args: { runId: t.arg.id({ description: 'The run to cancel.', required: true }), userId: t.arg.id({ description: 'Act for this user (admins and unbound user keys); a JWT acts for its own user.' }) },
    resolve: (_root, { runId, userId }, { orchestrator, principal }) => orchestrator.chat.cancel(principal, runId, { userId }),
  }),
}));

builder.queryFields((t) => ({
  run: t.field({
    type: ChatResult,
    description: 'A run as stored: its status (WAITING with the calls it waits for), its conversation and its answer so far.',
    args: { id: t.arg.id({ description: 'The run.', required: true }), userId: t.arg.id({ description: 'Act for this user (admins and unbound user keys); a JWT acts for its own user.' }) },
    resolve: (_root, { id, userId }, { orchestrator, principal }) => orchestrator.chat.runAnswer(principal, id, { userId }),
  }),
}));

builder.subscriptionFields((t) => ({
  chatStream: t.field({
    type: RunEvent,
    description:
      'Sends a message and streams the run: RunStarted, AgentSelected, TokenDelta…, then MessageCompleted or RunFailed. ' +
      'Unsubscribing stops the answer; a dropped connection leaves it running for RUN_ORPHAN_GRACE_MS so runEvents can resume it.',
    args: { input: t.arg({ description: 'The message and where it goes.', type: ChatInput, required: true }) },
    subscribe: async (_root, { input }, { orchestrator, principal, connection }) => orchestrator.chat.stream(principal, await chatInput(input), connection),
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

type GraphQLImage = { url?: string | null; dataUrl?: string | null; file?: Blob | null; fileId?: string | null; detail?: ImageDetail | null };

/** The GraphQL input in the core's terms: toolChoice's { mode, tool } becomes OpenAI's form; uploads become their bytes. */
async function chatInput(input: { toolChoice?: { mode?: string | null; tool?: string | null } | null; images?: GraphQLImage[] | null }): Promise<ChatInputModel> {
  const { toolChoice, images, ...rest } = input as ChatInputModel & { toolChoice?: { mode?: string | null; tool?: string | null } | null; images?: GraphQLImage[] | null };
  const choice: ToolChoice | undefined = toolChoice?.tool ? { name: toolChoice.tool } : ((toolChoice?.mode ?? undefined) as ToolChoice | undefined);
  return { ...rest, ...(choice ? { toolChoice: choice } : {}), ...(images ? { images: await Promise.all(images.map(imageInput)) } : {}) };
}

/** An upload is read whole here (Fastify has it in memory already); the core checks its size and type. */
async function imageInput({ file, ...image }: GraphQLImage): Promise<ImageInputModel> {
  if (!file) return image;
  return { ...image, bytes: new Uint8Array(await file.arrayBuffer()), filename: 'name' in file && typeof file.name === 'string' ? file.name : null };
}
