import { Agent, AgentChange, CreateAgentInput, UpdateAgentInput } from '../schema/agent.js';
import { builder } from '../schema/builder.js';

builder.queryFields((t) => ({
  agents: t.field({
    type: [Agent],
    description: 'Agents the caller may use: global agents and the acting user’s own. Admins see all unless they name a user.',
    args: { userId: t.arg.id({ description: 'Act for this user (admins and unbound user keys).' }) },
    resolve: (_root, args, { orchestrator, principal }) => orchestrator.agents.list(principal, { userId: args.userId }),
  }),
  agent: t.field({
    description: 'One agent the caller may use; another user’s is NOT_FOUND.',
    type: Agent,
    args: { id: t.arg.id({ description: 'The agent’s id.', required: true }), userId: t.arg.id({ description: 'Act for this user (admins and unbound user keys); a JWT acts for its own user.' }) },
    resolve: (_root, args, { orchestrator, principal }) => orchestrator.agents.get(principal, args.id, { userId: args.userId }),
  }),
  defaultAgent: t.field({
    type: Agent,
    nullable: true,
    description: 'The agent that answers chats naming no agent; null until an agent exists.',
    resolve: (_root, _args, { orchestrator, principal }) => orchestrator.agents.getDefault(principal),
  }),
}));

builder.mutationFields((t) => ({
  createAgent: t.field({
    type: Agent,
    description: 'Admin only. The first global agent becomes the default.',
    args: { input: t.arg({ description: 'The agent.', type: CreateAgentInput, required: true }) },
    resolve: (_root, { input }, { orchestrator, principal }) => orchestrator.agents.create(principal, input),
  }),
  updateAgent: t.field({
    type: Agent,
    description: 'Admin only.',
    args: { id: t.arg.id({ description: 'The agent.', required: true }), input: t.arg({ description: 'The changes.', type: UpdateAgentInput, required: true }) },
    resolve: (_root, { id, input }, { orchestrator, principal }) => orchestrator.agents.update(principal, id, input),
  }),
  removeAgent: t.boolean({
    description: 'Admin only. Removing the default agent passes the default to the oldest global agent.',
    args: { id: t.arg.id({ description: 'The agent.', required: true }) },
    resolve: async (_root, { id }, { orchestrator, principal }) => {
      await orchestrator.agents.remove(principal, id);
      return true;
    },
  }),
  setDefaultAgent: t.field({
    type: Agent,
    description: 'Admin only. Per-user agents cannot be the default.',
    args: { id: t.arg.id({ description: 'The agent.', required: true }) },
    resolve: (_root, { id }, { orchestrator, principal }) => orchestrator.agents.setDefault(principal, id),
  }),
}));

builder.subscriptionField('agentChanged', (t) =>
  t.field({
    type: AgentChange,
    description: 'Every change to the agents the caller may see, as it happens.',
    args: { userId: t.arg.id({ description: 'Act for this user (admins and unbound user keys); a JWT acts for its own user.' }) },
    subscribe: (_root, args, { orchestrator, principal }) =>
      orchestrator.agents.changes(principal, { userId: args.userId }),
    resolve: (change) => change,
  }),
);
