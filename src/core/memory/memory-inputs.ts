import { z } from 'zod';
import { idSchema, metadataSchema, text, userIdSchema } from '../input-limits.js';

/** Limits of the memory API's inputs, from the configuration. */
export interface MemoryInputLimits {
  maxMemoryChars: number;
  maxQueryChars: number;
  metadataMaxBytes: number;
}

const content = (max: number) =>
  text(max).refine((value) => value.trim().length > 0, { error: 'must not be empty' });

const importance = z.number().min(0, { error: 'must be between 0 and 1' }).max(1, { error: 'must be between 0 and 1' });

const metadataObject = (maxBytes: number) =>
  metadataSchema(maxBytes).refine((value) => value === undefined || value === null || (typeof value === 'object' && !Array.isArray(value)), {
    error: 'must be a JSON object',
  });

export const memoryInputSchemas = (limits: MemoryInputLimits) => ({
  add: z.object({
    content: content(limits.maxMemoryChars),
    metadata: metadataObject(limits.metadataMaxBytes).nullish(),
    importance: importance.nullish(),
    agentId: idSchema.nullish(),
    userId: userIdSchema.nullish(),
    confirmSensitive: z.boolean().nullish(),
  }),
  update: z.object({
    id: idSchema,
    content: content(limits.maxMemoryChars).nullish(),
    metadata: metadataObject(limits.metadataMaxBytes).nullish(),
    importance: importance.nullish(),
    confirmSensitive: z.boolean().nullish(),
  }),
  search: z.object({
    query: content(limits.maxQueryChars),
    k: z.number().int({ error: 'must be a whole number' }).min(1, { error: 'must be between 1 and 100' }).max(100, { error: 'must be between 1 and 100' }),
    useLongTerm: z.boolean(),
    agentId: idSchema.nullish(),
    conversationId: idSchema.nullish(),
    userId: userIdSchema.nullish(),
    metadata: metadataObject(limits.metadataMaxBytes).nullish(),
    createdAfter: z.date().nullish(),
    createdBefore: z.date().nullish(),
  }),
  list: z.object({
    first: z.number().int().min(0, { error: 'must be between 0 and 100' }).max(100, { error: 'must be between 0 and 100' }),
    after: z.string().max(500).nullish(),
    agentId: idSchema.nullish(),
    userId: userIdSchema.nullish(),
    includeSuperseded: z.boolean().nullish(),
  }),
  addBuffer: z.object({
    message: content(limits.maxQueryChars),
    role: z.enum(['user', 'assistant']),
    conversationId: idSchema.nullish(),
    agentId: idSchema.nullish(),
    userId: userIdSchema.nullish(),
    metadata: metadataObject(limits.metadataMaxBytes).nullish(),
    confirmSensitive: z.boolean().nullish(),
  }),
  clear: z.object({ agentId: idSchema.nullish(), conversationId: idSchema.nullish(), userId: userIdSchema.nullish() }),
});

export type MemoryInputSchemas = ReturnType<typeof memoryInputSchemas>;
export type AddMemoryInput = z.input<MemoryInputSchemas['add']>;
export type UpdateMemoryInput = z.input<MemoryInputSchemas['update']>;
export type SearchMemoryInput = z.input<MemoryInputSchemas['search']>;
export type ListMemoriesInput = z.input<MemoryInputSchemas['list']>;
export type AddBufferMemoryInput = z.input<MemoryInputSchemas['addBuffer']>;
export type ClearMemoryInput = z.input<MemoryInputSchemas['clear']>;
