import type { McpServerView, McpTool as McpToolModel } from '../core/mcp/mcp-server.js';
import { type McpToolCallResult, textBlocks } from '../core/mcp/tool-result.js';
import { builder } from './builder.js';
import { Node } from './node.js';

export const McpServerStatus = builder.enumType('McpServerStatus', {
  values: {
    CONNECTING: { description: 'Connecting for the first time, or again after the connection dropped.' },
    CONNECTED: { description: 'Connected: its tools are offered to the agents that list it.' },
    FAILED: { description: 'Down, with `error`; calls fail at once while it is retried with backoff.' },
  } as const,
});

export const McpTransport = builder.enumType('McpTransport', { values: ['STDIO', 'HTTP'] as const });

export const McpTool = builder.objectRef<McpToolModel>('McpTool').implement({
  description: 'A tool an MCP server offers.',
  fields: (t) => ({
    serverId: t.exposeID('serverId'),
    name: t.exposeString('name'),
    description: t.exposeString('description', { nullable: true }),
    inputSchema: t.expose('inputSchema', { type: 'JSON', description: 'JSON Schema of its arguments.' }),
    functionName: t.exposeString('functionName', { description: 'The function name models call it by: `<server>__<tool>`, at most 64 characters.' }),
  }),
});

export const McpServer = builder.objectRef<McpServerView>('McpServer').implement({
  interfaces: [Node],
  description: 'A registered MCP server. Header and environment values are secrets: only their names are shown.',
  fields: (t) => ({
    transport: t.expose('transport', { type: McpTransport }),
    url: t.exposeString('url', { nullable: true }),
    command: t.exposeString('command', { nullable: true }),
    args: t.exposeStringList('args'),
    headerNames: t.exposeStringList('headerNames'),
    envNames: t.exposeStringList('envNames'),
    status: t.expose('status', { type: McpServerStatus }),
    error: t.exposeString('error', { nullable: true, description: 'Why it is down (FAILED), or why it last went down (CONNECTING again).' }),
    connectedAt: t.expose('connectedAt', { type: 'DateTime', nullable: true }),
    tools: t.expose('tools', { type: [McpTool] }),
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
    structuredContent: t.expose('structuredContent', { type: 'JSON', nullable: true }),
    isError: t.exposeBoolean('isError', { description: 'The tool failed (or did not answer in time); `content` says why.' }),
  }),
});

export const KeyValueInput = builder.inputType('KeyValueInput', {
  fields: (t) => ({ name: t.string({ required: true }), value: t.string({ required: true }) }),
});

export const RegisterMcpServerInput = builder.inputType('RegisterMcpServerInput', {
  description: 'Either `url` (streamable HTTP, or HTTP+SSE for servers that only speak it) or `command` (stdio).',
  fields: (t) => ({
    id: t.id({ required: true, description: 'Lower-case letters, digits, "_" and "-", at most 64 characters.' }),
    url: t.string(),
    headers: t.field({ type: [KeyValueInput], description: 'Sent with every HTTP request (e.g. Authorization). Stored; never shown again.' }),
    command: t.string(),
    args: t.stringList(),
    env: t.field({ type: [KeyValueInput], description: 'Environment of the stdio process. Stored; never shown again.' }),
  }),
});
