import type { AgentCard, AgentSkill, SecurityScheme } from '@a2a-js/sdk';
import type { Agent } from '../../core/agents/agent.js';
import { IMAGE_MEDIA_TYPES } from './message-input.js';

/** The A2A protocol versions each endpoint speaks: 1.0, and 0.3 (JSON-RPC method names such as message/send) for older clients. */
export const PROTOCOL_VERSIONS = ['1.0', '0.3'] as const;

/** The extension the discovery card lists the other published agents under (A2A has no field for it). */
export const PUBLISHED_AGENTS_EXTENSION = 'urn:muxgate:a2a:published-agents';

/** Where an agent is published, relative to the gateway's address. */
export const endpointPath = (agentId: string) => `/a2a/${agentId}`;
export const cardPath = (agentId: string) => `${endpointPath(agentId)}/.well-known/agent-card.json`;

/** The same credentials as every other surface: an API key or a JWT as a bearer token, or an API key in X-API-Key. */
const SECURITY_SCHEMES: Record<string, SecurityScheme> = {
  bearer: {
    scheme: {
      $case: 'httpAuthSecurityScheme',
      value: { scheme: 'Bearer', bearerFormat: 'API key (mxg_…) or JWT (POST /auth/token)', description: 'Authorization: Bearer <API key or JWT>, as on every muxgate API.' },
    },
  },
  apiKey: { scheme: { $case: 'apiKeySecurityScheme', value: { location: 'header', name: 'X-API-Key', description: 'A muxgate API key.' } } },
};

/**
 * A published agent's card: its id as its name, its description, one skill for what it does (its
 * tools as tags), streaming, and the gateway's credentials. `baseUrl` is the address the client
 * reached this gateway by, so the endpoint it names is one the client can reach.
 */
export function agentCardOf(agent: Agent, baseUrl: string, version: string): AgentCard {
  const description = agent.description ?? `The muxgate agent "${agent.id}".`;
  const outputModes = agent.responseFormat ? ['application/json', 'text/plain'] : ['text/plain'];
  const skill: AgentSkill = {
    id: agent.id,
    name: agent.id,
    description,
    tags: agent.tools,
    examples: [],
    inputModes: [],
    outputModes: [],
    securityRequirements: [],
  };
  return {
    name: agent.id,
    description,
    supportedInterfaces: PROTOCOL_VERSIONS.map((protocolVersion) => ({ url: `${baseUrl}${endpointPath(agent.id)}`, protocolBinding: 'JSONRPC', tenant: '', protocolVersion })),
    provider: undefined,
    version,
    capabilities: { streaming: true, pushNotifications: false, extendedAgentCard: false, extensions: [] },
    securitySchemes: SECURITY_SCHEMES,
    // Either scheme will do: two requirements, each naming one.
    securityRequirements: Object.keys(SECURITY_SCHEMES).map((name) => ({ schemes: { [name]: { list: [] } } })),
    // Data parts carry the answers to a task waiting for input (docs/a2a.md).
    defaultInputModes: ['text/plain', 'application/json', ...IMAGE_MEDIA_TYPES],
    defaultOutputModes: outputModes,
    skills: [skill],
    signatures: [],
  };
}

/**
 * The gateway's own card (/.well-known/agent-card.json): the card of the default agent when it is
 * published, else of the oldest published agent; every other published agent is listed, with the
 * address of its card, under the PUBLISHED_AGENTS_EXTENSION extension.
 */
export function discoveryCardOf(published: readonly Agent[], baseUrl: string, version: string): AgentCard | undefined {
  const main = published.find((agent) => agent.isDefault) ?? published[0];
  if (!main) return undefined;
  const card = agentCardOf(main, baseUrl, version);
  const others = published.filter((agent) => agent.id !== main.id);
  if (others.length === 0) return card;
  const agents = others.map((agent) => ({ id: agent.id, description: agent.description, cardUrl: `${baseUrl}${cardPath(agent.id)}`, url: `${baseUrl}${endpointPath(agent.id)}` }));
  return {
    ...card,
    capabilities: {
      ...card.capabilities!,
      extensions: [{ uri: PUBLISHED_AGENTS_EXTENSION, description: 'The other agents this gateway publishes, each with its own card.', required: false, params: { agents } }],
    },
  };
}
