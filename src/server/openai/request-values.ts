import { invalidType as typeError } from './openai-error.js';

/** Reading a /v1 request body's values the way OpenAI checks them: both adapters (chat completions, responses) share these. */

export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

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
