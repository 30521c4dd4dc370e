import { context, type Span, SpanKind, trace } from '@opentelemetry/api';
import type { TokenUsage } from '../models/chat-model.js';
import type { RoutingDecision } from '../routing/routing-decision.js';
import type { Run } from '../runs/run.js';
import { ATTR, childRecorded, contextFromTraceparent, failSpan, linkTo, messagesJson, SPAN, type Tracing, traceparentOf } from './tracing.js';

/**
 * A run's span (`invoke_agent`), and a way to run its stages inside it. Named for its agent once routing has chosen one.
 * In an unsampled trace the run's span is the request's own non-recording one (its traceparent, flag 00, is
 * stored with the run, so a replica resuming it stays unsampled), and its stages run in the request's context.
 */
export function startRunSpan(tracing: Tracing): { span: Span; within<T>(fn: () => Promise<T>): Promise<T> } {
  if (!childRecorded()) return { span: trace.getActiveSpan()!, within: (fn) => fn() };
  const span = tracing.tracer.startSpan(SPAN.invokeAgent, { kind: SpanKind.INTERNAL, attributes: { [ATTR.operationName]: SPAN.invokeAgent } });
  const inside = trace.setSpan(context.active(), span);
  return { span, within: (fn) => context.with(inside, fn) };
}

/** The run exists: its span says which, and ends with it (or at its next pause). */
export function traceRun(span: Span, run: Run, routing: RoutingDecision, message?: string): void {
  span.updateName(`${SPAN.invokeAgent} ${run.agentId}`);
  span.setAttributes({
    [ATTR.agentName]: run.agentId,
    [ATTR.agentId]: run.agentId,
    [ATTR.conversationId]: run.conversationId,
    [ATTR.runId]: run.id,
    [ATTR.routingStrategy]: routing.strategy,
  });
  if (run.delegation) span.setAttribute(ATTR.parentRunId, run.delegation.parentRunId);
  if (message !== undefined && span.isRecording()) span.setAttribute(ATTR.inputMessages, messagesJson([{ role: 'user', content: message }]));
  run.span = span;
  run.traceparent = traceparentOf(span.spanContext());
  endWithRun(run);
}

/**
 * A paused run goes on: its new stretch is a child of the run's span as it paused (the same trace,
 * whichever replica resumes it), linked to the request that resumed it.
 */
export function startResumedSpan(tracing: Tracing, run: Run, traceparent: string | undefined): <T>(fn: () => Promise<T>) => Promise<T> {
  const resumer = trace.getActiveSpan();
  const parent = traceparent ? contextFromTraceparent(traceparent) : context.active();
  const links = resumer ? [{ context: resumer.spanContext() }] : undefined;
  const span = tracing.tracer.startSpan(
    `${SPAN.invokeAgent} ${run.agentId}`,
    {
      kind: SpanKind.INTERNAL,
      links,
      attributes: { [ATTR.operationName]: SPAN.invokeAgent, [ATTR.agentName]: run.agentId, [ATTR.agentId]: run.agentId, [ATTR.conversationId]: run.conversationId, [ATTR.runId]: run.id, [ATTR.resumed]: true },
    },
    parent,
  );
  run.span = span;
  run.traceparent = traceparent ?? traceparentOf(span.spanContext());
  endWithRun(run);
  const inside = trace.setSpan(parent, span);
  return (fn) => context.with(inside, fn);
}

function endWithRun(run: Run): void {
  run.onFinished(() => {
    run.span?.end();
    run.span = undefined;
  });
}

/** How the answer ended: its usage, finish reason, failure code (CANCELLED is no error) and, with OTEL_CAPTURE_CONTENT, its text. */
export function traceRunEnd(run: Run, usage: TokenUsage | null | undefined, finishReason: string | undefined, content: string | undefined, code?: string): void {
  const span = run.span;
  if (!span) return;
  if (usage) {
    span.setAttribute(ATTR.inputTokens, usage.promptTokens);
    span.setAttribute(ATTR.outputTokens, usage.completionTokens);
    if (usage.memoryTokens) span.setAttribute(ATTR.memoryTokens, usage.memoryTokens);
  }
  if (finishReason) span.setAttribute(ATTR.finishReasons, [finishReason]);
  if (content !== undefined && span.isRecording()) span.setAttribute(ATTR.outputMessages, messagesJson([{ role: 'assistant', content }]));
  if (code === 'CANCELLED') span.setAttribute(ATTR.runStatus, 'CANCELLED');
  else if (code) failSpan(span, undefined, code);
}

/** A run span that ends before its run does: a start that failed (`error`), or a pause (`status` WAITING). */
export function endRunSpan(span: Span | undefined, error: unknown, status?: string): void {
  if (!span) return;
  if (error !== undefined) failSpan(span, error);
  if (status) span.setAttribute(ATTR.runStatus, status);
  span.end();
}

/** A follower of a run (runEvents, GET /runs/{id}/events) links its operation's span to the run's. */
export function followerLink(runId: string, traceparent: string | undefined): void {
  const span = trace.getActiveSpan();
  if (!span) return;
  span.setAttribute(ATTR.runId, runId);
  const links = linkTo(traceparent);
  if (links) span.addLinks(links);
}
