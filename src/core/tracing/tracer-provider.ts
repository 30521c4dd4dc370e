import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { context } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  type ReadableSpan,
  type Sampler,
  type SpanExporter,
  type SpanProcessor,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import type { SamplerName, TracingSettings } from './tracing-settings.js';
import type { Tracing } from './tracing.js';

export interface RunningTracing {
  tracing: Tracing;
  /** Exports what is queued and stops (graceful shutdown). */
  shutdown(): Promise<void>;
}

/**
 * Starts the tracer provider: a batch processor exporting OTLP/HTTP JSON. Spans that never reach
 * the collector (its export failed, or the queue was full) are counted through `onDropped`; a
 * collector that is down costs the chats nothing but those spans.
 */
export function startTracing(settings: TracingSettings, options: { version: string; onDropped(reason: 'export_failed' | 'queue_full', count: number): void }): RunningTracing {
  useAsyncContext();
  const exporter = new CountingExporter(
    new OTLPTraceExporter({ url: settings.tracesUrl, headers: settings.headers, timeoutMillis: settings.exportTimeoutMs }),
    (count) => options.onDropped('export_failed', count),
  );
  const batch = new BatchSpanProcessor(exporter, {
    scheduledDelayMillis: settings.batch.scheduleDelayMs,
    maxQueueSize: settings.batch.maxQueueSize,
    maxExportBatchSize: Math.min(settings.batch.maxExportBatchSize, settings.batch.maxQueueSize),
    exportTimeoutMillis: settings.batch.exportTimeoutMs,
  });
  const processor = new QueueCountingProcessor(batch, exporter, settings.batch.maxQueueSize, (count) => options.onDropped('queue_full', count));
  const provider = new BasicTracerProvider({
    resource: defaultResource().merge(resourceFromAttributes({ ...settings.resourceAttributes, 'service.name': settings.serviceName, 'service.version': options.version })),
    sampler: samplerOf(settings.sampler, settings.samplerRatio),
    spanProcessors: [processor],
  });
  return {
    tracing: { tracer: provider.getTracer('muxgate', options.version), captureContent: settings.captureContent },
    shutdown: () => provider.shutdown(),
  };
}

/** Spans follow async work through AsyncLocalStorage; one manager for the process, however many gateways it runs. */
function useAsyncContext(): void {
  const manager = new AsyncLocalStorageContextManager().enable();
  if (!context.setGlobalContextManager(manager)) manager.disable();
}

function samplerOf(name: SamplerName, ratio: number): Sampler {
  switch (name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio);
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
  }
}

/** Counts the spans of every failed export (the collector down, refusing, too slow). */
class CountingExporter implements SpanExporter {
  /** Spans handed to the exporter so far (the queue's length is what the processor took minus these). */
  exported = 0;

  constructor(
    private readonly inner: SpanExporter,
    private readonly onFailed: (count: number) => void,
  ) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.exported += spans.length;
    this.inner.export(spans, (result) => {
      if (result.code !== ExportResultCode.SUCCESS) this.onFailed(spans.length);
      resultCallback(result);
    });
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

/**
 * The batch processor drops a span silently when its queue is full; it hands spans to the exporter
 * synchronously, so the queue's length is known here, and such a span is counted.
 */
class QueueCountingProcessor implements SpanProcessor {
  private taken = 0;
  private stopped = false;

  constructor(
    private readonly inner: SpanProcessor,
    private readonly exporter: CountingExporter,
    private readonly maxQueueSize: number,
    private readonly onDropped: (count: number) => void,
  ) {}

  onStart(...args: Parameters<SpanProcessor['onStart']>): void {
    this.inner.onStart(...args);
  }

  onEnd(span: ReadableSpan): void {
    if (!this.stopped && (span.spanContext().traceFlags & 1) === 1) {
      if (this.taken - this.exporter.exported >= this.maxQueueSize) this.onDropped(1);
      else this.taken++;
    }
    this.inner.onEnd(span);
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    this.stopped = true;
    return this.inner.shutdown();
  }
}
