import { A2AError, A2A_ERROR_CODE, JsonRpcTransportError, TaskNotFoundError } from '@a2a-js/sdk/errors';
import { type DomainError, isDomainError } from '../../core/errors.js';

/** A JSON-RPC error of a code A2A has no error class for (invalid params, internal error). */
const envelopeError = (code: number, message: string) => new JsonRpcTransportError({ jsonrpc: '2.0', id: null, error: { code, message } });

/** -32602: the params name something wrong; the message names the field. */
export const invalidParams = (message: string) => envelopeError(A2A_ERROR_CODE.INVALID_PARAMS, message);

export const taskNotFound = (taskId: string) => new TaskNotFoundError(`Task "${taskId}" was not found`);

/**
 * A failure as A2A reports it. A2A's own errors pass; a run that is not the caller's (or not this
 * agent's) is TaskNotFound; refused input is invalid params; every other muxgate error is an
 * internal error whose message starts with its muxgate code (RATE_LIMITED: …). Anything unexpected says nothing more.
 */
export function a2aErrorOf(error: unknown, taskId?: string): Error {
  if (error instanceof A2AError) return error;
  if (!isDomainError(error)) return envelopeError(A2A_ERROR_CODE.INTERNAL_ERROR, 'INTERNAL: Unexpected error.');
  if (error.code === 'NOT_FOUND' && taskId !== undefined) return taskNotFound(taskId);
  if (error.code === 'BAD_USER_INPUT' || error.code === 'FORBIDDEN' || error.code === 'NOT_FOUND') return envelopeError(A2A_ERROR_CODE.INVALID_PARAMS, error.message);
  return envelopeError(A2A_ERROR_CODE.INTERNAL_ERROR, `${error.code}: ${error.message}`);
}

/** Whether the failure is one a client caused or expects (not worth an error log line). */
export const isExpected = (error: unknown) => error instanceof A2AError || (isDomainError(error) && (error as DomainError).code !== 'INTERNAL');
