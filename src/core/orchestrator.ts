import type { Database } from '../db/database.js';
import { AgentStore } from './agents/agent-store.js';
import { Agents } from './agents/agents.js';
import { Auth, type AuthConfig, type BootstrapKeys } from './auth/auth.js';
import { ConversationStore } from './conversations/conversation-store.js';
import { Conversations } from './conversations/conversations.js';
import { type HookMap, type HookName, Hooks } from './hooks/hooks.js';
import type { ChatModel } from './models/chat-model.js';
import { ModelCache } from './models/model-cache.js';
import { ModelRegistry } from './models/model-registry.js';
import { OpenAIChatModel } from './models/openai-chat-model.js';
import { ChatService, type ChatSettings } from './runs/chat.js';
import { RunRegistry } from './runs/run-registry.js';
import { Settings } from './settings.js';
import { type ToolRegistration, ToolRegistry } from './tools/tool-registry.js';

export interface OrchestratorConfig extends AuthConfig, ChatSettings {
  version: string;
  defaultModel: string;
  openaiApiKey?: string | undefined;
  openaiBaseUrl?: string | undefined;
  modelTimeoutMs: number;
  modelMaxRetries: number;
  runRetentionMs: number;
  enableModelCache: boolean;
  modelCacheSize: number;
  modelCacheAnyTemperature: boolean;
}

export interface HealthReport {
  status: 'OK' | 'DEGRADED';
  version: string;
  database: 'UP' | 'DOWN';
  databaseKind: Database['kind'];
  uptimeSeconds: number;
}

export interface Orchestrator {
  agents: Agents;
  auth: Auth;
  conversations: Conversations;
  chat: ChatService;
  runs: RunRegistry;
  /** Keys generated on this first start, to show the operator once. */
  bootstrapKeys: BootstrapKeys;
  /** Adds a model provider ("custom" serves "custom:any-name") or one exact model name. */
  registerModel(name: string, model: ChatModel): () => void;
  /** Returns a function that removes the hook. */
  registerHook<N extends HookName>(name: N, hook: HookMap[N]): () => void;
  /** An in-process tool agents may call when they list its name in `tools`. */
  registerTool(tool: ToolRegistration): () => void;
  health(): Promise<HealthReport>;
  /** Cancels runs in flight (their partial answers are stored) and stops. */
  close(): Promise<void>;
}

/** Composes the core from its parts; everything it needs is passed in, nothing is global. */
export async function createOrchestrator(options: {
  database: Database;
  config: OrchestratorConfig;
  reportError?: (error: unknown, context: string) => void;
}): Promise<Orchestrator> {
  const { database, config } = options;
  const startedAt = Date.now();
  const settings = new Settings(database.db);
  const { auth, bootstrapKeys } = await Auth.create(database.db, settings, config);
  const agents = new Agents(new AgentStore(database.db), config.defaultModel);
  const store = new ConversationStore(database.db);
  const conversations = new Conversations(store);
  const models = new ModelRegistry('openai');
  if (config.openaiApiKey || config.openaiBaseUrl) {
    models.register(
      'openai',
      new OpenAIChatModel({ apiKey: config.openaiApiKey, baseURL: config.openaiBaseUrl, timeoutMs: config.modelTimeoutMs, maxRetries: config.modelMaxRetries }),
    );
  }
  const hooks = new Hooks();
  const tools = new ToolRegistry();
  const runs = new RunRegistry(config.runRetentionMs);
  const chat = new ChatService({
    agents,
    conversations,
    store,
    models,
    cache: config.enableModelCache ? new ModelCache({ size: config.modelCacheSize, anyTemperature: config.modelCacheAnyTemperature }) : undefined,
    tools,
    hooks,
    runs,
    settings: config,
    reportError: options.reportError ?? ((error, context) => console.error(`muxgate: ${context}:`, error)),
  });

  return {
    agents,
    auth,
    conversations,
    chat,
    runs,
    bootstrapKeys,
    registerModel: (name, model) => models.register(name, model),
    registerHook: (name, hook) => hooks.register(name, hook),
    registerTool: (tool) => tools.register(tool),
    health: sharedForOneSecond(async () => {
      const up = await database.ping();
      return {
        status: up ? 'OK' : 'DEGRADED',
        version: config.version,
        database: up ? 'UP' : 'DOWN',
        databaseKind: database.kind,
        uptimeSeconds: Math.floor((Date.now() - startedAt) / 1000),
      };
    }),
    async close() {
      await runs.cancelAll();
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
