import type { ToolDefinition } from '../models/chat-model.js';

export interface Tool extends ToolDefinition {
  /** Which MCP server provides it; null for tools registered in-process. */
  serverId: string | null;
  execute(args: unknown, options: { signal: AbortSignal }): Promise<unknown>;
}

export interface ToolResult {
  result: unknown;
  isError: boolean;
}

/** Tools agents may call, by name. In-process tools now; MCP servers register theirs here too. */
export class ToolRegistry {
  private readonly tools = new Map<string, Tool>();

  /** Adds (or replaces) a tool by name; the returned function removes it. */
  register(tool: Tool): () => void {
    this.tools.set(tool.name, tool);
    return () => {
      if (this.tools.get(tool.name) === tool) this.tools.delete(tool.name);
    };
  }

  /** The tools an agent lists (by tool name or server id) that exist. */
  forAgent(names: string[]): Tool[] {
    const wanted = new Set(names);
    return [...this.tools.values()].filter((tool) => wanted.has(tool.name) || (tool.serverId !== null && wanted.has(tool.serverId)));
  }

  /** Runs a call; failures become an error result the model can read, never an exception. */
  async execute(tools: Tool[], name: string, rawArguments: string, signal: AbortSignal): Promise<ToolResult & { serverId: string | null; arguments: unknown }> {
    const tool = tools.find((candidate) => candidate.name === name);
    let args: unknown;
    try {
      args = rawArguments.trim() ? JSON.parse(rawArguments) : {};
    } catch {
      return { serverId: tool?.serverId ?? null, arguments: rawArguments, result: `Invalid JSON arguments for tool "${name}"`, isError: true };
    }
    if (!tool) return { serverId: null, arguments: args, result: `Unknown tool "${name}"`, isError: true };
    try {
      return { serverId: tool.serverId, arguments: args, result: await tool.execute(args, { signal }), isError: false };
    } catch (error) {
      if (signal.aborted) throw error;
      return { serverId: tool.serverId, arguments: args, result: error instanceof Error ? error.message : String(error), isError: true };
    }
  }
}
