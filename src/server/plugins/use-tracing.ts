import { type Context, context, type Span, SpanKind, trace } from '@opentelemetry/api';
import { type ExecutionArgs, getOperationAST, type GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { childRecorded, failSpan, type Tracing } from '../../core/tracing/tracing.js';
import { logWithSpan } from '../http-tracing.js';

/**
 * A span per GraphQL operation (`mutation chat`, `subscription chatStream`), over HTTP, SSE and
 * WebSocket alike, with resolvers run inside it. Over HTTP it is the request span's child; over a
 * WebSocket it is a server span of its own, a child of connection_init's `traceparent` if sent.
 */
export function useTracing(tracing: Tracing): Plugin {
  const start = (args: ExecutionArgs): { span: Span; inside: Context } | undefined => {
    const socketParent = (args.contextValue as { traceContext?: Context } | undefined)?.traceContext;
    // Over HTTP in an unsampled trace: no operation span, and the resolvers run in the request's context.
    if (!socketParent && !childRecorded()) return undefined;
    const operation = getOperationAST(args.document, args.operationName ?? undefined);
    const type = operation?.operation ?? 'query';
    const name = operation?.name?.value ?? args.operationName ?? undefined;
    const parent = socketParent ?? context.active();
    const span = tracing.tracer.startSpan(
      name ? `${type} ${name}` : type,
      { kind: socketParent ? SpanKind.SERVER : SpanKind.INTERNAL, attributes: { 'graphql.operation.type': type, ...(name ? { 'graphql.operation.name': name } : {}) } },
      parent,
    );
    // Over a WebSocket the operation has a logger of its own (Fastify's request logger carries the request's span).
    const log = socketParent && (args.contextValue as { log?: object } | undefined)?.log;
    if (log) logWithSpan(log, span);
    return { span, inside: trace.setSpan(parent, span) };
  };
  const endWith = (span: Span, errors: readonly GraphQLError[] | undefined) => {
    const first = errors?.[0];
    // Before masking: a resolver's DomainError still carries its code on the original error.
    if (first) failSpan(span, first, String((first.originalError as { code?: unknown } | undefined)?.code ?? first.extensions?.code ?? 'INTERNAL'));
    span.end();
  };
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      const started = start(args);
      if (!started) return undefined;
      const { span, inside } = started;
      setExecuteFn((executeArgs) => context.with(inside, () => executeFn(executeArgs)));
      return {
        onExecuteDone({ result }) {
          if (Symbol.asyncIterator in result) return { onEnd: () => span.end() };
          endWith(span, result.errors);
          return undefined;
        },
      };
    },
    onSubscribe({ args, subscribeFn, setSubscribeFn }) {
      const started = start(args);
      if (!started) return undefined;
      const { span, inside } = started;
      setSubscribeFn((subscribeArgs) => context.with(inside, () => subscribeFn(subscribeArgs)));
      return {
        onSubscribeResult({ result }) {
          if (Symbol.asyncIterator in result) return { onEnd: () => span.end() };
          endWith(span, result.errors);
          return undefined;
        },
        onSubscribeError({ error }) {
          failSpan(span, error);
          span.end();
        },
      };
    },
  };
}
