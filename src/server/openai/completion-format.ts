import type { TokenUsage } from '../../core/models/chat-model.js';
import type { ChatAnswer } from '../../core/runs/await-answer.js';
import { type ClientToolCall, clientCallsOf, type CompletionLeg, legText, legUsage } from './completion-leg.js';
import type { OpenAIErrorBody } from './openai-error.js';

/**
 * OpenAI's finish reasons: the agent's own tools run inside the gateway (running out of tool rounds
 * is a length limit); `tool_calls` only when the response ends with calls of the client's tools.
 */
export function finishReasonOf(reason: string | null): 'stop' | 'length' | 'content_filter' {
  // A spent budget cut the answer short, as a token limit would.
  if (reason === 'length' || reason === 'max_tool_iterations' || reason === 'budget_exceeded') return 'length';
  if (reason === 'content_filter') return 'content_filter';
  return 'stop';
}

export const usageOf = (usage: TokenUsage) => ({ prompt_tokens: usage.promptTokens, completion_tokens: usage.completionTokens, total_tokens: usage.totalTokens });

/** OpenAI's `tool_calls` entry for a client tool call. */
export const toolCallOf = (call: ClientToolCall) => ({ id: call.id, type: 'function' as const, function: { name: call.name, arguments: call.arguments } });

/**
 * An answer, or the part of it since the response started (`leg`), as a `chat.completion`; `model`
 * is the agent that answered (the routed one for `auto`). An answer waiting for the client's tools
 * ends with their calls and finish_reason `tool_calls`.
 */
export function completionBody(answer: ChatAnswer, created: number, leg: CompletionLeg) {
  const calls = clientCallsOf(answer.message);
  const text = legText(leg, answer.message.content);
  const usage = legUsage(leg, answer.usage);
  return {
    id: leg.id,
    object: 'chat.completion' as const,
    created,
    model: answer.agentId,
    choices: [
      {
        index: 0,
        message:
          calls.length > 0
            ? { role: 'assistant' as const, content: text || null, refusal: null, annotations: [], tool_calls: calls.map(toolCallOf) }
            : { role: 'assistant' as const, content: text, refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: calls.length > 0 ? ('tool_calls' as const) : finishReasonOf(answer.message.finishReason),
      },
    ],
    // Left out when the model reported none (a custom model may not): never invented.
    ...(usage ? { usage: usageOf(usage) } : {}),
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

  /** A client tool call's first chunk: its id, type and name, no arguments yet. */
  toolCall(index: number, call: ClientToolCall): string {
    const delta = { tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] };
    return `${this.head}${JSON.stringify(delta)},"logprobs":null,"finish_reason":null}]${this.tail}`;
  }

  /** A piece of a client tool call's arguments. */
  toolArguments(index: number, piece: string): string {
    return `${this.head}${JSON.stringify({ tool_calls: [{ index, function: { arguments: piece } }] })},"logprobs":null,"finish_reason":null}]${this.tail}`;
  }

  /** The last choice chunk: no text, the finish reason. */
  finish(reason: string | null): string {
    return `${this.head}{},"logprobs":null,"finish_reason":"${reason === 'tool_calls' ? reason : finishReasonOf(reason)}"}]${this.tail}`;
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
