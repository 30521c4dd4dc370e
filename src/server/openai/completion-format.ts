import type { TokenUsage } from '../../core/models/chat-model.js';
import type { ChatAnswer } from '../../core/runs/await-answer.js';
import type { OpenAIErrorBody } from './openai-error.js';

/** OpenAI's finish reasons: tools run inside the gateway, and running out of tool rounds is a length limit. */
export function finishReasonOf(reason: string | null): 'stop' | 'length' | 'content_filter' {
  if (reason === 'length' || reason === 'max_tool_iterations') return 'length';
  if (reason === 'content_filter') return 'content_filter';
  return 'stop';
}

export const usageOf = (usage: TokenUsage) => ({ prompt_tokens: usage.promptTokens, completion_tokens: usage.completionTokens, total_tokens: usage.totalTokens });

/** The id of a completion: its run's. */
export const completionId = (runId: string) => `chatcmpl-${runId}`;

/** A whole answer as a `chat.completion`; `model` is the agent that answered (the routed one for `auto`). */
export function completionBody(answer: ChatAnswer, created: number) {
  return {
    id: completionId(answer.runId),
    object: 'chat.completion' as const,
    created,
    model: answer.agentId,
    choices: [
      {
        index: 0,
        message: { role: 'assistant' as const, content: answer.message.content, refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: finishReasonOf(answer.message.finishReason),
      },
    ],
    // Left out when the model reported none (a custom model may not): never invented.
    ...(answer.usage ? { usage: usageOf(answer.usage) } : {}),
  };
}

/**
 * The frames of one streamed completion, as OpenAI writes them: `chat.completion.chunk` objects
 * sharing id, created and model. Each token's frame is two fixed strings around its JSON-escaped
 * text, so a token costs one escape and one concatenation, not an object's serialisation.
 */
export class CompletionFrames {
  private readonly head: string;
  private readonly tail: string;

  constructor(
    private readonly id: string,
    private readonly created: number,
    private readonly model: string,
    /** With stream_options.include_usage, every chunk carries `usage: null` but the last. */
    includeUsage: boolean,
  ) {
    this.head = `data: {"id":${JSON.stringify(id)},"object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(model)},"choices":[{"index":0,"delta":`;
    this.tail = includeUsage ? ',"usage":null}\n\n' : '}\n\n';
  }

  /** The first chunk: the assistant's role, no text yet. */
  role(): string {
    return `${this.head}{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}]${this.tail}`;
  }

  content(text: string): string {
    return `${this.head}{"content":${JSON.stringify(text)}},"logprobs":null,"finish_reason":null}]${this.tail}`;
  }

  /** The last choice chunk: no text, the finish reason. */
  finish(reason: string | null): string {
    return `${this.head}{},"logprobs":null,"finish_reason":"${finishReasonOf(reason)}"}]${this.tail}`;
  }

  /** After the last choice chunk, with stream_options.include_usage: no choices, the usage. */
  usage(usage: TokenUsage): string {
    return `data: ${JSON.stringify({ id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model, choices: [], usage: usageOf(usage) })}\n\n`;
  }

  static error(body: OpenAIErrorBody): string {
    return `data: ${JSON.stringify(body)}\n\n`;
  }

  static readonly DONE = 'data: [DONE]\n\n';
}
