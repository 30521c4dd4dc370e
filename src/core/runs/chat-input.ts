import { z } from 'zod';

export const chatInputSchema = z.object({
  message: z.string().refine((value) => value.trim().length > 0, { error: 'must not be empty' }),
  agentId: z.string().nullish(),
  conversationId: z.string().nullish(),
  /** Act for this user (admins and unbound user keys); pinned credentials may only name themselves. */
  userId: z.string().min(1).max(200).nullish(),
  metadata: z.unknown().optional(),
});

export type ChatInput = z.input<typeof chatInputSchema>;
