import { invalidRequest, OpenAIError } from '../openai-error.js';

// Copied from completion-request.ts, where they are private to the module: to be shared once both /v1 adapters have landed.

export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export const typeError = (param: string, expected: string) => new OpenAIError(400, `Invalid type for '${param}': expected ${expected}.`, 'invalid_request_error', 'invalid_type', param);

export function optional<T extends 'string' | 'number' | 'boolean'>(object: Json, name: string, type: T, param = name) {
  const value = object[name];
  if (value === undefined || value === null) return undefined;
  return required(object, name, type, param);
}

export function required<T extends 'string' | 'number' | 'boolean'>(object: Json, name: string, type: T, param = name) {
  const value = object[name];
  if (typeof value !== type) throw typeError(param, `a ${type}`);
  return value as T extends 'string' ? string : T extends 'number' ? number : boolean;
}

/** OpenAI's metadata is a map of strings; muxgate keeps it with the user message (METADATA_MAX_BYTES). */
export function metadataOf(value: unknown): Json {
  if (!isObject(value) || !Object.values(value).every((v) => typeof v === 'string')) throw typeError('metadata', 'an object of strings');
  return value;
}

export const missing = (param: string) => invalidRequest(`Missing required parameter: '${param}'.`, param, 'missing_required_parameter');
