import type { Agent } from '../agents/agent.js';
import type { Agents } from '../agents/agents.js';
import { isAdmin, type Principal, requireAdmin, requireAuthenticated } from '../auth/principal.js';
import { badInput, DomainError, notFound, type ReportError } from '../errors.js';
import { type ChangeBus, LocalChangeBus } from '../feeds/change-bus.js';
import { ChangeFeed } from '../feeds/change-feed.js';
import { Serial } from '../feeds/serial.js';
import type { ToolRegistry } from '../tools/tool-registry.js';
import { parseInput } from '../validation.js';
import { AddressNotAllowedError, AddressPolicy } from './address-policy.js';
import { connectionFailure } from './connection-failure.js';
import type { ToolAdmission } from '../limits/tool-admission.js';
import { ArgumentValidator } from './argument-validator.js';
import { McpConnection, McpResultTooLargeError, McpTimeoutError, McpUnavailableError } from './mcp-connection.js';
import { type McpServerView, type McpTool, type RegisterMcpServerInput, registerMcpServerSchema, transportOf } from './mcp-server.js';
import type { McpServerStore } from './mcp-server-store.js';
import type { McpSettings } from './mcp-settings.js';
import { type McpToolCallResult, resultText } from './tool-result.js';

/**
 * The registered MCP servers: their connections, their tools in the ToolRegistry (so agents that
 * list them can call them), and the admin and user operations on them.
 */
export class McpServers {
  private readonly connections = new Map<string, McpConnection>();
  private readonly registered = new Map<string, Array<() => void>>();
  private readonly feed = new ChangeFeed<McpServerView>();
  private readonly validator = new ArgumentValidator();
  /** Ids being registered or removed here: a sync meanwhile leaves them to the operation under way. */
  private readonly changing = new Set<string>();
  private readonly bus: ChangeBus;
  private readonly syncing: Serial;
  private closed = false;
  private readonly addresses: AddressPolicy;

  constructor(
    private readonly deps: {
      store: McpServerStore;
      tools: ToolRegistry;
      agents: Agents;
      settings: McpSettings;
      reportError: ReportError;
      bus?: ChangeBus | undefined;
      /** executeMcpTool's per-user limits; calls inside runs are bounded by the run's own. */
      admission?: ToolAdmission | undefined;
    },
  ) {
    this.bus = deps.bus ?? new LocalChangeBus();
    this.addresses = new AddressPolicy(deps.settings.allowPrivateUrls);
    this.syncing = new Serial(() => this.syncNow(), (error) => this.deps.reportError(error, 'mcp: reading registrations made on another replica'));
    // Another replica registered or removed a server: each replica holds its own sessions, so this
    // one opens or closes its own, after reading the registrations again (the database is the record).
    this.bus.subscribe('mcp-servers', () => this.sync());
    this.bus.onReconnect(() => this.sync());
  }

  /** Reconnects every stored server in the background: a slow or broken one delays nothing. */
  async start(): Promise<void> {
    for (const record of await this.deps.store.list()) this.open(record).start();
  }

  /** Brings this replica's sessions in line with the stored registrations, one sync at a time. */
  sync(): Promise<void> {
    return this.syncing.run();
  }

  private async syncNow(): Promise<void> {
    if (this.closed) return;
    const records = await this.deps.store.list();
    if (this.closed) return;
    const stored = new Set(records.map((record) => record.id));
    for (const record of records) {
      if (!this.connections.has(record.id) && !this.changing.has(record.id)) this.open(record).start();
    }
    for (const [id, connection] of this.connections) {
      if (stored.has(id) || this.changing.has(id)) continue;
      this.connections.delete(id);
      this.unregisterTools(id);
      await connection.close();
    }
  }

  async register(principal: Principal, input: RegisterMcpServerInput): Promise<McpServerView> {
    requireAdmin(principal);
    const parsed = parseInput(registerMcpServerSchema, input);
    if (this.connections.has(parsed.id) || this.changing.has(parsed.id)) throw duplicate(parsed.id);
    if (parsed.url) await this.checkUrl(parsed.url);
    const record = { id: parsed.id, url: parsed.url ?? null, headers: parsed.headers ?? {}, command: parsed.command ?? null, args: parsed.args ?? [], env: parsed.env ?? {} };
    this.changing.add(parsed.id);
    let connection: McpConnection;
    try {
      const createdAt = await this.deps.store.insert(record);
      if (!createdAt) throw duplicate(parsed.id);
      connection = this.open({ ...record, createdAt });
    } finally {
      this.changing.delete(parsed.id);
    }
    connection.start();
    this.bus.publish('mcp-servers', { kind: 'REGISTERED', id: parsed.id });
    // The caller sees how the first attempt went (bounded by MCP_CONNECT_TIMEOUT_MS), CONNECTED or FAILED with why.
    await connection.firstAttempt;
    return this.view(connection);
  }

  /**
   * A URL whose host is, or resolves to, an address not allowed is refused at once; a name that
   * does not resolve yet is left to the connection, which checks every address it connects to.
   */
  private async checkUrl(url: string): Promise<void> {
    try {
      await this.addresses.resolve(new URL(url).hostname);
    } catch (error) {
      if (!(error instanceof AddressNotAllowedError)) return;
      throw badInput(`url: the address is not allowed: ${error.message}`, { problems: ['url: address not allowed'] });
    }
  }

  /** Ends the session (and a stdio server's processes) and takes its tools away from agents. */
  async remove(principal: Principal, id: string): Promise<boolean> {
    requireAdmin(principal);
    const connection = this.connections.get(id);
    this.changing.add(id);
    let deleted: boolean;
    try {
      deleted = await this.deps.store.delete(id);
    } finally {
      this.changing.delete(id);
    }
    if (!connection && !deleted) throw notFound('MCP server', id);
    if (this.connections.get(id) === connection) this.connections.delete(id);
    this.unregisterTools(id);
    if (deleted) this.bus.publish('mcp-servers', { kind: 'REMOVED', id });
    await connection?.close();
    return true;
  }

  async reconnect(principal: Principal, id: string): Promise<McpServerView> {
    requireAdmin(principal);
    const connection = this.connection(id);
    await connection.reconnect();
    return this.view(connection);
  }

  /** Admins see every server; a user, those that agents visible to them use. */
  async list(principal: Principal): Promise<McpServerView[]> {
    requireAuthenticated(principal);
    const all = [...this.connections.values()];
    if (isAdmin(principal)) return all.map((connection) => this.view(connection));
    const agents = await this.deps.agents.list(principal);
    return all.filter((connection) => agents.some((agent) => usesServer(agent, connection.id))).map((connection) => this.view(connection));
  }

  async get(principal: Principal, id: string): Promise<McpServerView> {
    return this.view(await this.visibleConnection(principal, id));
  }

  async tools(principal: Principal, serverId: string): Promise<McpTool[]> {
    return (await this.visibleConnection(principal, serverId)).tools;
  }

  /**
   * Runs one tool for a caller: the arguments are checked against the tool's input schema first
   * (BAD_USER_INPUT naming the fields); a server that is down is UPSTREAM_UNAVAILABLE at once; a
   * tool that fails or does not answer in time is an error result. `signal` ends the call (and
   * tells the server) when the caller goes away.
   */
  async execute(principal: Principal, serverId: string, toolName: string, args: unknown, signal: AbortSignal): Promise<McpToolCallResult> {
    requireAuthenticated(principal);
    const connection = isAdmin(principal) ? this.connection(serverId) : await this.visibleConnection(principal, serverId, toolName);
    const tool = connection.tools.find((candidate) => candidate.name === toolName);
    // A server that is down cannot say which tools it has: that is UPSTREAM_UNAVAILABLE, not an unknown tool.
    if (!tool && connection.status !== 'CONNECTED') throw unavailable(connection);
    if (!tool) throw notFound(`Tool of MCP server "${serverId}"`, toolName);
    const argumentsObject = this.checkedArguments(tool, args ?? {});
    const release = await this.deps.admission?.admit(principal);
    try {
      return await connection.call(tool.name, argumentsObject, signal);
    } catch (error) {
      if (error instanceof McpUnavailableError) throw new DomainError('UPSTREAM_UNAVAILABLE', error.message, { serverId });
      if (error instanceof McpResultTooLargeError) return { content: [{ type: 'text', text: error.message }], structuredContent: null, isError: true };
      if (signal.aborted) throw error;
      return { content: [{ type: 'text', text: error instanceof McpTimeoutError ? error.message : `The tool call failed: ${callFailure(connection, error)}` }], structuredContent: null, isError: true };
    } finally {
      release?.();
    }
  }

  /** Status changes, for an admin screen: a server going down and coming back. */
  changes(principal: Principal): AsyncIterableIterator<McpServerView> {
    requireAdmin(principal);
    return this.feed.subscribe();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.syncing.idle();
    this.feed.end();
    const connections = [...this.connections.values()];
    this.connections.clear();
    await Promise.all(connections.map((connection) => connection.close()));
  }

  private open(record: McpServerRecordLike): McpConnection {
    let lastStatus: McpConnection['status'] = 'CONNECTING';
    const connection = new McpConnection(record, {
      settings: this.deps.settings,
      addresses: this.addresses,
      reportError: this.deps.reportError,
      onChange: (changed) => {
        if (this.connections.get(changed.id) !== changed) return;
        // The operator hears of a server going down once, not at every retry (the error is already redacted).
        if (changed.status === 'FAILED' && lastStatus !== 'FAILED') {
          this.deps.reportError(new Error(`MCP server "${changed.id}" is down: ${changed.error}; retrying with backoff`), 'mcp', 'warn');
        }
        if (changed.status !== 'CONNECTING') lastStatus = changed.status;
        this.syncTools(changed);
        this.feed.publish(this.view(changed));
      },
    });
    this.connections.set(record.id, connection);
    return connection;
  }

  /** A server's tools are offered to models only while it is connected: a down server's agents answer without them. */
  private syncTools(connection: McpConnection): void {
    this.unregisterTools(connection.id);
    if (connection.status !== 'CONNECTED') return;
    const { tools, settings } = this.deps;
    this.registered.set(
      connection.id,
      connection.tools.map((tool) =>
        tools.register({
          name: tool.functionName,
          description: tool.description ?? undefined,
          parameters: modelParameters(tool.inputSchema),
          serverId: connection.id,
          reference: `${connection.id}/${tool.name}`,
          execute: async (args, { signal }) => {
            const problems = this.validator.problems(tool.inputSchema, args);
            if (problems.length) throw new Error(`Invalid arguments for tool "${tool.name}": ${problems.join('; ')}`);
            let result: McpToolCallResult;
            try {
              result = await connection.call(tool.name, args as Record<string, unknown>, signal);
            } catch (error) {
              if (signal.aborted || error instanceof McpTimeoutError || error instanceof McpUnavailableError || error instanceof McpResultTooLargeError) throw error;
              throw new Error(`The call to MCP server "${connection.id}" failed: ${callFailure(connection, error)}`);
            }
            const text = resultText(result, settings.resultMaxChars);
            if (result.isError) throw new Error(text || `The tool "${tool.name}" failed`);
            return text;
          },
        }),
      ),
    );
  }

  private unregisterTools(serverId: string): void {
    for (const unregister of this.registered.get(serverId) ?? []) unregister();
    this.registered.delete(serverId);
  }

  private checkedArguments(tool: McpTool, args: unknown): Record<string, unknown> {
    if (typeof args !== 'object' || args === null || Array.isArray(args)) throw badInput('Invalid arguments: must be a JSON object', { problems: ['arguments must be an object'] });
    const problems = this.validator.problems(tool.inputSchema, args);
    if (problems.length) throw badInput(`Invalid arguments for tool "${tool.name}": ${problems.join('; ')}`, { problems });
    return args as Record<string, unknown>;
  }

  private connection(id: string): McpConnection {
    const connection = this.connections.get(id);
    if (!connection) throw notFound('MCP server', id);
    return connection;
  }

  /** Unknown and not-visible look the same to a user: NOT_FOUND. */
  private async visibleConnection(principal: Principal, id: string, toolName?: string): Promise<McpConnection> {
    requireAuthenticated(principal);
    const connection = this.connection(id);
    if (isAdmin(principal)) return connection;
    const agents = await this.deps.agents.list(principal);
    const visible = agents.some((agent) => (toolName === undefined ? usesServer(agent, id) : usesTool(agent, id, toolName)));
    if (!visible) throw notFound('MCP server', id);
    return connection;
  }

  private view(connection: McpConnection): McpServerView {
    const { record } = connection;
    return {
      id: record.id,
      transport: transportOf(record),
      url: record.url,
      command: record.command,
      args: record.args,
      headerNames: Object.keys(record.headers),
      envNames: Object.keys(record.env),
      status: connection.status,
      error: connection.error,
      connectedAt: connection.connectedAt,
      tools: connection.tools,
    };
  }
}

type McpServerRecordLike = ConstructorParameters<typeof McpConnection>[0];

const unavailable = (connection: McpConnection) =>
  new DomainError('UPSTREAM_UNAVAILABLE', `The MCP server "${connection.id}" is not connected (${connection.status}${connection.error ? `: ${connection.error}` : ''})`, { serverId: connection.id });

const duplicate = (id: string) => badInput(`An MCP server with id "${id}" is already registered`, { problems: [`id "${id}" is taken`] });

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The server's own words for a failed call; for an HTTP server's socket error, only its category (no addresses or ports). */
function callFailure(connection: McpConnection, error: unknown): string {
  if (!connection.record.url) return message(error);
  for (let current: unknown = error, depth = 0; current && depth < 6; current = (current as { cause?: unknown }).cause, depth++) {
    if (current instanceof TypeError || typeof (current as { code?: unknown }).code === 'string') return connectionFailure(error);
  }
  return message(error);
}

/** The schema as models get it: the dialect line (`$schema`) is for validators, and some providers refuse it. */
function modelParameters(schema: Record<string, unknown>): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = schema;
  return rest;
}

const usesServer = (agent: Agent, serverId: string) => agent.tools.some((name) => name === serverId || name.startsWith(`${serverId}/`));
const usesTool = (agent: Agent, serverId: string, toolName: string) => agent.tools.some((name) => name === serverId || name === `${serverId}/${toolName}`);
