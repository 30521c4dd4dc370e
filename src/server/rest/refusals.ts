import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifyError, FastifyReply, FastifyRequest, FastifySchemaCompiler } from 'fastify';
import { badInput, DomainError, isDomainError } from '../../core/errors.js';
import { DECIMAL_NOTATION } from '../../core/validation.js';
import { truncate } from '../error-log.js';
import { type RestErrorBody, restError, snakeCase } from '../errors.js';

// ajv-formats is CommonJS: under NodeNext its default export arrives as the module object.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

/**
 * Ajv for each part of a request. Bodies are JSON and must already have the right types (a
 * string where a boolean belongs is an error, not a coercion); path and query are text, so
 * numbers and booleans there are read from it. Every problem is reported, not just the first.
 */
export function restValidatorCompiler(): FastifySchemaCompiler<unknown> {
  const options: Options = { useDefaults: true, removeAdditional: false, allErrors: true, allowUnionTypes: true };
  const body = addFormats(new Ajv({ ...options, coerceTypes: false }));
  const text = addFormats(new Ajv({ ...options, coerceTypes: 'array' }));
  return ({ schema, httpPart }) => compiledAtFirstUse(() => (httpPart === 'body' ? body.compile(schema as object) : inDecimalDigits(schema, text.compile(schema as object))));
}

/**
 * A route's validator compiled at its first request, not when the route is added: compiled at start, the ~40
 * validators' generated source (~210 kB) and code stayed in an idle gateway's heap.
 */
function compiledAtFirstUse(compile: () => ValidateFunction | ((data: unknown) => boolean)) {
  let validate: ReturnType<typeof compile> | undefined;
  const check = (data: unknown) => {
    validate ??= compile();
    const valid = validate(data);
    check.errors = (validate as { errors?: ErrorObject[] | null }).errors ?? null;
    return valid;
  };
  check.errors = null as ErrorObject[] | null;
  return check;
}

/** How numbers are written in a path, query or header: Ajv's coercion is Number(), which reads 0x10 as 16. */
const WRITTEN = { integer: DECIMAL_NOTATION.integer, number: DECIMAL_NOTATION.number } as const;

/** Checks the text of the schema's integer and number fields before Ajv coerces it; a field written otherwise is refused by name. */
function inDecimalDigits(schema: unknown, validate: ValidateFunction): ValidateFunction | ((data: unknown) => boolean) {
  const properties = (schema as { properties?: Record<string, { type?: unknown }> }).properties ?? {};
  const numeric = Object.entries(properties).flatMap(([name, field]) => (field.type === 'integer' || field.type === 'number' ? [[name, WRITTEN[field.type]] as const] : []));
  if (numeric.length === 0) return validate;
  const check = (data: unknown) => {
    const values = (data ?? {}) as Record<string, unknown>;
    for (const [name, written] of numeric) {
      const texts = ([] as unknown[]).concat(values[name] ?? []);
      if (texts.some((text) => typeof text === 'string' && !written.test(text.trim()))) {
        check.errors = [{ instancePath: `/${name}`, schemaPath: `#/properties/${name}/type`, keyword: 'type', params: {}, message: 'must be written in decimal digits' }];
        return false;
      }
    }
    const valid = validate(data);
    check.errors = validate.errors ?? null;
    return valid;
  };
  check.errors = null as ErrorObject[] | null;
  return check;
}

/** Ajv's findings as the core words its own (`Invalid input: message must be string`), fields by their JSON names. */
export function validationError(errors: readonly ErrorObject[]): DomainError {
  const problems = errors.slice(0, 10).map((error) => {
    const path = error.instancePath.split('/').slice(1).join('.');
    const at = (name: string) => (path ? `${path}.${name}` : name);
    if (error.keyword === 'required') return `${at(String(error.params.missingProperty))} is required`;
    if (error.keyword === 'additionalProperties') return `${at(String(error.params.additionalProperty))} is not a known field`;
    return `${path || 'body'} ${error.message ?? 'is not valid'}`;
  });
  return badInput(`Invalid input: ${problems.join('; ')}`, { problems });
}

/**
 * Core checks name fields as the core does (`systemMessage must be at most …`); a REST caller
 * sent `system_message`. Only the leading field path of each problem is renamed (snake_case, or
 * `renames` where the REST name differs, as `id` is `agent_id`): the rest of a message may quote
 * the caller's own values, which stay as they were.
 */
export function inRestTerms(error: DomainError, renames: Record<string, string> = {}): DomainError {
  if (error.code !== 'BAD_USER_INPUT') return error;
  const rename = (path: string) => path.split('.').map((part, i) => (i === 0 && Object.hasOwn(renames, part) ? renames[part]! : snakeCase(part))).join('.');
  const problems = error.details?.problems;
  if (Array.isArray(problems) && error.message.startsWith('Invalid input: ')) {
    const renamed = problems.map((problem) => (typeof problem === 'string' ? problem.replace(/^[A-Za-z0-9_.]+/, rename) : problem));
    return new DomainError(error.code, `Invalid input: ${renamed.join('; ')}`, { ...error.details, problems: renamed });
  }
  // A refusal in prose that opens with the field it is about ("userId is required: …", "ttlSeconds must be …",
  // "clientTools[0].name: …", "toolChoice: …", "responseFormat.schema is …"); its `field` detail names it too.
  const field = /^([a-z]+[A-Z][A-Za-z]*|[a-z]+)(?= (is|must) |\[\d+\]|[.:])/.exec(error.message)?.[1];
  if (field === undefined || (field === rename(field) && !Object.hasOwn(renames, field))) return error;
  const detail = error.details?.field;
  const details = typeof detail === 'string' && detail.startsWith(field) ? { ...error.details, field: rename(field) + detail.slice(field.length) } : error.details;
  return new DomainError(error.code, rename(field) + error.message.slice(field.length), details);
}

/** A core call whose input fields the REST API names differently: its refusals name the REST fields. */
export async function withRestNames<T>(call: Promise<T>, renames: Record<string, string>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    throw isDomainError(error) ? inRestTerms(error, renames) : error;
  }
}

/** Fastify's own refusals before a handler runs (reading or parsing the body), in the contract's terms. */
const FASTIFY_REFUSALS: Record<number, { reason: string; message: string }> = {
  413: { reason: 'REQUEST_ENTITY_TOO_LARGE', message: 'The request body is larger than BODY_LIMIT_BYTES allows' },
  415: { reason: 'UNSUPPORTED_MEDIA_TYPE', message: 'Unsupported content type: send the body as application/json' },
};

export function sendDomainError(reply: FastifyReply, error: DomainError): FastifyReply {
  const { status, headers, body } = restError(inRestTerms(error));
  return reply.status(status).headers(headers).type('application/json; charset=utf-8').send(body);
}

/**
 * The REST routes' error handler: domain errors with their status and code, schema violations
 * as BAD_USER_INPUT naming the fields, Fastify's body refusals (413, 415, malformed JSON) without
 * echoing the body, and anything else as INTERNAL with nothing but the code (logged with its stack).
 */
export function restErrorHandler(error: FastifyError | DomainError, request: FastifyRequest, reply: FastifyReply) {
  if (isDomainError(error)) {
    logRefusal(request, error);
    return sendDomainError(reply, error);
  }
  if (error.validation) {
    const refusal = validationError(error.validation as ErrorObject[]);
    logRefusal(request, refusal);
    return sendDomainError(reply, refusal);
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    const known = FASTIFY_REFUSALS[status];
    // Fastify's message for malformed JSON quotes the parser, which quotes the body.
    const message = known?.message ?? (error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ? 'The body is empty: send a JSON object' : 'The request body is not valid JSON');
    request.log.debug({ code: 'BAD_USER_INPUT', reason: error.code }, message);
    const body: RestErrorBody = { error: { code: 'BAD_USER_INPUT', message, reason: known?.reason ?? 'BAD_REQUEST' } };
    return reply.status(status).type('application/json; charset=utf-8').send(body);
  }
  request.log.error({ err: error }, 'the request failed unexpectedly');
  const body: RestErrorBody = { error: { code: 'INTERNAL', message: 'Unexpected error.' } };
  return reply.status(500).type('application/json; charset=utf-8').send(body);
}

/** Client errors at debug without stacks, the provider's at info: as for GraphQL (error-log.ts). */
function logRefusal(request: FastifyRequest, error: DomainError) {
  const level = error.code === 'UPSTREAM_UNAVAILABLE' || error.code === 'RATE_LIMITED' ? 'info' : error.code === 'INTERNAL' ? 'error' : 'debug';
  request.log[level]({ code: error.code }, truncate(error.message));
}

/** Unknown routes, everywhere on the main listener: 404 with the REST error body. */
export function notFoundHandler(request: FastifyRequest, reply: FastifyReply) {
  const path = truncate(request.url.split('?')[0] ?? '', 200);
  const body: RestErrorBody = { error: { code: 'NOT_FOUND', message: `No route ${request.method} ${path}` } };
  return reply.status(404).type('application/json; charset=utf-8').send(body);
}
