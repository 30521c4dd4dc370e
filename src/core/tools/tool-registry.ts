import type { ToolDefinition } from '../models/chat-model.js';

/** What an embedding application registers: an in-process tool needs no server id. */
export interface ToolRegistration extends ToolDefinition {
  /** Which MCP server provides it; null (the default) for tools registered in-process. */
  serverId?: string | null;
  /** Another name agents may list it by: `server/tool` for an MCP server's tool. */
  reference?: string | undefined;
  /** A `transfer_to_` tool (core/teams): it runs nothing but passes the conversation on, so no approval applies. */
  handoff?: boolean | undefined;
  execute(args: unknown, options: { signal: AbortSignal }): Promise<unknown>;
}

export interface Tool extends ToolRegistration {
  serverId: string | null;
}

export interface ToolResult {
  result: unknown;
  isError: boolean;
}

/** Tools agents may call, by name. In-process tools now; MCP servers register theirs here too. */
export class ToolRegistry {
  private readonly tools = new Map<string, Tool>();

  /** Adds (or replaces) a tool by name; the returned function removes it. */
  register(registration: ToolRegistration): () => void {
    const tool: Tool = { ...registration, serverId: registration.serverId ?? null };
    this.tools.set(tool.name, tool);
    return () => {
      if (this.tools.get(tool.name) === tool) this.tools.delete(tool.name);
    };
  }

  /** The tools an agent lists (by tool name, `server/tool`, or a server id for all its tools) that exist now. */
  forAgent(names: string[]): Tool[] {
    if (names.length === 0) return [];
    const wanted = new Set(names);
    return [...this.tools.values()].filter(
      (tool) => wanted.has(tool.name) || (tool.serverId !== null && wanted.has(tool.serverId)) || (tool.reference !== undefined && wanted.has(tool.reference)),
    );
  }

  /**
   * Resolves a call the model asked for against the agent's tools, so the run can announce it
   * (server, parsed arguments) before it runs. Running it never throws but for an abort: bad
   * arguments, an unknown tool and a failing tool become an error result the model can read.
   */
  prepare(tools: Tool[], name: string, rawArguments: string): PreparedToolCall {
    const tool = tools.find((candidate) => candidate.name === name);
    let args: unknown;
    try {
      args = rawArguments.trim() ? JSON.parse(rawArguments) : {};
    } catch {
      const invalid = { result: `Invalid JSON arguments for tool "${name}"`, isError: true };
      return { serverId: tool?.serverId ?? null, arguments: rawArguments, run: async () => invalid };
    }
    if (!tool) return { serverId: null, arguments: args, run: async () => ({ result: `Unknown tool "${name}"`, isError: true }) };
    return {
      serverId: tool.serverId,
      arguments: args,
      async run(signal) {
        try {
          return { result: await tool.execute(args, { signal }), isError: false };
        } catch (error) {
          if (signal.aborted) throw error;
          return { result: error instanceof Error ? error.message : String(error), isError: true };
        }
      },
    };
  }
}

export interface PreparedToolCall {
  serverId: string | null;
  /** The parsed arguments, or the raw text when it was not valid JSON. */
  arguments: unknown;
  run(signal: AbortSignal): Promise<ToolResult>;
}
