import { connectionFailure } from '../mcp/connection-failure.js';

/** A failure told in muxgate's own words (no remote text, addresses or ports in it): shown as it is. */
export class RemoteAgentProblem extends Error {}

/** Said at once when the remote agent is down (its card could not be fetched): the caller never waits for it. */
export class RemoteAgentUnavailableError extends Error {}

/** A category for what went wrong reaching the agent: the raw error would say what listens where (as for MCP servers). */
export function remoteFailure(error: unknown): string {
  if (error instanceof RemoteAgentProblem || error instanceof RemoteAgentUnavailableError) return error.message;
  return connectionFailure(error);
}
