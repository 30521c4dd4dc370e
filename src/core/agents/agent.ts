import { z } from 'zod';
import { text, userIdSchema } from '../input-limits.js';
import { type ResponseFormat, responseFormatSchema } from '../models/response-format.js';
import { isUuidShaped } from '../named-ids.js';

export interface Agent {
  id: string;
  description: string | null;
  systemMessage: string | null;
  model: string;
  temperature: number | null;
  maxTokens: number | null;
  tools: string[];
  /** Tried in order when `model` is unavailable before the answer's first token. */
  fallbackModels: string[];
  /** Tools whose calls wait for a person's approval: names, `server/tool`, server ids, or "*" for every tool. */
  requireApproval: string[];
  /** Its answers' default response format (structured answers); a chat's own responseFormat replaces it. */
  responseFormat: ResponseFormat | null;
  /** Published under the A2A protocol: an agent card and a JSON-RPC endpoint at /a2a/{id} (server/a2a). */
  a2a: boolean;
  /** Agents it may delegate to, each offered to its model as an `ask_<id>` tool (core/teams). */
  delegates: string[];
  /** Agents it may hand the conversation to, each offered as a `transfer_to_<id>` tool (core/teams). */
  handoffs: string[];
  isDefault: boolean;
  /** Set for a per-user agent, visible to that user only; null for a global agent. */
  userId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export type AgentChangeKind = 'CREATED' | 'UPDATED' | 'REMOVED' | 'DEFAULT_CHANGED';

export interface AgentChange {
  kind: AgentChangeKind;
  agentId: string;
  /** The agent after the change; null when it was removed. */
  agent: Agent | null;
  /** Whose agent it is, kept for removed agents so visibility can still be decided. */
  userId: string | null;
}

export const AGENT_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** An agent's or MCP server's id: a name, never UUID-shaped (UUIDs name the other objects; see named-ids.ts). */
export const nameSchema = z
  .string()
  .regex(AGENT_ID_PATTERN, { error: 'must be 1-64 characters of a-z, 0-9, "_" or "-", starting with a letter or digit' })
  .refine((id) => !isUuidShaped(id), { error: 'must not look like a UUID: UUIDs are the ids of conversations, messages and memories' });


/** A tool name, an MCP server id (all its tools), or `server/tool` (one of them; MCP tool names allow "." too). */
const toolReference = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}(\/[A-Za-z0-9_.-]{1,128})?$/, {
    error: 'must be a tool name, an MCP server id, or "server/tool" (letters, digits, "_", "-"; "." in the tool part)',
  });

const modelName = z.string().regex(/^[A-Za-z0-9._:/@-]{1,200}$/, { error: 'must be a model name such as "gpt-4o" or "provider:model"' });

const agentSettings = {
  description: text(2_000).nullish(),
  systemMessage: text(100_000).nullish(),
  model: modelName.nullish(),
  fallbackModels: z.array(modelName).max(5, { error: 'may name at most 5 models' }).nullish(),
  temperature: z.number().min(0, { error: 'must be between 0 and 2' }).max(2, { error: 'must be between 0 and 2' }).nullish(),
  maxTokens: z
    .number()
    .int({ error: 'must be a whole number' })
    .min(1, { error: 'must be at least 1' })
    .max(1_000_000, { error: 'must be at most 1,000,000' })
    .nullish(),
  tools: z.array(toolReference).max(100, { error: 'may name at most 100 tools' }).nullish(),
  requireApproval: z.array(z.union([z.literal('*'), toolReference])).max(100, { error: 'may name at most 100 tools' }).nullish(),
  responseFormat: responseFormatSchema.nullish(),
  a2a: z.boolean().nullish(),
  delegates: z.array(nameSchema).max(20, { error: 'may name at most 20 agents' }).nullish(),
  handoffs: z.array(nameSchema).max(20, { error: 'may name at most 20 agents' }).nullish(),
};

export const createAgentSchema = z.object({
  id: nameSchema,
  ...agentSettings,
  setAsDefault: z.boolean().nullish(),
  userId: userIdSchema.nullish(),
});

export const updateAgentSchema = z.object(agentSettings);

export type CreateAgentInput = z.input<typeof createAgentSchema>;
export type UpdateAgentInput = z.input<typeof updateAgentSchema>;
