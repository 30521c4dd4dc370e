import type { Agent } from '../agents/agent.js';
import type { Message } from '../conversations/conversation.js';
import type { ConversationStore } from '../conversations/conversation-store.js';
import type { ChatMessage } from '../models/chat-model.js';

export interface BufferSettings {
  systemMessage: string;
  bufferSize: number;
}

/**
 * The "build context" stage: the agent's system message, then the latest settled messages of the
 * conversation (the new one included). Long-term and per-user memory join here.
 */
export class BufferContext {
  constructor(
    private readonly store: ConversationStore,
    private readonly settings: BufferSettings,
  ) {}

  /** `known`: the conversation so far when the caller already has it (a new conversation), saving a read. */
  async build(agent: Agent, conversationId: string, known?: ChatMessage[]): Promise<ChatMessage[]> {
    const history =
      known ??
      (await this.store.messages(conversationId, { last: Math.max(1, this.settings.bufferSize), settledOnly: true }))
        .filter(usableInContext)
        .map((message): ChatMessage => ({ role: message.role, content: message.content }));
    return [{ role: 'system', content: agent.systemMessage ?? this.settings.systemMessage }, ...history];
  }
}

/** Empty answers (failed before any text) would only confuse the model; partial ones are what the user saw. */
const usableInContext = (message: Message) => message.role === 'user' || message.content.length > 0;
