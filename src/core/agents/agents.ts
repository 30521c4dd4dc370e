import { type Principal, requireAdmin, requireAuthenticated } from '../auth/principal.js';
import { mayUseShared, type Viewer, viewerOf } from '../auth/visibility.js';
import { FreshEnoughCache } from '../caching/fresh-enough-cache.js';
import { badInput, DomainError, notFound } from '../errors.js';
import { type ChangeBus, LocalChangeBus } from '../feeds/change-bus.js';
import { ChangeFeed } from '../feeds/change-feed.js';
import { type CacheMeter, UNMETERED } from '../metrics/metrics.js';
import { ResponseFormats } from '../models/response-format.js';
import { parseInput } from '../validation.js';
import { type Agent, type AgentChange, createAgentSchema, type CreateAgentInput, updateAgentSchema, type UpdateAgentInput } from './agent.js';
import type { AgentStore } from './agent-store.js';
import type { DelegateDirectory } from '../teams/delegate-target.js';
import { checkTeam } from '../teams/team-graph.js';
import { DEFAULT_TEAM_SETTINGS, type TeamSettings } from '../teams/team-settings.js';

const AGENT_CACHE_TTL_MS = 5_000;
/** Agent ids cannot contain a space, so this key never collides with one. */
const DEFAULT_KEY = 'the default';

/** A2A agent cards are public (discovery precedes authentication): only a global agent may be published. */
const unpublishable = () => badInput('A per-user agent cannot be published under A2A (a2a): its agent card is public; publish a global agent', { field: 'a2a' });

/** Agent management with its permission rules: admins manage, users see global agents and their own. */
export class Agents {
  private readonly feed = new ChangeFeed<AgentChange>();
  /**
   * Agents are read on every chat and rarely change: they answer from memory. Changes made on this
   * replica clear it at once; with a shared bus (Redis), so do other replicas' changes; without it,
   * or while it is down, other replicas' changes show within about AGENT_CACHE_TTL_MS.
   */
  private readonly cache: FreshEnoughCache<{ agent: Agent | undefined }>;
  private readonly lists: FreshEnoughCache<Agent[], Viewer>;

  constructor(
    private readonly store: AgentStore,
    private readonly defaultModel: string,
    meter: CacheMeter = UNMETERED,
    private readonly bus: ChangeBus = new LocalChangeBus(),
    /** Compiles an agent's response format, so a bad schema is refused when the agent is saved. */
    private readonly formats: ResponseFormats = new ResponseFormats(),
    /** MAX_DELEGATION_DEPTH, checked when an agent's delegates are saved. */
    private readonly teams: TeamSettings = DEFAULT_TEAM_SETTINGS,
  ) {
    bus.subscribe('agents', (message) => void this.receive(message as RemoteAgentChange));
    // Changes may have been missed while the bus was down: forget everything once.
    bus.onReconnect(() => this.invalidate());
    this.cache = new FreshEnoughCache({
      max: 10_000,
      ttlMs: AGENT_CACHE_TTL_MS,
      meter,
      load: async (key) => ({ agent: key === DEFAULT_KEY ? await store.findDefault() : await store.find(key) }),
    });
    this.lists = new FreshEnoughCache<Agent[], Viewer>({ max: 10_000, ttlMs: AGENT_CACHE_TTL_MS, meter, load: (_key, viewer) => store.list(viewer) });
  }

  /** Remote agents (A2A) that may be named as delegates besides ours; set once the orchestrator has them. */
  private remoteDelegates: DelegateDirectory | undefined;

  useRemoteDelegates(directory: DelegateDirectory): void {
    this.remoteDelegates = directory;
  }

  /** Read on every routed chat: remembered like single agents, and cleared by the same changes. */
  async list(principal: Principal, options: { userId?: string | null } = {}): Promise<Agent[]> {
    const viewer = viewerOf(principal, options.userId);
    // No user id contains a space, so "no user" never collides with one.
    return (await this.lists.get(viewer.all ? 'all' : `user ${viewer.userId ?? 'none'}`, viewer)) ?? [];
  }

  /** The agents published under A2A (global ones marked a2a), oldest first: their cards are public, so no caller is asked for. */
  async published(): Promise<Agent[]> {
    // The list every admin reads ("all" viewer), from the same cache.
    const all = (await this.lists.get('all', { all: true })) ?? [];
    return all.filter((agent) => agent.a2a && agent.userId === null);
  }

  /** An agent by id for the gateway's own work (a paused run resumed by a timeout or on another replica): no visibility check. */
  async find(id: string): Promise<Agent | undefined> {
    return (await this.cache.get(id, undefined))?.agent ?? undefined;
  }

  async get(principal: Principal, id: string, options: { userId?: string | null } = {}): Promise<Agent> {
    const viewer = viewerOf(principal, options.userId);
    const agent = (await this.cache.get(id, undefined))?.agent;
    if (!agent || !mayUseShared(viewer, agent.userId)) throw notFound('Agent', id);
    return agent;
  }

  async getDefault(principal: Principal): Promise<Agent | null> {
    requireAuthenticated(principal);
    return (await this.cache.get(DEFAULT_KEY, undefined))?.agent ?? null;
  }

  async create(principal: Principal, input: CreateAgentInput): Promise<Agent> {
    requireAdmin(principal);
    const parsed = parseInput(createAgentSchema, input);
    if (parsed.setAsDefault && parsed.userId) throw badInput('A per-user agent cannot be the default agent: the default serves every user');
    if (parsed.a2a && parsed.userId) throw unpublishable();
    if (parsed.responseFormat) this.formats.compile(parsed.responseFormat);
    const delegates = parsed.delegates ?? [];
    const handoffs = parsed.handoffs ?? [];
    if (delegates.length || handoffs.length) await this.checkTeam({ id: parsed.id, userId: parsed.userId ?? null, delegates, handoffs });
    const defaultBefore = await this.store.findDefault();
    const created = await this.store.insert({
      id: parsed.id,
      description: parsed.description ?? null,
      systemMessage: parsed.systemMessage ?? null,
      model: parsed.model ?? this.defaultModel,
      temperature: parsed.temperature ?? null,
      maxTokens: parsed.maxTokens ?? null,
      tools: parsed.tools ?? [],
      fallbackModels: parsed.fallbackModels ?? [],
      requireApproval: parsed.requireApproval ?? [],
      responseFormat: parsed.responseFormat ?? null,
      a2a: parsed.a2a ?? false,
      delegates,
      handoffs,
      userId: parsed.userId ?? null,
    });
    if (!created) throw badInput(`An agent with id "${parsed.id}" already exists`, { id: parsed.id });
    if (parsed.setAsDefault) await this.store.setDefault(created.id);
    // The first global agent becomes the default by itself (see AgentStore); report it either way.
    const agent = (await this.store.find(created.id)) ?? created;
    this.emit({ kind: 'CREATED', agentId: agent.id, agent, userId: agent.userId });
    if (agent.isDefault && defaultBefore?.id !== agent.id) this.emit({ kind: 'DEFAULT_CHANGED', agentId: agent.id, agent, userId: null });
    return agent;
  }

  async update(principal: Principal, id: string, input: UpdateAgentInput): Promise<Agent> {
    requireAdmin(principal);
    const parsed = parseInput(updateAgentSchema, input);
    if (parsed.responseFormat) this.formats.compile(parsed.responseFormat);
    if (parsed.a2a && (await this.store.find(id))?.userId) throw unpublishable();
    if (parsed.delegates?.length || parsed.handoffs?.length) {
      const before = await this.store.find(id);
      if (!before) throw notFound('Agent', id);
      await this.checkTeam({ id, userId: before.userId, delegates: parsed.delegates === undefined ? before.delegates : (parsed.delegates ?? []), handoffs: parsed.handoffs === undefined ? before.handoffs : (parsed.handoffs ?? []) });
    }
    const agent = await this.store.update(id, {
      ...parsed,
      // An explicit null model means "back to the configured default model".
      model: parsed.model === null ? this.defaultModel : parsed.model,
      tools: parsed.tools === null ? [] : parsed.tools,
      fallbackModels: parsed.fallbackModels === null ? [] : parsed.fallbackModels,
      requireApproval: parsed.requireApproval === null ? [] : parsed.requireApproval,
      a2a: parsed.a2a === null ? false : parsed.a2a,
      delegates: parsed.delegates === null ? [] : parsed.delegates,
      handoffs: parsed.handoffs === null ? [] : parsed.handoffs,
    });
    if (!agent) throw notFound('Agent', id);
    this.emit({ kind: 'UPDATED', agentId: id, agent, userId: agent.userId });
    return agent;
  }

  /** Removing the default hands the default to the oldest global agent (see AgentStore). */
  async remove(principal: Principal, id: string): Promise<void> {
    requireAdmin(principal);
    const defaultBefore = await this.store.findDefault();
    const removed = await this.store.remove(id);
    if (!removed) throw notFound('Agent', id);
    this.emit({ kind: 'REMOVED', agentId: id, agent: null, userId: removed.userId });
    if (defaultBefore?.id !== id) return;
    const successor = await this.store.findDefault();
    if (successor) this.emit({ kind: 'DEFAULT_CHANGED', agentId: successor.id, agent: successor, userId: null });
  }

  async setDefault(principal: Principal, id: string): Promise<Agent> {
    requireAdmin(principal);
    const agent = await this.store.find(id);
    if (!agent) throw notFound('Agent', id);
    if (agent.userId) throw badInput(`Agent "${id}" belongs to user "${agent.userId}" and cannot be the default agent`);
    await this.store.setDefault(id);
    const updated = { ...agent, isDefault: true };
    this.emit({ kind: 'DEFAULT_CHANGED', agentId: id, agent: updated, userId: null });
    return updated;
  }

  /** A team checked against every agent as stored (BAD_USER_INPUT before anything is written). */
  private async checkTeam(team: Parameters<typeof checkTeam>[0]): Promise<void> {
    await checkTeam(team, await this.store.list({ all: true }), this.teams, this.remoteDelegates);
  }

  /** How many agentChanged subscriptions are live: each ends when its client unsubscribes or goes away. */
  get subscriberCount() {
    return this.feed.subscriberCount;
  }

  /** Ends every agentChanged subscription (shutdown). */
  endSubscriptions(): void {
    this.feed.end();
  }

  /** Live changes the principal may see, until the iterator's return() is called. */
  changes(principal: Principal, options: { userId?: string | null } = {}): AsyncIterableIterator<AgentChange> {
    // A subscription promises every replica's changes; while Redis is down it could hear only this one's.
    if (!this.bus.connected) throw new DomainError('UPSTREAM_UNAVAILABLE', 'Redis is unavailable, so changes made on other replicas cannot be followed now; subscribe again shortly');
    const viewer = viewerOf(principal, options.userId);
    return this.feed.subscribe((change) => mayUseShared(viewer, change.userId));
  }

  /** Forgets cached reads, for changes made outside this process (another replica, a script, a test). */
  invalidate(): void {
    this.cache.clear();
    this.lists.clear();
  }

  private emit(change: AgentChange) {
    this.invalidate();
    this.feed.publish(change);
    this.bus.publish('agents', { kind: change.kind, agentId: change.agentId, userId: change.userId } satisfies RemoteAgentChange);
  }

  /** Another replica's change: the agent is read again here (the database is the record), then fed to subscribers. */
  private async receive(remote: RemoteAgentChange): Promise<void> {
    this.invalidate();
    const agent = remote.kind === 'REMOVED' ? null : ((await this.store.find(remote.agentId)) ?? null);
    if (remote.kind !== 'REMOVED' && !agent) return; // removed since: its REMOVED follows
    this.feed.publish({ kind: remote.kind, agentId: remote.agentId, agent, userId: remote.userId });
  }
}

/** What crosses replicas: the agent itself is read from the database by each. */
interface RemoteAgentChange {
  kind: AgentChange['kind'];
  agentId: string;
  userId: string | null;
}
