import { GraphQLError } from 'graphql';
import { maskError as yogaMaskError } from 'graphql-yoga';
import { DomainError, type ErrorCode } from '../core/errors.js';

const HTTP_STATUS: Record<ErrorCode, number> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  BAD_USER_INPUT: 400,
  RATE_LIMITED: 429,
  BUDGET_EXCEEDED: 429,
  UPSTREAM_UNAVAILABLE: 503,
  // The model (upstream) answered, but not in the format asked for: a bad gateway.
  INVALID_OUTPUT: 502,
  INTERNAL: 500,
};

/**
 * The HTTP status a domain error answers with. UPSTREAM_UNAVAILABLE is 502 when something the
 * gateway called failed (the model of a run, an MCP server), 503 when the gateway itself cannot
 * take the request now (shutting down, a user being erased).
 */
export function httpStatusOf(error: DomainError): number {
  if (error.code === 'UPSTREAM_UNAVAILABLE' && (error.details?.runId !== undefined || error.details?.serverId !== undefined)) return 502;
  return HTTP_STATUS[error.code];
}

/** What a refusal tells the client beyond its body: how to authenticate, when to retry. */
function refusalHeaders(error: DomainError): Record<string, string> {
  const headers: Record<string, string> = {};
  if (error.code === 'UNAUTHENTICATED') headers['www-authenticate'] = 'Bearer';
  if (error.code === 'RATE_LIMITED' || error.code === 'BUDGET_EXCEEDED') headers['retry-after'] = String(Number(error.details?.retryAfterSeconds) || 1);
  return headers;
}

/** A domain error as GraphQL reports it: its message and `extensions.code` kept, nothing else. */
export function toGraphQLError(error: DomainError, from?: GraphQLError): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: from?.nodes,
    source: from?.source,
    positions: from?.positions,
    path: from?.path,
    extensions: { code: error.code, ...error.details },
  });
}

/**
 * Yoga's maskError: domain errors are shown with their code; GraphQL's own errors (syntax,
 * validation, variables) keep theirs; anything unexpected becomes INTERNAL with a generic message.
 */
export function maskError(error: unknown, message: string, isDev?: boolean): Error {
  const original = error instanceof GraphQLError ? error.originalError : error;
  if (original instanceof DomainError) return toGraphQLError(original, error instanceof GraphQLError ? error : undefined);
  // Outside every field and uncoded: graphql-js refusing the variables (wrong type, missing, unparsable).
  if (error instanceof GraphQLError && !error.path && !error.extensions.code && (!original || original instanceof GraphQLError)) {
    return withContractCode(error, 'INVALID_VARIABLES');
  }
  if (error instanceof GraphQLError && !error.originalError) return error;
  if (original instanceof GraphQLError) return original;
  const masked = yogaMaskError(error, message, isDev ?? false) as GraphQLError;
  // Yoga's own `unexpected` flag is stripped from HTTP responses only; the contract has just the code.
  const { unexpected: _unexpected, ...extensions } = masked.extensions;
  return new GraphQLError(masked.message, {
    nodes: masked.nodes,
    source: masked.source,
    positions: masked.positions,
    path: masked.path,
    // Never sent (GraphQLError's JSON leaves it out), kept so the error log can show the stack.
    originalError: original instanceof Error ? original : undefined,
    extensions: { ...extensions, code: 'INTERNAL' },
  });
}

/** A credential problem found before execution: rejects the whole request with its HTTP status. */
export function requestError(error: DomainError): GraphQLError {
  return new GraphQLError(error.message, {
    extensions: { code: error.code, ...error.details, http: { status: httpStatusOf(error) } },
  });
}

/** A domain error as a plain HTTP route answers it: the status its code means, and the contract's error body. */
export function httpError(error: DomainError): { status: number; headers: Record<string, string>; body: { errors: unknown[] } } {
  return {
    status: httpStatusOf(error),
    headers: refusalHeaders(error),
    body: { errors: [{ message: error.message, extensions: { code: error.code, ...error.details } }] },
  };
}

/** The REST shim's error body: `{ error: { code, message, … } }`, details in snake_case like the rest of its JSON. */
export interface RestErrorBody {
  error: { code: ErrorCode; message: string } & Record<string, unknown>;
}

/** A domain error as a REST route answers it: the same status and headers as httpError, the REST body. */
export function restError(error: DomainError): { status: number; headers: Record<string, string>; body: RestErrorBody } {
  const details: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(error.details ?? {})) details[snakeCase(key)] = value;
  return { status: httpStatusOf(error), headers: refusalHeaders(error), body: { error: { ...details, code: error.code, message: error.message } } };
}

/** retryAfterSeconds -> retry_after_seconds. */
export const snakeCase = (name: string) => name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);

/** The body of an unexpected failure on a plain HTTP route: nothing of it but the code. */
export const INTERNAL_ERROR_BODY = { errors: [{ message: 'Unexpected error.', extensions: { code: 'INTERNAL' } }] };

/** GraphQL's and Yoga's request-shape codes; the API reports them as BAD_USER_INPUT and keeps them as `reason`. */
const REQUEST_SHAPE_CODES = new Set([
  'BAD_REQUEST',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'OPERATION_RESOLUTION_FAILURE',
  'REQUEST_ENTITY_TOO_LARGE',
  'INVALID_VARIABLES',
]);

/** Messages may quote the caller's document (an unknown field's name): never echo more than this. */
const MAX_MESSAGE_CHARS = 300;

export function withContractCode(error: GraphQLError, reasonIfUncoded?: string): GraphQLError {
  const code = error.extensions?.code ?? reasonIfUncoded;
  if (typeof code !== 'string' || !REQUEST_SHAPE_CODES.has(code)) return error;
  const message = error.message.length > MAX_MESSAGE_CHARS ? `${error.message.slice(0, MAX_MESSAGE_CHARS)}…` : error.message;
  return new GraphQLError(message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    // Yoga adds the parser's error here, and JSON.parse quotes the whole body: never send it back.
    extensions: { ...withoutOriginalError(error.extensions), code: 'BAD_USER_INPUT', reason: code },
  });
}

/**
 * A result with its request-shape errors under the contract's code. An error with neither a code nor
 * a path was raised before execution (validation: graphql-js codes none of its own).
 */
export function withContractCodes<T extends { errors?: readonly unknown[] }>(result: T): T {
  if (!result.errors) return result;
  return { ...result, errors: result.errors.map((e) => (e instanceof GraphQLError ? withContractCode(e, e.path ? undefined : 'GRAPHQL_VALIDATION_FAILED') : e)) };
}

function withoutOriginalError(extensions: GraphQLError['extensions']) {
  const { originalError: _originalError, ...rest } = extensions;
  return rest;
}

const STATUS_REASONS: Record<number, string> = { 406: 'NOT_ACCEPTABLE', 413: 'REQUEST_ENTITY_TOO_LARGE', 415: 'UNSUPPORTED_MEDIA_TYPE' };

/** The body of a refusal that reached no GraphQL processing (Yoga sends none for 415 and 406). */
export function errorBodyForStatus(status: number) {
  const reason = STATUS_REASONS[status] ?? 'BAD_REQUEST';
  const message =
    status === 415
      ? 'Unsupported content type: send application/json (or use GET with a query string).'
      : status === 406
        ? 'Not acceptable: accept application/graphql-response+json, application/json or text/event-stream.'
        : 'The request could not be processed.';
  return { errors: [{ message, extensions: { code: status >= 500 ? 'INTERNAL' : 'BAD_USER_INPUT', reason } }] };
}
