import { AGENT_ID_PATTERN } from '../../core/agents/agent.js';
import type { ChatMessage, Sampling } from '../../core/models/chat-model.js';
import type { ResponseFormatInput } from '../../core/models/response-format.js';
import type { ChatInput } from '../../core/runs/chat-input.js';
import { invalidRequest, modelNotFound, OpenAIError } from './openai-error.js';

/** `model: "auto"`: no agent named, so the chat is routed. */
export const AUTO_MODEL = 'auto';

/** A /v1/chat/completions request in the chat pipeline's terms. */
export interface CompletionRequest {
  /** As the request named it: an agent id, or `auto`. */
  model: string;
  input: ChatInput;
  stream: boolean;
  /** stream_options.include_usage: a last chunk with the usage and no choices. */
  includeUsage: boolean;
}

type Json = Record<string, unknown>;

/**
 * Parameters muxgate cannot honour (each agent gives one text answer with its own model and tools):
 * accepted only at the value that changes nothing, refused otherwise, never ignored.
 */
const NEUTRAL: Record<string, { accepts: (value: unknown) => boolean; why: string }> = {
  n: { accepts: (v) => v === 1, why: 'each agent gives one answer: n must be 1' },
  logprobs: { accepts: (v) => v === false, why: 'log probabilities are not available through muxgate' },
  top_logprobs: { accepts: (v) => v === 0, why: 'log probabilities are not available through muxgate' },
  tools: {
    accepts: (v) => Array.isArray(v) && v.length === 0,
    why: 'client-side tools are not supported: an agent calls its own tools (MCP), configured on the agent',
  },
  // Without tools (any tools are refused above) these change nothing.
  parallel_tool_calls: { accepts: (v) => typeof v === 'boolean', why: 'expected a boolean' },
  tool_choice: { accepts: (v) => v === 'none' || v === 'auto', why: 'client-side tools are not supported: an agent calls its own tools' },
  functions: { accepts: (v) => Array.isArray(v) && v.length === 0, why: 'client-side functions are not supported: an agent calls its own tools' },
  function_call: { accepts: (v) => v === 'none' || v === 'auto', why: 'client-side functions are not supported: an agent calls its own tools' },
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
const HONOURED = new Set(['model', 'messages', 'stream', 'stream_options', 'temperature', 'max_tokens', 'max_completion_tokens', 'stop', 'user', 'metadata', 'response_format']);

/**
 * Checks a request body the way OpenAI does (unknown parameters refused) and maps it onto the chat
 * input. Without a conversation, the messages before the last are the turn's history; with one
 * (X-Conversation-Id), the stored conversation is the context and only the last message is read.
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

  const { message, history } = parseMessages(body.messages, conversationId !== undefined);
  const input: ChatInput = {
    message,
    ...(model === AUTO_MODEL ? {} : { agentId: model }),
    ...(conversationId !== undefined ? { conversationId } : { history }),
    ...(body.user != null ? { userId: required(body, 'user', 'string') } : {}),
    ...(body.metadata != null ? { metadata: metadataOf(body.metadata) } : {}),
  };
  const sampling = samplingOf(body);
  if (sampling) input.sampling = sampling;
  const responseFormat = responseFormatOf(body.response_format);
  if (responseFormat) input.responseFormat = responseFormat;
  return { model, input, stream, includeUsage };
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

/** OpenAI's metadata is a map of strings; muxgate keeps it with the user message (METADATA_MAX_BYTES). */
function metadataOf(value: unknown): Json {
  if (!isObject(value) || !Object.values(value).every((v) => typeof v === 'string')) throw typeError('metadata', 'an object of strings');
  return value;
}

/**
 * The last message is the turn and must be the user's; the ones before it, in the model's terms,
 * are its history. With a stored conversation they are not read (the conversation is the context).
 */
function parseMessages(value: unknown, stored: boolean): { message: string; history: ChatMessage[] } {
  if (!Array.isArray(value)) throw invalidRequest(value === undefined ? "Missing required parameter: 'messages'." : "Invalid type for 'messages': expected an array.", 'messages');
  if (value.length === 0) throw invalidRequest("Invalid 'messages': empty array. Expected an array with minimum length 1.", 'messages');
  const last = value.length - 1;
  const turn = value[last] as unknown;
  if (!isObject(turn) || turn.role !== 'user') {
    throw invalidRequest("The last message must be the user's: muxgate answers a user message (with the earlier messages as its history).", `messages[${last}]`);
  }
  const message = toChatMessage(turn, last);
  const history = stored ? [] : value.slice(0, last).map((m, i) => toChatMessage(m, i));
  return { message: message.content ?? '', history };
}

/** One OpenAI message as the core's ChatMessage; `developer` is a system message to the agent's model. */
function toChatMessage(value: unknown, index: number): ChatMessage {
  const at = `messages[${index}]`;
  if (!isObject(value)) throw typeError(at, 'an object');
  for (const field of ['name', 'audio', 'function_call'] as const) {
    if (value[field] != null) throw invalidRequest(`'${at}.${field}' is not supported by muxgate.`, `${at}.${field}`);
  }
  switch (value.role) {
    case 'system':
    case 'developer':
      return { role: 'system', content: textOf(value.content, at) };
    case 'user':
      return { role: 'user', content: textOf(value.content, at) };
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

/** A message's content: a string, or text parts (joined); images, audio and files are refused. */
function textOf(content: unknown, at: string, kinds = ['text']): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) throw typeError(`${at}.content`, 'a string or an array of text parts');
  return content
    .map((part, i) => {
      if (!isObject(part) || typeof part.type !== 'string') throw typeError(`${at}.content[${i}]`, 'a content part');
      if (!kinds.includes(part.type)) throw invalidRequest(`'${at}.content[${i}]': ${part.type} parts are not supported: muxgate agents take text.`, `${at}.content[${i}]`);
      const text = part.type === 'refusal' ? part.refusal : part.text;
      if (typeof text !== 'string') throw typeError(`${at}.content[${i}].${part.type}`, 'a string');
      return text;
    })
    .join('\n');
}

function optional<T extends 'string' | 'number' | 'boolean'>(object: Json, name: string, type: T, param = name) {
  const value = object[name];
  if (value === undefined || value === null) return undefined;
  return required(object, name, type, param);
}

function required<T extends 'string' | 'number' | 'boolean'>(object: Json, name: string, type: T, param = name) {
  const value = object[name];
  if (typeof value !== type) throw typeError(param, `a ${type}`);
  return value as T extends 'string' ? string : T extends 'number' ? number : boolean;
}

const typeError = (param: string, expected: string) => new OpenAIError(400, `Invalid type for '${param}': expected ${expected}.`, 'invalid_request_error', 'invalid_type', param);

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
