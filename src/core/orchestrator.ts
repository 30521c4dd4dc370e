import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Database } from '../db/database.js';
import { ensureVectorColumns, type VectorSupport } from '../db/vector-columns.js';
import { keepTables } from '../db/table-statistics.js';
import { MESSAGES_BQ_CANDIDATES, MESSAGES_HNSW_EF_SEARCH } from '../db/vector-search-settings.js';
import { DEFAULT_MEMORY_SETTINGS, type MemorySettings } from './memory/memory-settings.js';
import { AgentStore } from './agents/agent-store.js';
import { Agents } from './agents/agents.js';
import { Auth, type AuthConfig, type BootstrapKeys } from './auth/auth.js';
import { MemoryConcurrencyLimiter } from './limits/concurrency-limiter.js';
import { MemoryRateLimiter } from './limits/memory-rate-limiter.js';
import { RunAdmission } from './limits/run-admission.js';
import { ToolAdmission } from './limits/tool-admission.js';
import { ConversationStore } from './conversations/conversation-store.js';
import { Conversations } from './conversations/conversations.js';
import { type HookMap, type HookName, Hooks } from './hooks/hooks.js';
import { ModelPrices } from './usage/model-prices.js';
import { DEFAULT_LEDGER_SETTINGS, UsageLedger } from './usage/usage-ledger.js';
import { DEFAULT_USAGE_SETTINGS, type UsageSettings } from './usage/usage-settings.js';
import { UsageStore } from './usage/usage-store.js';
import { UsageReports } from './usage/usage-reports.js';
import { UsageRetention } from './usage/usage-retention.js';
import { RunUsageReader } from './usage/run-usage.js';
import { spendOf } from './budgets/budget.js';
import { BudgetStore } from './budgets/budget-store.js';
import { Budgets } from './budgets/budgets.js';
import { type CounterPlace, SpendCounters } from './budgets/spend-counters.js';
import { type Metrics, NO_METRICS } from './metrics/metrics.js';
import { DEFAULT_METRIC_HISTORY, MetricHistory, type MetricPoint } from './metrics/metric-history.js';
import type { Tracing } from './tracing/tracing.js';
import { tracedEmbeddingModel } from './tracing/traced-models.js';
import type { ChatModel } from './models/chat-model.js';
import { ModelCache } from './models/model-cache.js';
import { ModelRegistry } from './models/model-registry.js';
import { OpenAIChatModel } from './models/openai-chat-model.js';
import { OpenAIEmbeddingModel } from './models/openai-embedding-model.js';
import { ResponseFormats } from './models/response-format.js';
import { AgentRouter } from './routing/agent-router.js';
import { DEFAULT_ROUTING_SETTINGS, type RoutingSettings } from './routing/routing-settings.js';
import { DomainError, type ReportError } from './errors.js';
import { AnswerCheckpoints } from './runs/answer-checkpoints.js';
import { ContextBuilder } from './memory/context-builder.js';
import { MemoryPresence } from './memory/memory-presence.js';
import { FactExtractor } from './memory/fact-extractor.js';
import { UserErasure } from './memory/forget-user.js';
import { Memories } from './memory/memories.js';
import type { MemoryReceipt } from './memory/memory.js';
import { MemoryIndexer } from './memory/memory-indexer.js';
import { MemoryStore } from './memory/memory-store.js';
import { DEFAULT_VECTOR_SEARCH } from './memory/vector-search.js';
import { MessageMemoryStore } from './memory/message-memory-store.js';
import { TokenCounter } from './memory/token-counter.js';
import { UserContexts } from './memory/user-contexts.js';
import { openUserContextStore } from './memory/user-context/open-user-context-store.js';
import { CachedUserContextStore } from './memory/user-context/cached-user-context-store.js';
import { type Principal, requireAdmin } from './auth/principal.js';
import { RunPauses } from './runs/run-pauses.js';
import { ChatService, type ChatSettings, terminalFromStored } from './runs/chat.js';
import { RedisRunLog } from './runs/redis-run-log.js';
import { LiveRuns } from './runs/live-runs.js';
import type { RunEvent } from './runs/run-event.js';
import { RedisLiveRuns } from './runs/redis-live-runs.js';
import { ModelLoop, type ModelLoopSettings } from './runs/model-loop.js';
import { RunRegistry } from './runs/run-registry.js';
import { Settings } from './settings.js';
import { type ToolRegistration, ToolRegistry } from './tools/tool-registry.js';
import { McpServers } from './mcp/mcp-servers.js';
import type { RedisConnection } from './redis/redis-connection.js';
import { type ChangeBus, LocalChangeBus, RedisChangeBus } from './feeds/change-bus.js';
import type { ConcurrencyLimiter } from './limits/concurrency-limiter.js';
import type { RateLimiter } from './limits/rate-limiter.js';
import { RedisConcurrencyLimiter, RedisRateLimiter } from './limits/redis-limiters.js';
import { McpServerStore } from './mcp/mcp-server-store.js';
import { DEFAULT_MCP_SETTINGS, type McpSettings } from './mcp/mcp-settings.js';
import { FileStore } from './images/file-store.js';
import { Files } from './images/files.js';
import { imageFetcher } from './images/image-fetch.js';
import { DEFAULT_IMAGE_SETTINGS, type ImageSettings } from './images/image-settings.js';
import { DEFAULT_TEAM_SETTINGS, type TeamSettings } from './teams/team-settings.js';
import { LocalDelegates } from './teams/local-delegates.js';
import { firstFound } from './teams/delegate-target.js';
import { Teams } from './teams/teams.js';
import { MessageImages } from './images/message-images.js';
import { RemoteAgents } from './remote-agents/remote-agents.js';
import { RemoteAgentStore } from './remote-agents/remote-agent-store.js';
import { RemoteAgentDirectory } from './remote-agents/remote-agent-directory.js';
import { A2A_PROVIDER, RemoteAgentChatModel } from './remote-agents/remote-agent-model.js';
import { DEFAULT_REMOTE_AGENT_SETTINGS, type RemoteAgentSettings } from './remote-agents/remote-agent-settings.js';

export interface OrchestratorConfig extends AuthConfig, ChatSettings, ModelLoopSettings {
  /** The system message of agents that have none (SYSTEM_MESSAGE). */
  systemMessage: string;
  /** Recent messages in the context, the new one included (BUFFER_SIZE). */
  bufferSize: number;
  version: string;
  /** Chats per principal per minute. */
  chatRateLimit: number;
  /** Failed authentications per client address per minute. */
  authFailureLimit: number;
  maxConcurrentRunsPerUser: number;
  /** executeMcpTool calls per user per minute, and in flight at once (TOOL_RATE_LIMIT, MAX_CONCURRENT_TOOL_CALLS_PER_USER). */
  toolRateLimit?: number | undefined;
  maxConcurrentToolCallsPerUser?: number | undefined;
  defaultModel: string;
  openaiApiKey?: string | undefined;
  openaiBaseUrl?: string | undefined;
  modelTimeoutMs: number;
  modelMaxRetries: number;
  runRetentionMs: number;
  answerCheckpointMs: number;
  /** With REDIS_URL: a run's lease (RUN_LEASE_MS); default 10 s. */
  runLeaseMs?: number | undefined;
  enableModelCache: boolean;
  modelCacheSize: number;
  modelCacheAnyTemperature: boolean;
  routing?: RoutingSettings | undefined;
  /** The usage ledger's prices and retention; none priced, 400 days, when unset. */
  usage?: UsageSettings | undefined;
  /** Embeddings come from the OpenAI provider unless this is false. */
  enableEmbeddings?: boolean | undefined;
  embeddingModel?: string | undefined;
  embeddingDimensions?: number | undefined;
  memory?: MemorySettings | undefined;
  mcp?: McpSettings | undefined;
  /** Remote agents (A2A): A2A_TIMEOUT_MS and the MCP connection and address settings. */
  remoteAgents?: RemoteAgentSettings | undefined;
  /** Agent teams (MAX_DELEGATION_DEPTH, DELEGATION_TIMEOUT_MS). */
  teams?: TeamSettings | undefined;
  /** Images in messages: limits, and whether URLs are fetched (IMAGE_FETCH). */
  images?: ImageSettings | undefined;
  /** Set: replicas share state through this Redis (see src/core/redis). */
  redisUrl?: string | undefined;
  /** How often the metrics history takes a point (METRICS_SAMPLE_MS); 10 s. */
  metricsSampleMs?: number | undefined;
}

/** CHAT_RATE_LIMIT and AUTH_FAILURE_LIMIT count per minute. */
const LIMIT_WINDOW_SECONDS = 60;

export interface HealthReport {
  /** DRAINING: shutting down, finishing its runs; a load balancer should send its work elsewhere. */
  status: 'OK' | 'DEGRADED' | 'DRAINING';
  version: string;
  database: 'UP' | 'DOWN';
  databaseKind: Database['kind'];
  uptimeSeconds: number;
  /** AVAILABLE: memory is searched by vectors and full text; otherwise by full text alone, for `vectorSearchReason`. */
  vectorSearch: VectorSupport['state'];
  vectorSearchReason: string | null;
  /** NONE: no REDIS_URL (one process); DOWN: set but unreachable now (reconnecting). */
  redis: 'UP' | 'DOWN' | 'NONE';
  /** Where budgets' spend is counted: SHARED (Redis), PER_REPLICA (Redis down: each replica from the ledger), SINGLE_PROCESS (no Redis). */
  budgets: CounterPlace;
}

export interface Orchestrator {
  agents: Agents;
  /** The usage ledger: every model call's tokens and cost, by user, key, agent, model, run and purpose. */
  usage: UsageLedger;
  /** Reports over the ledger: tokens and cost per user, key, agent, model, purpose, day or hour. */
  usageReports: UsageReports;
  /** Deletes ledger rows older than USAGE_RETENTION_DAYS, daily in the background (`sweep()` runs one now). */
  usageRetention: UsageRetention;
  /** A run's whole spend (its auxiliary calls and its children's too), read from the ledger when asked. */
  runUsage: RunUsageReader;
  /** Token and dollar budgets per API key and per user: set, listed, enforced before and during runs. */
  budgets: Budgets;
  auth: Auth;
  conversations: Conversations;
  chat: ChatService;
  /** Chooses an agent for a message with no agent named (the chat pipeline's selectAgent stage). */
  router: AgentRouter;
  runs: RunRegistry;
  /** Runs in flight on every replica, and their starts, progress and ends (the console's Runs page). */
  liveRuns: LiveRuns;
  /** Admin only: this replica's metrics over the last `seconds` (at most an hour), a point per interval, sampled in memory. */
  metricSeries(principal: Principal, seconds: number): { replicaId: string; intervalSeconds: number; points: MetricPoint[] };
  /** This replica's id (in `runs`, and in Redis for the others). */
  replicaId: string;
  /** Long-term and buffer memory: add, search, list, update, delete, clear. */
  memories: Memories;
  /** User context (memobase): structured knowledge per user. */
  userContexts: UserContexts;
  /** Keeps memory searchable in the background (tests wait on it with settle()). */
  memoryIndexer: MemoryIndexer;
  /** Learns facts about users after answers, when AUTO_EXTRACT_USER_INFO is on. */
  extractor: FactExtractor | undefined;
  /** Registered MCP servers: connections, their tools (offered to agents that list them), calls. */
  mcp: McpServers;
  /** Registered remote agents (A2A): cards, connection states, questions to them. */
  remoteAgents: RemoteAgents;
  /** Remote agents as delegates (core/teams' DelegateDirectory). */
  remoteAgentDirectory: RemoteAgentDirectory;
  /** Images stored from messages, read by their owners (GET /files/{id}). */
  files: Files;
  /** Checks images as a chat would (for adapters that take images apart from a chat input) and reads stored ones back. */
  images: MessageImages;
  /** Erases everything stored about a user and says what, by kind. */
  forgetUser(principal: Principal, userId: string): Promise<MemoryReceipt>;
  /** Keys generated on this first start, to show the operator once. */
  bootstrapKeys: BootstrapKeys;
  /** Answers left STREAMING by a process that died, marked FAILED (interrupted) at this start. */
  interruptedAnswers: number;
  /** Adds a model provider ("custom" serves "custom:any-name") or one exact model name. */
  registerModel(name: string, model: ChatModel): () => void;
  /** Returns a function that removes the hook. */
  registerHook<N extends HookName>(name: N, hook: HookMap[N]): () => void;
  /** An in-process tool agents may call when they list its name in `tools`. */
  registerTool(tool: ToolRegistration): () => void;
  health(): Promise<HealthReport>;
  /**
   * Shutdown, first step: refuses new runs, lets runs in flight finish for up to `graceMs`, then
   * cancels the rest; resolves when every run has stored its answer and sent its terminal event,
   * and every live feed (agentChanged, conversationEvents) has completed.
   */
  drain(graceMs: number): Promise<void>;
  /** Cancels runs in flight (their partial answers are stored) and stops. */
  close(): Promise<void>;
}

/** Composes the core from its parts; everything it needs is passed in, nothing is global. */
export async function createOrchestrator(options: {
  database: Database;
  config: OrchestratorConfig;
  reportError?: ReportError;
  /** Where runs, tokens, upstream errors and cache lookups are counted. */
  metrics?: Metrics;
  /** Set when traces are exported (OTEL_EXPORTER_OTLP_ENDPOINT): runs and their stages become spans. */
  tracing?: Tracing | undefined;
}): Promise<Orchestrator> {
  const { tracing } = options;
  const { database, config } = options;
  const metrics = options.metrics ?? NO_METRICS;
  const startedAt = Date.now();
  const reportErrorEarly: ReportError = options.reportError ?? ((error, context, level = 'error') => console[level](`muxgate: ${context}:`, error));
  // ioredis loads only when there is a Redis to talk to.
  const redis: RedisConnection | undefined = config.redisUrl ? new (await import('./redis/redis-connection.js')).RedisConnection(config.redisUrl, reportErrorEarly) : undefined;
  await redis?.connect();
  // Shared state is chosen here: in-process without REDIS_URL (one replica, exactly as before), Redis with it.
  const bus: ChangeBus = redis ? new RedisChangeBus(redis, reportErrorEarly) : new LocalChangeBus();
  const rateLimiter = (limit: number, name: string): RateLimiter =>
    redis ? new RedisRateLimiter(redis, limit, LIMIT_WINDOW_SECONDS, name) : new MemoryRateLimiter(limit, LIMIT_WINDOW_SECONDS);
  const runsInFlight: ConcurrencyLimiter & { close?(): void } = redis
    ? new RedisConcurrencyLimiter(redis, config.maxConcurrentRunsPerUser)
    : new MemoryConcurrencyLimiter(config.maxConcurrentRunsPerUser);
  const maxToolCalls = config.maxConcurrentToolCallsPerUser ?? 4;
  const toolCallsInFlight: ConcurrencyLimiter & { close?(): void } = redis
    ? new RedisConcurrencyLimiter(redis, maxToolCalls, 'tool-calls')
    : new MemoryConcurrencyLimiter(maxToolCalls);
  const settings = new Settings(database.db);
  const { auth, bootstrapKeys } = await Auth.create(database.db, settings, config, {
    authFailures: rateLimiter(config.authFailureLimit, 'auth-failures'),
  }, metrics.cache('auth'));
  auth.shareRevocations(bus, reportErrorEarly);
  // Agents and chats compile response formats through one cache: an agent's schema compiles once.
  const responseFormats = new ResponseFormats();
  const teamSettings = config.teams ?? DEFAULT_TEAM_SETTINGS;
  const agents = new Agents(new AgentStore(database.db), config.defaultModel, metrics.cache('agents'), bus, responseFormats, teamSettings);
  // Our own agents as delegates; core/remote-agents adds its directory after it (firstFound).
  const localDelegates = new LocalDelegates(agents);
  const store = new ConversationStore(database.db);
  const conversations = new Conversations(store);
  const reportError: ReportError = options.reportError ?? ((error, context, level = 'error') => console[level](`muxgate: ${context}:`, error));
  const checkpoints = new AnswerCheckpoints(store, config.answerCheckpointMs, reportError);
  // Before anything that calls a model: routing, memory and extraction record their calls in it.
  const usageSettings = config.usage ?? DEFAULT_USAGE_SETTINGS;
  const usageStore = new UsageStore(database.db);
  const usage = new UsageLedger(usageStore, new ModelPrices(usageSettings.prices), DEFAULT_LEDGER_SETTINGS, reportError);
  const usageRetention = new UsageRetention(usageStore, usageSettings.retentionDays, reportError);
  usageRetention.start();

  // Before any run starts, answers cut off when their process died are marked interrupted. The
  // embedded database has one writer (its folder is locked), so all of its STREAMING answers are
  // dead; on a server other replicas may be mid-answer, so only answers whose lease lapsed — and
  // the sweep keeps looking, for replicas that die later.
  const sharedServer = database.kind === 'postgres';
  const interruptedAnswers = await store.interruptStreaming(sharedServer ? checkpoints.leaseMs : undefined);
  const sweep = sharedServer
    ? setInterval(() => {
        store.interruptStreaming(checkpoints.leaseMs).then(
          (count) => count > 0 && reportError(new Error(`${count} answer(s) of a replica that stopped renewing them were marked FAILED (INTERRUPTED)`), 'interrupted answers', 'warn'),
          (error: unknown) => reportError(error, 'sweeping interrupted answers'),
        );
      }, checkpoints.leaseMs).unref()
    : undefined;
  const models = new ModelRegistry('openai', tracing);
  if (config.openaiApiKey || config.openaiBaseUrl) {
    models.register(
      'openai',
      new OpenAIChatModel({ apiKey: config.openaiApiKey, baseURL: config.openaiBaseUrl, timeoutMs: config.modelTimeoutMs, maxRetries: config.modelMaxRetries }),
    );
  }
  const openaiConfigured = Boolean(config.openaiApiKey || config.openaiBaseUrl);
  const openaiEmbeddings =
    openaiConfigured && config.enableEmbeddings !== false
      ? new OpenAIEmbeddingModel({
          apiKey: config.openaiApiKey,
          baseURL: config.openaiBaseUrl,
          timeoutMs: config.modelTimeoutMs,
          maxRetries: config.modelMaxRetries,
          model: config.embeddingModel ?? 'text-embedding-3-small',
          dimensions: config.embeddingDimensions ?? 1_536,
        })
      : undefined;
  const embeddings = openaiEmbeddings && tracing ? tracedEmbeddingModel(tracing, openaiEmbeddings, 'openai', config.embeddingModel ?? 'text-embedding-3-small') : openaiEmbeddings;
  const memorySettings = config.memory ?? DEFAULT_MEMORY_SETTINGS;
  const vectorSupport = await ensureVectorColumns(database.db, embeddings?.dimensions);
  // Loud, once: memory still works (full text), but not as the operator may expect.
  if (vectorSupport.state === 'UNAVAILABLE') reportError(new Error(`Vector search is unavailable: ${vectorSupport.reason}`), 'memory', 'warn');
  const remoteAgents = new RemoteAgents({ store: new RemoteAgentStore(database.db), settings: config.remoteAgents ?? DEFAULT_REMOTE_AGENT_SETTINGS, reportError, bus });
  // Delegates: our own agents first, then registered remote agents (saving an agent accepts both).
  const remoteAgentDirectory = new RemoteAgentDirectory(remoteAgents);
  const delegates = firstFound(localDelegates, remoteAgentDirectory);
  agents.useRemoteDelegates(remoteAgentDirectory);
  // A chat routed to a remote agent is answered through this provider (see remote-agent-model.ts).
  models.register(A2A_PROVIDER, new RemoteAgentChatModel((id, question, signal) => remoteAgents.ask(id, question, signal)));
  const router = new AgentRouter({
    // Connected remote agents are candidates beside the local agents, described by their cards.
    listAgents: async (principal, listOptions) => [...(await agents.list(principal, listOptions)), ...remoteAgents.routable()],
    defaultAgent: (principal) => agents.getDefault(principal),
    models,
    embeddings,
    lastAnswerAgentId: (conversationId) => store.lastAnswerAgentId(conversationId),
    settings: config.routing ?? DEFAULT_ROUTING_SETTINGS,
    cacheMeter: metrics.cache('routing'),
    reportError,
    ledger: usage,
  });
  // Vectors need both an embedding model and pgvector; without either, memory runs on full text.
  const memoryEmbeddings = vectorSupport.state === 'AVAILABLE' && memorySettings.useEmbeddings ? embeddings : undefined;
  // What health reports: memory's vectors can also be turned off on their own (MEMORY_EMBEDDINGS=false).
  const memoryVectors: VectorSupport =
    vectorSupport.state === 'AVAILABLE' && !memorySettings.useEmbeddings ? { state: 'DISABLED', reason: 'MEMORY_EMBEDDINGS is false: memory is searched by full text only' } : vectorSupport;
  const iterativeScan = vectorSupport.state === 'AVAILABLE' && vectorSupport.iterativeScan;
  if (vectorSupport.state === 'AVAILABLE' && !iterativeScan) {
    reportError(new Error('pgvector is older than 0.8: filtered vector searches may return fewer than k results; upgrade the extension'), 'memory', 'warn');
  }
  // The embedded database starts with pgvector's search settings; a server's pool sets them per search.
  const vectorSearch = { ...DEFAULT_VECTOR_SEARCH, iterativeScan, settingsInSession: database.kind === 'pglite' };
  const memoryStore = new MemoryStore(database.db, memoryEmbeddings !== undefined, vectorSearch);
  const quantizedMessages = vectorSupport.state === 'AVAILABLE' && vectorSupport.quantizedMessages ? vectorSupport.dimensions : undefined;
  const messageMemory = new MessageMemoryStore(database.db, memoryEmbeddings !== undefined, { ...vectorSearch, efSearch: quantizedMessages ? MESSAGES_BQ_CANDIDATES : MESSAGES_HNSW_EF_SEARCH }, quantizedMessages);
  const memoryIndexer = new MemoryIndexer({ memories: memoryStore, messages: messageMemory, embeddings: memoryEmbeddings, retryMs: memorySettings.embeddingRetryMs,
    reportError,
    metrics,
    queue: { maxDepth: memorySettings.indexQueueMax, delayMs: memorySettings.indexDelayMs },
    ledger: usage,
    keepStatistics: database.kind === 'pglite' ? () => keepTables(database.db, ['memories', 'messages']) : undefined,
  });
  memoryIndexer.start();
  const memoryPresence = new MemoryPresence(memoryStore, { meter: metrics.cache('memory_presence') });
  memoryPresence.shareChanges(bus);
  const userContextStore = new CachedUserContextStore(await openUserContextStore(database.db, memorySettings), { meter: metrics.cache('user_context') });
  userContextStore.shareChanges(bus);
  const extractor = memorySettings.autoExtract
    ? new FactExtractor({
        models,
        memories: memoryStore,
        userContext: userContextStore,
        indexer: memoryIndexer,
        settings: { model: memorySettings.extractionModel, minConfidence: memorySettings.extractionConfidence, timeoutMs: config.modelTimeoutMs },
        reportError,
        metrics,
        ledger: usage,
        tracing,
      })
    : undefined;
  const hooks = new Hooks();
  const tools = new ToolRegistry();
  const runs = new RunRegistry(config.runRetentionMs);
  // Readable in a console's list of runs; unique even for several gateways in one process (tests).
  const replicaId = `${hostname()}-${randomUUID().slice(0, 8)}`;
  // Several replicas: runs' events, owners, leases and cancels go through Redis; one process keeps them in memory.
  // A run ended by this replica's sweep (its own replica stopped) is told to the consoles once the live views exist.
  let onSwept: (runId: string, end: RunEvent | undefined) => void = () => {};
  const sharedRuns = redis
    ? new RedisRunLog({
        replicaId,
        onSwept: (runId, end) => onSwept(runId, end),
        redis,
        interruptRun: (runId, silentForMs) => store.interruptRun(runId, silentForMs),
        terminalFromStored,
        retentionMs: config.runRetentionMs,
        leaseMs: config.runLeaseMs ?? 10_000,
        reportError,
      })
    : undefined;
  const sharedLiveRuns = redis ? new RedisLiveRuns(redis, replicaId, config.runRetentionMs + (config.runLeaseMs ?? 10_000), reportError) : undefined;
  const liveRuns = new LiveRuns({ registry: runs, waitingRuns: (ownerId) => store.runInfos({ waiting: true, ownerId }), shared: sharedLiveRuns, replicaId });
  onSwept = (runId, end) => {
    void sharedLiveRuns?.find(runId).then((run) => {
      const status = end?.type === 'MessageCompleted' ? 'COMPLETE' : end?.type === 'RunFailed' && end.code === 'CANCELLED' ? 'CANCELLED' : 'FAILED';
      if (run) liveRuns.endedElsewhere({ ...run, status });
    });
  };
  const sampleMs = config.metricsSampleMs ?? DEFAULT_METRIC_HISTORY.intervalMs;
  const metricHistory = new MetricHistory(() => metrics.snapshot(), { intervalMs: sampleMs, points: Math.min(3_600, Math.ceil(3_600_000 / sampleMs)) }, (error) =>
    reportError(error, 'metrics: sampling the history', 'warn'),
  );
  metricHistory.start();
  const mcp = new McpServers({ store: new McpServerStore(database.db), tools, agents, settings: config.mcp ?? DEFAULT_MCP_SETTINGS, reportError, bus,
    admission: new ToolAdmission(rateLimiter(config.toolRateLimit ?? 120, 'tool-calls'), toolCallsInFlight),
  });
  // Connections open in the background: a slow or broken server never holds up start-up.
  await mcp.start();
  // Cards are fetched in the background, like MCP connections.
  await remoteAgents.start();
  const budgetStore = new BudgetStore(database.db);
  // A counter is rebuilt from the ledger: its pending entries are written first, so the sum holds them.
  // The ledger's sum for a counter includes the calls it could not write yet (the database refusing writes).
  const spendCounters = new SpendCounters(
    (counter, until) =>
      usage.sumWithPending(
        () => budgetStore.spent(counter.scope, counter.subjectId, counter.metric, counter.start, until),
        (entry) =>
          (counter.scope === 'KEY' ? entry.keyId : entry.userId) === counter.subjectId && entry.at >= counter.start && entry.at <= until ? spendOf(counter.metric, entry) : 0,
      ),
    redis,
  );
  const budgets = new Budgets({ store: budgetStore, counters: spendCounters, keys: auth, bus, meter: metrics, reportError });
  await budgets.start();
  usage.onRecorded((entry) => budgets.count(entry));
  usage.onRecorded((entry) => metrics.spend(auth.keyGroupOf(entry.keyId), entry.model, entry.inputTokens + entry.outputTokens, entry.costUsd));
  // A revoked key can spend nothing more: its budgets go (on every replica the revocation reaches; deleting twice is harmless).
  auth.onRevoked((id) => {
    if (id.startsWith('key:')) budgets.keyRevoked(id.slice('key:'.length)).catch((error: unknown) => reportError(error, 'removing a revoked key’s budgets'));
  });
  const modelLoop = new ModelLoop({
    models,
    cache: config.enableModelCache
      ? new ModelCache({ size: config.modelCacheSize, anyTemperature: config.modelCacheAnyTemperature, meter: metrics.cache('model') })
      : undefined,
    tools,
    settings: config,
    metrics,
    ledger: usage,
    budgets,
    tracing,
  });
  const imageSettings = config.images ?? DEFAULT_IMAGE_SETTINGS;
  const fileStore = new FileStore(database.db);
  const images = new MessageImages({ files: fileStore, settings: imageSettings, fetchImage: imageSettings.fetch ? imageFetcher(imageSettings) : undefined });
  const pauses = new RunPauses({ store, runs, shared: sharedRuns, settings: config, reportError });
  // Runs that were waiting for their clients when the gateway stopped wait on: their timeouts are set again.
  await pauses.armStored();
  const chat = new ChatService({
    teams: new Teams({ agents, directory: delegates, settings: teamSettings }),
    images,
    pauses,
    responseFormats,
    agents,
    conversations,
    store,
    hooks,
    context: new ContextBuilder({
      messages: messageMemory,
      memories: memoryStore,
      userContext: userContextStore,
      indexer: memoryIndexer,
      images,
      presence: memoryPresence,
      tokens: new TokenCounter(),
      settings: { systemMessage: config.systemMessage, bufferSize: config.bufferSize, ...memorySettings },
      reportError,
    }),
    indexer: memoryIndexer,
    extractor,
    modelLoop,
    runs,
    shared: sharedRuns,
    admission: new RunAdmission(rateLimiter(config.chatRateLimit, 'chat'), runsInFlight),
    budgets,
    settings: config,
    reportError,
    checkpoints,
    router,
    metrics,
    remoteAgents,
    tracing,
  });

  localDelegates.bind((request) => chat.startDelegated(request));

  // Another replica erased a user: what this one remembers of them goes too.
  bus.subscribe('users-forgotten', (message) => {
    const { userId } = message as { userId: string };
    // Their runs executing here stop too (their answer rows are gone, so the last write changes nothing).
    // Those it wrote to Redis after the erasure there are deleted again once they have ended.
    runs
      .forgetOwner(userId)
      .then((runIds) => sharedRuns?.forgetOwner(userId, runIds))
      .catch((error: unknown) => reportError(error, 'forgetting a user erased on another replica'));
    modelLoop.cache?.forgetUser(userId);
    router.cache?.forgetUser(userId);
    userContextStore.forgetCached(userId);
    memoryPresence.forgetCached(userId);
    // Calls this replica still held for them were queued with their user id.
    usage.forgetUser(userId).catch((error: unknown) => reportError(error, 'forgetting an erased user in the usage ledger'));
  });
  // Changes may have been missed while Redis was down: every cache starts afresh, once (agents,
  // keys and revocations, and MCP registrations catch up through their own subscriptions).
  bus.onReconnect(() => {
    modelLoop.cache?.clear();
    router.cache?.clear();
    userContextStore.forgetCached();
    memoryPresence.forgetCached();
  });
  const memories = new Memories({
    memories: memoryStore,
    messages: messageMemory,
    conversations,
    conversationStore: store,
    agents,
    indexer: memoryIndexer,
    userContext: userContextStore,
    limits: { maxMemoryChars: memorySettings.maxMemoryChars, maxQueryChars: config.maxMessageChars, metadataMaxBytes: config.metadataMaxBytes },
    minSimilarity: memorySettings.minSimilarity,
  });
  const erasure = new UserErasure({
    runs,
    sharedRuns,
    conversations: store,
    memories: memoryStore,
    userContext: userContextStore,
    agents,
    auth,
    extractor,
    chat,
    modelCache: () => modelLoop.cache,
    routingCache: () => router.cache,
    usage,
  });

  return {
    agents,
    usage,
    usageReports: new UsageReports(usageStore, usage),
    usageRetention,
    runUsage: new RunUsageReader(usage, usageStore, async (runId) => (await store.runInfos({ parentRunId: runId })).map((child) => child.id)),
    budgets,
    auth,
    memories,
    userContexts: new UserContexts(userContextStore, memoryStore, config.metadataMaxBytes),
    memoryIndexer,
    extractor,
    mcp,
    remoteAgents,
    remoteAgentDirectory,
    files: new Files(fileStore),
    images,
    forgetUser: async (principal, userId) => {
      const receipt = await erasure.forget(principal, userId);
      await budgets.forgetUser(userId);
      bus.publish('users-forgotten', { userId });
      return receipt;
    },
    conversations,
    chat,
    router,
    runs,
    liveRuns,
    replicaId,
    metricSeries(principal, seconds) {
      requireAdmin(principal);
      return { replicaId, intervalSeconds: sampleMs / 1000, points: metricHistory.points(Math.min(3_600, Math.max(0, seconds))) };
    },
    bootstrapKeys,
    interruptedAnswers,
    registerModel: (name, model) => models.register(name, model),
    registerHook: (name, hook) => hooks.register(name, hook),
    registerTool: (tool) => tools.register(tool),
    health: sharedForOneSecond(async () => {
      const up = await database.ping();
      const redisState = redis ? (redis.isUp ? 'UP' : 'DOWN') : 'NONE';
      return {
        // Redis down is reported, not a 503: every replica would leave the load balancer at once.
        status: chat.isDraining ? 'DRAINING' : up ? 'OK' : 'DEGRADED',
        redis: redisState,
        budgets: budgets.enforcement,
        version: config.version,
        database: up ? 'UP' : 'DOWN',
        databaseKind: database.kind,
        uptimeSeconds: Math.floor((Date.now() - startedAt) / 1000),
        vectorSearch: memoryVectors.state,
        vectorSearchReason: memoryVectors.state === 'AVAILABLE' ? null : memoryVectors.reason,
      };
    }),
    async drain(graceMs) {
      chat.drain();
      await runs.settle(graceMs, new DomainError('UPSTREAM_UNAVAILABLE', 'The gateway is shutting down: the answer was stopped; retry it'));
      runs.endWatchers();
      liveRuns.end();
      agents.endSubscriptions();
    },
    async close() {
      clearInterval(sweep);
      metricHistory.close();
      liveRuns.close();
      pauses.close();
      chat.drain();
      await runs.cancelAll();
      await sharedRuns?.close();
      await mcp.close();
      await remoteAgents.close();
      await checkpoints.flush();
      await extractor?.settle();
      await memoryIndexer.close();
      await userContextStore.close();
      await usage.close();
      await usageRetention.close();
      spendCounters.close();
      runsInFlight.close?.();
      toolCallsInFlight.close?.();
      await redis?.close();
    },
  };
}

/** Health is one cheap check: callers within a second (or while one is in flight) share its answer. */
function sharedForOneSecond<T>(check: () => Promise<T>): () => Promise<T> {
  let latest: { promise: Promise<T>; startedAt: number } | undefined;
  return () => {
    if (latest && Date.now() - latest.startedAt < 1_000) return latest.promise;
    const promise = check();
    latest = { promise, startedAt: Date.now() };
    return promise;
  };
}
