/** What the orchestrator needs of a language model; the OpenAI provider and custom models implement it. */

export interface ToolCall {
  id: string;
  name: string;
  /** JSON text, as the model wrote it. */
  arguments: string;
}

/**
 * An image of a user message, as the model is sent it: an https URL the provider fetches, or a
 * data: URL (images muxgate stores: the provider cannot reach the gateway). `width` and `height`
 * (from the image's header, when known) are for counting its tokens.
 */
export interface ChatImage {
  url: string;
  detail?: 'auto' | 'low' | 'high' | null | undefined;
  width?: number | null | undefined;
  height?: number | null | undefined;
}

export type ChatMessage =
  | { role: 'system'; content: string }
  /** `images`: sent after the text as OpenAI's image_url content parts; memory, routing and extraction read `content` only. */
  | { role: 'user'; content: string; images?: ChatImage[] | undefined }
  | { role: 'assistant'; content: string | null; toolCalls?: ToolCall[] }
  | { role: 'tool'; content: string; toolCallId: string };

export interface ToolDefinition {
  name: string;
  description?: string;
  /** JSON Schema of the arguments object. */
  parameters: Record<string, unknown>;
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  /** Of the prompt tokens, those memory added (buffer, long-term memories, user context), over every round. */
  memoryTokens?: number | null | undefined;
  /** Of the prompt tokens, those the provider served from its prompt cache (when it says). */
  cachedTokens?: number | undefined;
  /** Of the completion tokens, those spent reasoning (when the provider says). */
  reasoningTokens?: number | undefined;
}

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'other';

export interface ChatRequest {
  /** The model name without a provider prefix. */
  model: string;
  messages: ChatMessage[];
  tools?: ToolDefinition[] | undefined;
  temperature?: number | null | undefined;
  maxTokens?: number | null | undefined;
  /** Up to 4 sequences where the model stops generating (not included in the text). */
  stop?: string[] | undefined;
  /** Aborting it must stop the upstream request: nobody pays for tokens nobody reads. */
  signal: AbortSignal;
  /** Which tool the model must call (OpenAI's tool_choice); the provider's default (auto) when unset. */
  toolChoice?: 'auto' | 'none' | 'required' | { name: string } | undefined;
  /** Whether the model may call several tools in one step; the provider's default when unset. */
  parallelToolCalls?: boolean | undefined;
  /** Structured output: the answer must be JSON matching this schema (strict mode unless `strict` is false). */
  jsonSchema?: { name: string; schema: Record<string, unknown>; strict?: boolean | undefined } | undefined;
  /** The answer must be a JSON object (OpenAI's json_object format). */
  jsonObject?: boolean | undefined;
}

/** A caller's per-request sampling settings; each one set replaces the agent's own for this answer. */
export interface Sampling {
  temperature?: number | null | undefined;
  maxTokens?: number | null | undefined;
  stop?: string[] | null | undefined;
}

/** One piece of a streamed answer. Tool-call pieces arrive split; `index` ties them together. */
export type ChatChunk =
  | { type: 'text'; text: string }
  | { type: 'tool_call'; index: number; id?: string | undefined; name?: string | undefined; argumentsDelta?: string | undefined }
  | { type: 'finish'; reason: FinishReason }
  | { type: 'usage'; usage: TokenUsage };

export interface ChatCompletion {
  content: string;
  toolCalls: ToolCall[];
  finishReason: FinishReason;
  usage: TokenUsage | undefined;
}

export interface ChatModel {
  stream(request: ChatRequest): AsyncIterable<ChatChunk>;
  complete(request: ChatRequest): Promise<ChatCompletion>;
}

/** Why a model call failed, in the API's terms. */
export class ModelError extends Error {
  constructor(
    readonly code: 'UPSTREAM_UNAVAILABLE' | 'RATE_LIMITED' | 'BAD_USER_INPUT',
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ModelError';
  }
}
