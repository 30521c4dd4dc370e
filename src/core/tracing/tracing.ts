import { type Attributes, type Context, context, type Link, type Span, type SpanContext, SpanKind, SpanStatusCode, type Tracer, trace, TraceFlags } from '@opentelemetry/api';

/**
 * What the core needs to trace: a tracer and whether message text may go in spans. The core is
 * handed one only when OTEL_EXPORTER_OTLP_ENDPOINT is set; without it every call site takes its
 * plain path (one `undefined` check), and no span object is ever made.
 */
export interface Tracing {
  tracer: Tracer;
  /** OTEL_CAPTURE_CONTENT: messages and answers go in gen_ai.input.messages / gen_ai.output.messages. */
  captureContent: boolean;
}

/** Span names (the GenAI conventions' where they have one: `invoke_agent`, `chat`, `embeddings`, `execute_tool`). */
export const SPAN = {
  invokeAgent: 'invoke_agent',
  chat: 'chat',
  embeddings: 'embeddings',
  executeTool: 'execute_tool',
  route: 'route',
  buildContext: 'build_context',
  storeTurn: 'store_turn',
  storeAnswer: 'store_answer',
  extractFacts: 'extract_facts',
} as const;

/** Attribute names: OpenTelemetry's GenAI semantic conventions, and ours under `muxgate.`. */
export const ATTR = {
  operationName: 'gen_ai.operation.name',
  providerName: 'gen_ai.provider.name',
  requestModel: 'gen_ai.request.model',
  responseModel: 'gen_ai.response.model',
  requestTemperature: 'gen_ai.request.temperature',
  requestMaxTokens: 'gen_ai.request.max_tokens',
  inputTokens: 'gen_ai.usage.input_tokens',
  outputTokens: 'gen_ai.usage.output_tokens',
  finishReasons: 'gen_ai.response.finish_reasons',
  agentName: 'gen_ai.agent.name',
  agentId: 'gen_ai.agent.id',
  conversationId: 'gen_ai.conversation.id',
  toolName: 'gen_ai.tool.name',
  toolCallId: 'gen_ai.tool.call.id',
  toolType: 'gen_ai.tool.type',
  inputMessages: 'gen_ai.input.messages',
  outputMessages: 'gen_ai.output.messages',
  errorType: 'error.type',
  runId: 'muxgate.run.id',
  parentRunId: 'muxgate.run.parent_id',
  runStatus: 'muxgate.run.status',
  resumed: 'muxgate.run.resumed',
  routingStrategy: 'muxgate.routing.strategy',
  routingCached: 'muxgate.routing.cached',
  toolServerId: 'muxgate.tool.server_id',
  memoryTokens: 'muxgate.usage.memory_tokens',
} as const;

export { SpanKind };

/**
 * Whether a child of the active span would be recorded. Under an unsampled trace (the active span
 * neither records nor carries the sampled flag) every sampler muxgate offers says no to its
 * children too: the parentbased ones follow their parent, traceidratio decides on the same trace
 * id, always_on records everything and always_off nothing. There a stage makes no span object and
 * switches no context: the trace's ids pass on unchanged, and nothing is recorded either way. (An
 * ended span still active in a late timer's context carries the flag: its children are made as before.)
 */
export function childRecorded(): boolean {
  const active = trace.getActiveSpan();
  return !active || active.isRecording() || (active.spanContext().traceFlags & TraceFlags.SAMPLED) !== 0;
}

/** Runs `fn` in a new span (the active one's child), ended when `fn` settles; a failure marks it ERROR with its code. */
export function inSpan<T>(tracing: Tracing | undefined, name: string, attributes: Attributes | undefined, fn: (span: Span | undefined) => Promise<T>, kind: SpanKind = SpanKind.INTERNAL): Promise<T> {
  // Off, or an unsampled trace: the stage itself, not even an extra promise.
  if (!tracing || !childRecorded()) return fn(undefined);
  return tracing.tracer.startActiveSpan(name, { kind, attributes }, (span) => endedWith(span, fn));
}

async function endedWith<T>(span: Span, fn: (span: Span) => Promise<T>): Promise<T> {
  try {
    return await fn(span);
  } catch (error) {
    failSpan(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/** Ends `span` when `promise` settles (a stage that runs beside others, not awaited in place). */
export function endWith<T>(span: Span | undefined, promise: Promise<T>): Promise<T> {
  if (!span) return promise;
  promise.then(
    () => span.end(),
    (error: unknown) => {
      failSpan(span, error);
      span.end();
    },
  );
  return promise;
}

/** Marks a span failed: status ERROR, `error.type` the error's code (a DomainError's, a ModelError's) or its class. */
export function failSpan(span: Span, error: unknown, code = errorCode(error)): void {
  span.setAttribute(ATTR.errorType, code);
  span.setStatus({ code: SpanStatusCode.ERROR, message: code });
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.name : 'Error';
}

/** A W3C traceparent for a span context (stored with a run, so other replicas can join its trace). */
export function traceparentOf(spanContext: SpanContext): string {
  return `00-${spanContext.traceId}-${spanContext.spanId}-0${(spanContext.traceFlags & TraceFlags.SAMPLED).toString(16)}`;
}

/** The span context a traceparent names; undefined for anything malformed (W3C: ignore it, start a new trace). */
export function parseTraceparent(value: unknown): SpanContext | undefined {
  if (typeof value !== 'string' || value.length > 512) return undefined;
  const match = TRACEPARENT.exec(value.trim());
  // A later version may add fields; version 00 may not (W3C trace context, "versioning of traceparent").
  if (!match || (match[1] === '00' && match[5])) return undefined;
  const spanContext = { traceId: match[2]!, spanId: match[3]!, traceFlags: Number.parseInt(match[4]!, 16) };
  return trace.isSpanContextValid(spanContext) ? spanContext : undefined;
}

/**
 * version-traceId-parentId-flags, as @opentelemetry/core's parseTraceParent reads it: written here because
 * importing that package at start loads it and the semantic conventions (~1 MB of source and source maps).
 */
const TRACEPARENT = /^\s?((?!ff)[\da-f]{2})-((?![0]{32})[\da-f]{32})-((?![0]{16})[\da-f]{16})-([\da-f]{2})(-.*)?\s?$/;

/** A context whose parent is the remote span a traceparent names (or `base` unchanged when it names none). */
export function contextFromTraceparent(value: unknown, base: Context = context.active()): Context {
  const parent = parseTraceparent(value);
  return parent ? trace.setSpanContext(base, parent) : base;
}

/** A link to the span a stored traceparent names, when it names one. */
export function linkTo(traceparent: string | undefined): Link[] | undefined {
  const spanContext = traceparent ? parseTraceparent(traceparent) : undefined;
  return spanContext ? [{ context: spanContext }] : undefined;
}

/** A message list as the GenAI conventions' JSON (role and text parts), for OTEL_CAPTURE_CONTENT. */
export function messagesJson(messages: ReadonlyArray<{ role: string; content?: string | null; toolCalls?: ReadonlyArray<{ id: string; name: string; arguments: string }> | undefined }>): string {
  return JSON.stringify(
    messages.map((message) => ({
      role: message.role,
      parts: [
        ...(message.content ? [{ type: 'text', content: message.content }] : []),
        ...(message.toolCalls ?? []).map((call) => ({ type: 'tool_call', id: call.id, name: call.name, arguments: call.arguments })),
      ],
    })),
  );
}
