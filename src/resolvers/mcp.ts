import { badInput } from '../core/errors.js';
import { builder } from '../schema/builder.js';
import { McpServer, McpTool, McpToolResult, RegisterMcpServerInput } from '../schema/mcp.js';

/** GraphQL takes name/value lists; the core, maps (a repeated name is bad input, not a silent overwrite). */
export function toMap(pairs: ReadonlyArray<{ name: string; value: string }> | null | undefined, field: string): Record<string, string> | undefined {
  if (!pairs) return undefined;
  const map: Record<string, string> = {};
  for (const { name, value } of pairs) {
    if (Object.hasOwn(map, name)) throw badInput(`Invalid input: input.${field} names "${name}" twice`, { problems: [`input.${field} ${name} is repeated`] });
    map[name] = value;
  }
  return map;
}

builder.queryFields((t) => ({
  mcpServers: t.field({
    type: [McpServer],
    description: 'Admins: every registered server. Users: the servers their agents use.',
    resolve: (_root, _args, { orchestrator, principal }) => orchestrator.mcp.list(principal),
  }),
  mcpServer: t.field({
    description: 'One MCP server the caller may see.',
    type: McpServer,
    args: { id: t.arg.id({ description: 'The server’s id.', required: true }) },
    resolve: (_root, { id }, { orchestrator, principal }) => orchestrator.mcp.get(principal, id),
  }),
  mcpTools: t.field({
    description: 'The tools of an MCP server the caller may see.',
    type: [McpTool],
    args: { serverId: t.arg.id({ description: 'The server’s id.', required: true }) },
    resolve: (_root, { serverId }, { orchestrator, principal }) => orchestrator.mcp.tools(principal, serverId),
  }),
}));

builder.mutationFields((t) => ({
  registerMcpServer: t.field({
    type: McpServer,
    description: 'Admin only. Stored and reconnected at every start; answers once the first connection attempt has ended (CONNECTED or FAILED).',
    args: { input: t.arg({ description: 'The server and how to reach it.', type: RegisterMcpServerInput, required: true }) },
    resolve: (_root, { input }, { orchestrator, principal }) =>
      orchestrator.mcp.register(principal, {
        id: input.id,
        url: input.url,
        command: input.command,
        args: input.args,
        headers: toMap(input.headers, 'headers'),
        env: toMap(input.env, 'env'),
      }),
  }),
  removeMcpServer: t.boolean({
    description: 'Admin only. Closes its session (a stdio server’s processes end) and takes its tools from agents.',
    args: { id: t.arg.id({ description: 'The MCP server.', required: true }) },
    resolve: (_root, { id }, { orchestrator, principal }) => orchestrator.mcp.remove(principal, id),
  }),
  reconnectMcpServer: t.field({
    type: McpServer,
    description: 'Admin only. Drops the connection and connects again now.',
    args: { id: t.arg.id({ description: 'The MCP server.', required: true }) },
    resolve: (_root, { id }, { orchestrator, principal }) => orchestrator.mcp.reconnect(principal, id),
  }),
  executeMcpTool: t.field({
    type: McpToolResult,
    description: 'Admins: any tool. Users: tools of servers an agent visible to them uses. Arguments are checked against the tool’s input schema first.',
    args: { serverId: t.arg.id({ description: 'The MCP server.', required: true }), toolName: t.arg.string({ description: 'The tool’s name on that server.', required: true }), arguments: t.arg({ description: 'The tool’s arguments, checked against its input schema.', type: 'JSON' }) },
    resolve: (_root, args, { orchestrator, principal, connection }) =>
      orchestrator.mcp.execute(principal, args.serverId, args.toolName, args.arguments ?? {}, connection.closed),
  }),
}));

builder.subscriptionField('mcpServerChanged', (t) =>
  t.field({
    type: McpServer,
    description: 'Admin only. A server’s status or tools changed: going down, reconnecting, back up.',
    subscribe: (_root, _args, { orchestrator, principal }) => orchestrator.mcp.changes(principal),
    resolve: (server) => server,
  }),
);
