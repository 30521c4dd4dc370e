import type { ChatImage, ChatMessage, ToolDefinition } from '../models/chat-model.js';
import { TOKENS_PER_REPLY, type TokenCounter } from './token-counter.js';

/** A piece of the prompt memory supplied, with the key its token count is cached under. */
export interface MemoryPiece {
  text: string;
  key: string;
}

export interface BufferPiece {
  /** null: an answer with tool rounds and no text after them (cancelled during a tool call). System: a caller's history only. */
  message: (ChatMessage & { role: 'system' | 'user' | 'assistant' }) | null;
  /** Caches the piece's token count; none for texts seen once (a caller's history). */
  key?: string | undefined;
  /** An answer's tool rounds before its text, as the model saw them: each round's messages, whole. */
  rounds?: ChatMessage[][];
}

export interface PromptParts {
  system: string;
  /** User-context lines, most important first. */
  userContext: MemoryPiece[];
  /** Long-term memories, best first. */
  memories: MemoryPiece[];
  /** Buffer messages in conversation order (older matching ones, then the recent ones). */
  buffer: BufferPiece[];
  message: string;
  /** The new message's images (counted at the provider's rate); none for most messages. */
  images?: ChatImage[] | undefined;
  /** Names this turn's tool-round cache keys apart from other runs' (call ids repeat across runs). */
  runId: string;
}

export interface AssembledPrompt {
  messages: ChatMessage[];
  /** Prompt tokens that memory (buffer, memories, user context) added to this request. */
  memoryTokens: number;
  /** What did not fit in MAX_CONTEXT_TOKENS, by kind. */
  dropped: { toolRounds: number; buffer: number; memories: number; userContext: number };
}

const USER_CONTEXT_HEADING = '\n\nWhat you know about the user (from memory):';
const MEMORIES_HEADING = '\n\nRelevant memories (most relevant first):';
/** A line's newline and "- " and a join's boundary: counted apart, so a sum never undercounts. */
const TOKENS_PER_LINE = 2;

/**
 * The context of one answer under one token budget. Assembled again for every model round (tool
 * results join it), each time within MAX_CONTEXT_TOKENS: the buffer's tool rounds go first (whole,
 * oldest first: they are the bulk, and the answer after them says what they found), then the
 * oldest buffer messages, then the lowest-ranked memories, then the least important user-context
 * lines; never the system message, the new message or this turn's tool rounds.
 */
export class PromptWindow {
  /** What each round kept, so memory's tokens can be counted exactly once the tokenizer is loaded. */
  private readonly rounds: Array<{ toolRounds: number; buffer: number; memories: number; userContext: number }> = [];
  /** The buffer's tool rounds in conversation order, each with its piece and its messages' cache keys. */
  private readonly bufferRounds: Array<{ piece: number; messages: ChatMessage[]; keys: Array<string | undefined> }>;

  constructor(
    readonly parts: PromptParts,
    private readonly tokens: TokenCounter,
    private readonly maxTokens: number,
  ) {
    this.bufferRounds = parts.buffer.flatMap((piece, index) =>
      (piece.rounds ?? []).map((messages, round) => ({ piece: index, messages, keys: messages.map((_, i) => piece.key && `${piece.key}:round${round}:${i}`) })),
    );
  }

  /** `tools`: the definitions sent with the request, which the provider counts as prompt tokens too. */
  assemble(turn: readonly ChatMessage[] = [], tools: readonly ToolDefinition[] = []): AssembledPrompt {
    const { parts, tokens } = this;
    const toolText = tools.length ? JSON.stringify(tools.map(({ name, description, parameters }) => ({ name, description, parameters }))) : '';
    const fixed =
      TOKENS_PER_REPLY +
      (toolText ? tokens.tokens(toolText, `tools:${toolText}`) : 0) +
      tokens.messageTokens({ role: 'system', content: parts.system }, `sys:${parts.system}`) +
      tokens.messageTokens(this.userMessage()) +
      turn.reduce((sum, message) => sum + tokens.messageTokens(message, turnKey(parts.runId, message)), 0);
    const line = (piece: MemoryPiece) => TOKENS_PER_LINE + tokens.tokens(piece.text, piece.key);
    const heading = (text: string) => tokens.tokens(text, `heading:${text}`);
    const bufferCosts = parts.buffer.map((piece) => this.pieceTokens(piece));
    const roundCosts = this.bufferRounds.map((round) => this.roundTokens(round));
    const memoryCosts = parts.memories.map(line);
    const contextCosts = parts.userContext.map(line);
    // Rounds go oldest first, all of them before any message: the rounds left are those of kept pieces.
    let droppedRounds = 0;
    let buffer = parts.buffer.length;
    let memories = parts.memories.length;
    let userContext = parts.userContext.length;
    const total = () =>
      fixed +
      sum(roundCosts, droppedRounds, roundCosts.length) +
      sum(bufferCosts, parts.buffer.length - buffer, parts.buffer.length) +
      sum(memoryCosts, 0, memories) +
      (memories > 0 ? heading(MEMORIES_HEADING) : 0) +
      sum(contextCosts, 0, userContext) +
      (userContext > 0 ? heading(USER_CONTEXT_HEADING) : 0);
    let size = total();
    while (size > this.maxTokens && droppedRounds < roundCosts.length) {
      droppedRounds++;
      size = total();
    }
    while (size > this.maxTokens && buffer > 0) {
      buffer--;
      size = total();
    }
    while (size > this.maxTokens && memories > 0) {
      memories--;
      size = total();
    }
    while (size > this.maxTokens && userContext > 0) {
      userContext--;
      size = total();
    }
    let system = parts.system;
    if (userContext > 0) system += `${USER_CONTEXT_HEADING}\n${parts.userContext.slice(0, userContext).map((piece) => `- ${piece.text}`).join('\n')}`;
    if (memories > 0) system += `${MEMORIES_HEADING}\n${parts.memories.slice(0, memories).map((piece) => `- ${piece.text}`).join('\n')}`;
    this.rounds.push({ toolRounds: roundCosts.length - droppedRounds, buffer, memories, userContext });
    return {
      messages: [{ role: 'system', content: system }, ...this.bufferMessages(buffer, droppedRounds), this.userMessage(), ...turn],
      memoryTokens: size - fixed,
      dropped: {
        toolRounds: droppedRounds,
        buffer: parts.buffer.length - buffer,
        memories: parts.memories.length - memories,
        userContext: parts.userContext.length - userContext,
      },
    };
  }

  private userMessage(): ChatMessage {
    const { message, images } = this.parts;
    return images?.length ? { role: 'user', content: message, images } : { role: 'user', content: message };
  }

  /** The newest `count` buffer pieces, each answer's kept rounds (those from `firstRound` on) before its text. */
  private bufferMessages(count: number, firstRound: number): ChatMessage[] {
    const { buffer } = this.parts;
    const messages: ChatMessage[] = [];
    let round = firstRound;
    for (let index = buffer.length - count; index < buffer.length; index++) {
      while (round < this.bufferRounds.length && this.bufferRounds[round]!.piece < index) round++;
      for (; round < this.bufferRounds.length && this.bufferRounds[round]!.piece === index; round++) messages.push(...this.bufferRounds[round]!.messages);
      const message = buffer[index]!.message;
      if (message) messages.push(message);
    }
    return messages;
  }

  private pieceTokens(piece: BufferPiece): number {
    return piece.message ? this.tokens.messageTokens(piece.message, piece.key) : 0;
  }

  private roundTokens(round: { messages: ChatMessage[]; keys: Array<string | undefined> }): number {
    return round.messages.reduce((total, message, i) => total + this.tokens.messageTokens(message, round.keys[i]), 0);
  }

  /** Prompt tokens memory added over every round assembled so far, counted by the tokenizer (loaded if need be). */
  async memoryTokens(): Promise<number> {
    await this.tokens.ready();
    const { parts, tokens } = this;
    const line = (piece: MemoryPiece) => TOKENS_PER_LINE + tokens.tokens(piece.text, piece.key);
    let total = 0;
    for (const round of this.rounds) {
      for (const kept of this.bufferRounds.slice(this.bufferRounds.length - round.toolRounds)) total += this.roundTokens(kept);
      for (const piece of parts.buffer.slice(parts.buffer.length - round.buffer)) total += this.pieceTokens(piece);
      for (const piece of parts.memories.slice(0, round.memories)) total += line(piece);
      for (const piece of parts.userContext.slice(0, round.userContext)) total += line(piece);
      if (round.memories > 0) total += tokens.tokens(MEMORIES_HEADING, `heading:${MEMORIES_HEADING}`);
      if (round.userContext > 0) total += tokens.tokens(USER_CONTEXT_HEADING, `heading:${USER_CONTEXT_HEADING}`);
    }
    return total;
  }
}

const sum = (values: number[], from: number, to: number) => {
  let total = 0;
  for (let i = from; i < to; i++) total += values[i]!;
  return total;
};

/** A tool round's messages never change once added: their counts are cached by call id. */
const turnKey = (runId: string, message: ChatMessage) =>
  message.role === 'tool'
    ? `tool:${runId}:${message.toolCallId}`
    : message.role === 'assistant' && message.toolCalls?.length
      ? `calls:${runId}:${message.toolCalls[0]!.id}`
      : undefined;
