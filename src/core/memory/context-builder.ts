import { growingLru } from '../caching/growing-lru.js';
import type { Agent } from '../agents/agent.js';
import type { ReportError } from '../errors.js';
import type { MemoryIndexer } from './memory-indexer.js';
import type { MemoryPresence } from './memory-presence.js';
import type { MemoryStore } from './memory-store.js';
import type { MessageMemoryStore, WindowMessage } from './message-memory-store.js';
import { PromptWindow, type BufferPiece, type MemoryPiece } from './prompt-window.js';
import type { ChatImage } from '../models/chat-model.js';
import type { MessageImages } from '../images/message-images.js';
import { fuseRankings } from './rank-fusion.js';
import { memoryRankings, similarEnough } from './rankings.js';
import type { TokenCounter } from './token-counter.js';
import { finalText, roundMessages } from '../tools/tool-round.js';
import { renderKnowledge } from './user-context/knowledge.js';
import type { UserContextStore } from './user-context/user-context-store.js';
import type { UsageAccount } from '../usage/usage-entry.js';

export interface ContextSettings {
  systemMessage: string;
  bufferSize: number;
  bufferSemanticK: number;
  bufferMultiplier: number;
  memoryK: number;
  maxContextTokens: number;
  /** Vector matches less similar than this (cosine) are left out: the nearest of unrelated texts is still unrelated. */
  minSimilarity: number;
}

/** The message being answered: its run's id tells it apart from the history. */
export interface CurrentTurn {
  runId: string;
  message: string;
  /** A new conversation has no history to read. */
  isNew: boolean;
  /** Whose memory the answer may use (null: the backend's own). */
  userId: string | null;
  /** The credential that started the run: the question's embedding is charged to it (the usage ledger). */
  keyId?: string | null | undefined;
  /** The caller's own history (a /v1 request's earlier messages): the buffer is these, the stored conversation is not read. */
  history?: BufferPiece[] | undefined;
  /** A system message for this answer alone, after the agent's (not stored with the conversation). */
  instructions?: string | undefined;
  /** The message's embedding when routing made one this turn (same model): memory reuses it rather than asking again. */
  messageVector?: number[] | undefined;
  /** The message's images, as the model is sent them; memory and search read the text alone. */
  images?: ChatImage[] | undefined;
}

/** What the context stage hands the model loop: the window, and the question's vector for the indexer to keep. */
export interface BuiltContext {
  prompt: PromptWindow;
  questionVector: number[] | undefined;
}

/**
 * The "build context" stage: the agent's system message, what memory knows about the user, the
 * long-term memories that match the message, and the buffer (the recent messages plus older
 * matching ones with their neighbours; or the history the caller gave), all under MAX_CONTEXT_TOKENS. Runs beside the write of the
 * new message: the history is read without it, so the context is the same whether it landed or not.
 */
export class ContextBuilder {
  constructor(
    private readonly deps: {
      messages: MessageMemoryStore;
      memories: MemoryStore;
      userContext: Pick<UserContextStore, 'facts'>;
      indexer: MemoryIndexer;
      /** Reads stored images back for the buffer's recent messages that have any. */
      images?: Pick<MessageImages, 'forModel'> | undefined;
      /** Whether a user has long-term memories yet (cached): without any, the search needs no vector. */
      presence: Pick<MemoryPresence, 'has'>;
      tokens: TokenCounter;
      settings: ContextSettings;
      reportError: ReportError;
    },
  ) {}

  /**
   * Settled messages each conversation had at most after its last turn built here (its read, plus
   * that turn's two): while they fit the recent buffer, older matches cannot exist and the buffer
   * needs no vector. Another replica's turns make it an underestimate, which the read corrects.
   */
  private readonly settledAtMost = growingLru<string, number>(50_000);

  async build(agent: Agent, conversationId: string, turn: CurrentTurn, signal?: AbortSignal): Promise<BuiltContext> {
    const { settings, indexer } = this.deps;
    const size = Math.max(1, settings.bufferSize);
    const wantsHistory = turn.history === undefined && !turn.isNew && size > 1;
    if (turn.isNew) this.settledAtMost.set(conversationId, 2);
    // One embedding serves both searches, and none is asked for when neither can use it: the owner has
    // no long-term memory yet, and the conversation fits its recent buffer. Routing's is reused.
    // An owner with no long-term memory yet has nothing to search: neither text nor vector is asked.
    const searchesMemory = settings.memoryK > 0 && (await this.deps.presence.has(turn.userId));
    let questionVector = indexer.vectors ? turn.messageVector : undefined;
    const account: UsageAccount = { userId: turn.userId, keyId: turn.keyId ?? null, agentId: agent.id, runId: turn.runId };
    if (questionVector === undefined && indexer.vectors) {
      const bufferNeedsIt = wantsHistory && this.bufferWantsVector(conversationId, size - 1);
      if (bufferNeedsIt || searchesMemory) questionVector = await indexer.embedQuery(turn.message, signal, account);
    }
    // A memory that fails (a search error, MongoDB down) leaves its part out; the answer goes on.
    const degrade = <T,>(part: string, work: Promise<T>, empty: T) =>
      work.catch((error: unknown) => {
        if (signal?.aborted) throw error;
        this.deps.reportError(error, `building the context: ${part} left out`, 'warn');
        return empty;
      });
    // Asked for only when the buffer read finds the conversation longer than this replica knew.
    const lateVector = async () => (questionVector ??= await indexer.embedQuery(turn.message, signal, account));
    const [buffer, longTerm, facts] = await Promise.all([
      wantsHistory ? degrade('the conversation’s older messages', this.buffer(conversationId, turn, questionVector, lateVector), []) : (turn.history ?? []),
      searchesMemory ? degrade('long-term memories', this.longTerm(agent, turn, questionVector), []) : [],
      turn.userId === null ? [] : degrade('the user context', this.deps.userContext.facts(turn.userId), []),
    ]);
    const userContext = renderKnowledge(facts).map((text) => ({ text, key: `uc:${text}` }));
    // An extracted fact is in the user context already: said once is enough.
    const known = new Set(facts.map((fact) => fact.path.join('.')));
    const memories = longTerm.filter((memory) => memory.factKey === null || !known.has(memory.factKey));
    const agentSystem = agent.systemMessage ?? settings.systemMessage;
    const system = turn.instructions ? `${agentSystem}\n\n${turn.instructions}` : agentSystem;
    return {
      prompt: new PromptWindow({ system, userContext, memories, buffer, message: turn.message, images: turn.images, runId: turn.runId }, this.deps.tokens, settings.maxContextTokens),
      questionVector,
    };
  }

  /** The semantic buffer can add a match only when the conversation may hold more than its recent part. */
  private bufferWantsVector(conversationId: string, recent: number): boolean {
    if (this.deps.settings.bufferSemanticK <= 0) return false;
    const known = this.settledAtMost.get(conversationId);
    return known === undefined || known > recent;
  }

  /**
   * The last BUFFER_SIZE − 1 settled messages (answers with their tool rounds, as the model saw
   * them), after up to BUFFER_SEMANTIC_K older matching ones (each with its neighbour).
   */
  private async buffer(conversationId: string, turn: CurrentTurn, vector: number[] | undefined, lateVector: () => Promise<number[] | undefined>): Promise<BufferPiece[]> {
    const { bufferSize, bufferSemanticK, bufferMultiplier } = this.deps.settings;
    const reach = bufferSemanticK > 0 ? bufferSize * bufferMultiplier : bufferSize;
    // The new message takes one place of the buffer.
    const recent = bufferSize - 1;
    // The turn's own message is left out in SQL, so it never takes a place of the reach.
    const read = (v: number[] | undefined) => this.deps.messages.window(conversationId, reach, turn.message, v, turn.runId, recent);
    let window = await read(vector);
    // Longer than this replica knew (turns answered elsewhere): the older messages are ranked with a vector after all.
    if (vector === undefined && window.length > recent && bufferSemanticK > 0 && this.deps.indexer.vectors) {
      const late = await lateVector();
      if (late) window = await read(late);
    }
    this.settledAtMost.set(conversationId, window.length + 2);
    const recentFrom = Math.max(0, window.length - recent);
    const older = window.slice(0, recentFrom);
    const picked = new Set<number>();
    if (bufferSemanticK > 0 && older.length > 0) {
      const byText = older.map((m, i) => ({ m, i })).filter(({ m }) => m.textRank !== null).sort((a, b) => b.m.textRank! - a.m.textRank!);
      const byVector = older
        .map((m, i) => ({ m, i }))
        .filter(({ m }) => similarEnough(m.distance, this.deps.settings.minSimilarity))
        .sort((a, b) => a.m.distance! - b.m.distance!);
      for (const { item } of fuseRankings([byText, byVector], ({ m }) => m.id).slice(0, bufferSemanticK)) {
        picked.add(item.i);
        // Its neighbour: a question's answer, an answer's question.
        const neighbour = item.m.role === 'user' ? item.i + 1 : item.i - 1;
        // Past the end of `older` it is in the recent buffer already.
        if (neighbour >= 0 && neighbour < older.length) picked.add(neighbour);
      }
    }
    // Older matches come as their stored text alone (what the client saw, the rounds' texts
    // included): the match was on that text, and their tool rounds are large and not read.
    const matches = [...picked].sort((a, b) => a - b).map((i) => older[i]!).filter((message) => message.content.length > 0).map(textPiece);
    const recentMessages = window.slice(recentFrom);
    const pieces = recentMessages.map(recentPiece);
    // Recent user messages with images replay them (stored ones read in one query, only when there are any).
    const withImages = recentMessages.flatMap((message, i) => (message.images.length > 0 ? [i] : []));
    if (withImages.length > 0 && this.deps.images) {
      const images = await this.deps.images.forModel(withImages.map((i) => recentMessages[i]!.images));
      withImages.forEach((i, n) => {
        const piece = pieces[i]!;
        if (piece.message?.role === 'user' && images[n]!.length > 0) piece.message = { ...piece.message, images: images[n] };
      });
    }
    return [...matches, ...pieces];
  }

  private async longTerm(agent: Agent, turn: CurrentTurn, vector: number[] | undefined): Promise<Array<MemoryPiece & { factKey: string | null }>> {
    const k = this.deps.settings.memoryK;
    const filter = { scope: { all: false as const, userId: turn.userId }, agentId: agent.id };
    const rankings = await memoryRankings(this.deps.memories, { text: turn.message, vector }, filter, k, this.deps.settings.minSimilarity);
    return fuseRankings(rankings, (memory) => memory.id)
      .slice(0, k)
      .map(({ item }) => ({ text: item.content, key: `mem:${item.id}:${item.updatedAt.getTime()}`, factKey: item.factKey }));
  }
}

const textPiece = (message: WindowMessage): BufferPiece => ({ message: { role: message.role, content: message.content }, key: `msg:${message.id}` });

/** A recent answer with tool rounds expands into them, then its text after them (none when it had none). */
function recentPiece(message: WindowMessage): BufferPiece {
  if (message.toolRounds.length === 0) return textPiece(message);
  const text = finalText(message.content, message.toolRounds);
  return {
    message: text ? { role: 'assistant', content: text } : null,
    // Not `msg:`: that key counts the whole stored text (the same message as an older match).
    key: `answer:${message.id}`,
    rounds: message.toolRounds.map(roundMessages),
  };
}
