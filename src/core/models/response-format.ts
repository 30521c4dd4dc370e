import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { z } from 'zod';
import { badInput } from '../errors.js';
import { metadataProblem } from '../input-limits.js';
import type { ChatRequest } from './chat-model.js';

// ajv-formats is CommonJS: under NodeNext its default export arrives as the module object.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv2020) => void;

/** A structured answer: JSON matching a schema (`json_schema`), or any JSON object (`json_object`, /v1 only). */
export type ResponseFormat =
  | { type: 'json_schema'; name: string; schema: Record<string, unknown>; strict?: boolean | null | undefined }
  | { type: 'json_object' };

/** A schema is a prompt's worth of JSON, not a document store. */
export const RESPONSE_SCHEMA_MAX_BYTES = 64 * 1024;

/** The name OpenAI's json_schema format requires: a-z, A-Z, 0-9, "_" and "-", at most 64. */
const formatName = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'must be 1-64 characters of a-z, A-Z, 0-9, "_" or "-"' });

// Read as unknown (GraphQL's JSON scalar gives any value), refused unless a JSON object.
const jsonSchemaObject = z.unknown().superRefine((value, ctx) => {
  if (value === null || value === undefined) return;
  const problem =
    typeof value !== 'object' || Array.isArray(value) ? 'must be a JSON Schema object' : metadataProblem(value, RESPONSE_SCHEMA_MAX_BYTES);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** The caller's shape (GraphQL, REST, agents): `{ name?, schema, strict? }`; `type` only /v1 sets. */
export const responseFormatSchema = z
  .object({
    type: z.enum(['json_schema', 'json_object']).nullish(),
    name: formatName.nullish(),
    schema: jsonSchemaObject.optional(),
    strict: z.boolean().nullish(),
  })
  .superRefine((value, ctx) => {
    if (value.type !== 'json_object' && !value.schema) ctx.addIssue({ code: 'custom', path: ['schema'], message: 'is required (a JSON Schema)' });
  })
  .transform((value): ResponseFormat =>
    value.type === 'json_object'
      ? { type: 'json_object' }
      : { type: 'json_schema', name: value.name ?? 'answer', schema: value.schema as Record<string, unknown>, ...(value.strict != null ? { strict: value.strict } : {}) },
  );

export type ResponseFormatInput = z.input<typeof responseFormatSchema>;

/** What a check of an answer found: its parsed value, or why it is refused (ajv's words). */
export type AnswerVerdict = { ok: true; value: unknown } | { ok: false; errors: string[] };

/** A response format ready to use: what the model request carries, and the check of an answer. */
export interface CompiledResponseFormat {
  format: ResponseFormat;
  /** The ChatRequest fields that ask the model for this format. */
  request: Pick<ChatRequest, 'jsonSchema' | 'jsonObject'>;
  check(text: string): AnswerVerdict;
}

/**
 * Compiles response formats with ajv (2020-12, formats checked), each distinct schema once. A
 * schema ajv cannot compile is BAD_USER_INPUT, so a bad one is refused before any run starts.
 */
export class ResponseFormats {
  private readonly ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: true });
  /** By the schema's JSON; the oldest is dropped (and ajv's own copy with it) past `maxCached`. */
  private readonly compiled = new Map<string, { schema: object; validate: ValidateFunction }>();

  constructor(private readonly maxCached = 256) {
    addFormats(this.ajv);
  }

  compile(format: ResponseFormat): CompiledResponseFormat {
    if (format.type === 'json_object') return { format, request: { jsonObject: true }, check: checkObject };
    const validate = this.validatorFor(format.schema);
    const strict = format.strict ?? fitsStrictMode(format.schema);
    return {
      format,
      request: { jsonSchema: { name: format.name, schema: format.schema, strict } },
      check: (text) => {
        const parsed = parseJson(text);
        if (!parsed.ok) return parsed;
        return validate(parsed.value) ? parsed : { ok: false, errors: (validate.errors ?? []).map(describeError) };
      },
    };
  }

  private validatorFor(schema: Record<string, unknown>): ValidateFunction {
    const key = JSON.stringify(schema);
    const cached = this.compiled.get(key);
    if (cached) {
      // Most recently used last, so eviction drops the coldest.
      this.compiled.delete(key);
      this.compiled.set(key, cached);
      return cached.validate;
    }
    // Any draft's $schema is read as 2020-12 (what answers use is the same in both); a root $id would clash in ajv's registry.
    const { $schema: _dialect, $id: _id, ...rest } = schema;
    let validate: ValidateFunction;
    try {
      validate = this.ajv.compile(rest);
    } catch (error) {
      throw badInput(`responseFormat.schema is not a valid JSON Schema: ${(error as Error).message}`, { problems: [`responseFormat.schema ${(error as Error).message}`] });
    }
    this.compiled.set(key, { schema: rest, validate });
    if (this.compiled.size > this.maxCached) {
      const [oldestKey, oldest] = this.compiled.entries().next().value!;
      this.compiled.delete(oldestKey);
      this.ajv.removeSchema(oldest.schema);
    }
    return validate;
  }
}

function parseJson(text: string): AnswerVerdict {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, errors: [`the answer is not JSON: ${(error as Error).message}`] };
  }
}

function checkObject(text: string): AnswerVerdict {
  const parsed = parseJson(text);
  if (!parsed.ok) return parsed;
  const { value } = parsed;
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? parsed : { ok: false, errors: ['the answer must be a JSON object'] };
}

/** One ajv error in a line: where (a JSON pointer into the answer) and what is wrong. */
function describeError(error: ErrorObject): string {
  const where = error.instancePath || '/';
  const params = error.params as { additionalProperty?: string; allowedValues?: unknown[] };
  if (params.additionalProperty !== undefined) return `${where} must not have the property "${params.additionalProperty}"`;
  if (params.allowedValues !== undefined) return `${where} ${error.message ?? 'is invalid'}: ${JSON.stringify(params.allowedValues)}`;
  return `${where} ${error.message ?? 'is invalid'}`;
}

/** Keywords OpenAI's strict mode refuses (a 400 from the provider, not a bad answer). */
const NOT_IN_STRICT_MODE = new Set([
  'allOf', 'oneOf', 'not', 'if', 'then', 'else', 'dependentRequired', 'dependentSchemas', 'patternProperties',
  'unevaluatedProperties', 'unevaluatedItems', 'propertyNames', 'minProperties', 'maxProperties', 'contains', 'prefixItems',
]);

/**
 * Whether OpenAI's strict mode accepts the schema: an object at the root, every object closed
 * (additionalProperties: false) with every property required, no keyword it refuses. A schema
 * that does not fit is sent with strict: false (the model is guided, the gateway's check decides).
 */
export function fitsStrictMode(root: Record<string, unknown>): boolean {
  if (root.type !== 'object') return false;
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const node = pending.pop();
    if (typeof node !== 'object' || node === null) continue;
    if (Array.isArray(node)) {
      pending.push(...node);
      continue;
    }
    const schema = node as Record<string, unknown>;
    if (Object.keys(schema).some((keyword) => NOT_IN_STRICT_MODE.has(keyword))) return false;
    const properties = schema.properties as Record<string, unknown> | undefined;
    const isObject = schema.type === 'object' || (Array.isArray(schema.type) && schema.type.includes('object')) || properties !== undefined;
    if (isObject) {
      if (schema.additionalProperties !== false) return false;
      const required = Array.isArray(schema.required) ? schema.required : [];
      if (Object.keys(properties ?? {}).some((name) => !required.includes(name))) return false;
    }
    for (const key of ['items', 'anyOf']) if (schema[key] !== undefined) pending.push(schema[key]);
    for (const key of ['properties', '$defs', 'definitions']) if (typeof schema[key] === 'object' && schema[key] !== null) pending.push(...Object.values(schema[key]));
  }
  return true;
}
