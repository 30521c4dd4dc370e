export interface TeamSettings {
  /** How deep delegations nest: a run a client started is depth 0, its child 1 … (MAX_DELEGATION_DEPTH). */
  maxDelegationDepth: number;
  /** The longest a delegation may take before the child is cancelled and the call is a tool error (DELEGATION_TIMEOUT_MS). */
  delegationTimeoutMs: number;
}

export const DEFAULT_TEAM_SETTINGS: TeamSettings = { maxDelegationDepth: 3, delegationTimeoutMs: 600_000 };

/** The tool names an agent's team members get (within OpenAI's 64-character function names). */
export const askToolName = (agentId: string) => `ask_${agentId}`;
export const transferToolName = (agentId: string) => `transfer_to_${agentId}`;
export const MAX_TOOL_NAME = 64;
