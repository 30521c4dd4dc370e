import { brandWithType } from '@pothos/core';
import { badInput } from '../core/errors.js';
import { type FoundNode, findNode } from '../core/nodes.js';
import { builder } from '../schema/builder.js';
import { Agent } from '../schema/agent.js';
import { Conversation, Message } from '../schema/conversation.js';
import { McpServer } from '../schema/mcp.js';
import { Memory } from '../schema/memory.js';
import { Node } from '../schema/node.js';

const NODE_TYPES = { Agent, Conversation, Message, Memory, McpServer } as const;

const MAX_NODE_IDS = 100;

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
    args: { id: t.arg.id({ required: true, description: 'The `id` of an Agent, Conversation, Message, Memory or McpServer.' }) },
    resolve: async (_root, { id }, { orchestrator, principal }) => typed(await findNode(orchestrator, principal, String(id))),
  }),
  nodes: t.field({
    type: [Node],
    nullable: { list: false, items: true },
    description: `The objects with these ids, in order, each as \`node\` answers it; at most ${MAX_NODE_IDS} ids.`,
    args: { ids: t.arg.idList({ required: true, description: 'Ids as `node` takes them.' }) },
    resolve: (_root, { ids }, { orchestrator, principal }) => {
      if (ids.length > MAX_NODE_IDS) throw badInput(`nodes takes at most ${MAX_NODE_IDS} ids`);
      return Promise.all(ids.map(async (id) => typed(await findNode(orchestrator, principal, String(id)))));
    },
  }),
}));
