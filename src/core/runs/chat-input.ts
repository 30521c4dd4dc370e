import { z } from 'zod';
import { badInput } from '../errors.js';
import { CLIENT_TOOLS_MAX, clientToolSchema, toolChoiceSchema } from './client-tools.js';
import { responseFormatSchema } from '../models/response-format.js';
import { historyImageSchema, imagesSchema } from '../images/image-input.js';
import { DEFAULT_IMAGE_SETTINGS } from '../images/image-settings.js';
import { HISTORY_MAX_MESSAGES, idSchema, metadataSchema, text, TOOL_CALLS_MAX, userIdSchema } from '../input-limits.js';

const toolCallSchema = z.object({ id: idSchema, name: idSchema, arguments: text() });

/** One message of a history the caller gives, in the model's own terms (ChatMessage). */
const historyMessageSchema = z.discriminatedUnion('role', [
  z.object({ role: z.literal('system'), content: text() }),
  /** `images`: URLs and data: URLs, checked and sent on, not stored (the history is the caller's). */
  z.object({ role: z.literal('user'), content: text(), images: z.array(historyImageSchema).optional() }),
  z.object({ role: z.literal('assistant'), content: text().nullable(), toolCalls: z.array(toolCallSchema).max(TOOL_CALLS_MAX).optional() }),
  z.object({ role: z.literal('tool'), content: text(), toolCallId: idSchema }),
]);

const between = (min: number, max: number) => ({ error: `must be between ${min} and ${max}` });

/** Per-request sampling: each one set replaces the agent's own for this answer. */
const samplingSchema = z.object({
  temperature: z.number().min(0, between(0, 2)).max(2, between(0, 2)).nullish(),
  maxTokens: z.number().int({ error: 'must be a whole number' }).min(1, between(1, 1_000_000)).max(1_000_000, between(1, 1_000_000)).nullish(),
  stop: z.array(text(1_000).min(1, { error: 'must not be empty' })).max(4, { error: 'may hold at most 4 sequences' }).nullish(),
});

/** The chat input's shape; metadata's size limit and the images a message may carry are settings (METADATA_MAX_BYTES, MAX_IMAGES_PER_MESSAGE). */
export const chatInputSchema = (metadataMaxBytes: number, maxImages = DEFAULT_IMAGE_SETTINGS.maxPerMessage) =>
  z.object({
    // May be empty when the message carries images (checked by ChatService, which sees both).
    message: text(),
    /** The message's images: https URLs, data: URLs, uploads' bytes, or stored files by id (see core/images). */
    images: imagesSchema(maxImages).nullish(),
    agentId: idSchema.nullish(),
    conversationId: idSchema.nullish(),
    /** conversationId names a conversation to start with that id when none has it yet (AG-UI threads); another user's is FORBIDDEN. */
    createConversation: z.boolean().nullish(),
    /** Act for this user (admins and unbound user keys); pinned credentials may only name themselves. */
    userId: userIdSchema.nullish(),
    metadata: metadataSchema(metadataMaxBytes).optional(),
    sampling: samplingSchema.optional(),
    /**
     * The turn's earlier messages, given by the caller (as OpenAI clients send them): the context's
     * conversation part is these instead of the stored buffer; long-term memory and user context still apply.
     */
    history: z.array(historyMessageSchema).max(HISTORY_MAX_MESSAGES, { error: `may hold at most ${HISTORY_MAX_MESSAGES} messages` }).optional(),
    /** A system message for this answer alone, after the agent's own (the Responses API's `instructions`); not stored, not replayed. */
    instructions: text().nullish(),
    /** Tools the client runs: offered to the model beside the agent's; a call of one pauses the run until its result is submitted. */
    clientTools: z.array(clientToolSchema).max(CLIENT_TOOLS_MAX, { error: `may hold at most ${CLIENT_TOOLS_MAX} tools` }).nullish(),
    /** Which tool the model must call on its first step of this request (later steps choose freely). */
    toolChoice: toolChoiceSchema.nullish(),
    parallelToolCalls: z.boolean().nullish(),
    /** A structured answer: JSON matching this schema (or any JSON object), replacing the agent's default. */
    responseFormat: responseFormatSchema.nullish(),
  }).superRefine((input, context) => {
    // A message may be an image alone; otherwise it needs text.
    if (input.message.trim().length === 0 && !input.images?.length) context.addIssue({ code: 'custom', path: ['message'], message: 'must not be empty' });
  });

export type ChatInput = z.input<ReturnType<typeof chatInputSchema>>;

/** MAX_MESSAGE_CHARS bounds every message of a turn: the new one and each one of a history the caller gives. */
export function checkMessageLengths(input: { message: string; history?: ReadonlyArray<{ content: string | null }> | undefined }, max: number): void {
  const refuse = (what: string, length: number) => badInput(`${what} is ${length} characters; the limit is ${max} (MAX_MESSAGE_CHARS)`);
  if (input.message.length > max) throw refuse('message', input.message.length);
  input.history?.forEach(({ content }, index) => {
    if (content !== null && content.length > max) throw refuse(`history[${index}].content`, content.length);
  });
}
