import type * as Sdk from '@modelcontextprotocol/client';

// The MCP SDK loads with the first connection: a gateway with no MCP server never holds it (about 5 MB of heap at start).
let loaded: typeof Sdk | undefined;

export async function loadMcpSdk(): Promise<typeof Sdk> {
  return (loaded ??= await import('@modelcontextprotocol/client'));
}

/** The SDK once a connection loaded it; before that no error can be one of its classes. */
export const loadedMcpSdk = (): typeof Sdk | undefined => loaded;
