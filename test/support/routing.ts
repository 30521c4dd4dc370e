import { AgentStore } from '../../src/core/agents/agent-store.js';
import { Agents } from '../../src/core/agents/agents.js';
import type { Principal } from '../../src/core/auth/principal.js';
import { ConversationStore } from '../../src/core/conversations/conversation-store.js';
import { ModelRegistry } from '../../src/core/models/model-registry.js';
import { OpenAIChatModel } from '../../src/core/models/openai-chat-model.js';
import { OpenAIEmbeddingModel } from '../../src/core/models/openai-embedding-model.js';
import { AgentRouter } from '../../src/core/routing/agent-router.js';
import { DEFAULT_ROUTING_SETTINGS, type RoutingSettings } from '../../src/core/routing/routing-settings.js';
import { type Database, openDatabase } from '../../src/db/database.js';
import { FakeOpenAI } from './fake-openai.js';

export const ADMIN: Principal = { kind: 'ADMIN', userId: undefined, via: 'API_KEY' };
export const ALICE: Principal = { kind: 'USER', userId: 'alice', via: 'JWT' };
export const BOB: Principal = { kind: 'USER', userId: 'bob', via: 'JWT' };

/** Agents most routing tests share; the first is the default. */
export const AGENTS = [
  { id: 'assistant', description: 'General questions, small talk and anything else' },
  { id: 'code', description: 'Programming help: debugging code, writing functions, code review, Python and TypeScript' },
  { id: 'billing', description: 'Billing: invoices, payments, refunds and subscription charges' },
  { id: 'travel', description: 'Travel planning: flights, hotels, trains and itineraries' },
];

/** A real PGlite database with the real stores, and the local upstream through the real SDK. */
export interface RoutingWorld {
  fake: FakeOpenAI;
  database: Database;
  agents: Agents;
  conversations: ConversationStore;
  router(settings?: Partial<RoutingSettings>, options?: { embeddings?: boolean; models?: ModelRegistry }): AgentRouter;
  addAgents(list?: Array<{ id: string; description?: string; userId?: string }>): Promise<void>;
  /** A conversation whose last answer came from `agentId`. */
  conversationAnsweredBy(agentId: string, userId?: string | null): Promise<string>;
  reset(): Promise<void>;
  close(): Promise<void>;
}

export async function startRoutingWorld(): Promise<RoutingWorld> {
  const fake = await FakeOpenAI.start();
  const database = await openDatabase({ dataDir: 'memory://', onLockLost: () => {} });
  const agents = new Agents(new AgentStore(database.db), 'gpt-4o');
  const conversations = new ConversationStore(database.db);
  return {
    fake,
    database,
    agents,
    conversations,
    router(settings = {}, options = {}) {
      const models = options.models ?? new ModelRegistry('openai');
      if (!options.models) models.register('openai', new OpenAIChatModel({ baseURL: fake.url, timeoutMs: 10_000, maxRetries: 0 }));
      const embeddings = options.embeddings
        ? new OpenAIEmbeddingModel({ baseURL: fake.url, timeoutMs: 10_000, maxRetries: 0, model: 'text-embedding-3-small', dimensions: 256 })
        : undefined;
      return new AgentRouter({
        listAgents: (principal, listOptions) => agents.list(principal, listOptions),
        defaultAgent: (principal) => agents.getDefault(principal),
        models,
        embeddings,
        lastAnswerAgentId: (id) => conversations.lastAnswerAgentId(id),
        settings: { ...DEFAULT_ROUTING_SETTINGS, ...settings },
      });
    },
    async addAgents(list = AGENTS) {
      for (const agent of list) await agents.create(ADMIN, agent);
    },
    async conversationAnsweredBy(agentId, userId = 'alice') {
      const { conversation } = await conversations.startConversation(userId, 'test', { user: { content: 'first question' }, answer: { agentId, runId: crypto.randomUUID(), routing: { agentId, strategy: 'EXPLICIT', confidence: 1, reason: 'test', cached: false, latencyMs: 0, candidates: [] } } });
      return conversation.id;
    },
    async reset() {
      await database.db.deleteFrom('conversations').execute();
      await database.db.deleteFrom('agents').execute();
      await database.db.deleteFrom('settings').execute();
      agents.invalidate();
      fake.reset();
    },
    async close() {
      await fake.close();
      await database.close();
    },
  };
}

/** The candidate list the routing prompt showed the model. */
export const promptedIds = (body: any): string[] => [...String(body.messages[0].content).matchAll(/^- ([a-z0-9_-]+):/gm)].map((m) => m[1]!);
