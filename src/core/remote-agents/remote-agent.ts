import { z } from 'zod';
import { nameSchema } from '../agents/agent.js';
import { text } from '../input-limits.js';

/** CONNECTING: the card is being fetched (first time or again); FAILED: unreachable or invalid, with `error`, retried with backoff. */
export type RemoteAgentStatus = 'CONNECTING' | 'CONNECTED' | 'FAILED';

/** A registration as stored: header values are secrets, never returned nor logged. */
export interface RemoteAgentRecord {
  id: string;
  /** The agent card's URL, or the base its card is found under (/.well-known/agent-card.json). */
  url: string;
  headers: Record<string, string>;
  createdAt: Date;
}

/** A skill as the agent's card lists it. */
export interface RemoteAgentSkill {
  id: string;
  name: string;
  description: string;
  tags: string[];
  examples: string[];
}

/** What the API shows of a remote agent: its card's summary, the secrets only by name. */
export interface RemoteAgentView {
  id: string;
  url: string;
  headerNames: string[];
  status: RemoteAgentStatus;
  error: string | null;
  connectedAt: Date | null;
  /** From the card; null until a card was fetched. */
  name: string | null;
  description: string | null;
  version: string | null;
  skills: RemoteAgentSkill[];
  streaming: boolean;
}

const headerMap = z
  .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]{0,127}$/, { error: 'header names must be letters, digits, "_" or "-"' }), text(8_192))
  .refine((map) => Object.keys(map).length <= 50, { error: 'may have at most 50 headers' });

export const registerRemoteAgentSchema = z.object({
  id: nameSchema,
  url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).max(2_048, { error: 'must be at most 2,048 characters' }),
  headers: headerMap.nullish(),
});

export type RegisterRemoteAgentInput = z.input<typeof registerRemoteAgentSchema>;

/**
 * Where the card is: the URL itself when it names a JSON document (".../agent-card.json"), else
 * the well-known path under it (`https://host/a` -> `https://host/a/.well-known/agent-card.json`).
 */
export function cardUrlOf(url: string): URL {
  const parsed = new URL(url);
  if (parsed.pathname.endsWith('.json')) return parsed;
  parsed.pathname = `${parsed.pathname.replace(/\/+$/, '')}/.well-known/agent-card.json`;
  return parsed;
}
