import { z } from 'zod';
import { idSchema, metadataSchema, text, userIdSchema } from '../input-limits.js';

/** The chat input's shape; metadata's size limit is a setting (METADATA_MAX_BYTES). */
export const chatInputSchema = (metadataMaxBytes: number) =>
  z.object({
    message: text().refine((value) => value.trim().length > 0, { error: 'must not be empty' }),
    agentId: idSchema.nullish(),
    conversationId: idSchema.nullish(),
    /** Act for this user (admins and unbound user keys); pinned credentials may only name themselves. */
    userId: userIdSchema.nullish(),
    metadata: metadataSchema(metadataMaxBytes).optional(),
  });

export type ChatInput = z.input<ReturnType<typeof chatInputSchema>>;
