import type { Agent } from './agents/agent.js';
import type { Agents } from './agents/agents.js';
import type { Principal } from './auth/principal.js';
import type { Conversation, Message } from './conversations/conversation.js';
import type { Conversations } from './conversations/conversations.js';
import { DomainError } from './errors.js';
import type { McpServerView } from './mcp/mcp-server.js';
import type { McpServers } from './mcp/mcp-servers.js';
import type { Memory } from './memory/memory.js';
import type { Memories } from './memory/memories.js';
import { isUuidShaped } from './named-ids.js';
import type { RemoteAgentView } from './remote-agents/remote-agent.js';
import type { RemoteAgents } from './remote-agents/remote-agents.js';

/** An object found by its id alone (Relay's `node(id:)`), with its type. */
export type FoundNode =
  | { type: 'Agent'; value: Agent }
  | { type: 'McpServer'; value: McpServerView }
  | { type: 'RemoteAgent'; value: RemoteAgentView }
  | { type: 'Conversation'; value: Conversation }
  | { type: 'Message'; value: Message }
  | { type: 'Memory'; value: Memory };

export interface NodeSources {
  agents: Agents;
  mcp: McpServers;
  remoteAgents: RemoteAgents;
  conversations: Conversations;
  memories: Memories;
}

/**
 * The objects with these ids, in order, each read with the principal's visibility (the same rule
 * its own query uses) or null: one the caller may not see is null exactly like one that does not
 * exist. The id's shape says where to look (see named-ids.ts): a UUID is a conversation, message or
 * memory, looked up for the whole batch with one query per table; a name, an agent or an MCP server.
 */
export async function findNodes(sources: NodeSources, principal: Principal, ids: readonly string[]): Promise<Array<FoundNode | null>> {
  const found = new Map<string, FoundNode>();
  // Ids are exact (stored as text): another spelling of a UUID is not that object's id.
  const uuids = [...new Set(ids.filter(isUuidShaped))];
  const missing = () => uuids.filter((id) => !found.has(id));
  if (uuids.length > 0) {
    for (const value of await sources.conversations.getMany(principal, uuids)) found.set(value.id, { type: 'Conversation', value });
    if (missing().length > 0) for (const value of await sources.conversations.getMessages(principal, missing())) found.set(value.id, { type: 'Message', value });
    if (missing().length > 0) for (const value of await sources.memories.getMany(principal, missing())) found.set(value.id, { type: 'Memory', value });
  }
  return Promise.all(ids.map((id) => (isUuidShaped(id) ? (found.get(id) ?? null) : findNamed(sources, principal, id))));
}

/** An agent, MCP server or remote agent by its name, or null (names are few and cached, so one at a time). */
async function findNamed(sources: NodeSources, principal: Principal, id: string): Promise<FoundNode | null> {
  const agent = await sources.agents.get(principal, id).catch(unlessNotFound);
  if (agent) return { type: 'Agent', value: agent };
  const server = await sources.mcp.get(principal, id).catch(unlessNotFound);
  if (server) return { type: 'McpServer', value: server };
  const remote = await Promise.resolve()
    .then(() => sources.remoteAgents.get(principal, id))
    .catch(unlessNotFound);
  return remote && { type: 'RemoteAgent', value: remote };
}

const unlessNotFound = (error: unknown): null => {
  if (error instanceof DomainError && error.code === 'NOT_FOUND') return null;
  throw error;
};
