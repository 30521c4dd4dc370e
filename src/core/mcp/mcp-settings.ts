export interface McpSettings {
  /** A tool call gives up after this long (MCP_TOOL_TIMEOUT_MS). */
  toolTimeoutMs: number;
  /** Connecting (handshake and first tool list) gives up after this long (MCP_CONNECT_TIMEOUT_MS). */
  connectTimeoutMs: number;
  /** Reconnect backoff doubles from 1 s up to this (MCP_RECONNECT_MAX_MS). */
  reconnectMaxMs: number;
  /** Servers that never announce tool list changes are re-listed this often (MCP_TOOLS_REFRESH_MS). */
  toolsRefreshMs: number;
  /** The model reads at most this much of a tool's result (MCP_TOOL_RESULT_MAX_CHARS). */
  resultMaxChars: number;
  /** No tool result is held beyond this many bytes as it arrives (MCP_TOOL_RESULT_MAX_BYTES). */
  resultMaxBytes: number;
  /** Servers on loopback and private networks may be registered (MCP_ALLOW_PRIVATE_URLS); link-local and metadata never. */
  allowPrivateUrls: boolean;
}

export const DEFAULT_MCP_SETTINGS: McpSettings = {
  toolTimeoutMs: 30_000,
  connectTimeoutMs: 15_000,
  reconnectMaxMs: 60_000,
  toolsRefreshMs: 300_000,
  resultMaxChars: 100_000,
  allowPrivateUrls: false,
  resultMaxBytes: 16 * 1024 * 1024,
};

/** Timeouts in a row after which a server counts as hung: its connection is dropped and remade. */
export const TIMEOUTS_BEFORE_RECONNECT = 3;
