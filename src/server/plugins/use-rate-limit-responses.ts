import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * A RATE_LIMITED (or BUDGET_EXCEEDED) error answers HTTP 429 with Retry-After, whether auth or a resolver raised it.
 * HTTP only: Yoga reads `extensions.http` to build the response and leaves it out of the body,
 * while WebSocket results never pass here and keep just the code and retryAfterSeconds.
 */
export function useRateLimitResponses(): Plugin {
  return {
    onResultProcess({ result, setResult }) {
      if (Array.isArray(result) || !('errors' in result) || !result.errors?.some(isRateLimited)) return;
      setResult({ ...result, errors: result.errors.map((error) => (isRateLimited(error) ? withTooManyRequests(error) : error)) });
    },
  };
}

/** A spent budget is refused the same way: 429 with Retry-After until the budget's period ends. */
const isRateLimited = (error: unknown): error is GraphQLError =>
  error instanceof GraphQLError && (error.extensions?.code === 'RATE_LIMITED' || error.extensions?.code === 'BUDGET_EXCEEDED');

function withTooManyRequests(error: GraphQLError): GraphQLError {
  const retryAfter = Number(error.extensions.retryAfterSeconds) || 1;
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: { ...error.extensions, http: { status: 429, headers: { 'retry-after': String(retryAfter) } } },
  });
}
