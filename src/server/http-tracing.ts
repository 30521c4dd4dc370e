import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Context, context, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { FastifyInstance } from 'fastify';
import { contextFromTraceparent, type Tracing, traceparentOf } from '../core/tracing/tracing.js';
import { LazyChildLogger } from './lazy-child-logger.js';

/** Where a request's span and context ride: on Node's request, and on the request's logger (log lines after the context is lost). */
const TRACED = Symbol('muxgate.traced');
const LOG_SPAN = Symbol('muxgate.logSpan');

/** A WebSocket operation's logger writes its span's ids on every line, wherever the line is written from. */
export function logWithSpan(logger: object, span: Span): void {
  if (logger instanceof LazyChildLogger) logger.mark(LOG_SPAN, span);
  else (logger as Record<symbol, Span>)[LOG_SPAN] = span;
}

interface Traced {
  span: Span;
  context: Context;
}

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * A span per HTTP request (server kind), a child of the caller's `traceparent` when it sends one;
 * the response carries the span's own `traceparent`. The span starts before Fastify sees the
 * request (so its first log line has the trace id) and ends when the response closes.
 */
export function traceHttpRequests(app: FastifyInstance, tracing: Tracing): void {
  const server = app.server;
  // Fastify's own listener, run inside the request's context: routing, hooks and handlers see the span.
  const listeners = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    // Probes and scrapes every few seconds would bury the traces that matter.
    if (UNTRACED.has(pathOf(req.url))) {
      for (const listener of listeners) listener.call(server, req, res);
      return;
    }
    const parent = contextFromTraceparent(req.headers.traceparent, ROOT_CONTEXT);
    const span = tracing.tracer.startSpan(
      req.method ?? 'HTTP',
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method ?? '_OTHER', 'url.path': pathOf(req.url), 'url.scheme': 'http' } },
      parent,
    );
    const traced: Traced = { span, context: trace.setSpan(parent, span) };
    (req as IncomingMessage & { [TRACED]?: Traced })[TRACED] = traced;
    res.setHeader('traceparent', traceparentOf(span.spanContext()));
    // An unsampled request's span records nothing: no listener to end it.
    if (span.isRecording()) {
      res.once('close', () => {
        span.setAttribute('http.response.status_code', res.statusCode);
        if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        if (!res.writableFinished) span.setAttribute('error.type', 'aborted');
        span.end();
      });
    }
    context.with(traced.context, () => {
      for (const listener of listeners) listener.call(server, req, res);
    });
  });
  app.addHook('onRequest', (request, _reply, done) => {
    const traced = tracedOf(request.raw);
    if (traced) {
      const route = request.routeOptions.url;
      if (route) {
        traced.span.updateName(`${request.method} ${route}`);
        traced.span.setAttribute('http.route', route);
      }
      logWithSpan(request.log, traced.span);
    }
    done();
  });
  // Reading the body leaves the request's async context (the socket's events run in their own): the handler gets it back.
  app.addHook('preHandler', (request, _reply, done) => {
    const traced = tracedOf(request.raw);
    if (traced) context.with(traced.context, done);
    else done();
  });
}

const UNTRACED = new Set(['/health', '/metrics']);

const tracedOf = (req: IncomingMessage): Traced | undefined => (req as IncomingMessage & { [TRACED]?: Traced })[TRACED];

/** The path without its query (a GET operation carries its whole query, and maybe a 100 KB id, there). */
function pathOf(url: string | undefined): string {
  const path = (url ?? '/').split('?', 1)[0]!;
  return path.length > 256 ? `${path.slice(0, 256)}…` : path;
}

/** pino's mixin: every log line carries the trace and span ids of its request, run or operation. */
export function traceIdsForLogs(_object: object, _level: number, logger: object): object {
  const own = (logger as Record<symbol, Span | undefined>)[LOG_SPAN];
  const active = own ? undefined : trace.getActiveSpan();
  // An ended span found through the context is a stale one: a timer armed during a request long gone (background work).
  const span = own ?? (active && !(active as { ended?: boolean }).ended ? active : undefined);
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  return { traceId, spanId };
}
