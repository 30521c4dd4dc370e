export interface RemoteAgentSettings {
  /** One question to a remote agent (its whole streamed answer) gives up after this long (A2A_TIMEOUT_MS). */
  timeoutMs: number;
  /** Fetching and checking the agent card gives up after this long (MCP_CONNECT_TIMEOUT_MS, shared with MCP). */
  connectTimeoutMs: number;
  /** Reconnect backoff doubles from 1 s up to this (MCP_RECONNECT_MAX_MS, shared with MCP). */
  reconnectMaxMs: number;
  /** The card is fetched again this often, so a changed description or skill list reaches routing (MCP_TOOLS_REFRESH_MS). */
  cardRefreshMs: number;
  /** No answer (a JSON body, one SSE event) is held beyond this many bytes (MCP_TOOL_RESULT_MAX_BYTES). */
  maxResponseBytes: number;
  /** Agents on loopback and private networks may be registered (MCP_ALLOW_PRIVATE_URLS): the MCP address policy. */
  allowPrivateUrls: boolean;
}

export const DEFAULT_REMOTE_AGENT_SETTINGS: RemoteAgentSettings = {
  timeoutMs: 120_000,
  connectTimeoutMs: 15_000,
  reconnectMaxMs: 60_000,
  cardRefreshMs: 300_000,
  maxResponseBytes: 16 * 1024 * 1024,
  allowPrivateUrls: false,
};

/** An agent card is a small JSON document: a larger one is refused rather than read. */
export const MAX_CARD_BYTES = 1024 * 1024;
