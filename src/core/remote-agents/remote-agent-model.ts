import type { Agent } from '../agents/agent.js';
import { type ChatChunk, type ChatCompletion, type ChatMessage, type ChatModel, type ChatRequest, ModelError } from '../models/chat-model.js';
import type { RemoteUpdate } from './remote-exchange.js';

/** The model provider a remote agent answers through: `a2a:<remote agent id>`. */
export const A2A_PROVIDER = 'a2a';

/** Earlier turns sent along as the question's context: the last few, and no more than this much text. */
const CONTEXT_MESSAGES = 10;
const CONTEXT_CHARS = 8_000;

/**
 * A remote agent as a ChatModel, so a chat routed to it (or naming it) runs through the one run
 * pipeline: its user message stored first, the remote's text streamed as TokenDelta, checkpointed
 * and stored as the answer. The remote is sent the user's message and the conversation's recent
 * turns as context; never the system message, which carries memories and user context.
 */
export class RemoteAgentChatModel implements ChatModel {
  constructor(private readonly ask: (id: string, question: { text: string; context?: string | undefined }, signal: AbortSignal) => AsyncGenerator<RemoteUpdate>) {}

  async *stream(request: ChatRequest): AsyncIterable<ChatChunk> {
    const { question, context } = questionOf(request.messages);
    try {
      for await (const update of this.ask(request.model, { text: question, context }, request.signal)) {
        if (update.type === 'text') yield { type: 'text', text: update.text };
      }
    } catch (error) {
      if (request.signal.aborted) throw error;
      throw new ModelError('UPSTREAM_UNAVAILABLE', error instanceof Error ? error.message : String(error), true, { cause: error });
    }
    yield { type: 'finish', reason: 'stop' };
  }

  async complete(request: ChatRequest): Promise<ChatCompletion> {
    let content = '';
    for await (const chunk of this.stream(request)) if (chunk.type === 'text') content += chunk.text;
    return { content, toolCalls: [], finishReason: 'stop', usage: undefined };
  }
}

/** The last user message is the question; the user and assistant turns before it, the context. */
function questionOf(messages: ChatMessage[]): { question: string; context: string | undefined } {
  const lastUser = messages.findLastIndex((message) => message.role === 'user');
  const question = lastUser >= 0 ? (messages[lastUser]!.content as string) : '';
  const turns = messages
    .slice(0, Math.max(0, lastUser))
    .filter((message) => (message.role === 'user' || message.role === 'assistant') && message.content)
    .slice(-CONTEXT_MESSAGES)
    .map((message) => `${message.role}: ${message.content}`);
  let context = turns.join('\n');
  if (context.length > CONTEXT_CHARS) context = context.slice(context.length - CONTEXT_CHARS);
  return { question, context: context || undefined };
}

/** The local stand-in that answers a chat routed to a remote agent: no tools, no system message, the remote as its model. */
export function remoteStandIn(id: string, description: string | null, since: Date): Agent {
  return {
    id,
    description,
    systemMessage: null,
    model: `${A2A_PROVIDER}:${id}`,
    temperature: null,
    maxTokens: null,
    tools: [],
    fallbackModels: [],
    requireApproval: [],
    responseFormat: null,
    a2a: false,
    delegates: [],
    handoffs: [],
    isDefault: false,
    userId: null,
    createdAt: since,
    updatedAt: since,
  };
}
