import { brandWithType } from '@pothos/core';
import { badInput } from '../core/errors.js';
import { type FoundNode, findNodes } from '../core/nodes.js';
import type { GraphQLContext } from '../schema/context.js';
import { builder } from '../schema/builder.js';
import { Agent } from '../schema/agent.js';
import { Conversation, Message } from '../schema/conversation.js';
import { McpServer } from '../schema/mcp.js';
import { Memory } from '../schema/memory.js';
import { Node } from '../schema/node.js';
import { RemoteAgent } from '../schema/remote-agent.js';

const NODE_TYPES = { Agent, Conversation, Message, Memory, McpServer, RemoteAgent } as const;

const MAX_NODE_IDS = 100;

/** Ids looked up so far by each operation (one context per operation, on every transport). */
const lookedUp = new WeakMap<GraphQLContext, number>();

/**
 * Counts these ids against the operation's budget, across all its node and nodes fields: aliases
 * would otherwise multiply one field's limit (GRAPHQL_MAX_COST does not see list arguments).
 */
function spendNodeBudget(context: GraphQLContext, count: number): void {
  const spent = (lookedUp.get(context) ?? 0) + count;
  if (spent > MAX_NODE_IDS) throw badInput(`node and nodes look up at most ${MAX_NODE_IDS} ids in one operation (all their fields together)`);
  lookedUp.set(context, spent);
}

/** A copy that names its GraphQL type (Pothos reads the brand); cached objects stay unbranded. */
function typed(found: FoundNode | null): { id: string } | null {
  if (!found) return null;
  const value = { ...found.value };
  brandWithType(value, NODE_TYPES[found.type]);
  return value;
}

builder.queryFields((t) => ({
  node: t.field({
    type: Node,
    nullable: true,
    description: 'The object with this id, if the caller may see it (the same rule as its own query); null otherwise, whether it exists or not.',
    args: { id: t.arg.id({ required: true, description: 'The `id` of an Agent, Conversation, Message, Memory, McpServer or RemoteAgent.' }) },
    resolve: async (_root, { id }, context) => {
      spendNodeBudget(context, 1);
      const [found] = await findNodes(context.orchestrator, context.principal, [String(id)]);
      return typed(found ?? null);
    },
  }),
  nodes: t.field({
    type: [Node],
    nullable: { list: false, items: true },
    description: `The objects with these ids, in order, each as \`node\` answers it; at most ${MAX_NODE_IDS} ids in one operation, counting every \`node\` and \`nodes\` field.`,
    args: { ids: t.arg.idList({ required: true, description: 'Ids as `node` takes them.' }) },
    resolve: async (_root, { ids }, context) => {
      spendNodeBudget(context, ids.length);
      return (await findNodes(context.orchestrator, context.principal, ids.map(String))).map(typed);
    },
  }),
}));
