/** The codes every surface reports in `extensions.code` (GraphQL) or `error.code` (REST). */
export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'BAD_USER_INPUT'
  | 'UPSTREAM_UNAVAILABLE'
  | 'RATE_LIMITED'
  /** A hard budget (tokens or dollars per day or month) of the credential or the user is spent; retry after it resets. */
  | 'BUDGET_EXCEEDED'
  /** The model's structured answer failed its response format, after one retry. */
  | 'INVALID_OUTPUT'
  | 'INTERNAL';

/** An error meant for the caller: its message is safe to show and its code says what kind it is. */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const notFound = (what: string, id: string) => new DomainError('NOT_FOUND', `${what} "${id}" was not found`, { id });
export const badInput = (message: string, details?: Record<string, unknown>) =>
  new DomainError('BAD_USER_INPUT', message, details);
export const forbidden = (message: string) => new DomainError('FORBIDDEN', message);
export const unauthenticated = (message: string) => new DomainError('UNAUTHENTICATED', message);

export const isDomainError = (error: unknown): error is DomainError => error instanceof DomainError;

/** How the core tells the operator about a fault: `error` for ours, `warn` for a provider's. */
export type ReportError = (error: unknown, context: string, level?: 'error' | 'warn', fields?: Record<string, unknown>) => void;

/** Too many requests: `retryAfterSeconds` tells the client when trying again can succeed. */
export const rateLimited = (message: string, retryAfterSeconds: number) =>
  new DomainError('RATE_LIMITED', message, { retryAfterSeconds: Math.max(1, Math.ceil(retryAfterSeconds)) });
