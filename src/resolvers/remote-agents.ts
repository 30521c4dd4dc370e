import { builder } from '../schema/builder.js';
import { RegisterRemoteAgentInput, RemoteAgent } from '../schema/remote-agent.js';
import { toMap } from './mcp.js';

builder.queryFields((t) => ({
  remoteAgents: t.field({
    type: [RemoteAgent],
    description: 'Every registered remote agent (A2A). Remote agents are global: every authenticated caller sees them.',
    resolve: (_root, _args, { orchestrator, principal }) => orchestrator.remoteAgents.list(principal),
  }),
  remoteAgent: t.field({
    type: RemoteAgent,
    description: 'One remote agent.',
    args: { id: t.arg.id({ description: 'The remote agent’s id.', required: true }) },
    resolve: (_root, { id }, { orchestrator, principal }) => orchestrator.remoteAgents.get(principal, id),
  }),
}));

builder.mutationFields((t) => ({
  registerRemoteAgent: t.field({
    type: RemoteAgent,
    description:
      'Admin only. Its card is fetched and checked, then stored (fetched again at every start, reconnected with backoff when it goes down). An invalid card or a URL whose address is not allowed (MCP_ALLOW_PRIVATE_URLS) is BAD_USER_INPUT; a card that cannot be fetched now is UPSTREAM_UNAVAILABLE (retryable); either way nothing is stored.',
    args: { input: t.arg({ description: 'The agent and how to reach it.', type: RegisterRemoteAgentInput, required: true }) },
    resolve: (_root, { input }, { orchestrator, principal }) =>
      orchestrator.remoteAgents.register(principal, { id: input.id, url: input.url, headers: toMap(input.headers, 'headers') }),
  }),
  removeRemoteAgent: t.boolean({
    description: 'Admin only. It is no longer asked, routed to or delegated to.',
    args: { id: t.arg.id({ description: 'The remote agent.', required: true }) },
    resolve: (_root, { id }, { orchestrator, principal }) => orchestrator.remoteAgents.remove(principal, id),
  }),
  reconnectRemoteAgent: t.field({
    type: RemoteAgent,
    description: 'Admin only. Fetches its card again now.',
    args: { id: t.arg.id({ description: 'The remote agent.', required: true }) },
    resolve: (_root, { id }, { orchestrator, principal }) => orchestrator.remoteAgents.reconnect(principal, id),
  }),
}));

builder.subscriptionField('remoteAgentChanged', (t) =>
  t.field({
    type: RemoteAgent,
    description: 'Admin only. A remote agent’s status or card changed: going down, reconnecting, back up.',
    subscribe: (_root, _args, { orchestrator, principal }) => orchestrator.remoteAgents.changes(principal),
    resolve: (agent) => agent,
  }),
);
