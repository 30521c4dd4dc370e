import type { Client, StreamableHTTPClientTransport, Tool as SdkTool } from '@modelcontextprotocol/client';
import type { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import type { AddressPolicy } from './address-policy.js';
import { loadMcpSdk } from './mcp-sdk.js';
import type { McpServerRecord } from './mcp-server.js';
import { pinnedFetch } from './pinned-fetch.js';
import { guardedCommand } from './stdio-guard.js';

export interface McpClientEvents {
  /** The connection ended without close() being called. */
  onClosed(): void;
  /** The server said its tool list changed; `tools` is the new list, or `error` why it could not be read. */
  onToolsChanged(error: Error | null, tools: SdkTool[] | null): void;
  onError(error: Error): void;
  /** What the stdio server wrote to stderr, a line at a time (for the log). */
  onStderr(line: string): void;
}

/** One live MCP session, however it is carried. */
export interface OpenMcpClient {
  client: Client;
  /** Which transport reached the server: stdio, streamable HTTP, or the older HTTP+SSE. */
  transport: 'stdio' | 'streamable-http' | 'sse';
  /** Ends the session: HTTP DELETE of a streamable session; the stdio server's process group. */
  close(): Promise<void>;
}

/**
 * Connects to a registered server with the 2.x client, which probes for the 2026-07-28 stateless
 * protocol (`server/discover`) and falls back to the 2025 `initialize` handshake, so it reaches
 * both generations of servers. A URL that refuses streamable HTTP (4xx) is tried as HTTP+SSE.
 */
export async function openMcpClient(record: McpServerRecord, events: McpClientEvents, options: ConnectOptions, signal: AbortSignal): Promise<OpenMcpClient> {
  if (record.command) return connect(record, events, options, 'stdio', signal);
  try {
    return await connect(record, events, options, 'streamable-http', signal);
  } catch (error) {
    if (signal.aborted || !(error instanceof (await loadMcpSdk()).SdkHttpError) || error.status < 400 || error.status >= 500 || error.status === 401 || error.status === 403) throw error;
    return connect(record, events, options, 'sse', signal);
  }
}

export interface ConnectOptions {
  timeoutMs: number;
  /** Where HTTP servers may be: checked on every address a connection is about to use. */
  addresses: AddressPolicy;
  /**
   * No message (a tool's result) is held beyond this (MCP_TOOL_RESULT_MAX_BYTES). Over HTTP the
   * request is answered with a refusal instead; over stdio the SDK drops the connection (and the
   * server process, which is started again): its read buffer cannot skip one message.
   */
  maxMessageBytes: number;
  /** A message over the limit ended the connection (stdio, or a shared HTTP+SSE stream): its pending calls fail. */
  onOversizedMessage: () => void;
}

/**
 * `signal` ends a connect in progress at once (closing the transport: a stdio server's processes, pending fetches),
 * so a server that hangs in its handshake holds up neither removeMcpServer nor shutdown.
 */
async function connect(record: McpServerRecord, events: McpClientEvents, { timeoutMs, addresses, maxMessageBytes, onOversizedMessage }: ConnectOptions, kind: OpenMcpClient['transport'], signal: AbortSignal): Promise<OpenMcpClient> {
  const { Client, SSEClientTransport, StreamableHTTPClientTransport } = await loadMcpSdk();
  let closing = false;
  const fetch = pinnedFetch(addresses, maxMessageBytes, onOversizedMessage);
  const client = new Client(
    { name: 'muxgate', version: '0.1.0' },
    {
      versionNegotiation: { mode: 'auto' },
      listChanged: { tools: { onChanged: (error, tools) => !closing && events.onToolsChanged(error, tools) } },
    },
  );
  client.onerror = (error) => {
    if (/ReadBuffer exceeded maximum size/.test(error.message)) onOversizedMessage();
    if (!closing) events.onError(error);
  };
  client.onclose = () => !closing && events.onClosed();
  const headers = record.headers;
  let stdio: StdioClientTransport | undefined;
  let http: StreamableHTTPClientTransport | undefined;
  let transport;
  if (kind === 'stdio') {
    const { StdioClientTransport } = await import('@modelcontextprotocol/client/stdio');
    stdio = new StdioClientTransport({ ...guardedCommand(record.command!, record.args), env: record.env, stderr: 'pipe', maxBufferSize: maxMessageBytes });
    forwardLines(stdio.stderr, events.onStderr);
    transport = stdio;
  } else if (kind === 'streamable-http') {
    transport = http = new StreamableHTTPClientTransport(new URL(record.url!), { requestInit: { headers }, fetch });
  } else {
    transport = new SSEClientTransport(new URL(record.url!), {
      requestInit: { headers },
      fetch,
      eventSourceInit: { fetch: (url, init) => fetch(url, { ...init, headers: { ...(init?.headers as Record<string, string>), ...headers } }) },
    });
  }
  const teardown = async () => {
    closing = true;
    killGuard(stdio?.pid);
    await client.close().catch(() => undefined);
    // Before the handshake the transport is not yet the client's: close it too (the SDK disposes a probe sibling then).
    await transport.close().catch(() => undefined);
  };
  const connecting = client.connect(transport, { timeout: timeoutMs, signal });
  try {
    await untilAborted(connecting, signal);
  } catch (error) {
    await teardown();
    // A handshake that still completes after the abort must not leave a session (or process) behind.
    if (signal.aborted) connecting.then(teardown, () => undefined);
    throw error;
  }
  return {
    client,
    transport: kind,
    async close() {
      closing = true;
      // A session left open holds the server's memory until it times out; say goodbye.
      if (http?.sessionId) await http.terminateSession().catch(() => undefined);
      // The SDK waits 2 s for a stdio server to leave on EOF; the guard ends its group at once.
      killGuard(stdio?.pid);
      await client.close().catch(() => undefined);
    },
  };
}

function killGuard(pid: number | null | undefined): void {
  if (!pid) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // already gone
  }
}

/** `promise`, or a rejection as soon as `signal` aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function forwardLines(stream: NodeJS.ReadableStream | import('node:stream').Stream | null, onLine: (line: string) => void) {
  if (!stream || !('on' in stream)) return;
  let pending = '';
  stream.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) onLine(line.slice(0, 2_000));
  });
}
