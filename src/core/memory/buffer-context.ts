import type { Agent } from '../agents/agent.js';
import type { Message } from '../conversations/conversation.js';
import type { ConversationStore } from '../conversations/conversation-store.js';
import type { ChatMessage } from '../models/chat-model.js';

export interface BufferSettings {
  systemMessage: string;
  bufferSize: number;
}

/** The message being answered: its run's id tells it apart from the history. */
export interface CurrentTurn {
  runId: string;
  message: string;
  /** A new conversation has no history to read. */
  isNew: boolean;
}

/**
 * The "build context" stage: the agent's system message, then the latest settled messages of the
 * conversation, ending with the new one. Long-term and per-user memory join here.
 */
export class BufferContext {
  constructor(
    private readonly store: ConversationStore,
    private readonly settings: BufferSettings,
  ) {}

  /**
   * Runs beside the write of the new message (which may or may not have landed): the history is
   * read without it and the message appended from memory, so the context is the same either way.
   */
  async build(agent: Agent, conversationId: string, turn: CurrentTurn): Promise<ChatMessage[]> {
    const size = Math.max(1, this.settings.bufferSize);
    // The new message takes one place of the buffer.
    const history =
      turn.isNew || size === 1
        ? []
        : (await this.store.messages(conversationId, { last: size, settledOnly: true }))
            .filter((message) => message.runId !== turn.runId && usableInContext(message))
            .slice(-(size - 1))
            .map((message): ChatMessage => ({ role: message.role, content: message.content }));
    return [{ role: 'system', content: agent.systemMessage ?? this.settings.systemMessage }, ...history, { role: 'user', content: turn.message }];
  }
}

/** Empty answers (failed before any text) would only confuse the model; partial ones are what the user saw. */
const usableInContext = (message: Message) => message.role === 'user' || message.content.length > 0;
