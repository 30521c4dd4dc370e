// Tracing's settings, apart from the SDK that acts on them (tracer-provider.ts): the configuration reads
// them at every start, the SDK is loaded only when an OTLP endpoint is set.

/** OTEL_TRACES_SAMPLER's values (the specification's, less the Jaeger remote sampler). */
export const SAMPLERS = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'] as const;
export type SamplerName = (typeof SAMPLERS)[number];

/** Tracing as configured by the standard OTEL_* variables; undefined (off) without an OTLP endpoint. */
export interface TracingSettings {
  /** Where spans are POSTed (OTLP/HTTP, JSON): OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, or OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces. */
  tracesUrl: string;
  /** OTEL_EXPORTER_OTLP_(TRACES_)HEADERS, e.g. an API key of a hosted collector. */
  headers: Record<string, string>;
  /** OTEL_EXPORTER_OTLP_(TRACES_)TIMEOUT, ms. */
  exportTimeoutMs: number;
  serviceName: string;
  /** OTEL_RESOURCE_ATTRIBUTES. */
  resourceAttributes: Record<string, string>;
  sampler: SamplerName;
  /** OTEL_TRACES_SAMPLER_ARG: the ratio of the traceidratio samplers. */
  samplerRatio: number;
  captureContent: boolean;
  /** OTEL_BSP_*: the batch span processor. */
  batch: { scheduleDelayMs: number; maxQueueSize: number; maxExportBatchSize: number; exportTimeoutMs: number };
}
