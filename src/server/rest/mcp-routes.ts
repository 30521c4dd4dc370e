import type { FastifyInstance } from 'fastify';
import { connectionOf, principalOf } from './caller.js';
import { withRestNames } from './refusals.js';
import { JSON_TYPE, type RestOptions } from './options.js';
import { errorResponses, executeToolBody, jsonResponse, noContent, ref, registerMcpServerBody, serverIdParams, serverList, toolList, toolParams } from './schemas.js';
import { mcpServerJson, mcpToolJson, mcpToolResultJson } from './wire.js';

interface RegisterBody {
  server_id: string;
  url?: string | null;
  headers?: Record<string, string> | null;
  command?: string | null;
  args?: string[] | null;
  env?: Record<string, string> | null;
}

/** MCP servers and their tools: orchestrator.mcp, as the registerMcpServer, mcpServers, mcpTools and executeMcpTool fields. */
export async function mcpRoutes(app: FastifyInstance, { orchestrator }: RestOptions) {
  const { mcp } = orchestrator;

  app.get('/mcp/servers', {
    schema: {
      tags: ['mcp'],
      operationId: 'listMcpServers',
      summary: 'Registered MCP servers',
      description: 'Admins: every server. Users: the servers their agents use.',
      response: { 200: jsonResponse(serverList, 'The servers'), ...errorResponses() },
    },
    handler: async (request, reply) => {
      const servers = await mcp.list(principalOf(request));
      return reply.type(JSON_TYPE).send({ servers: servers.map(mcpServerJson) });
    },
  });

  app.post('/mcp/servers', {
    schema: {
      tags: ['mcp'],
      operationId: 'registerMcpServer',
      summary: 'Register an MCP server (admin)',
      description: 'Either url (streamable HTTP, or HTTP+SSE) or command (stdio). Stored and reconnected at every start; answers once the first connection attempt has ended (CONNECTED or FAILED).',
      body: registerMcpServerBody,
      response: { 201: jsonResponse(ref('McpServer'), 'The server registered'), ...errorResponses(413) },
    },
    handler: async (request, reply) => {
      const body = request.body as RegisterBody;
      const registering = mcp.register(principalOf(request), {
        id: body.server_id,
        url: body.url,
        command: body.command,
        args: body.args,
        headers: body.headers,
        env: body.env,
      });
      const server = await withRestNames(registering, { id: 'server_id' });
      return reply.status(201).type(JSON_TYPE).send(mcpServerJson(server));
    },
  });

  app.get('/mcp/servers/:server_id', {
    schema: {
      tags: ['mcp'],
      operationId: 'getMcpServer',
      summary: 'One MCP server',
      params: serverIdParams,
      response: { 200: jsonResponse(ref('McpServer'), 'The server'), ...errorResponses(404) },
    },
    handler: async (request, reply) => {
      const { server_id: id } = request.params as { server_id: string };
      return reply.type(JSON_TYPE).send(mcpServerJson(await mcp.get(principalOf(request), id)));
    },
  });

  app.delete('/mcp/servers/:server_id', {
    schema: {
      tags: ['mcp'],
      operationId: 'removeMcpServer',
      summary: 'Remove an MCP server (admin)',
      description: 'Closes its session (a stdio server’s processes end) and takes its tools from agents.',
      params: serverIdParams,
      response: { 204: noContent('Removed'), ...errorResponses(404) },
    },
    handler: async (request, reply) => {
      const { server_id: id } = request.params as { server_id: string };
      await mcp.remove(principalOf(request), id);
      return reply.status(204).send();
    },
  });

  app.get('/mcp/servers/:server_id/tools', {
    schema: {
      tags: ['mcp'],
      operationId: 'listMcpTools',
      summary: 'A server’s tools',
      params: serverIdParams,
      response: { 200: jsonResponse(toolList, 'The tools, with their input schemas'), ...errorResponses(404) },
    },
    handler: async (request, reply) => {
      const { server_id: id } = request.params as { server_id: string };
      const tools = await mcp.tools(principalOf(request), id);
      return reply.type(JSON_TYPE).send({ tools: tools.map(mcpToolJson) });
    },
  });

  app.post('/mcp/servers/:server_id/tools/:tool_name/execute', {
    schema: {
      tags: ['mcp'],
      operationId: 'executeMcpTool',
      summary: 'Run a tool',
      description:
        'Admins: any tool. Users: tools of servers an agent visible to them uses. `parameters` are checked against the tool’s input schema first (BAD_USER_INPUT naming the fields). ' +
        'A tool that fails or does not answer within MCP_TOOL_TIMEOUT_MS is a result with `is_error: true`; a server that is down is UPSTREAM_UNAVAILABLE. A caller that goes away cancels the call.',
      params: toolParams,
      body: executeToolBody,
      response: { 200: jsonResponse(ref('McpToolResult'), 'What the tool gave back'), ...errorResponses(404, 413, 502) },
    },
    handler: async (request, reply) => {
      const { server_id: serverId, tool_name: toolName } = request.params as { server_id: string; tool_name: string };
      const { parameters } = request.body as { parameters?: Record<string, unknown> };
      const connection = connectionOf(request, reply);
      const result = await mcp.execute(principalOf(request), serverId, toolName, parameters ?? {}, connection.closed);
      return reply.type(JSON_TYPE).send(mcpToolResultJson(result));
    },
  });
}
