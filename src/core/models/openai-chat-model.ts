import type { ChatCompletionCreateParams, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import {
  type ChatChunk,
  type ChatCompletion,
  type ChatMessage,
  type ChatModel,
  type ChatRequest,
  type FinishReason,
  ModelError,
  type TokenUsage,
} from './chat-model.js';
import { type CompletionChunks, completionChunks } from './completion-chunks.js';
import { OpenAIClient, openAISdk, type OpenAIProviderOptions } from './openai-client.js';

export type { OpenAIProviderOptions } from './openai-client.js';

/** Any OpenAI-compatible server (OpenAI, vLLM, Ollama, llama.cpp, LM Studio) through the official SDK. */
export class OpenAIChatModel implements ChatModel {
  private readonly client: OpenAIClient;
  private readonly timeoutMs: number;

  constructor(options: OpenAIProviderOptions) {
    this.timeoutMs = options.timeoutMs;
    this.client = new OpenAIClient(options);
  }

  async *stream(request: ChatRequest): AsyncIterable<ChatChunk> {
    const { signal } = request;
    let silent = false;
    let watchdog: NodeJS.Timeout | undefined;
    try {
      let chunks: CompletionChunks;
      try {
        // The SDK sends the request (retries, timeout, errors) with the caller's signal; the body is
        // read by completionChunks, and the Response itself is not held for the answer's life.
        chunks = completionChunks(await (await this.client.get()).chat.completions.create(streamed(toParams(request)), { signal }).asResponse());
      } catch (error) {
        throw toModelError(error);
      }
      // The SDK's timeout ends once the response starts; a stream that then goes silent is cut here,
      // by ending its body (no controller of our own between the caller's signal and the SDK's).
      watchdog = setTimeout(() => {
        silent = true;
        chunks.cut();
      }, this.timeoutMs);
      try {
        for await (const chunk of chunks) {
          watchdog.refresh();
          if (chunk.usage) yield { type: 'usage', usage: toUsage(chunk.usage) };
          const choice = chunk.choices[0];
          if (!choice) continue;
          const { delta } = choice;
          if (delta?.content) yield { type: 'text', text: delta.content };
          for (const call of delta?.tool_calls ?? []) {
            yield { type: 'tool_call', index: call.index, id: call.id, name: call.function?.name, argumentsDelta: call.function?.arguments };
          }
          if (choice.finish_reason) yield { type: 'finish', reason: toFinishReason(choice.finish_reason) };
        }
      } catch (error) {
        // Aborted by the caller or cut by the watchdog, the body ends with the abort's error.
        if (!silent && !signal.aborted) throw toModelError(error);
      }
    } finally {
      clearTimeout(watchdog);
    }
    // The watchdog's cut ended the body quietly above: say why.
    if (silent && !signal.aborted) {
      throw new ModelError('UPSTREAM_UNAVAILABLE', `The model stream went silent for ${this.timeoutMs} ms (MODEL_TIMEOUT_MS)`, true);
    }
  }

  async complete(request: ChatRequest): Promise<ChatCompletion> {
    try {
      const response = await (await this.client.get()).chat.completions.create(Object.assign(toParams(request), { stream: false as const }), { signal: request.signal });
      const choice = response.choices[0];
      return {
        content: choice?.message.content ?? '',
        toolCalls: (choice?.message.tool_calls ?? []).flatMap((call) =>
          call.type === 'function' ? [{ id: call.id, name: call.function.name, arguments: call.function.arguments }] : [],
        ),
        finishReason: toFinishReason(choice?.finish_reason ?? 'stop'),
        usage: response.usage ? toUsage(response.usage) : undefined,
      };
    } catch (error) {
      throw toModelError(error);
    }
  }
}

/** The parameters of a streamed call, usage included at the end. */
function streamed(params: Omit<ChatCompletionCreateParams, 'stream'>): ChatCompletionCreateParams & { stream: true } {
  const body = params as ChatCompletionCreateParams & { stream: true };
  body.stream = true;
  body.stream_options = { include_usage: true };
  return body;
}

/**
 * The request's parameters, each optional one set only when given, in the order the body has always
 * had (model, messages, sampling, format, tools; the caller adds stream last). Assigned, not spread:
 * eight conditional spreads made and copied an object each, for every model call.
 */
function toParams(request: ChatRequest): Omit<ChatCompletionCreateParams, 'stream'> {
  const params: Omit<ChatCompletionCreateParams, 'stream'> = { model: request.model, messages: request.messages.map(toOpenAIMessage) };
  if (request.temperature != null) params.temperature = request.temperature;
  if (request.maxTokens != null) params.max_tokens = request.maxTokens;
  if (request.stop?.length) params.stop = request.stop;
  if (request.jsonSchema) params.response_format = { type: 'json_schema', json_schema: { name: request.jsonSchema.name, schema: request.jsonSchema.schema, strict: request.jsonSchema.strict ?? true } };
  else if (request.jsonObject) params.response_format = { type: 'json_object' };
  if (request.tools?.length) {
    params.tools = request.tools.map((tool) => ({ type: 'function' as const, function: { name: tool.name, description: tool.description, parameters: tool.parameters } }));
    if (request.toolChoice !== undefined) params.tool_choice = typeof request.toolChoice === 'string' ? request.toolChoice : { type: 'function', function: { name: request.toolChoice.name } };
    if (request.parallelToolCalls !== undefined) params.parallel_tool_calls = request.parallelToolCalls;
  }
  return params;
}

function toOpenAIMessage(message: ChatMessage): ChatCompletionMessageParam {
  switch (message.role) {
    case 'assistant':
      return {
        role: 'assistant',
        content: message.content,
        ...(message.toolCalls?.length
          ? { tool_calls: message.toolCalls.map((call) => ({ id: call.id, type: 'function' as const, function: { name: call.name, arguments: call.arguments } })) }
          : {}),
      };
    case 'tool':
      return { role: 'tool', content: message.content, tool_call_id: message.toolCallId };
    case 'user':
      if (!message.images?.length) return { role: 'user', content: message.content };
      return {
        role: 'user',
        content: [
          ...(message.content ? [{ type: 'text' as const, text: message.content }] : []),
          ...message.images.map((image) => ({ type: 'image_url' as const, image_url: { url: image.url, ...(image.detail ? { detail: image.detail } : {}) } })),
        ],
      };
    default:
      return message;
  }
}

const toUsage = (usage: {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens?: number | undefined } | undefined;
  completion_tokens_details?: { reasoning_tokens?: number | undefined } | undefined;
}): TokenUsage => ({
  promptTokens: usage.prompt_tokens,
  completionTokens: usage.completion_tokens,
  totalTokens: usage.total_tokens,
  cachedTokens: usage.prompt_tokens_details?.cached_tokens ?? undefined,
  reasoningTokens: usage.completion_tokens_details?.reasoning_tokens ?? undefined,
});

function toFinishReason(reason: string): FinishReason {
  return reason === 'stop' || reason === 'length' || reason === 'tool_calls' || reason === 'content_filter' ? reason : 'other';
}

/**
 * The SDK has already retried what it retries (429, 5xx, connection errors) when this runs.
 * Messages name the status only: the provider's own text may carry keys or prompts, so it stays
 * in the cause, which the run logs for the operator.
 */
export function toModelError(error: unknown): unknown {
  const sdk = openAISdk.loaded;
  if (sdk) {
    const { default: OpenAI } = sdk;
    if (error instanceof OpenAI.APIUserAbortError) return error;
    if (error instanceof OpenAI.RateLimitError) return new ModelError('RATE_LIMITED', 'The model provider is rate limiting requests; try again shortly', true, { cause: error });
    if (error instanceof OpenAI.APIConnectionTimeoutError) return new ModelError('UPSTREAM_UNAVAILABLE', 'The model provider did not answer in time', true, { cause: error });
    if (error instanceof OpenAI.APIConnectionError) return new ModelError('UPSTREAM_UNAVAILABLE', 'The model provider could not be reached', true, { cause: error });
    if (error instanceof OpenAI.APIError) {
      const status = error.status ?? 0;
      if (status >= 500) return new ModelError('UPSTREAM_UNAVAILABLE', `The model provider answered ${status}`, true, { cause: error });
      if (status === 401 || status === 403) return new ModelError('UPSTREAM_UNAVAILABLE', `The model provider answered ${status}: check OPENAI_API_KEY`, false, { cause: error });
      return new ModelError('UPSTREAM_UNAVAILABLE', `The model provider answered ${status}`, false, { cause: error });
    }
    if (error instanceof OpenAI.OpenAIError) return brokeOff(error);
  }
  // A stream cut midway surfaces as a plain error from the SSE reader.
  if (error instanceof Error && error.name !== 'AbortError') return brokeOff(error);
  return error;
}

const brokeOff = (error: Error) => new ModelError('UPSTREAM_UNAVAILABLE', 'The model stream broke off', true, { cause: error });
