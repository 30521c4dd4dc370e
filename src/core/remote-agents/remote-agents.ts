import { type Principal, requireAdmin, requireAuthenticated } from '../auth/principal.js';
import { badInput, DomainError, notFound, type ReportError } from '../errors.js';
import { RemoteAgentProblem } from './remote-agent-failure.js';
import { type ChangeBus, LocalChangeBus } from '../feeds/change-bus.js';
import { ChangeFeed } from '../feeds/change-feed.js';
import { Serial } from '../feeds/serial.js';
import { AddressNotAllowedError, AddressPolicy } from '../mcp/address-policy.js';
import { parseInput } from '../validation.js';
import { type RegisterRemoteAgentInput, type RemoteAgentRecord, type RemoteAgentView, registerRemoteAgentSchema } from './remote-agent.js';
import { RemoteAgentConnection } from './remote-agent-connection.js';
import type { RemoteAgentSettings } from './remote-agent-settings.js';
import type { RemoteAgentStore } from './remote-agent-store.js';
import type { Agent } from '../agents/agent.js';
import { remoteStandIn } from './remote-agent-model.js';
import { RemoteAgentTarget, remoteDescription } from './remote-agent-target.js';
import { askRemoteAgent, type RemoteUpdate } from './remote-exchange.js';

/**
 * The registered remote agents (A2A): their cards and connection states, kept like MCP servers'
 * (stored, reconnected with backoff, a status feed, other replicas following through the bus).
 * Remote agents are global: every authenticated caller may see them, route to them and delegate
 * to them; only admins register and remove them.
 */
export class RemoteAgents {
  private readonly connections = new Map<string, RemoteAgentConnection>();
  private readonly feed = new ChangeFeed<RemoteAgentView>();
  /** Ids being registered or removed here: a sync meanwhile leaves them to the operation under way. */
  private readonly changing = new Set<string>();
  private readonly bus: ChangeBus;
  private readonly addresses: AddressPolicy;
  private readonly syncing: Serial;
  private closed = false;

  constructor(
    private readonly deps: { store: RemoteAgentStore; settings: RemoteAgentSettings; reportError: ReportError; bus?: ChangeBus | undefined },
  ) {
    this.bus = deps.bus ?? new LocalChangeBus();
    this.addresses = new AddressPolicy(deps.settings.allowPrivateUrls);
    this.syncing = new Serial(() => this.syncNow(), (error) => this.deps.reportError(error, 'remote agents: reading registrations made on another replica'));
    this.bus.subscribe('remote-agents', () => this.sync());
    this.bus.onReconnect(() => this.sync());
  }

  /** Reads every stored agent's card in the background: a slow or broken one delays nothing. */
  async start(): Promise<void> {
    for (const record of await this.deps.store.list()) this.open(record).start();
  }

  /** Brings this replica's connections in line with the stored registrations, one sync at a time. */
  sync(): Promise<void> {
    return this.syncing.run();
  }

  private async syncNow(): Promise<void> {
    if (this.closed) return;
    const records = await this.deps.store.list();
    if (this.closed) return;
    const stored = new Set(records.map((record) => record.id));
    for (const record of records) if (!this.connections.has(record.id) && !this.changing.has(record.id)) this.open(record).start();
    for (const [id, connection] of this.connections) {
      if (stored.has(id) || this.changing.has(id)) continue;
      this.connections.delete(id);
      await connection.close();
    }
  }

  /** Stored at once (an address the policy refuses is BAD_USER_INPUT, nothing stored); answers once the first card fetch has ended. */
  async register(principal: Principal, input: RegisterRemoteAgentInput): Promise<RemoteAgentView> {
    requireAdmin(principal);
    const parsed = parseInput(registerRemoteAgentSchema, input);
    if (this.connections.has(parsed.id) || this.changing.has(parsed.id)) throw duplicate(parsed.id);
    await this.checkUrl(parsed.url);
    const record = { id: parsed.id, url: parsed.url, headers: parsed.headers ?? {} };
    this.changing.add(parsed.id);
    let connection: RemoteAgentConnection;
    try {
      const createdAt = await this.deps.store.insert(record);
      if (!createdAt) throw duplicate(parsed.id);
      connection = this.open({ ...record, createdAt });
    } finally {
      this.changing.delete(parsed.id);
    }
    connection.start();
    await connection.firstAttempt;
    // A card that cannot be read now is refused, nothing kept: an agent is registered whole or not at all.
    if (connection.status === 'FAILED') {
      const why = connection.error ?? 'unknown error';
      const invalid = connection.failure instanceof RemoteAgentProblem && !/timed out/.test(why);
      await this.remove(principal, parsed.id);
      if (invalid) throw badInput(`url: the agent card could not be used: ${why}`, { problems: [`url: ${why}`] });
      throw new DomainError('UPSTREAM_UNAVAILABLE', `The agent card could not be fetched (${why}); nothing was registered: retry once the agent is up`, { retryable: true });
    }
    this.bus.publish('remote-agents', { kind: 'REGISTERED', id: parsed.id });
    return view(connection);
  }

  /** As for MCP URLs: a host that is, or resolves to, an address not allowed is refused at once. */
  private async checkUrl(url: string): Promise<void> {
    try {
      await this.addresses.resolve(new URL(url).hostname);
    } catch (error) {
      if (!(error instanceof AddressNotAllowedError)) return;
      throw badInput(`url: the address is not allowed: ${error.message}`, { problems: ['url: address not allowed'] });
    }
  }

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
    if (!connection && !deleted) throw notFound('Remote agent', id);
    if (this.connections.get(id) === connection) this.connections.delete(id);
    if (deleted) this.bus.publish('remote-agents', { kind: 'REMOVED', id });
    await connection?.close();
    return true;
  }

  async reconnect(principal: Principal, id: string): Promise<RemoteAgentView> {
    requireAdmin(principal);
    const connection = this.connection(id);
    await connection.reconnect();
    return view(connection);
  }

  list(principal: Principal): RemoteAgentView[] {
    requireAuthenticated(principal);
    return [...this.connections.values()].map(view);
  }

  get(principal: Principal, id: string): RemoteAgentView {
    requireAuthenticated(principal);
    return view(this.connection(id));
  }

  /** Status and card changes, for an admin screen. */
  changes(principal: Principal): AsyncIterableIterator<RemoteAgentView> {
    requireAdmin(principal);
    return this.feed.subscribe();
  }

  /** The agent as a delegate (whatever its state: a question to a down agent fails at once, as a tool error). */
  target(id: string): RemoteAgentTarget | undefined {
    const connection = this.connections.get(id);
    return connection && new RemoteAgentTarget(connection, this.deps.settings.timeoutMs);
  }

  /** Routing's candidates: connected agents, described by their cards (a down agent is not routed to). */
  routable(): Array<{ id: string; description: string | null; userId: null; updatedAt: Date }> {
    return [...this.connections.values()]
      .filter((connection) => connection.status === 'CONNECTED')
      .map((connection) => ({ id: connection.id, description: remoteDescription(connection.card), userId: null, updatedAt: connection.connectedAt ?? connection.record.createdAt }));
  }

  /** A chat's stand-in agent for a remote one (routed to it, or naming it): answered through the `a2a` model provider. */
  standIn(id: string): Agent | undefined {
    const connection = this.connections.get(id);
    return connection && remoteStandIn(id, remoteDescription(connection.card), connection.record.createdAt);
  }

  /** One question to a remote agent, its answer as it streams (the `a2a` model provider's source). */
  ask(id: string, question: { text: string; context?: string | undefined }, signal: AbortSignal): AsyncGenerator<RemoteUpdate> {
    return askRemoteAgent(this.connection(id), question, signal, this.deps.settings.timeoutMs);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.syncing.idle();
    this.feed.end();
    const connections = [...this.connections.values()];
    this.connections.clear();
    await Promise.all(connections.map((connection) => connection.close()));
  }

  private open(record: RemoteAgentRecord): RemoteAgentConnection {
    let lastStatus: RemoteAgentConnection['status'] = 'CONNECTING';
    const connection = new RemoteAgentConnection(record, {
      settings: this.deps.settings,
      addresses: this.addresses,
      reportError: this.deps.reportError,
      onChange: (changed) => {
        if (this.connections.get(changed.id) !== changed) return;
        // The operator hears of an agent going down once, not at every retry (the error is a category: no secrets in it).
        if (changed.status === 'FAILED' && lastStatus !== 'FAILED') {
          this.deps.reportError(new Error(`Remote agent "${changed.id}" is down: ${changed.error}; retrying with backoff`), 'remote agents', 'warn');
        }
        if (changed.status !== 'CONNECTING') lastStatus = changed.status;
        this.feed.publish(view(changed));
      },
    });
    this.connections.set(record.id, connection);
    return connection;
  }

  private connection(id: string): RemoteAgentConnection {
    const connection = this.connections.get(id);
    if (!connection) throw notFound('Remote agent', id);
    return connection;
  }
}

const duplicate = (id: string) => badInput(`A remote agent with id "${id}" is already registered`, { problems: [`id "${id}" is taken`] });

function view(connection: RemoteAgentConnection): RemoteAgentView {
  const { record, card } = connection;
  return {
    id: record.id,
    url: record.url,
    headerNames: Object.keys(record.headers),
    status: connection.status,
    error: connection.error,
    connectedAt: connection.connectedAt,
    name: card?.name ?? null,
    description: card?.description ?? null,
    version: card?.version || null,
    skills: (card?.skills ?? []).map((skill) => ({ id: skill.id, name: skill.name, description: skill.description ?? '', tags: skill.tags ?? [], examples: skill.examples ?? [] })),
    streaming: card?.capabilities?.streaming === true,
  };
}
