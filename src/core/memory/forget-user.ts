import type { Agents } from '../agents/agents.js';
import type { Auth } from '../auth/auth.js';
import { actingUserId, type Principal, requireAuthenticated } from '../auth/principal.js';
import type { ConversationStore } from '../conversations/conversation-store.js';
import { badInput } from '../errors.js';
import type { ModelCache } from '../models/model-cache.js';
import type { RoutingCache } from '../routing/routing-cache.js';
import type { ChatService } from '../runs/chat.js';
import type { RunRegistry } from '../runs/run-registry.js';
import type { SharedRunLog } from '../runs/redis-run-log.js';
import { type MemoryReceipt, emptyReceipt } from './memory.js';
import type { FactExtractor } from './fact-extractor.js';
import type { MemoryStore } from './memory-store.js';
import type { UserContextStore } from './user-context/user-context-store.js';
import type { UsageLedger } from '../usage/usage-ledger.js';

/** An admin acting for nobody: erasure removes the user's private agents with the agents' own rules. */
const ERASURE: Principal = { kind: 'ADMIN', userId: undefined, via: 'API_KEY', credentialId: 'erasure' };

/**
 * forgetUser: erases everything stored about a user — runs in flight and kept for replay,
 * conversations and messages (with their embeddings and image files), long-term memories, user context, private
 * agents, cached model answers and routing decisions that hold their text — and revokes their API
 * keys (the revocations stay, naming nobody). Their usage-ledger rows stay, without their user id.
 * Returns what it removed, by kind.
 */
export class UserErasure {
  constructor(
    private readonly deps: {
      runs: RunRegistry;
      /** With REDIS_URL: every replica's runs, kept in Redis for replay. */
      sharedRuns: SharedRunLog | undefined;
      conversations: ConversationStore;
      memories: MemoryStore;
      userContext: UserContextStore;
      agents: Agents;
      auth: Auth;
      extractor: FactExtractor | undefined;
      chat: Pick<ChatService, 'pauseUser'>;
      modelCache: () => ModelCache | undefined;
      routingCache: () => RoutingCache | undefined;
      /** The usage ledger: the user's calls stay (tokens, cost, key, agent, run) without their user id. */
      usage?: Pick<UsageLedger, 'forgetUser'> | undefined;
    },
  ) {}

  /** Admins and unbound backend keys (they act for any user) may erase any user; a JWT or user-bound key only its own. */
  async forget(principal: Principal, userId: string): Promise<MemoryReceipt> {
    requireAuthenticated(principal);
    const target = actingUserId(principal, userId);
    if (!target) throw badInput('userId is required');
    const receipt = emptyReceipt();
    // Writers first: a chat starting, a run still answering, or an extraction still thinking would write after the erasure.
    const resumeChats = await this.deps.chat.pauseUser(target);
    const resume = this.deps.extractor?.pause(target);
    try {
      const runIds = await this.deps.runs.forgetOwner(target);
      // Before anything else is erased: with Redis down this refuses (retryable) and nothing is half done.
      receipt.runs = this.deps.sharedRuns ? await this.deps.sharedRuns.forgetOwner(target, runIds) : runIds.length;
      await this.deps.extractor?.forgetUser(target);
      await this.erase(target, receipt);
    } finally {
      resume?.();
      resumeChats();
    }
    return receipt;
  }

  private async erase(target: string, receipt: MemoryReceipt): Promise<void> {
    const deleted = await this.deps.conversations.deleteForUser(target);
    receipt.conversations = deleted.conversations;
    receipt.messages = deleted.messages;
    receipt.files = deleted.files;
    receipt.memories = await this.deps.memories.deleteWhere({ scope: { all: false, userId: target } });
    receipt.userContextFacts = await this.deps.userContext.forgetUser(target);
    const theirAgents = (await this.deps.agents.list(ERASURE, { userId: target })).filter((agent) => agent.userId === target);
    for (const agent of theirAgents) await this.deps.agents.remove(ERASURE, agent.id);
    receipt.agents = theirAgents.length;
    receipt.apiKeys = await this.deps.auth.forgetUser(target);
    receipt.cachedAnswers = this.deps.modelCache()?.forgetUser(target) ?? 0;
    receipt.routingDecisions = this.deps.routingCache()?.forgetUser(target) ?? 0;
    // Spend is the operator's record, the user id personal data (and a private agent's id may name them): the rows stay, anonymous.
    await this.deps.usage?.forgetUser(target, theirAgents.map((agent) => agent.id));
  }
}
