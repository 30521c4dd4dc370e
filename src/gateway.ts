import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AppConfig } from './config.js';
import { PrometheusMetrics } from './core/metrics/prometheus-metrics.js';
import { createOrchestrator, type Orchestrator } from './core/orchestrator.js';
import { type Database, openDatabase } from './db/database.js';
import type { ReportError } from './core/errors.js';
import { buildServer, type ServerOptions } from './server/app.js';
import type { RunningTracing } from './core/tracing/tracer-provider.js';

export interface RunningGateway {
  url: string;
  port: number;
  /** /metrics on its own listener, when METRICS_PORT is set. */
  metricsUrl: string | undefined;
  orchestrator: Orchestrator;
  database: Database;
  close(): Promise<void>;
}

/**
 * HOOKS_MODULE: a module exporting `beforeProcessMessage` and/or `afterProcessMessage` functions,
 * or a default export `(orchestrator) => void` that registers whatever it likes.
 */
async function loadHooks(orchestrator: Orchestrator, modulePath: string): Promise<void> {
  let loaded: Record<string, unknown>;
  try {
    loaded = await import(pathToFileURL(resolve(modulePath)).href);
  } catch (error) {
    throw new Error(`HOOKS_MODULE="${modulePath}" could not be loaded: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  let found = false;
  for (const name of ['beforeProcessMessage', 'afterProcessMessage'] as const) {
    const hook = loaded[name];
    if (typeof hook === 'function') {
      orchestrator.registerHook(name, hook as never);
      found = true;
    }
  }
  if (typeof loaded.default === 'function') {
    await (loaded.default as (orchestrator: Orchestrator) => unknown)(orchestrator);
    found = true;
  }
  if (!found) throw new Error(`HOOKS_MODULE="${modulePath}" exports neither beforeProcessMessage, afterProcessMessage nor a default function`);
}

/** Wires config -> database -> orchestrator -> server and starts listening. */
export async function startGateway(config: AppConfig, options: ServerOptions = {}): Promise<RunningGateway> {
  // One registry per gateway: several may share a process (tests), each counting its own.
  const metrics = new PrometheusMetrics();
  // Traces only with an OTLP endpoint: otherwise nothing is built, and the core and server take their plain paths.
  let tracing: RunningTracing | undefined;
  if (config.tracing) {
    metrics.tracingStarted();
    // The OpenTelemetry SDK (about 3 MB of heap) is loaded only when traces are exported.
    const { startTracing } = await import('./core/tracing/tracer-provider.js');
    tracing = startTracing(config.tracing, { version: config.version, onDropped: (reason, count) => metrics.spansDropped(reason, count) });
  }
  const server = await buildServer(config, { ...options, tracing: tracing?.tracing });
  const reportError: ReportError = (error, context, level = 'error', fields = {}) => server.app.log[level]({ ...fields, err: error }, context);
  let database: Database;
  try {
    database = await openDatabase({
      databaseUrl: config.databaseUrl,
      schema: config.databaseSchema,
      dataDir: config.dataDir,
      // Another process now owns the embedded database: stop at once rather than corrupt it.
      onLockLost: (error) => {
        server.app.log.fatal({ err: error }, 'stopping: the data folder is no longer ours');
        process.exit(1);
      },
      onNotice: (message) => server.app.log.warn(message),
      reportError,
      onQuery: (sql, durationMs) => metrics.databaseQuery(sql, durationMs),
    });
  } catch (error) {
    await server.close();
    await tracing?.shutdown();
    throw error;
  }
  let orchestrator: Orchestrator | undefined;
  try {
    orchestrator = await createOrchestrator({
      database,
      config,
      reportError,
      metrics,
      tracing: tracing?.tracing,
    });
    if (orchestrator.interruptedAnswers > 0) {
      server.app.log.warn(`${orchestrator.interruptedAnswers} answer(s) cut off when the gateway last stopped were marked FAILED (INTERRUPTED), their checkpointed text kept`);
    }
    if (config.hooksModule) await loadHooks(orchestrator, config.hooksModule);
    await server.mount(orchestrator, metrics);
    const { url, port, metricsUrl } = await server.listen();
    let closing: Promise<void> | undefined;
    return {
      url,
      port,
      metricsUrl,
      orchestrator,
      database,
      /** In order: no new connections, runs finish or end (stored, terminal event sent), sockets closed with 1001. */
      close() {
        closing ??= (async () => {
          server.stopAccepting();
          await orchestrator!.drain(config.shutdownGraceMs);
          await server.close();
          await orchestrator!.close();
          await database.close();
          // Last: the spans of everything above, flushed to the collector.
          await tracing?.shutdown().catch((error: unknown) => reportError(error, 'flushing traces', 'warn'));
        })();
        return closing;
      },
    };
  } catch (error) {
    await server.close();
    await orchestrator?.close();
    await database.close();
    await tracing?.shutdown();
    throw error;
  }
}
