import { existsSync } from 'node:fs';
import module from 'node:module';

// --enable-source-maps reads and keeps the maps of node_modules too (~2 MB of heap, idle); ours are the frames worth
// mapping. Node >= 22.14 can leave theirs out: set before the imports below load anything; Node 20 keeps them all.
const sourceMaps = (module as SourceMapsApi).getSourceMapsSupport?.();
if (sourceMaps?.enabled && sourceMaps.nodeModules) (module as SourceMapsApi).setSourceMapsSupport?.(true, { nodeModules: false, generatedCode: sourceMaps.generatedCode });

const { ConfigError, loadConfig } = await import('./config.js');
const { startGateway } = await import('./gateway.js');

if (existsSync('.env')) process.loadEnvFile('.env');

let config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}

try {
  const gateway = await startGateway(config);
  const { bootstrapKeys } = gateway.orchestrator;
  if (bootstrapKeys.adminApiKey || bootstrapKeys.userApiKey) {
    // Printed once, on the first start against this database; only hashes are kept.
    process.stdout.write(
      [
        '',
        'First start: API keys were generated. They are shown this once; store them now.',
        bootstrapKeys.adminApiKey ? `  ADMIN_API_KEY=${bootstrapKeys.adminApiKey}` : '',
        bootstrapKeys.userApiKey ? `  USER_API_KEY=${bootstrapKeys.userApiKey}` : '',
        '',
      ]
        .filter((line, index, lines) => line !== '' || index === 0 || index === lines.length - 1)
        .join('\n') + '\n',
    );
  }
  const studio = config.studio ? `the Studio console at ${gateway.url}/studio (sign in with ${bootstrapKeys.adminApiKey ? 'the ADMIN_API_KEY above' : 'an API key'}), ` : '';
  process.stdout.write(`muxgate ${config.version} listening on ${gateway.url} — ${studio}GraphQL (and GraphiQL) at ${gateway.url}/graphql, the REST API's docs at ${gateway.url}/docs\n`);
  if (config.tracing) process.stdout.write(`Traces exported to ${config.tracing.tracesUrl} (OTLP/HTTP) as "${config.tracing.serviceName}", sampler ${config.tracing.sampler}${config.tracing.sampler.endsWith('traceidratio') ? ` ${config.tracing.samplerRatio}` : ''}${config.tracing.captureContent ? ', message text included (OTEL_CAPTURE_CONTENT)' : ''}\n`);
  if (gateway.metricsUrl) process.stdout.write(`Prometheus metrics at ${gateway.metricsUrl}${config.metricsToken ? ' (METRICS_TOKEN required)' : ''}\n`);

  let stopping = false;
  const stop = (signal: string) => {
    // A second signal means "now": the operator will not wait for the runs to finish.
    if (stopping) process.exit(1);
    stopping = true;
    process.stdout.write(`${signal}: shutting down (answers in flight get up to ${config.shutdownGraceMs} ms, SHUTDOWN_GRACE_MS)\n`);
    gateway.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`Shutdown failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
} catch (error) {
  process.stderr.write(`muxgate could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}

/** node:module's source-map switches (Node >= 22.14), not in @types/node 20. */
interface SourceMapsApi {
  getSourceMapsSupport?: () => { enabled: boolean; nodeModules: boolean; generatedCode: boolean };
  setSourceMapsSupport?: (enabled: boolean, options: { nodeModules: boolean; generatedCode: boolean }) => void;
}
