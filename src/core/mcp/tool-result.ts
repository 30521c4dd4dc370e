import type { CallToolResult } from '@modelcontextprotocol/client';

/** What a tool call gave back, as the API shows it. */
export interface McpToolCallResult {
  content: CallToolResult['content'];
  structuredContent: unknown;
  isError: boolean;
}

/** The result's text blocks joined by newlines: what the API shows as a call's `text`. */
export const textBlocks = (result: Pick<McpToolCallResult, 'content'>): string =>
  (result.content ?? []).flatMap((block) => (block.type === 'text' ? [block.text] : [])).join('\n');

/**
 * The text the model reads of a tool's result: its text blocks, a line naming each image, audio
 * or resource link (the model cannot see bytes), embedded text resources, and the structured
 * content when there is no text. Cut at `maxChars` with a note saying how much was left out.
 */
export function resultText(result: Pick<McpToolCallResult, 'content' | 'structuredContent'>, maxChars: number): string {
  const parts: string[] = [];
  for (const block of result.content ?? []) {
    if (block.type === 'text') parts.push(block.text);
    else if (block.type === 'image' || block.type === 'audio') parts.push(`[${block.type} ${block.mimeType}, ${Math.floor((block.data.length * 3) / 4)} bytes]`);
    else if (block.type === 'resource') parts.push('text' in block.resource && typeof block.resource.text === 'string' ? block.resource.text : `[resource ${block.resource.uri}]`);
    else if (block.type === 'resource_link') parts.push(`[resource ${block.uri}${block.name ? ` (${block.name})` : ''}]`);
  }
  if (parts.length === 0 && result.structuredContent !== undefined && result.structuredContent !== null) parts.push(JSON.stringify(result.structuredContent));
  return truncate(parts.join('\n'), maxChars);
}

export function truncate(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  return `${text.slice(0, maxChars)}\n[truncated by muxgate: showing ${maxChars.toLocaleString('en')} of ${text.length.toLocaleString('en')} characters (MCP_TOOL_RESULT_MAX_CHARS)]`;
}
