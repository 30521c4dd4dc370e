import type { Agents } from '../agents/agents.js';
import type { Auth } from '../auth/auth.js';
import { actingUserId, type Principal, requireAuthenticated } from '../auth/principal.js';
import type { ConversationStore } from '../conversations/conversation-store.js';
import { badInput } from '../errors.js';
import type { ModelCache } from '../models/model-cache.js';
import type { RoutingCache } from '../routing/routing-cache.js';
import type { RunRegistry } from '../runs/run-registry.js';
import { type MemoryReceipt, emptyReceipt } from './memory.js';
import type { MemoryStore } from './memory-store.js';
import type { UserContextStore } from './user-context/user-context-store.js';

/** An admin acting for nobody: erasure removes the user's private agents with the agents' own rules. */
const ERASURE: Principal = { kind: 'ADMIN', userId: undefined, via: 'API_KEY', credentialId: 'erasure' };

/**
 * forgetUser: erases everything stored about a user — runs in flight and kept for replay,
 * conversations and messages (with their embeddings), long-term memories, user context, private
 * agents, cached model answers and routing decisions that hold their text — and revokes their API
 * keys (the revocations stay, naming nobody). Returns what it removed, by kind.
 */
export class UserErasure {
  constructor(
    private readonly deps: {
      runs: RunRegistry;
      conversations: ConversationStore;
      memories: MemoryStore;
      userContext: UserContextStore;
      agents: Agents;
      auth: Auth;
      modelCache: () => ModelCache | undefined;
      routingCache: () => RoutingCache | undefined;
    },
  ) {}

  /** Admins may erase any user; a user bound credential (a JWT) only its own user. */
  async forget(principal: Principal, userId: string): Promise<MemoryReceipt> {
    requireAuthenticated(principal);
    const target = actingUserId(principal, userId);
    if (!target) throw badInput('userId is required');
    const receipt = emptyReceipt();
    // Runs first: a run still answering would write its answer after its conversation is gone.
    receipt.runs = await this.deps.runs.forgetOwner(target);
    const deleted = await this.deps.conversations.deleteForUser(target);
    receipt.conversations = deleted.conversations;
    receipt.messages = deleted.messages;
    receipt.memories = await this.deps.memories.deleteWhere({ scope: { all: false, userId: target } });
    receipt.userContextFacts = await this.deps.userContext.forgetUser(target);
    const theirAgents = (await this.deps.agents.list(ERASURE, { userId: target })).filter((agent) => agent.userId === target);
    for (const agent of theirAgents) await this.deps.agents.remove(ERASURE, agent.id);
    receipt.agents = theirAgents.length;
    receipt.apiKeys = await this.deps.auth.forgetUser(target);
    receipt.cachedAnswers = this.deps.modelCache()?.forgetUser(target) ?? 0;
    receipt.routingDecisions = this.deps.routingCache()?.forgetUser(target) ?? 0;
    return receipt;
  }
}
