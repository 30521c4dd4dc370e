import type { FastifyBaseLogger } from 'fastify';
import { handleStreamOrSingleExecutionResult, isAsyncIterable, type Plugin } from 'graphql-yoga';
import { logGraphQLErrors } from '../error-log.js';

/** Where an operation's log lines go: the HTTP request's logger, or the WebSocket operation's. */
interface LoggingContext {
  log?: FastifyBaseLogger;
  req?: { log: FastifyBaseLogger };
  request?: Request;
}

const logOf = (context: unknown) => {
  const { log, req } = (context ?? {}) as LoggingContext;
  return log ?? req?.log;
};

/**
 * Logs every error an operation answers with once, with its request's id: errors raised while
 * executing (unmasked, so the stack is there), and over HTTP the ones that stopped a request
 * before execution (credentials, JSON, syntax, validation).
 */
export function useErrorLogging(): Plugin {
  const executed = new WeakSet<Request>();
  const logResults = (log: FastifyBaseLogger | undefined) => ({ result }: { result: { errors?: readonly unknown[] } }) => {
    if (log && result.errors?.length) logGraphQLErrors(log, result.errors);
  };
  return {
    onExecute({ args }) {
      const { request } = (args.contextValue ?? {}) as LoggingContext;
      if (request) executed.add(request);
      const onResult = logResults(logOf(args.contextValue));
      return { onExecuteDone: (payload) => handleStreamOrSingleExecutionResult(payload, onResult) };
    },
    onSubscribe({ args }) {
      const { request } = (args.contextValue ?? {}) as LoggingContext;
      if (request) executed.add(request);
      const log = logOf(args.contextValue);
      const onResult = logResults(log);
      return {
        onSubscribeResult: (payload) => handleStreamOrSingleExecutionResult(payload, onResult),
        onSubscribeError: ({ error }) => {
          if (log) logGraphQLErrors(log, [error]);
        },
      };
    },
    onResultProcess({ request, result, serverContext }) {
      if (executed.has(request) || Array.isArray(result) || isAsyncIterable(result) || !result.errors?.length) return;
      const log = logOf(serverContext);
      if (log) logGraphQLErrors(log, result.errors);
    },
  };
}
