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

/** An object found by its id alone (Relay's `node(id:)`), with its type. */
export type FoundNode =
  | { type: 'Agent'; value: Agent }
  | { type: 'McpServer'; value: McpServerView }
  | { type: 'Conversation'; value: Conversation }
  | { type: 'Message'; value: Message }
  | { type: 'Memory'; value: Memory };

export interface NodeSources {
  agents: Agents;
  mcp: McpServers;
  conversations: Conversations;
  memories: Memories;
}

/**
 * The object with this id, read with the principal's visibility (the same `get` its own query uses),
 * or null: one the caller may not see is null exactly like one that does not exist. The id's shape
 * says where to look (see named-ids.ts): a UUID is a conversation, message or memory; a name, an
 * agent or an MCP server.
 */
export async function findNode(sources: NodeSources, principal: Principal, id: string): Promise<FoundNode | null> {
  const lookups: Array<() => Promise<FoundNode>> = isUuidShaped(id)
    ? [
        async () => ({ type: 'Conversation', value: await sources.conversations.get(principal, id) }),
        async () => ({ type: 'Message', value: await sources.conversations.getMessage(principal, id) }),
        async () => ({ type: 'Memory', value: await sources.memories.get(principal, id) }),
      ]
    : [
        async () => ({ type: 'Agent', value: await sources.agents.get(principal, id) }),
        async () => ({ type: 'McpServer', value: await sources.mcp.get(principal, id) }),
      ];
  for (const lookup of lookups) {
    const found = await lookup().catch(unlessNotFound);
    if (found) return found;
  }
  return null;
}

const unlessNotFound = (error: unknown): null => {
  if (error instanceof DomainError && error.code === 'NOT_FOUND') return null;
  throw error;
};
