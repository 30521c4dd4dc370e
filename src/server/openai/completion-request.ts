import { AGENT_ID_PATTERN } from '../../core/agents/agent.js';
import type { ChatMessage, Sampling } from '../../core/models/chat-model.js';
import type { ResponseFormatInput } from '../../core/models/response-format.js';
import type { ChatInput } from '../../core/runs/chat-input.js';
import { ImageOrigins } from '../image-origins.js';
import { type ClientToolFields, parseClientTools } from './completion-tools.js';
import { imageUrlPart, type UrlImage } from './image-parts.js';
import { invalidRequest, invalidType as typeError, modelNotFound } from './openai-error.js';
import { isObject, type Json, metadataOf, optional, required } from './request-values.js';

/** `model: "auto"`: no agent named, so the chat is routed. */
export const AUTO_MODEL = 'auto';

/** One `role: "tool"` message: the output of a call the model made of a client tool. */
export interface ToolResult {
  callId: string;
  output: string;
}

/**
 * A request whose last messages are tool results: it answers the client-tool calls a run stopped
 * for, and that run goes on (no new turn). The run is found by its conversation (X-Conversation-Id)
 * or by the calls' ids.
 */
export interface Continuation {
  results: ToolResult[];
  /** The index of the first tool message: results[i] is messages[at + i]. */
  at: number;
  conversationId?: string;
  /** `user`: the user the call acts for. */
  userId?: string;
}

interface CompletionOptions {
  /** As the request named it: an agent id, or `auto`. */
  model: string;
  stream: boolean;
  /** stream_options.include_usage: a last chunk with the usage and no choices. */
  includeUsage: boolean;
  /** Which content part each image of the input came from, so a refusal names it. */
  imageOrigins: ImageOrigins;
}

/** A /v1/chat/completions request in the chat pipeline's terms: a new turn, or a continuation. */
export type CompletionRequest = CompletionOptions &
  ({ input: ChatInput & ClientToolFields; continuation?: undefined } | { continuation: Continuation; input?: undefined });

/**
 * Parameters muxgate cannot honour (each agent gives one text answer with its own model and tools):
 * accepted only at the value that changes nothing, refused otherwise, never ignored.
 */
const NEUTRAL: Record<string, { accepts: (value: unknown) => boolean; why: string }> = {
  n: { accepts: (v) => v === 1, why: 'each agent gives one answer: n must be 1' },
  logprobs: { accepts: (v) => v === false, why: 'log probabilities are not available through muxgate' },
  top_logprobs: { accepts: (v) => v === 0, why: 'log probabilities are not available through muxgate' },
  // The deprecated form of `tools`: clients send `tools` today.
  functions: { accepts: (v) => Array.isArray(v) && v.length === 0, why: "the deprecated 'functions' are not supported: send them as 'tools'" },
  function_call: { accepts: (v) => v === 'none' || v === 'auto', why: "the deprecated 'function_call' is not supported: use 'tool_choice'" },
  audio: { accepts: () => false, why: 'audio output is not supported: agents answer in text' },
  modalities: { accepts: (v) => Array.isArray(v) && v.every((m) => m === 'text'), why: 'agents answer in text only' },
  frequency_penalty: { accepts: (v) => v === 0, why: 'frequency_penalty is not supported' },
  presence_penalty: { accepts: (v) => v === 0, why: 'presence_penalty is not supported' },
  top_p: { accepts: (v) => v === 1, why: 'top_p is not supported (temperature is)' },
  logit_bias: { accepts: (v) => isObject(v) && Object.keys(v).length === 0, why: 'logit_bias is not supported' },
  seed: { accepts: () => false, why: 'seed is not supported: answers are not reproducible on request' },
  reasoning_effort: { accepts: () => false, why: 'reasoning_effort is not supported: the agent’s model is configured on the agent' },
  verbosity: { accepts: () => false, why: 'verbosity is not supported' },
  prediction: { accepts: () => false, why: 'predicted outputs are not supported' },
  web_search_options: { accepts: () => false, why: 'web search is not supported: give the agent a search tool (MCP)' },
  service_tier: { accepts: (v) => v === 'auto' || v === 'default', why: 'service tiers are not supported' },
  // Every conversation is stored (auditable, continuable): asking for the opposite cannot be honoured.
  store: { accepts: (v) => v === true, why: 'muxgate stores every conversation; store: false cannot be honoured' },
};

/** Metadata for OpenAI's own systems that changes nothing in an answer: accepted, documented as unused. */
const UNUSED = new Set(['prompt_cache_key', 'safety_identifier']);

/** Honoured: read below. */
const HONOURED = new Set(['model', 'messages', 'stream', 'stream_options', 'temperature', 'max_tokens', 'max_completion_tokens', 'stop', 'user', 'metadata', 'response_format', 'tools', 'tool_choice', 'parallel_tool_calls']);

/**
 * Checks a request body the way OpenAI does (unknown parameters refused) and maps it onto the chat
 * input. Without a conversation, the messages before the last are the turn's history; with one
 * (X-Conversation-Id), the stored conversation is the context and only the last message is read.
 * Trailing tool results instead of a user message make it a continuation of the run that waits for them.
 */
export function parseCompletionRequest(body: unknown, conversationId: string | undefined): CompletionRequest {
  if (!isObject(body)) throw invalidRequest('The request body must be a JSON object.');
  for (const [name, value] of Object.entries(body)) {
    if (value === null || value === undefined || HONOURED.has(name) || UNUSED.has(name)) continue;
    const neutral = NEUTRAL[name];
    if (!neutral) throw invalidRequest(`Unrecognized request argument supplied: ${name}`, name);
    if (!neutral.accepts(value)) throw invalidRequest(`Unsupported value for '${name}': ${neutral.why}.`, name, 'unsupported_parameter');
  }

  const model = body.model;
  if (typeof model !== 'string' || model === '') throw invalidRequest('you must provide a model parameter', 'model');
  // Not an agent id at all ("gpt-4o" with an uppercase letter or a dot): no lookup needed.
  if (model !== AUTO_MODEL && !AGENT_ID_PATTERN.test(model)) throw modelNotFound(model);

  const stream = optional(body, 'stream', 'boolean') ?? false;
  const streamOptions = body.stream_options;
  let includeUsage = false;
  if (streamOptions !== undefined && streamOptions !== null) {
    if (!stream) throw invalidRequest("The 'stream_options' parameter is only allowed when 'stream' is enabled.", 'stream_options');
    if (!isObject(streamOptions)) throw typeError('stream_options', 'an object');
    for (const key of Object.keys(streamOptions)) {
      // include_obfuscation pads chunks against a length side channel on OpenAI's network; nothing to pad here.
      if (key !== 'include_usage' && key !== 'include_obfuscation') throw invalidRequest(`Unrecognized request argument supplied: stream_options.${key}`, `stream_options.${key}`);
    }
    includeUsage = optional(streamOptions, 'include_usage', 'boolean', 'stream_options.include_usage') ?? false;
  }

  // Checked on a continuation too (clients send the same ones with every request), where the run keeps its first request's.
  const tools = parseClientTools(body);
  const sampling = samplingOf(body);
  const metadata = body.metadata != null ? metadataOf(body.metadata) : undefined;
  const userId = body.user != null ? required(body, 'user', 'string') : undefined;
  const messages = parseMessages(body.messages, conversationId !== undefined);
  if ('results' in messages) {
    const continuation: Continuation = { results: messages.results, at: messages.at };
    if (conversationId !== undefined) continuation.conversationId = conversationId;
    if (userId !== undefined) continuation.userId = userId;
    return { model, continuation, stream, includeUsage, imageOrigins: new ImageOrigins() };
  }
  const { message, images, history, imageOrigins } = messages;
  const input: ChatInput & ClientToolFields = {
    message,
    ...(images.length ? { images } : {}),
    ...(model === AUTO_MODEL ? {} : { agentId: model }),
    ...(conversationId !== undefined ? { conversationId } : { history }),
    ...(userId !== undefined ? { userId } : {}),
    ...(metadata !== undefined ? { metadata } : {}),
    ...tools,
  };
  if (sampling) input.sampling = sampling;
  const responseFormat = responseFormatOf(body.response_format);
  if (responseFormat) input.responseFormat = responseFormat;
  return { model, input, stream, includeUsage, imageOrigins };
}

function samplingOf(body: Json): Sampling | undefined {
  const temperature = optional(body, 'temperature', 'number');
  const maxTokens = optional(body, 'max_tokens', 'number');
  const maxCompletionTokens = optional(body, 'max_completion_tokens', 'number');
  if (maxTokens !== undefined && maxCompletionTokens !== undefined && maxTokens !== maxCompletionTokens) {
    throw invalidRequest("'max_tokens' and 'max_completion_tokens' disagree: send one of them.", 'max_tokens');
  }
  const stop = body.stop == null ? undefined : typeof body.stop === 'string' ? [body.stop] : body.stop;
  if (stop !== undefined && !(Array.isArray(stop) && stop.every((s) => typeof s === 'string'))) throw typeError('stop', 'a string or an array of strings');
  const sampling: Sampling = {};
  if (temperature !== undefined) sampling.temperature = temperature;
  if ((maxCompletionTokens ?? maxTokens) !== undefined) sampling.maxTokens = maxCompletionTokens ?? maxTokens;
  if (stop !== undefined && stop.length > 0) sampling.stop = stop as string[];
  return Object.keys(sampling).length > 0 ? sampling : undefined;
}

/**
 * OpenAI's response_format onto the chat's: json_schema is a structured answer (schema checked by
 * the gateway), json_object any JSON object, text (or none) a text answer.
 */
function responseFormatOf(value: unknown): ResponseFormatInput | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw typeError('response_format', 'an object');
  switch (value.type) {
    case 'text':
      return undefined;
    case 'json_object':
      return { type: 'json_object' };
    case 'json_schema': {
      const spec = value.json_schema;
      if (!isObject(spec)) throw invalidRequest("Missing required parameter: 'response_format.json_schema'.", 'response_format.json_schema');
      const name = required(spec, 'name', 'string', 'response_format.json_schema.name');
      if (!isObject(spec.schema)) throw invalidRequest("Invalid 'response_format.json_schema.schema': expected a JSON Schema object.", 'response_format.json_schema.schema');
      const strict = optional(spec, 'strict', 'boolean', 'response_format.json_schema.strict');
      return { type: 'json_schema', name, schema: spec.schema, ...(strict !== undefined ? { strict } : {}) };
    }
    default:
      throw invalidRequest("Invalid value for 'response_format.type': expected one of 'text', 'json_object' or 'json_schema'.", 'response_format.type');
  }
}

/**
 * The last message is the turn and must be the user's; the ones before it, in the model's terms,
 * are its history. With a stored conversation they are not read (the conversation is the context).
 * Tool results last instead: the results, checked against the assistant message whose calls they
 * answer (when the request holds it), as OpenAI checks them.
 */
function parseMessages(value: unknown, stored: boolean): { message: string; images: UrlImage[]; history: ChatMessage[]; imageOrigins: ImageOrigins } | { results: ToolResult[]; at: number } {
  if (!Array.isArray(value)) throw invalidRequest(value === undefined ? "Missing required parameter: 'messages'." : "Invalid type for 'messages': expected an array.", 'messages');
  if (value.length === 0) throw invalidRequest("Invalid 'messages': empty array. Expected an array with minimum length 1.", 'messages');
  const last = value.length - 1;
  let firstResult = value.length;
  while (firstResult > 0 && isObject(value[firstResult - 1]) && (value[firstResult - 1] as Json).role === 'tool') firstResult--;
  if (firstResult <= last) return { results: resultsOf(value, firstResult), at: firstResult };
  const turn = value[last] as unknown;
  if (!isObject(turn) || turn.role !== 'user') {
    throw invalidRequest("The last message must be the user's (or tool results): muxgate answers a user message (with the earlier messages as its history).", `messages[${last}]`);
  }
  const message = toChatMessage(turn, last) as Extract<ChatMessage, { role: 'user' }>;
  const history = stored ? [] : value.slice(0, last).map((m, i) => toChatMessage(m, i));
  // The last message's images are the turn's (stored with it); the history's are sent on as they are.
  const imageOrigins = new ImageOrigins();
  if (message.images?.length) imageOrigins.setMessage(imageSpot(turn, last));
  history.forEach((earlier, i) => {
    if (earlier.role === 'user' && earlier.images?.length) imageOrigins.setHistory(i, imageSpot(value[i] as Json, i));
  });
  return { message: message.content ?? '', images: (message.images ?? []) as UrlImage[], history, imageOrigins };
}

/** Where a user message's image parts are: the core's history[i] is messages[i], its images[n] the n-th image_url part. */
function imageSpot(message: Json, index: number) {
  const at = `messages[${index}].content`;
  const parts = Array.isArray(message.content) ? message.content.flatMap((part: unknown, i) => (isObject(part) && part.type === 'image_url' ? [`${at}[${i}]`] : [])) : [];
  return { content: at, parts };
}

/** The trailing tool messages from `start`: one result per call of the assistant message before them, each call answered once. */
function resultsOf(messages: unknown[], start: number): ToolResult[] {
  const results: ToolResult[] = [];
  for (let i = start; i < messages.length; i++) {
    const { content, toolCallId } = toChatMessage(messages[i], i) as Extract<ChatMessage, { role: 'tool' }>;
    if (results.some((result) => result.callId === toolCallId)) {
      throw invalidRequest(`Invalid 'messages[${i}].tool_call_id': a second result for the call '${toolCallId}'.`, `messages[${i}].tool_call_id`, 'invalid_value');
    }
    results.push({ callId: toolCallId, output: content ?? '' });
  }
  // With X-Conversation-Id (or a client that sends the results alone) the calls are the stored run's, checked there.
  if (start === 0) return results;
  const before = messages[start - 1];
  const assistant = isObject(before) && before.role === 'assistant' ? toChatMessage(before, start - 1) : undefined;
  const calls = assistant?.role === 'assistant' ? (assistant.toolCalls ?? []).map((call) => call.id) : [];
  if (calls.length === 0) {
    throw invalidRequest("Invalid parameter: messages with role 'tool' must be a response to a preceding message with 'tool_calls'.", `messages[${start}]`);
  }
  results.forEach(({ callId }, n) => {
    if (!calls.includes(callId)) {
      throw invalidRequest(`Invalid 'messages[${start + n}].tool_call_id': '${callId}' answers none of the tool calls of messages[${start - 1}].`, `messages[${start + n}].tool_call_id`, 'invalid_value');
    }
  });
  const unanswered = calls.filter((id) => !results.some((result) => result.callId === id));
  if (unanswered.length > 0) {
    throw invalidRequest(
      `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${unanswered.join(', ')}`,
      `messages[${start - 1}]`,
    );
  }
  return results;
}

/** One OpenAI message as the core's ChatMessage; `developer` is a system message to the agent's model. */
function toChatMessage(value: unknown, index: number): ChatMessage {
  const at = `messages[${index}]`;
  if (!isObject(value)) throw typeError(at, 'an object');
  for (const field of ['name', 'audio', 'function_call'] as const) {
    // A tool result's name (LangChain sends it) only repeats which tool answered: its call id says so.
    if (field === 'name' && value.role === 'tool') continue;
    if (value[field] != null) throw invalidRequest(`'${at}.${field}' is not supported by muxgate.`, `${at}.${field}`);
  }
  switch (value.role) {
    case 'system':
    case 'developer':
      return { role: 'system', content: textOf(value.content, at) };
    case 'user': {
      // image_url parts are the user's alone (as OpenAI has it); they follow the text for the model.
      const images: UrlImage[] = [];
      const content = textOf(value.content, at, ['text'], (part, where) => images.push(imageUrlPart(part, where)));
      return { role: 'user', content, ...(images.length ? { images } : {}) };
    }
    case 'assistant': {
      const calls = value.tool_calls ?? [];
      if (!Array.isArray(calls)) throw typeError(`${at}.tool_calls`, 'an array');
      const refusal = typeof value.refusal === 'string' ? value.refusal : null;
      const content = value.content == null ? refusal : textOf(value.content, at, ['text', 'refusal']);
      if (calls.length === 0) return { role: 'assistant', content: content ?? '' };
      return { role: 'assistant', content, toolCalls: calls.map((call, i) => toolCallOf(call, `${at}.tool_calls[${i}]`)) };
    }
    case 'tool': {
      if (typeof value.tool_call_id !== 'string') throw typeError(`${at}.tool_call_id`, 'a string');
      return { role: 'tool', content: textOf(value.content, at), toolCallId: value.tool_call_id };
    }
    case 'function':
      throw invalidRequest(`'${at}': the deprecated 'function' role is not supported.`, `${at}.role`);
    default:
      throw invalidRequest(`Invalid value for '${at}.role': expected one of 'system', 'developer', 'user', 'assistant' or 'tool'.`, `${at}.role`);
  }
}

function toolCallOf(value: unknown, at: string) {
  if (!isObject(value) || value.type !== 'function' || !isObject(value.function)) throw typeError(at, 'a function tool call ({ id, type: "function", function: { name, arguments } })');
  const { id } = value;
  const { name, arguments: args } = value.function;
  if (typeof id !== 'string' || typeof name !== 'string' || typeof args !== 'string') throw typeError(at, 'a tool call with string id, function.name and function.arguments');
  return { id, name, arguments: args };
}

/**
 * A message's content: a string, or text parts (joined). `image_url` parts go to `onImage` where
 * it is given (user messages); otherwise they, audio and files are refused, naming the part.
 */
function textOf(content: unknown, at: string, kinds = ['text'], onImage?: (part: Json, at: string) => void): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) throw typeError(`${at}.content`, 'a string or an array of content parts');
  const texts: string[] = [];
  content.forEach((part, i) => {
    const where = `${at}.content[${i}]`;
    if (!isObject(part) || typeof part.type !== 'string') throw typeError(where, 'a content part');
    if (part.type === 'image_url' && onImage) return onImage(part, where);
    if (!kinds.includes(part.type)) {
      const why = part.type === 'image_url' ? 'images are taken in user messages only' : 'muxgate agents take text and images';
      throw invalidRequest(`'${where}': ${part.type} parts are not supported here: ${why}.`, where);
    }
    const text = part.type === 'refusal' ? part.refusal : part.text;
    if (typeof text !== 'string') throw typeError(`${where}.${part.type}`, 'a string');
    texts.push(text);
  });
  return texts.join('\n');
}
