import type { McpServerView, McpTool as McpToolModel } from '../core/mcp/mcp-server.js';
import { type McpToolCallResult, textBlocks } from '../core/mcp/tool-result.js';
import { builder } from './builder.js';
import { Node } from './node.js';

export const McpServerStatus = builder.enumType('McpServerStatus', {
  description: 'The connection state of an MCP server.',
  values: {
    CONNECTING: { description: 'Connecting for the first time, or again after the connection dropped.' },
    CONNECTED: { description: 'Connected: its tools are offered to the agents that list it.' },
    FAILED: { description: 'Down, with `error`; calls fail at once while it is retried with backoff.' },
  } as const,
});

export const McpTransport = builder.enumType('McpTransport', {
  description: 'How the gateway talks to an MCP server.',
  values: {
    STDIO: { description: 'A local process, over its standard input and output.' },
    HTTP: { description: 'Streamable HTTP, or HTTP+SSE for servers that only speak it.' },
  } as const,
});

export const McpTool = builder.objectRef<McpToolModel>('McpTool').implement({
  description: 'A tool an MCP server offers.',
  fields: (t) => ({
    serverId: t.exposeID('serverId', { description: 'The MCP server that offers it.' }),
    name: t.exposeString('name', { description: 'The tool’s name on its server.' }),
    description: t.exposeString('description', { description: 'What the tool does, as the server says.', nullable: true }),
    inputSchema: t.expose('inputSchema', { type: 'JSON', description: 'JSON Schema of its arguments.' }),
    functionName: t.exposeString('functionName', { description: 'The function name models call it by: `<server>__<tool>`, at most 64 characters.' }),
  }),
});

export const McpServer = builder.objectRef<McpServerView>('McpServer').implement({
  interfaces: [Node],
  description: 'A registered MCP server. Header and environment values are secrets: only their names are shown.',
  fields: (t) => ({
    transport: t.expose('transport', { description: 'STDIO or HTTP.', type: McpTransport }),
    url: t.exposeString('url', { description: 'An HTTP server’s endpoint; null for stdio.', nullable: true }),
    command: t.exposeString('command', { description: 'A stdio server’s executable; null for HTTP.', nullable: true }),
    args: t.exposeStringList('args', { description: 'Arguments of a stdio server’s command.' }),
    headerNames: t.exposeStringList('headerNames', { description: 'Names of the headers sent to an HTTP server.' }),
    envNames: t.exposeStringList('envNames', { description: 'Names of the environment variables given to a stdio server.' }),
    status: t.expose('status', { description: 'Its connection state.', type: McpServerStatus }),
    error: t.exposeString('error', { nullable: true, description: 'Why it is down (FAILED), or why it last went down (CONNECTING again).' }),
    connectedAt: t.expose('connectedAt', { description: 'When the current session began; null while not connected.', type: 'DateTime', nullable: true }),
    tools: t.expose('tools', { description: 'The tools it offers (as of the last list it sent).', type: [McpTool] }),
  }),
});

export const McpToolResult = builder.objectRef<McpToolCallResult>('McpToolResult').implement({
  description: 'What a tool call gave back.',
  fields: (t) => ({
    content: t.expose('content', { type: 'JSON', description: 'The MCP content blocks: text, image, audio, resource, resource_link.' }),
    text: t.string({
      description: 'The text blocks joined by newlines (images and resources named, not included).',
      resolve: (result) => textBlocks(result),
    }),
    structuredContent: t.expose('structuredContent', { description: 'The tool’s structured result, when it gave one.', type: 'JSON', nullable: true }),
    isError: t.exposeBoolean('isError', { description: 'The tool failed (or did not answer in time); `content` says why.' }),
  }),
});

export const KeyValueInput = builder.inputType('KeyValueInput', {
  description: 'A name and its value (a header or an environment variable).',
  fields: (t) => ({ name: t.string({ description: 'The name.', required: true }), value: t.string({ description: 'The value.', required: true }) }),
});

export const RegisterMcpServerInput = builder.inputType('RegisterMcpServerInput', {
  description: 'Either `url` (streamable HTTP, or HTTP+SSE for servers that only speak it) or `command` (stdio).',
  fields: (t) => ({
    id: t.id({ required: true, description: 'Lower-case letters, digits, "_" and "-", at most 64 characters.' }),
    url: t.string({ description: 'The endpoint of an HTTP server (http:// or https://).' }),
    headers: t.field({ type: [KeyValueInput], description: 'Sent with every HTTP request (e.g. Authorization). Stored; never shown again.' }),
    command: t.string({ description: 'The executable of a stdio server.' }),
    args: t.stringList({ description: 'Arguments of `command`.' }),
    env: t.field({ type: [KeyValueInput], description: 'Environment of the stdio process. Stored; never shown again.' }),
  }),
});
