import type { AgentCard, AgentInterface, AgentSkill } from '@a2a-js/sdk';
import { z } from 'zod';
import type { AddressPolicy } from '../mcp/address-policy.js';
import { loadA2aSdk } from './a2a-sdk.js';
import { cardUrlOf } from './remote-agent.js';
import { RemoteAgentProblem } from './remote-agent-failure.js';

type FetchLike = (url: string | URL, init?: RequestInit) => Promise<Response>;

/** The transports muxgate speaks to a remote agent (gRPC is not loaded). */
export const SPOKEN_BINDINGS = ['JSONRPC', 'HTTP+JSON'] as const;

/** What muxgate reads of a card, each field typed as the SDK's AgentCard has it (a change there fails to compile here). */
type CheckedCard = Pick<AgentCard, 'name' | 'description' | 'version'> & {
  supportedInterfaces: Array<Pick<AgentInterface, 'url' | 'protocolBinding'> & Partial<Pick<AgentInterface, 'protocolVersion' | 'tenant'>>>;
  capabilities?: { streaming?: boolean | undefined } | undefined;
  skills?: Array<Pick<AgentSkill, 'id' | 'name'> & Partial<Pick<AgentSkill, 'description' | 'tags' | 'examples'>>> | undefined;
};

const short = (max: number) => z.string().max(max, { error: `must be at most ${max} characters` });

const cardSchema: z.ZodType<CheckedCard> = z.object({
  name: short(200).min(1, { error: 'must not be empty' }),
  description: short(4_000),
  version: short(100),
  supportedInterfaces: z
    .array(
      z.object({
        url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).max(2_048),
        protocolBinding: short(50),
        protocolVersion: short(20).optional(),
        tenant: short(200).optional(),
      }),
    )
    .min(1, { error: 'must list at least one interface' })
    .max(20),
  capabilities: z.object({ streaming: z.boolean().optional() }).optional(),
  skills: z
    .array(
      z.object({
        id: short(200),
        name: short(200),
        description: short(2_000).optional(),
        tags: z.array(short(100)).max(50).optional(),
        examples: z.array(short(1_000)).max(20).optional(),
      }),
    )
    .max(100)
    .optional(),
});

/**
 * Fetches the card (see cardUrlOf) and checks it: JSON, the SDK's v1.0 shape (a v0.3 card is
 * translated by the SDK first), an interface muxgate speaks, at an address the policy allows.
 * Every problem is a RemoteAgentProblem whose message says what is wrong in muxgate's words.
 */
export async function fetchAgentCard(url: string, fetchCard: FetchLike, addresses: AddressPolicy, signal: AbortSignal): Promise<AgentCard> {
  const { core, client } = await loadA2aSdk();
  const response = await fetchCard(cardUrlOf(url), { headers: { accept: 'application/json', [core.A2A_VERSION_HEADER]: core.A2A_PROTOCOL_VERSION }, signal });
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    throw new RemoteAgentProblem(response.status === 401 || response.status === 403 ? 'not authorized (fetching the agent card)' : `HTTP error ${response.status} (fetching the agent card)`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(await response.text());
  } catch (error) {
    if (signal.aborted) throw error;
    throw new RemoteAgentProblem('the agent card is not JSON');
  }
  let normalized: unknown;
  try {
    normalized = new client.DefaultAgentCardResolver({ legacyCompat: { enabled: true } }).normalizeAgentCard(raw);
  } catch {
    throw new RemoteAgentProblem('the agent card is not an A2A agent card');
  }
  const parsed = cardSchema.safeParse(normalized);
  if (!parsed.success) {
    const problems = parsed.error.issues.slice(0, 5).map((issue) => `${issue.path.join('.') || 'card'}: ${issue.message}`);
    throw new RemoteAgentProblem(`the agent card is invalid (${problems.join('; ')})`);
  }
  const spoken = parsed.data.supportedInterfaces.filter((entry) => SPOKEN_BINDINGS.some((binding) => binding.toLowerCase() === entry.protocolBinding.toLowerCase()));
  if (spoken.length === 0) throw new RemoteAgentProblem(`the agent card offers no interface muxgate speaks (${SPOKEN_BINDINGS.join(' or ')})`);
  // The card says where to send messages: a card must not send muxgate where the policy forbids.
  for (const entry of spoken) {
    try {
      addresses.checkHost(new URL(entry.url).hostname);
    } catch {
      throw new RemoteAgentProblem('the agent card points to an address not allowed');
    }
  }
  return normalized as AgentCard;
}
