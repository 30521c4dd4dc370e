import { DomainError } from '../../core/errors.js';
import type { ImageOrigins } from '../image-origins.js';
import type { RunFailureCode } from '../../core/runs/run-event.js';

/** OpenAI's error body: every /v1 failure, as an HTTP response or an in-band stream frame. */
export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/**
 * A /v1 failure in OpenAI's terms: the status its SDKs map to their error classes (401
 * AuthenticationError, 404 NotFoundError, 400 BadRequestError …), the body's type and code, and
 * the parameter at fault.
 */
export class OpenAIError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string,
    readonly code: string | null = null,
    readonly param: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'OpenAIError';
  }

  get body(): OpenAIErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

export const invalidRequest = (message: string, param: string | null = null, code: string | null = null) =>
  new OpenAIError(400, message, 'invalid_request_error', code, param);

/** A parameter of the wrong JSON type. */
export const invalidType = (param: string, expected: string) => new OpenAIError(400, `Invalid type for '${param}': expected ${expected}.`, 'invalid_request_error', 'invalid_type', param);

export const modelNotFound = (model: string) =>
  new OpenAIError(404, `The model \`${model}\` does not exist or you do not have access to it.`, 'invalid_request_error', 'model_not_found', 'model');

/** What a request was about, so a core error can name the OpenAI parameter and the missing thing. */
export interface ErrorContext {
  model?: string | undefined;
  conversationId?: string | undefined;
  /** Where the request's images were: a refusal of one names its content part. */
  images?: ImageOrigins | undefined;
}

/** A domain error (from auth, agents, chat.ask / chat.stream before the run) as /v1 answers it. */
export function fromDomainError(error: DomainError, context: ErrorContext = {}): OpenAIError {
  switch (error.code) {
    case 'UNAUTHENTICATED':
      return new OpenAIError(401, error.message, 'invalid_request_error', 'invalid_api_key', null, { 'www-authenticate': 'Bearer' });
    case 'FORBIDDEN':
      return new OpenAIError(403, error.message, 'permission_error', 'permission_denied', paramOf(error));
    case 'NOT_FOUND':
      if (context.conversationId !== undefined && error.details?.id === context.conversationId) {
        return new OpenAIError(404, error.message, 'invalid_request_error', 'conversation_not_found', null);
      }
      // An unknown agent, or `auto` with no agent to route to.
      return context.model === 'auto'
        ? new OpenAIError(404, error.message, 'invalid_request_error', 'model_not_found', 'model')
        : modelNotFound(context.model ?? String(error.details?.id ?? ''));
    case 'BAD_USER_INPUT': {
      // An image the core refused (too large, not an image, too many …): the part it came from.
      const imageField = context.images?.fieldOf(error);
      if (imageField) return invalidRequest(context.images!.rename(error.message), imageField, 'invalid_image');
      // The core's history[i] is the request's messages[i]: say it in the request's terms.
      return invalidRequest(
        error.message
          .replace(/^history\[/, 'messages[')
          .replace(/^responseFormat\.schema/, 'response_format.json_schema.schema')
          .replace(/^clientTools\[(\d+)\]\.(\w+)/, 'tools[$1].function.$2')
          .replace(/^toolChoice\b/, 'tool_choice'),
        paramOf(error),
      );
    }
    case 'RATE_LIMITED':
      return rateLimited(error.message, Number(error.details?.retryAfterSeconds) || 1);
    case 'BUDGET_EXCEEDED':
      return budgetExceeded(error.message, Number(error.details?.retryAfterSeconds) || 1);
    case 'UPSTREAM_UNAVAILABLE':
      // A run's model failed (the provider): bad gateway. Before any run (draining, an erasure): try again shortly.
      return error.details?.runId !== undefined ? upstreamFailed(error.message) : unavailable(error.message);
    case 'INVALID_OUTPUT':
      return invalidOutput(error.message);
    default:
      return internal();
  }
}

/** A run that failed before anything was streamed, from its RunFailed event. */
export function fromRunFailure(code: RunFailureCode, message: string, retryable: boolean): OpenAIError {
  switch (code) {
    case 'UPSTREAM_UNAVAILABLE':
      return upstreamFailed(message);
    case 'RATE_LIMITED':
      return rateLimited(message, 1);
    case 'BAD_USER_INPUT':
      return invalidRequest(message);
    case 'CANCELLED':
      return cancelled(message, retryable);
    case 'INTERRUPTED':
      return unavailable(message);
    case 'INVALID_OUTPUT':
      return invalidOutput(message);
    default:
      return internal();
  }
}

/**
 * Stopped by shutdown: retry (elsewhere). Stopped by cancelRun: not to be retried, so neither a
 * 5xx nor 409 that SDKs retry on their own (x-should-retry: false says so to the openai SDKs).
 */
export const cancelled = (message: string, retryable: boolean) =>
  retryable
    ? new OpenAIError(503, message, 'server_error', 'run_cancelled')
    : new OpenAIError(409, message, 'invalid_request_error', 'run_cancelled', null, { 'x-should-retry': 'false' });

export const internal = () => new OpenAIError(500, 'The server had an error while processing your request.', 'server_error');

/**
 * The model's answer failed response_format after the gateway's retry: a bad answer from upstream
 * (502). The SDKs would retry a 5xx on their own, paying for two more attempts each: told not to.
 */
const invalidOutput = (message: string) => new OpenAIError(502, message, 'server_error', 'invalid_output', 'response_format', { 'x-should-retry': 'false' });
const upstreamFailed = (message: string) => new OpenAIError(502, message, 'server_error', 'upstream_unavailable');
const unavailable = (message: string) => new OpenAIError(503, message, 'server_error', 'service_unavailable');
const rateLimited = (message: string, retryAfterSeconds: number) =>
  new OpenAIError(429, message, 'requests', 'rate_limit_exceeded', null, { 'retry-after': String(retryAfterSeconds) });

/**
 * A spent budget: 429 as OpenAI answers a spent quota (type insufficient_quota), code budget_exceeded.
 * Retrying before Retry-After (the period's end, hours away) cannot succeed: the SDKs are told not to.
 */
const budgetExceeded = (message: string, retryAfterSeconds: number) =>
  new OpenAIError(429, message, 'insufficient_quota', 'budget_exceeded', null, { 'retry-after': String(retryAfterSeconds), 'x-should-retry': 'false' });

/** The chat input's fields as the request named them. */
const PARAMS: Record<string, string> = {
  message: 'messages',
  history: 'messages',
  userId: 'user',
  metadata: 'metadata',
  'sampling.temperature': 'temperature',
  'sampling.maxTokens': 'max_tokens',
  'sampling.stop': 'stop',
  'responseFormat.schema': 'response_format.json_schema.schema',
  responseFormat: 'response_format',
};

/** The OpenAI parameter a core refusal is about: from its problems' paths ("sampling.stop.0 must …"), or its wording. */
function paramOf(error: DomainError): string | null {
  // The client tools' refusals name their field: clientTools[0].name is the request's tools[0].function.name.
  const field = typeof error.details?.field === 'string' ? error.details.field : undefined;
  const tool = field && /^clientTools[.[](\d+)\]?\.?(.*)$/.exec(field);
  if (tool) return `tools[${tool[1]}]${tool[2] ? `.function.${tool[2]}` : ''}`;
  if (field === 'toolChoice') return 'tool_choice';
  const problems = Array.isArray(error.details?.problems) ? (error.details.problems as string[]) : [];
  for (const problem of problems) {
    const path = problem.split(' ')[0] ?? '';
    const known = Object.keys(PARAMS).find((field) => path === field || path.startsWith(`${field}.`));
    if (known) return PARAMS[known]!;
  }
  const inHistory = /^history\[(\d+)\](\.content)?/.exec(error.message);
  // The history is the request's messages before the last, index for index.
  if (inHistory) return `messages[${inHistory[1]}]${inHistory[2] ?? ''}`;
  const inTools = /^clientTools\.(\d+)(?:\.(\w+))?/.exec(problems[0] ?? '');
  if (inTools) return `tools[${inTools[1]}]${inTools[2] ? `.function.${inTools[2]}` : ''}`;
  if (/^message is \d/.test(error.message)) return 'messages';
  if (/acts for user/.test(error.message)) return 'user';
  return null;
}
