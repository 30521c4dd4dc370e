import { GraphQLError } from 'graphql';
import { maskError as yogaMaskError } from 'graphql-yoga';
import { DomainError, type ErrorCode } from '../core/errors.js';

const HTTP_STATUS: Partial<Record<ErrorCode, number>> = { UNAUTHENTICATED: 401, FORBIDDEN: 403, RATE_LIMITED: 429 };

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
  if (error instanceof GraphQLError && !error.originalError) return error;
  if (original instanceof GraphQLError) return original;
  const masked = yogaMaskError(error, message, isDev ?? false) as GraphQLError;
  return new GraphQLError(masked.message, {
    nodes: masked.nodes,
    source: masked.source,
    positions: masked.positions,
    path: masked.path,
    // Never sent (GraphQLError's JSON leaves it out), kept so the error log can show the stack.
    originalError: original instanceof Error ? original : undefined,
    extensions: { ...masked.extensions, code: 'INTERNAL' },
  });
}

/** A credential problem found before execution: rejects the whole request with its HTTP status. */
export function requestError(error: DomainError): GraphQLError {
  return new GraphQLError(error.message, {
    extensions: { code: error.code, ...error.details, http: { status: HTTP_STATUS[error.code] ?? 400 } },
  });
}

/** GraphQL's own request-shape codes; the API reports them as BAD_USER_INPUT and keeps them as `reason`. */
const REQUEST_SHAPE_CODES = new Set(['BAD_REQUEST', 'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED']);

export function withContractCode(error: GraphQLError, reasonIfUncoded?: string): GraphQLError {
  const code = error.extensions?.code ?? reasonIfUncoded;
  if (typeof code !== 'string' || !REQUEST_SHAPE_CODES.has(code)) return error;
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: { ...error.extensions, code: 'BAD_USER_INPUT', reason: code },
  });
}
