import { z } from 'zod';
import { AGENT_ID_PATTERN, nameSchema } from '../agents/agent.js';
import { text } from '../input-limits.js';

export type McpTransportKind = 'STDIO' | 'HTTP';
/** CONNECTING: the first connection or a reconnect is under way; FAILED: down, with `error`, retried with backoff. */
export type McpServerStatus = 'CONNECTING' | 'CONNECTED' | 'FAILED';

/** A registration as stored: header and env values are secrets, never returned nor logged. */
export interface McpServerRecord {
  id: string;
  url: string | null;
  headers: Record<string, string>;
  command: string | null;
  args: string[];
  env: Record<string, string>;
  createdAt: Date;
}

/** A tool as its server lists it. */
export interface McpTool {
  serverId: string;
  name: string;
  description: string | null;
  inputSchema: Record<string, unknown>;
  /** The model function name it is offered as (`<server>__<tool>`, shortened when needed). */
  functionName: string;
}

/** What the API shows of a server: the secrets only by name. */
export interface McpServerView {
  id: string;
  transport: McpTransportKind;
  url: string | null;
  command: string | null;
  args: string[];
  headerNames: string[];
  envNames: string[];
  status: McpServerStatus;
  error: string | null;
  connectedAt: Date | null;
  tools: McpTool[];
}

/** Server ids are part of model function names, so they keep to the agent id alphabet. */
export const MCP_SERVER_ID_PATTERN = AGENT_ID_PATTERN;

const secretMap = (what: string) =>
  z
    .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]{0,127}$/, { error: `${what} names must be letters, digits, "_" or "-"` }), text(8_192))
    .refine((map) => Object.keys(map).length <= 50, { error: `may have at most 50 ${what}s` });

export const registerMcpServerSchema = z
  .object({
    id: nameSchema,
    url: z
      .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
      .max(2_048, { error: 'must be at most 2,048 characters' })
      .nullish(),
    headers: secretMap('header').nullish(),
    command: text(1_024).pipe(z.string().min(1, { error: 'must not be empty' })).nullish(),
    args: z.array(text(8_192)).max(100, { error: 'may have at most 100 arguments' }).nullish(),
    env: secretMap('environment variable').nullish(),
  })
  .superRefine((input, context) => {
    if (Boolean(input.url) === Boolean(input.command)) {
      context.addIssue({ code: 'custom', path: ['url'], message: 'give either url (streamable HTTP) or command (stdio), not both nor neither' });
    }
    if (input.url && (input.args?.length || input.env)) context.addIssue({ code: 'custom', path: ['args'], message: 'args and env are for command (stdio) servers' });
    if (input.command && input.headers) context.addIssue({ code: 'custom', path: ['headers'], message: 'headers are for url (HTTP) servers' });
  });

export type RegisterMcpServerInput = z.input<typeof registerMcpServerSchema>;

export const transportOf = (record: Pick<McpServerRecord, 'url'>): McpTransportKind => (record.url ? 'HTTP' : 'STDIO');

/**
 * `text` with the registration's header and env values replaced by [redacted]: each value whole, and its last word
 * when that is a credential-length token ("Bearer <token>" quoted as "<token>"). Values under 4 characters are left
 * alone: they would redact ordinary words and digits without protecting anything.
 */
export function redactSecrets(text: string, record: Pick<McpServerRecord, 'headers' | 'env'>): string {
  const secrets = new Set<string>();
  for (const value of [...Object.values(record.headers), ...Object.values(record.env)]) {
    if (value.length >= 4) secrets.add(value);
    const lastWord = value.trim().split(/\s+/).at(-1);
    if (lastWord && lastWord.length >= 8) secrets.add(lastWord);
  }
  let redacted = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) redacted = redacted.split(secret).join('[redacted]');
  return redacted;
}
