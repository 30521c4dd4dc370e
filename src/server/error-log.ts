import type { FastifyBaseLogger } from 'fastify';
import { GraphQLError } from 'graphql';
import type { YogaLogger } from 'graphql-yoga';
import { DomainError } from '../core/errors.js';

/** The caller's mistakes: worth a line when debugging, never an alert, never a stack. */
const CLIENT_CODES = new Set(['UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'BAD_USER_INPUT']);
/** The model provider's faults: the run already logged the cause at warn. */
const PROVIDER_CODES = new Set(['UPSTREAM_UNAVAILABLE', 'RATE_LIMITED']);

/** User input (ids, queries, URLs) is echoed at most this far into a log line. */
export const ECHO_LIMIT = 200;

export const truncate = (text: string, limit = ECHO_LIMIT) =>
  text.length > limit ? `${text.slice(0, limit)}… (${text.length} characters)` : text;

/** Logs the errors an operation answered with: client errors at debug, provider faults at info, ours at error with the stack. */
export function logGraphQLErrors(log: FastifyBaseLogger, errors: readonly unknown[]): void {
  for (const error of errors) {
    const root = rootCause(error);
    const code = codeOf(error, root);
    const path = error instanceof GraphQLError && error.path ? error.path.join('.') : undefined;
    const message = truncate(error instanceof Error ? error.message : String(error));
    if (CLIENT_CODES.has(code)) log.debug({ code, path }, message);
    else if (PROVIDER_CODES.has(code)) log.info({ code, path }, message);
    else log.error({ code, path, err: root }, 'the operation failed unexpectedly');
  }
}

function rootCause(error: unknown): unknown {
  let current = error;
  while (current instanceof GraphQLError && current.originalError) current = current.originalError;
  return current;
}

function codeOf(error: unknown, root: unknown): string {
  if (root instanceof DomainError) return root.code;
  const code = error instanceof GraphQLError ? error.extensions?.code : undefined;
  if (typeof code === 'string' && (CLIENT_CODES.has(code) || PROVIDER_CODES.has(code))) return code;
  // GraphQL's own errors (syntax, validation, variables) wrap no thrown error; a wrapped one is a fault.
  const wrapsFault = root instanceof Error && !(root instanceof GraphQLError);
  if (error instanceof GraphQLError && !wrapsFault && code !== 'INTERNAL' && code !== 'INTERNAL_SERVER_ERROR') return 'BAD_USER_INPUT';
  return 'INTERNAL';
}

/**
 * Yoga's logger. Its error lines (every masked error, client errors included, at error level with
 * no request id) are left to useErrorLogging, which logs each once with the request's logger.
 */
export function yogaLogger(log: FastifyBaseLogger): YogaLogger {
  return {
    debug: () => {},
    info: (...args: unknown[]) => log.info(args.map(String).join(' ')),
    warn: (...args: unknown[]) => log.warn(args.map(String).join(' ')),
    error: () => {},
  };
}
