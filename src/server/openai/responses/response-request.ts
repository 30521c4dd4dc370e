import { AGENT_ID_PATTERN } from '../../../core/agents/agent.js';
import type { Sampling } from '../../../core/models/chat-model.js';
import type { ResponseFormatInput } from '../../../core/models/response-format.js';
import type { ClientToolInput, ToolChoice } from '../../../core/runs/client-tools.js';
import { AUTO_MODEL } from '../completion-request.js';
import { invalidRequest, invalidType as typeError, modelNotFound, OpenAIError } from '../openai-error.js';
import { isObject, type Json, metadataOf, optional, required } from '../request-values.js';
import { parseResponseId, type ResponseRef } from './response-ids.js';
import { type ParsedInput, parseInput, type ReferenceResolver } from './response-input.js';

/** What a response repeats of its request (OpenAI's response object echoes them). */
export interface ResponseEcho {
  instructions: string | null;
  max_output_tokens: number | null;
  parallel_tool_calls: boolean;
  previous_response_id: string | null;
  temperature: number | null;
  text: { format: Json };
  tool_choice: unknown;
  tools: unknown[];
  top_p: number | null;
  truncation: 'auto' | 'disabled';
  user: string | null;
  metadata: Json;
  store: boolean;
}

/** A POST /v1/responses in the chat pipeline's terms; `input` says whether it starts a turn or resumes a paused run. */
export interface ResponseRequest {
  /** As the request named it: an agent id, or `auto`. */
  model: string;
  stream: boolean;
  previous: (ResponseRef & { id: string }) | undefined;
  input: ParsedInput;
  echo: ResponseEcho;
  userId: string | undefined;
  metadata: Json | undefined;
  sampling: Sampling | undefined;
  clientTools: ClientToolInput[];
  toolChoice: ToolChoice | undefined;
  parallelToolCalls: boolean | undefined;
  responseFormat: ResponseFormatInput | undefined;
}

/**
 * Parameters muxgate cannot honour: accepted only at the value that changes nothing, refused
 * otherwise (never ignored), as /v1/chat/completions does.
 */
const NEUTRAL: Record<string, { accepts: (value: unknown) => boolean; why: string }> = {
  // Every conversation is stored (auditable, continuable): asking for the opposite cannot be honoured.
  store: { accepts: (v) => v === true, why: 'muxgate stores every conversation; store: false cannot be honoured' },
  background: { accepts: (v) => v === false, why: 'background responses are not supported: stream, or fetch the response with GET /v1/responses/{id} while it runs' },
  include: { accepts: (v) => Array.isArray(v) && v.length === 0, why: 'no extra output (reasoning, search results, logprobs) is available through muxgate' },
  truncation: { accepts: (v) => v === 'auto' || v === 'disabled', why: "expected 'auto' or 'disabled'" },
  top_p: { accepts: (v) => v === 1, why: 'top_p is not supported (temperature is)' },
  top_logprobs: { accepts: (v) => v === 0, why: 'log probabilities are not available through muxgate' },
  service_tier: { accepts: (v) => v === 'auto' || v === 'default', why: 'service tiers are not supported' },
  reasoning: {
    accepts: (v) => isObject(v) && Object.values(v).every((field) => field === null || field === undefined),
    why: 'reasoning settings are not supported: the agent’s model is configured on the agent',
  },
  max_tool_calls: { accepts: () => false, why: 'max_tool_calls is not supported: the agent’s tool rounds are bounded by MAX_TOOL_ITERATIONS' },
  conversation: { accepts: () => false, why: 'conversations are continued with previous_response_id' },
  prompt: { accepts: () => false, why: 'stored prompts are not supported: give instructions' },
  context_management: { accepts: () => false, why: 'context management is not supported: the gateway fits the context to MAX_CONTEXT_TOKENS' },
};

/** Metadata for OpenAI's own systems that changes nothing in an answer: accepted, documented as unused. */
const UNUSED = new Set(['prompt_cache_key', 'safety_identifier', 'prompt_cache_retention']);

const HONOURED = new Set([
  'model', 'input', 'instructions', 'previous_response_id', 'tools', 'tool_choice', 'parallel_tool_calls', 'text',
  'max_output_tokens', 'temperature', 'user', 'metadata', 'stream', 'stream_options',
]);

/**
 * Checks a request body the way OpenAI does (unknown parameters refused, the parameter named)
 * and reads it in the chat pipeline's terms. `resolve` reads the items an `item_reference` names.
 */
export function parseResponseRequest(body: unknown, resolve: ReferenceResolver): ResponseRequest {
  if (!isObject(body)) throw invalidRequest('The request body must be a JSON object.');
  for (const [name, value] of Object.entries(body)) {
    if (value === null || value === undefined || HONOURED.has(name) || UNUSED.has(name)) continue;
    const neutral = NEUTRAL[name];
    if (!neutral) throw invalidRequest(`Unknown parameter: '${name}'.`, name, 'unknown_parameter');
    if (!neutral.accepts(value)) throw invalidRequest(`Unsupported value for '${name}': ${neutral.why}.`, name, 'unsupported_parameter');
  }

  const model = body.model;
  if (typeof model !== 'string' || model === '') throw invalidRequest("Missing required parameter: 'model'.", 'model', 'missing_required_parameter');
  if (model !== AUTO_MODEL && !AGENT_ID_PATTERN.test(model)) throw modelNotFound(model);

  const stream = optional(body, 'stream', 'boolean') ?? false;
  if (body.stream_options != null) {
    if (!stream) throw invalidRequest("The 'stream_options' parameter is only allowed when 'stream' is enabled.", 'stream_options');
    if (!isObject(body.stream_options)) throw typeError('stream_options', 'an object');
    for (const key of Object.keys(body.stream_options)) {
      // include_obfuscation pads events against a length side channel on OpenAI's network; nothing to pad here.
      if (key !== 'include_obfuscation') throw invalidRequest(`Unknown parameter: 'stream_options.${key}'.`, `stream_options.${key}`, 'unknown_parameter');
    }
  }

  const previousId = optional(body, 'previous_response_id', 'string');
  const previousRef = previousId === undefined ? undefined : parseResponseId(previousId);
  if (previousId !== undefined && !previousRef) throw previousNotFound(previousId);
  const previous = previousRef && previousId ? { ...previousRef, id: previousId } : undefined;

  const instructions = optional(body, 'instructions', 'string');
  const temperature = optional(body, 'temperature', 'number');
  const maxOutputTokens = optional(body, 'max_output_tokens', 'number');
  const parallelToolCalls = optional(body, 'parallel_tool_calls', 'boolean');
  const userId = optional(body, 'user', 'string');
  const metadata = body.metadata != null ? metadataOf(body.metadata) : undefined;
  const clientTools = toolsOf(body.tools);
  const toolChoice = toolChoiceOf(body.tool_choice);
  const { format, responseFormat } = textFormatOf(body.text);
  const sampling: Sampling = {};
  if (temperature !== undefined) sampling.temperature = temperature;
  if (maxOutputTokens !== undefined) sampling.maxTokens = maxOutputTokens;

  return {
    model,
    stream,
    previous,
    input: parseInput(body.input, resolve),
    userId,
    metadata,
    sampling: Object.keys(sampling).length > 0 ? sampling : undefined,
    clientTools,
    toolChoice,
    parallelToolCalls,
    responseFormat,
    echo: {
      instructions: instructions ?? null,
      max_output_tokens: maxOutputTokens ?? null,
      parallel_tool_calls: parallelToolCalls ?? true,
      previous_response_id: previousId ?? null,
      temperature: temperature ?? null,
      text: { format },
      tool_choice: body.tool_choice ?? 'auto',
      tools: Array.isArray(body.tools) ? body.tools : [],
      top_p: typeof body.top_p === 'number' ? body.top_p : null,
      truncation: body.truncation === 'auto' ? 'auto' : 'disabled',
      user: userId ?? null,
      metadata: metadata ?? {},
      store: true,
    },
  };
}

export const previousNotFound = (id: string) =>
  new OpenAIError(404, `Previous response with id '${id}' not found.`, 'invalid_request_error', 'previous_response_not_found', 'previous_response_id');

/** Function tools are client tools; any other tool type (hosted search, MCP, code…) is refused: agents bring their own. */
function toolsOf(value: unknown): ClientToolInput[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw typeError('tools', 'an array');
  return value.map((tool, index) => {
    const at = `tools[${index}]`;
    if (!isObject(tool)) throw typeError(at, 'a tool object');
    if (tool.type !== 'function') {
      throw invalidRequest(
        `Unsupported value for '${at}.type': '${String(tool.type)}' tools are not supported: an agent calls its own tools (MCP), configured on the agent; function tools run by the client are.`,
        `${at}.type`,
        'unsupported_parameter',
      );
    }
    const name = required(tool, 'name', 'string', `${at}.name`);
    const description = optional(tool, 'description', 'string', `${at}.description`);
    if (tool.parameters != null && !isObject(tool.parameters)) throw typeError(`${at}.parameters`, 'a JSON Schema object');
    // strict: the schema is the model's to follow; the gateway checks only that it is a schema.
    optional(tool, 'strict', 'boolean', `${at}.strict`);
    return { name, ...(description !== undefined ? { description } : {}), ...(tool.parameters != null ? { parameters: tool.parameters as Json } : {}) };
  });
}

function toolChoiceOf(value: unknown): ToolChoice | undefined {
  if (value === undefined || value === null) return undefined;
  if (value === 'auto' || value === 'none' || value === 'required') return value;
  if (isObject(value) && value.type === 'function') return { name: required(value, 'name', 'string', 'tool_choice.name') };
  throw invalidRequest("Unsupported value for 'tool_choice': expected 'auto', 'none', 'required' or { type: 'function', name }.", 'tool_choice', 'unsupported_value');
}

/** text.format onto the chat's response format: json_schema is a structured answer, json_object any JSON object. */
function textFormatOf(value: unknown): { format: Json; responseFormat: ResponseFormatInput | undefined } {
  if (value === undefined || value === null) return { format: { type: 'text' }, responseFormat: undefined };
  if (!isObject(value)) throw typeError('text', 'an object');
  for (const key of Object.keys(value)) {
    if (key !== 'format' && key !== 'verbosity') throw invalidRequest(`Unknown parameter: 'text.${key}'.`, `text.${key}`, 'unknown_parameter');
  }
  if (value.verbosity != null && value.verbosity !== 'medium') throw invalidRequest("Unsupported value for 'text.verbosity': verbosity is not supported.", 'text.verbosity', 'unsupported_parameter');
  const format = value.format;
  if (format === undefined || format === null) return { format: { type: 'text' }, responseFormat: undefined };
  if (!isObject(format)) throw typeError('text.format', 'an object');
  switch (format.type) {
    case 'text':
      return { format: { type: 'text' }, responseFormat: undefined };
    case 'json_object':
      return { format: { type: 'json_object' }, responseFormat: { type: 'json_object' } };
    case 'json_schema': {
      const name = required(format, 'name', 'string', 'text.format.name');
      if (!isObject(format.schema)) throw invalidRequest("Invalid 'text.format.schema': expected a JSON Schema object.", 'text.format.schema');
      const strict = optional(format, 'strict', 'boolean', 'text.format.strict');
      const description = optional(format, 'description', 'string', 'text.format.description');
      return {
        format: { type: 'json_schema', name, schema: format.schema, strict: strict ?? null, ...(description !== undefined ? { description } : {}) },
        responseFormat: { type: 'json_schema', name, schema: format.schema, ...(strict !== undefined ? { strict } : {}) },
      };
    }
    default:
      throw invalidRequest("Invalid value for 'text.format.type': expected one of 'text', 'json_object' or 'json_schema'.", 'text.format.type', 'invalid_value');
  }
}
