import { invalidRequest, invalidType as typeError } from './openai-error.js';

/** A tool the client runs itself (a UI action, a browser API): offered to the model beside the agent's own. */
export interface ClientTool {
  name: string;
  description?: string;
  /** JSON Schema of the arguments (an object schema). */
  parameters: Record<string, unknown>;
}

/** Which tools the model may or must call: OpenAI's `tool_choice`, a named function as `{ name }`. */
export type ToolChoice = 'auto' | 'none' | 'required' | { name: string };

/** The chat input's client-tool fields, as a /v1 request gives them. */
export interface ClientToolFields {
  clientTools?: ClientTool[];
  toolChoice?: ToolChoice;
  parallelToolCalls?: boolean;
}

/** OpenAI's rule for function names (a-z, A-Z, 0-9, underscores and dashes, at most 64). */
export const TOOL_NAME_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;
/** OpenAI's own limit on a request's tools. */
export const TOOLS_MAX = 128;

type Json = Record<string, unknown>;

/**
 * `tools`, `tool_choice` and `parallel_tool_calls` as the chat input's client-tool fields, refused
 * (400 naming the parameter) the way OpenAI refuses them: non-function tools, bad names or
 * parameters, a tool_choice naming a tool that was not given.
 */
export function parseClientTools(body: Json): ClientToolFields {
  const fields: ClientToolFields = {};
  const tools = toolsOf(body.tools);
  if (tools.length > 0) fields.clientTools = tools;
  const choice = toolChoiceOf(body.tool_choice, tools);
  if (choice !== undefined) fields.toolChoice = choice;
  if (body.parallel_tool_calls != null) {
    if (typeof body.parallel_tool_calls !== 'boolean') throw typeError('parallel_tool_calls', 'a boolean');
    fields.parallelToolCalls = body.parallel_tool_calls;
  }
  return fields;
}

function toolsOf(value: unknown): ClientTool[] {
  if (value == null) return [];
  if (!Array.isArray(value)) throw typeError('tools', 'an array');
  if (value.length > TOOLS_MAX) throw invalidRequest(`Invalid 'tools': array too long. Expected an array with maximum length ${TOOLS_MAX}, but got an array with length ${value.length} instead.`, 'tools', 'array_above_max_length');
  const seen = new Set<string>();
  return value.map((tool, i) => {
    const at = `tools[${i}]`;
    if (!isObject(tool)) throw typeError(at, 'an object');
    if (tool.type !== 'function') {
      throw invalidRequest(`Invalid value for '${at}.type': muxgate takes function tools only ('function'); got ${JSON.stringify(tool.type)}.`, `${at}.type`, 'invalid_value');
    }
    const fn = tool.function;
    if (!isObject(fn)) throw typeError(`${at}.function`, 'an object');
    const { name, description, parameters } = fn;
    if (typeof name !== 'string') throw typeError(`${at}.function.name`, 'a string');
    if (!TOOL_NAME_PATTERN.test(name)) {
      throw invalidRequest(`Invalid '${at}.function.name': string does not match pattern. Expected a string that matches the pattern '${TOOL_NAME_PATTERN.source}'.`, `${at}.function.name`, 'invalid_value');
    }
    if (seen.has(name)) throw invalidRequest(`Invalid '${at}.function.name': a tool named '${name}' was given twice.`, `${at}.function.name`, 'invalid_value');
    seen.add(name);
    if (description != null && typeof description !== 'string') throw typeError(`${at}.function.description`, 'a string');
    // `strict` asks OpenAI to hold arguments to the schema exactly: accepted, the schema is what the model gets.
    if (fn.strict != null && typeof fn.strict !== 'boolean') throw typeError(`${at}.function.strict`, 'a boolean');
    return { name, ...(description ? { description } : {}), parameters: parametersOf(parameters, name, `${at}.function.parameters`) };
  });
}

/** A function's parameters: a JSON Schema of an object; left out, a function that takes none (as OpenAI reads it). */
function parametersOf(value: unknown, name: string, at: string): Record<string, unknown> {
  if (value == null) return { type: 'object', properties: {} };
  if (!isObject(value)) throw typeError(at, 'an object (a JSON Schema)');
  if (value.type !== undefined && value.type !== 'object') {
    throw invalidRequest(`Invalid schema for function '${name}': schema must be a JSON Schema of 'type: "object"', got 'type: ${JSON.stringify(value.type)}'.`, at, 'invalid_function_parameters');
  }
  return value;
}

function toolChoiceOf(value: unknown, tools: ClientTool[]): ToolChoice | undefined {
  if (value == null) return undefined;
  if (value === 'auto' || value === 'none') return value;
  if (value === 'required') {
    if (tools.length === 0) throw invalidRequest("Invalid value for 'tool_choice': 'required' is only allowed when 'tools' are specified.", 'tool_choice', 'invalid_value');
    return value;
  }
  if (typeof value === 'string') throw invalidRequest(`Invalid value for 'tool_choice': expected 'none', 'auto', 'required' or a named function; got ${JSON.stringify(value)}.`, 'tool_choice', 'invalid_value');
  if (!isObject(value) || value.type !== 'function' || !isObject(value.function) || typeof value.function.name !== 'string') {
    throw typeError('tool_choice', "'none', 'auto', 'required' or { type: 'function', function: { name } }");
  }
  const { name } = value.function;
  if (!tools.some((tool) => tool.name === name)) {
    throw invalidRequest(`Invalid value for 'tool_choice': no function named '${name}' was given in 'tools'.`, 'tool_choice', 'invalid_value');
  }
  return { name };
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
