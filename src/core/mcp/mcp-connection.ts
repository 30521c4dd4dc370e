import type { Tool as SdkTool } from '@modelcontextprotocol/client';
import type { ReportError } from '../errors.js';
import type { AddressPolicy } from './address-policy.js';
import { tooLargeText } from './bounded-response.js';
import { connectionFailure, McpConnectionProblem } from './connection-failure.js';
import { openMcpClient, type OpenMcpClient } from './mcp-client.js';
import { loadedMcpSdk } from './mcp-sdk.js';
import { type McpServerRecord, type McpServerStatus, type McpTool, redactSecrets } from './mcp-server.js';
import { type McpSettings, TIMEOUTS_BEFORE_RECONNECT } from './mcp-settings.js';
import type { McpToolCallResult } from './tool-result.js';
import { functionNamesFor } from './tool-names.js';

/** Said instead of waiting when the server is down (the circuit is open): the caller learns at once. */
export class McpUnavailableError extends Error {}
/** The tool's result was larger than MCP_TOOL_RESULT_MAX_BYTES: none of it was kept. */
export class McpResultTooLargeError extends Error {}
/** The tool did not answer within MCP_TOOL_TIMEOUT_MS. */
export class McpTimeoutError extends Error {}

/**
 * One server's connection: connects in the background, lists and caches its tools, reconnects with
 * backoff when the connection drops, and while down answers calls at once with an error (never a
 * hang). Nothing here waits on another server.
 */
export class McpConnection {
  status: McpServerStatus = 'CONNECTING';
  error: string | null = null;
  connectedAt: Date | null = null;
  tools: McpTool[] = [];
  /** The first connection attempt, settled either way (registration waits on it). */
  readonly firstAttempt: Promise<void>;
  private session: OpenMcpClient | undefined;
  private readonly sdkTools = new Map<string, SdkTool>();
  private attempts = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  private connecting: Promise<void> | undefined;
  /** Aborts the attempt in progress: close() does not wait for a server that hangs in its handshake. */
  private attemptController: AbortController | undefined;
  private timeoutsInARow = 0;
  private checking: Promise<void> | undefined;
  private closed = false;
  private lastStderr = '';
  private markFirstAttempt!: () => void;
  /** Messages over MCP_TOOL_RESULT_MAX_BYTES seen on stdio (the SDK then drops the connection, failing the call). */
  private oversizedMessages = 0;

  constructor(
    readonly record: McpServerRecord,
    private readonly deps: { settings: McpSettings; addresses: AddressPolicy; onChange: (connection: McpConnection) => void; reportError: ReportError },
  ) {
    this.firstAttempt = new Promise((resolve) => (this.markFirstAttempt = resolve));
  }

  get id() {
    return this.record.id;
  }

  /** Starts connecting without waiting for it. */
  start(): void {
    void this.connect();
  }

  /** Drops the connection (if any) and connects again now, forgetting the backoff. */
  async reconnect(): Promise<void> {
    this.attempts = 0;
    const old = this.session;
    this.session = undefined;
    await old?.close();
    await this.connect();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.attemptController?.abort(new Error(`The MCP server "${this.id}" was closed while connecting`));
    clearTimeout(this.retryTimer);
    clearTimeout(this.refreshTimer);
    await this.connecting?.catch(() => undefined);
    const session = this.session;
    this.session = undefined;
    await session?.close();
  }

  /** Calls a tool; fails at once when the server is down, after MCP_TOOL_TIMEOUT_MS when it does not answer. */
  async call(name: string, args: Record<string, unknown>, signal: AbortSignal, retried = false): Promise<McpToolCallResult> {
    const session = this.session;
    if (!session || this.status !== 'CONNECTED') {
      throw new McpUnavailableError(`The MCP server "${this.id}" is not connected (${this.status}${this.error ? `: ${this.error}` : ''})`);
    }
    const { toolTimeoutMs } = this.deps.settings;
    const oversizedBefore = this.oversizedMessages;
    try {
      const result = await session.client.callTool(
        { name, arguments: args },
        { signal, timeout: toolTimeoutMs, maxTotalTimeout: toolTimeoutMs, toolDefinition: this.sdkTools.get(name) },
      );
      this.timeoutsInARow = 0;
      return { content: result.content ?? [], structuredContent: result.structuredContent ?? null, isError: result.isError === true };
    } catch (error) {
      if (signal.aborted) throw error;
      if (this.oversizedMessages !== oversizedBefore) throw new McpResultTooLargeError(tooLargeText(this.deps.settings.resultMaxBytes));
      const sdk = loadedMcpSdk();
      if (sdk && error instanceof sdk.SdkError && error.code === sdk.SdkErrorCode.RequestTimeout) {
        if (++this.timeoutsInARow >= TIMEOUTS_BEFORE_RECONNECT && this.session === session) {
          this.fail(new McpConnectionProblem(`${TIMEOUTS_BEFORE_RECONNECT} tool calls in a row got no answer within ${toolTimeoutMs} ms`));
        }
        throw new McpTimeoutError(`The tool "${name}" of MCP server "${this.id}" did not answer within ${toolTimeoutMs} ms (MCP_TOOL_TIMEOUT_MS)`);
      }
      // An idle session the server forgot (404) or a dropped socket: the call never ran, so connect again and retry once.
      if (!retried && isStaleSession(error) && this.session === session) {
        await this.reconnect();
        return this.call(name, args, signal, true);
      }
      // HTTP servers that go away fail the call (fetch failed) without closing the client: mark it down here.
      if (isConnectionLost(error) && this.session === session) this.fail(error);
      throw error;
    }
  }

  private connect(): Promise<void> {
    this.connecting ??= this.attempt().finally(() => {
      this.connecting = undefined;
      this.markFirstAttempt();
    });
    return this.connecting;
  }

  private async attempt(): Promise<void> {
    if (this.closed) return;
    clearTimeout(this.retryTimer);
    clearTimeout(this.refreshTimer);
    this.setStatus('CONNECTING', this.error);
    let session: OpenMcpClient | undefined;
    const controller = new AbortController();
    this.attemptController = controller;
    try {
      session = await openMcpClient(
        this.record,
        {
          onClosed: () => this.session === session && this.fail(this.record.command ? new Error(`the server process exited${this.stderrHint()}`) : new McpConnectionProblem('the connection closed')),
          onToolsChanged: (error, tools) => {
            if (this.session !== session) return;
            if (error) this.deps.reportError(error, `MCP server ${this.id}: refreshing its tools`, 'warn');
            else if (tools) this.setTools(tools);
          },
          onError: (error) => {
            this.deps.reportError(error, `MCP server ${this.id}`, 'warn');
            if (session && this.session === session) this.checkAlive(session);
          },
          onStderr: (line) => (this.lastStderr = redactSecrets(line, this.record)),
        },
        { timeoutMs: this.deps.settings.connectTimeoutMs, addresses: this.deps.addresses, maxMessageBytes: this.deps.settings.resultMaxBytes,
          onOversizedMessage: () => this.oversizedMessages++,
        },
        controller.signal,
      );
      const { tools } = await session.client.listTools(undefined, { timeout: this.deps.settings.connectTimeoutMs, signal: controller.signal });
      if (this.closed) {
        await session.close();
        return;
      }
      this.session = session;
      this.attempts = 0;
      this.timeoutsInARow = 0;
      this.connectedAt = new Date();
      this.setTools(tools, false);
      this.setStatus('CONNECTED', null);
      this.scheduleRefresh(session);
    } catch (error) {
      await session?.close();
      if (!this.closed) this.fail(error, session === undefined);
    } finally {
      if (this.attemptController === controller) this.attemptController = undefined;
    }
  }

  /** Down: calls fail fast until a reconnect, tried after 1 s, 2 s, 4 s … up to MCP_RECONNECT_MAX_MS. */
  private fail(error: unknown, connecting = false): void {
    if (this.closed) return;
    const session = this.session;
    this.session = undefined;
    void session?.close();
    clearTimeout(this.refreshTimer);
    this.connectedAt = null;
    // A server may quote its credentials back ("invalid token <value>"): the error is shown to admins and published.
    // An HTTP server's failure is said as a category: the raw error would make registration a port scanner.
    const described = this.record.url ? connectionFailure(error) : redactSecrets(describe(error), this.record);
    const message = described + (connecting && this.record.command && !described.includes(this.lastStderr) ? this.stderrHint() : '');
    this.setStatus('FAILED', message);
    const delay = Math.min(1_000 * 2 ** this.attempts, this.deps.settings.reconnectMaxMs) * (0.75 + Math.random() / 2);
    this.attempts++;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.connect(), delay).unref();
  }

  /** A transport error may be a blip or the end (an HTTP stream dropped): a ping tells which. */
  private checkAlive(session: OpenMcpClient): void {
    if (this.checking) return;
    this.checking = session.client
      .ping({ timeout: Math.min(5_000, this.deps.settings.connectTimeoutMs) })
      .then(
        () => undefined,
        (error: unknown) => {
          if (this.session === session) this.fail(error);
        },
      )
      .finally(() => (this.checking = undefined));
  }

  /**
   * Re-listed on the server's TTL or ours. Servers that announce list changes too: a 2025-era HTTP
   * server drops a notification sent before the client's event stream opens (or when it offers none).
   */
  private scheduleRefresh(session: OpenMcpClient, ttlMs?: number): void {
    const every = Math.max(1_000, ttlMs ?? this.deps.settings.toolsRefreshMs);
    this.refreshTimer = setTimeout(async () => {
      if (this.session !== session) return;
      try {
        const result = await session.client.listTools(undefined, { timeout: this.deps.settings.connectTimeoutMs, cacheMode: 'refresh' });
        if (this.session === session) this.setTools(result.tools);
        this.scheduleRefresh(session, (result as { ttlMs?: number }).ttlMs);
      } catch (error) {
        if (this.session === session) this.fail(error);
      }
    }, every).unref();
  }

  private setTools(tools: SdkTool[], announce = true): void {
    const names = functionNamesFor(this.id, tools.map((tool) => tool.name));
    this.sdkTools.clear();
    for (const tool of tools) this.sdkTools.set(tool.name, tool);
    this.tools = tools.map((tool) => ({
      serverId: this.id,
      name: tool.name,
      description: tool.description ?? null,
      inputSchema: tool.inputSchema as Record<string, unknown>,
      functionName: names.get(tool.name)!,
    }));
    if (announce) this.deps.onChange(this);
  }

  private setStatus(status: McpServerStatus, error: string | null): void {
    if (status === this.status && error === this.error && status !== 'CONNECTED') return;
    this.status = status;
    this.error = error;
    this.deps.onChange(this);
  }

  private stderrHint(): string {
    return this.lastStderr ? ` (stderr: ${this.lastStderr})` : '';
  }
}

function isStaleSession(error: unknown): boolean {
  const sdk = loadedMcpSdk();
  if (!sdk) return false;
  if (error instanceof sdk.SdkHttpError) return error.status === 404;
  return error instanceof sdk.SdkError && (error.code === sdk.SdkErrorCode.SendFailed || error.code === sdk.SdkErrorCode.NotConnected);
}

/** The message with its causes ("fetch failed: connect ECONNREFUSED …"), which say what actually went wrong. */
function isConnectionLost(error: unknown): boolean {
  const sdk = loadedMcpSdk();
  if (sdk && error instanceof sdk.SdkError) return error.code === sdk.SdkErrorCode.ConnectionClosed || error.code === sdk.SdkErrorCode.SendFailed || error.code === sdk.SdkErrorCode.NotConnected;
  return error instanceof TypeError || (error instanceof Error && error.message === 'Not connected');
}

function describe(error: unknown): string {
  const parts: string[] = [];
  for (let current: unknown = error; current !== undefined && parts.length < 4; current = (current as { cause?: unknown }).cause) {
    const text = current instanceof Error ? current.message : String(current);
    if (text && !parts.some((part) => part.includes(text))) parts.push(text);
    if (!(current instanceof Error)) break;
  }
  return parts.join(': ').slice(0, 1_000);
}
