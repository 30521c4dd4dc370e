import { z } from 'zod';
import { ROUTING_METHODS } from './core/routing/routing-decision.js';
import { DECIMAL_NOTATION } from './core/validation.js';
import type { MemorySettings } from './core/memory/memory-settings.js';
import type { RoutingSettings } from './core/routing/routing-settings.js';
import type { TeamSettings } from './core/teams/team-settings.js';
import type { McpSettings } from './core/mcp/mcp-settings.js';
import type { RemoteAgentSettings } from './core/remote-agents/remote-agent-settings.js';
import { DEFAULT_IMAGE_SETTINGS, type ImageSettings } from './core/images/image-settings.js';
import { modelPricesFromSetting } from './model-prices-setting.js';
import type { UsageSettings } from './core/usage/usage-settings.js';
import { SAMPLERS, type TracingSettings } from './core/tracing/tracing-settings.js';

/** server.listen({ reusePort }) is in Node from 22.12 (and 23.1). */
export function nodeHasReusePort(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > 22 || (major === 22 && minor >= 12);
}

/** Empty strings count as unset, so `PORT=` in a .env file falls back to the default. */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

const booleanFlag = z.preprocess(
  (value) => (typeof value === 'string' ? value.trim().toLowerCase() : value),
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'], {
      error: 'must be one of true, false, 1, 0, yes, no, on, off',
    })
    .transform((value) => ['true', '1', 'yes', 'on'].includes(value)),
);

/** A credential shaped like a JWT (three dot-separated parts) would be checked as one and never match. */
const apiKey = z
  .string()
  .min(16, { error: 'must be at least 16 characters' })
  .refine((value) => !/^[^.]*\.[^.]*\.[^.]*$/.test(value), { error: 'must not look like a JWT (two dots); choose a key without dots' });

/** OTLP's `key=value,key2=value2` lists (headers, resource attributes), values percent-encoded. */
const otlpHeaders = z.string().transform((value, context) => {
  const entries: Record<string, string> = {};
  for (const pair of value.split(',')) {
    if (pair.trim() === '') continue;
    const separator = pair.indexOf('=');
    const key = separator > 0 ? pair.slice(0, separator).trim() : '';
    if (!key) {
      context.addIssue({ code: 'custom', message: 'must be a comma-separated list of key=value pairs' });
      return z.NEVER;
    }
    try {
      entries[key] = decodeURIComponent(pair.slice(separator + 1).trim());
    } catch {
      context.addIssue({ code: 'custom', message: `has a badly percent-encoded value for "${key}"` });
      return z.NEVER;
    }
  }
  return entries;
});

/** Decimal digits only (DECIMAL_NOTATION). */
const integer = (min: number, max: number, maxError = `must be at most ${max}`) =>
  z.preprocess(
    (value) => (typeof value === 'string' && DECIMAL_NOTATION.integer.test(value.trim()) ? Number(value) : value),
    z
      .number({ error: 'must be a whole number' })
      .int({ error: 'must be a whole number' })
      .min(min, { error: `must be at least ${min}` })
      .max(max, { error: maxError }),
  );

/** Plain decimal notation only (digits, an optional fraction; a minus sign where the range allows it): not 0x1 or 1e3. */
const decimal = (min: number, max: number) => {
  const notation = min < 0 ? DECIMAL_NOTATION.number : DECIMAL_NOTATION.unsignedNumber;
  return z.preprocess(
    (value) => (typeof value === 'string' && notation.test(value.trim()) ? Number(value) : value),
    z
      .number({ error: min < 0 ? 'must be a number in decimal notation' : 'must be a non-negative number in decimal notation' })
      .min(min, { error: `must be at least ${min}` })
      .max(max, { error: `must be at most ${max}` }),
  );
};

const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

// Built by each loadConfig and then dropped: held at module scope, its ~1,200 zod schemas (each with its own
// closures) and the parser zod compiles for it stayed in the heap for the life of the process.
const environmentSchema = () =>
  z.object({
    APP_NAME: optional(z.string()).default('muxgate'),
    HOST: optional(z.string()).default('0.0.0.0'),
    PORT: optional(integer(0, 65535)).default(8000),
    REUSE_PORT: optional(booleanFlag).default(false),
    METRICS_PORT: optional(integer(0, 65535)),
    METRICS_TOKEN: optional(z.string().min(16, { error: 'must be at least 16 characters' })),
    METRICS_SAMPLE_MS: optional(integer(100, 60_000)).default(10_000),
    DEBUG: optional(booleanFlag).default(false),
    LOG_LEVEL: optional(logLevel),
    CORS_ORIGINS: optional(z.string()),
    GRAPHIQL: optional(booleanFlag).default(true),
    STUDIO: optional(booleanFlag).default(true),
    STUDIO_DIR: optional(z.string()),
    SECRET_KEY: optional(z.string().min(32, { error: 'must be at least 32 characters' })),
    SYSTEM_MESSAGE: optional(z.string()).default('You are a helpful AI assistant.'),
    DATA_DIR: optional(z.string()).default('./data'),
    DATABASE_URL: optional(
      z.string().regex(/^postgres(ql)?:\/\//, { error: 'must be a postgres:// or postgresql:// URL' }),
    ),
    DATABASE_SCHEMA: optional(
      z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, { error: 'must be a lower-case SQL identifier' }),
    ),
    ADMIN_API_KEY: optional(apiKey),
    USER_API_KEY: optional(apiKey),
    JWT_TTL_SECONDS: optional(integer(1, 31_536_000)).default(3600),
    MAX_TOKEN_TTL_SECONDS: optional(integer(1, 31_536_000)).default(86_400),
    JWT_ISSUER: optional(z.string()).default('muxgate'),
    DEFAULT_MODEL: optional(z.string()).default('gpt-4o'),
    OPENAI_API_KEY: optional(z.string()),
    OPENAI_BASE_URL: optional(z.url({ error: 'must be a URL' })),
    MODEL_TIMEOUT_MS: optional(integer(1, 3_600_000)).default(120_000),
    MODEL_MAX_RETRIES: optional(integer(0, 10)).default(2),
    BUFFER_SIZE: optional(integer(0, 1_000)).default(10),
    MAX_MESSAGE_CHARS: optional(integer(1, 10_000_000)).default(32_000),
    MAX_TOOL_ITERATIONS: optional(integer(1, 50)).default(5),
    RUN_ORPHAN_GRACE_MS: optional(integer(0, 3_600_000)).default(15_000),
    CLIENT_TOOL_TIMEOUT_MS: optional(integer(1_000, 86_400_000)).default(600_000),
    MAX_TOOL_RESULT_CHARS: optional(integer(1, 10_000_000)).default(100_000),
    RUN_RETENTION_MS: optional(integer(0, 86_400_000)).default(300_000),
    ANSWER_CHECKPOINT_MS: optional(integer(10, 60_000)).default(500),
    RUN_LEASE_MS: optional(integer(500, 600_000)).default(10_000),
    SHUTDOWN_GRACE_MS: optional(integer(0, 600_000)).default(10_000),
    ENABLE_MODEL_CACHE: optional(booleanFlag).default(false),
    MODEL_CACHE_SIZE: optional(integer(1, 1_000_000)).default(50),
    MODEL_CACHE_ANY_TEMPERATURE: optional(booleanFlag).default(false),
    MODEL_PRICES: optional(modelPricesFromSetting).default({}),
    USAGE_RETENTION_DAYS: optional(integer(1, 36_500)).default(400),
    HOOKS_MODULE: optional(z.string()),
    TRUST_PROXY: optional(booleanFlag).default(false),
    CHAT_RATE_LIMIT: optional(integer(1, 1_000_000)).default(60),
    AUTH_FAILURE_LIMIT: optional(integer(1, 1_000_000)).default(20),
    MAX_CONCURRENT_RUNS_PER_USER: optional(integer(1, 10_000)).default(8),
    WS_MAX_CONNECTIONS: optional(integer(1, 1_000_000)).default(10_000),
    WS_MAX_CONNECTIONS_PER_ADDRESS: optional(integer(1, 1_000_000)).default(100),
    WS_MAX_PAYLOAD_BYTES: optional(integer(1_024, 104_857_600)).default(1_048_576),
    WS_CONNECTION_INIT_TIMEOUT_MS: optional(integer(100, 60_000)).default(3_000),
    WS_ANONYMOUS_IDLE_TIMEOUT_MS: optional(integer(100, 3_600_000)).default(60_000),
    GRAPHQL_MAX_DEPTH: optional(integer(1, 1_000)).default(12),
    GRAPHQL_MAX_ALIASES: optional(integer(1, 10_000)).default(30),
    GRAPHQL_MAX_TOKENS: optional(integer(100, 1_000_000)).default(2_000),
    GRAPHQL_MAX_DIRECTIVES: optional(integer(1, 10_000)).default(20),
    GRAPHQL_MAX_COST: optional(integer(1, 10_000_000)).default(5_000),
    ALLOW_INTROSPECTION: optional(booleanFlag).default(false),
    METADATA_MAX_BYTES: optional(integer(2, 10_000_000)).default(16_384),
    BODY_LIMIT_BYTES: optional(integer(1_024, 104_857_600)).default(1_048_576),
    REQUEST_TIMEOUT_MS: optional(integer(1_000, 3_600_000)).default(30_000),
    SSE_HEARTBEAT_MS: optional(integer(10, 3_600_000)).default(15_000),
    ROUTING_LLM: optional(z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, { error: 'must be a provider name such as "openai"' })).default('openai'),
    ROUTING_LLM_MODEL: optional(z.string().regex(/^[A-Za-z0-9._:/@-]{1,200}$/, { error: 'must be a model name such as "gpt-4o-mini"' })).default('gpt-4o-mini'),
    ROUTING_LLM_TEMPERATURE: optional(decimal(0, 2)).default(0),
    ROUTING_LLM_MAX_TOKENS: optional(integer(1, 100_000)).default(256),
    ROUTING_TIMEOUT_MS: optional(integer(100, 600_000)).default(5_000),
    ROUTING_STRATEGY: optional(z.enum(ROUTING_METHODS, { error: `must be one of ${ROUTING_METHODS.join(', ')}` })),
    ROUTING_EMBEDDING_MARGIN: optional(decimal(0, 2)).default(0.05),
    ROUTING_HYBRID_TOP_K: optional(integer(2, 50)).default(3),
    MAX_DELEGATION_DEPTH: optional(integer(0, 10)).default(3),
    DELEGATION_TIMEOUT_MS: optional(integer(1_000, 86_400_000)).default(600_000),
    ROUTING_STICKY_MAX_WORDS: optional(integer(0, 10_000)).default(8),
    ROUTING_STICKY_MAX_CHARS: optional(integer(0, 1_000_000)).default(60),
    ENABLE_ROUTING_CACHE: optional(booleanFlag).default(true),
    ROUTING_CACHE_SIZE: optional(integer(1, 1_000_000)).default(1_000),
    ROUTING_CACHE_TTL_SECONDS: optional(integer(1, 31_536_000)).default(3_600),
    ENABLE_EMBEDDINGS: optional(booleanFlag).default(true),
    EMBEDDING_MODEL: optional(z.string().regex(/^[A-Za-z0-9._:/@-]{1,200}$/, { error: 'must be a model name such as "text-embedding-3-small"' })).default('text-embedding-3-small'),
    // pgvector's HNSW index on `vector` takes at most 2,000 dimensions.
    EMBEDDING_DIMENSIONS: optional(
      integer(1, 2_000, "must be at most 2000: pgvector's HNSW index takes at most 2,000 dimensions (text-embedding-3 models accept a smaller `dimensions`, e.g. 1536 or 1024)"),
    ).default(1_536),
    BUFFER_SEMANTIC_K: optional(integer(0, 100)).default(3),
    BUFFER_MULTIPLIER: optional(integer(1, 1_000)).default(10),
    MEMORY_K: optional(integer(0, 100)).default(5),
    MAX_CONTEXT_TOKENS: optional(integer(256, 2_000_000)).default(8_000),
    AUTO_EXTRACT_USER_INFO: optional(booleanFlag).default(false),
    EXTRACTION_MODEL: optional(z.string().regex(/^[A-Za-z0-9._:/@-]{1,200}$/, { error: 'must be a model name such as "gpt-4o-mini"' })).default('gpt-4o-mini'),
    EXTRACTION_CONFIDENCE: optional(decimal(0, 1)).default(0.7),
    MEMORY_EMBEDDINGS: optional(booleanFlag).default(true),
    MEMORY_MIN_SIMILARITY: optional(decimal(0, 1)).default(0.25),
    EMBEDDING_RETRY_MS: optional(integer(100, 86_400_000)).default(30_000),
    MEMORY_INDEX_QUEUE_MAX: optional(integer(1, 1_000_000)).default(5_000),
    MEMORY_INDEX_DELAY_MS: optional(integer(0, 3_600_000)).default(200),
    MEMORY_MAX_CHARS: optional(integer(1, 1_000_000)).default(8_000),
    MONGODB_URI: optional(z.string().regex(/^mongodb(\+srv)?:\/\//, { error: 'must be a mongodb:// or mongodb+srv:// URL' })),
    REDIS_URL: optional(z.string().regex(/^rediss?:\/\//, { error: 'must be a redis:// or rediss:// URL' })),
    MCP_TOOL_TIMEOUT_MS: optional(integer(100, 3_600_000)).default(30_000),
    MCP_CONNECT_TIMEOUT_MS: optional(integer(100, 600_000)).default(15_000),
    MCP_RECONNECT_MAX_MS: optional(integer(1_000, 3_600_000)).default(60_000),
    MCP_TOOLS_REFRESH_MS: optional(integer(1_000, 86_400_000)).default(300_000),
    MCP_TOOL_RESULT_MAX_CHARS: optional(integer(100, 10_000_000)).default(100_000),
    MCP_TOOL_RESULT_MAX_BYTES: optional(integer(65_536, 268_435_456)).default(16_777_216),
    TOOL_RATE_LIMIT: optional(integer(1, 1_000_000)).default(120),
    MAX_CONCURRENT_TOOL_CALLS_PER_USER: optional(integer(1, 10_000)).default(4),
    // Unset: allowed except with NODE_ENV=production (a laptop's MCP servers listen on localhost).
    MCP_ALLOW_PRIVATE_URLS: optional(booleanFlag),
    A2A_TIMEOUT_MS: optional(integer(100, 3_600_000)).default(120_000),
    IMAGE_MAX_BYTES: optional(integer(1_024, 104_857_600)).default(5_242_880),
    MAX_IMAGES_PER_MESSAGE: optional(integer(1, 100)).default(10),
    IMAGE_FETCH: optional(booleanFlag).default(false),
    NODE_ENV: optional(z.string()),
    MONGODB_DATABASE: optional(z.string().regex(/^[A-Za-z0-9_-]{1,63}$/, { error: 'must be a database name (letters, digits, _ and -)' })).default('muxgate'),
    // Traces: OpenTelemetry's standard variables (docs/tracing.md); off without an endpoint.
    OTEL_SDK_DISABLED: optional(booleanFlag).default(false),
    OTEL_EXPORTER_OTLP_ENDPOINT: optional(z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL (the collector’s OTLP/HTTP port, e.g. http://localhost:4318)' })),
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: optional(z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL (the full traces URL, e.g. http://localhost:4318/v1/traces)' })),
    OTEL_EXPORTER_OTLP_PROTOCOL: optional(z.enum(['http/json', 'http/protobuf'], { error: 'must be http/json or http/protobuf: muxgate exports OTLP over HTTP (JSON), which every OTLP/HTTP receiver accepts; gRPC is not supported' })),
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: optional(z.enum(['http/json', 'http/protobuf'], { error: 'must be http/json or http/protobuf: muxgate exports OTLP over HTTP (JSON); gRPC is not supported' })),
    OTEL_EXPORTER_OTLP_HEADERS: optional(otlpHeaders),
    OTEL_EXPORTER_OTLP_TRACES_HEADERS: optional(otlpHeaders),
    OTEL_EXPORTER_OTLP_TIMEOUT: optional(integer(1, 600_000)).default(10_000),
    OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: optional(integer(1, 600_000)),
    OTEL_SERVICE_NAME: optional(z.string().max(255)),
    OTEL_RESOURCE_ATTRIBUTES: optional(otlpHeaders),
    OTEL_TRACES_SAMPLER: optional(z.enum(SAMPLERS, { error: `must be one of ${SAMPLERS.join(', ')}` })).default('parentbased_always_on'),
    OTEL_TRACES_SAMPLER_ARG: optional(decimal(0, 1)),
    OTEL_BSP_SCHEDULE_DELAY: optional(integer(0, 3_600_000)).default(5_000),
    OTEL_BSP_MAX_QUEUE_SIZE: optional(integer(1, 10_000_000)).default(2_048),
    OTEL_BSP_MAX_EXPORT_BATCH_SIZE: optional(integer(1, 10_000_000)).default(512),
    OTEL_BSP_EXPORT_TIMEOUT: optional(integer(1, 3_600_000)).default(30_000),
    OTEL_CAPTURE_CONTENT: optional(booleanFlag).default(false),
  }).superRefine((e, context) => {
    // A default longer than the cap would make every issueToken without ttlSeconds fail.
    if (e.JWT_TTL_SECONDS > e.MAX_TOKEN_TTL_SECONDS) {
      context.addIssue({ code: 'custom', path: ['JWT_TTL_SECONDS'], message: `must not exceed MAX_TOKEN_TTL_SECONDS (${e.MAX_TOKEN_TTL_SECONDS})` });
    }
    // Older Node ignores the option silently, and the second process would fail with EADDRINUSE.
    if (e.REUSE_PORT && !nodeHasReusePort(process.versions.node)) {
      context.addIssue({ code: 'custom', path: ['REUSE_PORT'], message: `needs Node 22.12 or later (this is ${process.versions.node})` });
    }
    // Port 0 asks for any free port, so two zeros do not collide.
    if (e.METRICS_PORT !== undefined && e.METRICS_PORT !== 0 && e.METRICS_PORT === e.PORT) {
      context.addIssue({ code: 'custom', path: ['METRICS_PORT'], message: `must differ from PORT (${e.PORT})` });
    }
  });

export type AppConfig = {
  appName: string;
  version: string;
  host: string;
  port: number;
  /** Listens with SO_REUSEPORT, so several gateway processes on one machine share PORT (the kernel spreads connections). */
  reusePort: boolean;
  /** Serves /metrics on its own listener (on HOST) instead of on PORT. */
  metricsPort: number | undefined;
  /** A bearer credential that may read /metrics (and nothing else); required on METRICS_PORT when set. */
  metricsToken: string | undefined;
  /** How often the in-memory history behind the `metrics` query takes a point (it keeps an hour). */
  metricsSampleMs: number;
  debug: boolean;
  logLevel: z.infer<typeof logLevel>;
  /** Origins allowed cross-origin access; undefined allows none, ['*'] any (for development). */
  corsOrigins: string[] | undefined;
  graphiql: boolean;
  /** Serves the Studio web console at /studio (STUDIO=false: not at all). */
  studio: boolean;
  /** The built console (`npm run build` writes dist/studio); undefined: dist/studio of this checkout. */
  studioDir: string | undefined;
  secretKey: string | undefined;
  systemMessage: string;
  dataDir: string;
  databaseUrl: string | undefined;
  databaseSchema: string | undefined;
  adminApiKey: string | undefined;
  userApiKey: string | undefined;
  jwtTtlSeconds: number;
  maxTokenTtlSeconds: number;
  jwtIssuer: string;
  defaultModel: string;
  openaiApiKey: string | undefined;
  openaiBaseUrl: string | undefined;
  modelTimeoutMs: number;
  modelMaxRetries: number;
  bufferSize: number;
  maxMessageChars: number;
  maxToolIterations: number;
  runOrphanGraceMs: number;
  clientToolTimeoutMs: number;
  maxToolResultChars: number;
  runRetentionMs: number;
  answerCheckpointMs: number;
  /** With REDIS_URL: how long a run's lease lasts unrenewed before a survivor marks it interrupted. */
  runLeaseMs: number;
  shutdownGraceMs: number;
  enableModelCache: boolean;
  modelCacheSize: number;
  modelCacheAnyTemperature: boolean;
  hooksModule: string | undefined;
  trustProxy: boolean;
  /** Chats (mutation and chatStream) per principal per minute. */
  chatRateLimit: number;
  /** Failed authentications per client address per minute before the address gets 429. */
  authFailureLimit: number;
  maxConcurrentRunsPerUser: number;
  toolRateLimit: number;
  maxConcurrentToolCallsPerUser: number;
  wsMaxConnections: number;
  wsMaxConnectionsPerAddress: number;
  wsMaxPayloadBytes: number;
  wsConnectionInitTimeoutMs: number;
  wsAnonymousIdleTimeoutMs: number;
  graphqlMaxDepth: number;
  graphqlMaxAliases: number;
  graphqlMaxTokens: number;
  graphqlMaxDirectives: number;
  graphqlMaxCost: number;
  allowIntrospection: boolean;
  metadataMaxBytes: number;
  /** HTTP request bodies larger than this are refused with 413. */
  bodyLimitBytes: number;
  /** How long a client may take to send a request's head and body; then 408. */
  requestTimeoutMs: number;
  /** How often the REST event streams send a comment line while idle, so proxies keep them open. */
  sseHeartbeatMs: number;
  routing: RoutingSettings;
  /** False when ENABLE_EMBEDDINGS is off, e.g. for a server without an embeddings endpoint. */
  enableEmbeddings: boolean;
  embeddingModel: string;
  embeddingDimensions: number;
  memory: MemorySettings;
  mcp: McpSettings;
  /** Remote agents (A2A): A2A_TIMEOUT_MS, and the MCP connection and address settings they share. */
  remoteAgents: RemoteAgentSettings;
  /** Agent teams: how deep delegations nest (MAX_DELEGATION_DEPTH), how long one may take (DELEGATION_TIMEOUT_MS). */
  teams: TeamSettings;
  /** Images in messages (IMAGE_MAX_BYTES, MAX_IMAGES_PER_MESSAGE, IMAGE_FETCH). */
  images: ImageSettings;
  /** The usage ledger: MODEL_PRICES, USAGE_RETENTION_DAYS. */
  usage: UsageSettings;
  /** Replicas share runs, feeds, caches and limits through this Redis; unset, one process keeps them. */
  redisUrl: string | undefined;
  /** OpenTelemetry traces (OTEL_*); undefined (off) unless an OTLP endpoint is set. */
  tracing: TracingSettings | undefined;
};

/** Off unless an endpoint is set (and OTEL_SDK_DISABLED is not); the traces' URL as the OTLP specification builds it. */
function tracingSettings(e: z.infer<ReturnType<typeof environmentSchema>>): TracingSettings | undefined {
  const base = e.OTEL_EXPORTER_OTLP_ENDPOINT;
  const tracesUrl = e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (base ? `${base.replace(/\/+$/, '')}/v1/traces` : undefined);
  if (!tracesUrl || e.OTEL_SDK_DISABLED) return undefined;
  return {
    tracesUrl,
    headers: { ...e.OTEL_EXPORTER_OTLP_HEADERS, ...e.OTEL_EXPORTER_OTLP_TRACES_HEADERS },
    exportTimeoutMs: e.OTEL_EXPORTER_OTLP_TRACES_TIMEOUT ?? e.OTEL_EXPORTER_OTLP_TIMEOUT,
    serviceName: e.OTEL_SERVICE_NAME ?? e.OTEL_RESOURCE_ATTRIBUTES?.['service.name'] ?? e.APP_NAME,
    resourceAttributes: e.OTEL_RESOURCE_ATTRIBUTES ?? {},
    sampler: e.OTEL_TRACES_SAMPLER,
    samplerRatio: e.OTEL_TRACES_SAMPLER_ARG ?? 1,
    captureContent: e.OTEL_CAPTURE_CONTENT,
    batch: {
      scheduleDelayMs: e.OTEL_BSP_SCHEDULE_DELAY,
      maxQueueSize: e.OTEL_BSP_MAX_QUEUE_SIZE,
      maxExportBatchSize: e.OTEL_BSP_MAX_EXPORT_BATCH_SIZE,
      exportTimeoutMs: e.OTEL_BSP_EXPORT_TIMEOUT,
    },
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export const APP_VERSION = '0.1.0';

/** Never echo these back in an error message: they end up in logs. */
const SECRET_VARIABLES = new Set(['SECRET_KEY', 'ADMIN_API_KEY', 'USER_API_KEY', 'OPENAI_API_KEY', 'DATABASE_URL', 'METRICS_TOKEN', 'MONGODB_URI', 'REDIS_URL', 'OTEL_EXPORTER_OTLP_HEADERS', 'OTEL_EXPORTER_OTLP_TRACES_HEADERS']);

/** Validates an environment (process.env by default) into a typed AppConfig, or throws ConfigError. */
export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  const parsed = environmentSchema().safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const variable = String(issue.path[0] ?? 'environment');
        const shown = SECRET_VARIABLES.has(variable) ? '(hidden)' : JSON.stringify(env[variable] ?? '');
        return `${variable}=${shown}: ${issue.message}`;
      }),
    );
  }
  const e = parsed.data;
  return {
    appName: e.APP_NAME,
    version: APP_VERSION,
    host: e.HOST,
    port: e.PORT,
    reusePort: e.REUSE_PORT,
    metricsPort: e.METRICS_PORT,
    metricsToken: e.METRICS_TOKEN,
    metricsSampleMs: e.METRICS_SAMPLE_MS,
    debug: e.DEBUG,
    logLevel: e.LOG_LEVEL ?? (e.DEBUG ? 'debug' : 'info'),
    corsOrigins: e.CORS_ORIGINS?.split(',').map((origin) => origin.trim()).filter(Boolean),
    graphiql: e.GRAPHIQL,
    studio: e.STUDIO,
    studioDir: e.STUDIO_DIR,
    secretKey: e.SECRET_KEY,
    systemMessage: e.SYSTEM_MESSAGE,
    dataDir: e.DATA_DIR,
    databaseUrl: e.DATABASE_URL,
    databaseSchema: e.DATABASE_SCHEMA,
    adminApiKey: e.ADMIN_API_KEY,
    userApiKey: e.USER_API_KEY,
    jwtTtlSeconds: e.JWT_TTL_SECONDS,
    maxTokenTtlSeconds: e.MAX_TOKEN_TTL_SECONDS,
    jwtIssuer: e.JWT_ISSUER,
    defaultModel: e.DEFAULT_MODEL,
    openaiApiKey: e.OPENAI_API_KEY,
    openaiBaseUrl: e.OPENAI_BASE_URL,
    modelTimeoutMs: e.MODEL_TIMEOUT_MS,
    modelMaxRetries: e.MODEL_MAX_RETRIES,
    bufferSize: e.BUFFER_SIZE,
    maxMessageChars: e.MAX_MESSAGE_CHARS,
    maxToolIterations: e.MAX_TOOL_ITERATIONS,
    runOrphanGraceMs: e.RUN_ORPHAN_GRACE_MS,
    clientToolTimeoutMs: e.CLIENT_TOOL_TIMEOUT_MS,
    maxToolResultChars: e.MAX_TOOL_RESULT_CHARS,
    runRetentionMs: e.RUN_RETENTION_MS,
    answerCheckpointMs: e.ANSWER_CHECKPOINT_MS,
    runLeaseMs: e.RUN_LEASE_MS,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    enableModelCache: e.ENABLE_MODEL_CACHE,
    modelCacheSize: e.MODEL_CACHE_SIZE,
    modelCacheAnyTemperature: e.MODEL_CACHE_ANY_TEMPERATURE,
    hooksModule: e.HOOKS_MODULE,
    trustProxy: e.TRUST_PROXY,
    chatRateLimit: e.CHAT_RATE_LIMIT,
    authFailureLimit: e.AUTH_FAILURE_LIMIT,
    maxConcurrentRunsPerUser: e.MAX_CONCURRENT_RUNS_PER_USER,
    toolRateLimit: e.TOOL_RATE_LIMIT,
    maxConcurrentToolCallsPerUser: e.MAX_CONCURRENT_TOOL_CALLS_PER_USER,
    wsMaxConnections: e.WS_MAX_CONNECTIONS,
    wsMaxConnectionsPerAddress: e.WS_MAX_CONNECTIONS_PER_ADDRESS,
    wsMaxPayloadBytes: e.WS_MAX_PAYLOAD_BYTES,
    wsConnectionInitTimeoutMs: e.WS_CONNECTION_INIT_TIMEOUT_MS,
    wsAnonymousIdleTimeoutMs: e.WS_ANONYMOUS_IDLE_TIMEOUT_MS,
    graphqlMaxDepth: e.GRAPHQL_MAX_DEPTH,
    graphqlMaxAliases: e.GRAPHQL_MAX_ALIASES,
    graphqlMaxTokens: e.GRAPHQL_MAX_TOKENS,
    graphqlMaxDirectives: e.GRAPHQL_MAX_DIRECTIVES,
    graphqlMaxCost: e.GRAPHQL_MAX_COST,
    allowIntrospection: e.ALLOW_INTROSPECTION,
    metadataMaxBytes: e.METADATA_MAX_BYTES,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
    sseHeartbeatMs: e.SSE_HEARTBEAT_MS,
    routing: {
      provider: e.ROUTING_LLM,
      model: e.ROUTING_LLM_MODEL,
      temperature: e.ROUTING_LLM_TEMPERATURE,
      maxTokens: e.ROUTING_LLM_MAX_TOKENS,
      timeoutMs: e.ROUTING_TIMEOUT_MS,
      method: e.ROUTING_STRATEGY,
      embeddingMargin: e.ROUTING_EMBEDDING_MARGIN,
      hybridTopK: e.ROUTING_HYBRID_TOP_K,
      stickyMaxWords: e.ROUTING_STICKY_MAX_WORDS,
      stickyMaxChars: e.ROUTING_STICKY_MAX_CHARS,
      cache: { enabled: e.ENABLE_ROUTING_CACHE, size: e.ROUTING_CACHE_SIZE, ttlSeconds: e.ROUTING_CACHE_TTL_SECONDS },
    },
    enableEmbeddings: e.ENABLE_EMBEDDINGS,
    embeddingModel: e.EMBEDDING_MODEL,
    embeddingDimensions: e.EMBEDDING_DIMENSIONS,
    memory: {
      bufferSemanticK: e.BUFFER_SEMANTIC_K,
      bufferMultiplier: e.BUFFER_MULTIPLIER,
      memoryK: e.MEMORY_K,
      maxContextTokens: e.MAX_CONTEXT_TOKENS,
      autoExtract: e.AUTO_EXTRACT_USER_INFO,
      extractionModel: e.EXTRACTION_MODEL,
      extractionConfidence: e.EXTRACTION_CONFIDENCE,
      useEmbeddings: e.MEMORY_EMBEDDINGS,
      minSimilarity: e.MEMORY_MIN_SIMILARITY,
      embeddingRetryMs: e.EMBEDDING_RETRY_MS,
      indexQueueMax: e.MEMORY_INDEX_QUEUE_MAX,
      indexDelayMs: e.MEMORY_INDEX_DELAY_MS,
      maxMemoryChars: e.MEMORY_MAX_CHARS,
      mongodbUri: e.MONGODB_URI,
      mongodbDatabase: e.MONGODB_DATABASE,
    },
    redisUrl: e.REDIS_URL,
    tracing: tracingSettings(e),
    teams: { maxDelegationDepth: e.MAX_DELEGATION_DEPTH, delegationTimeoutMs: e.DELEGATION_TIMEOUT_MS },
    mcp: {
      toolTimeoutMs: e.MCP_TOOL_TIMEOUT_MS,
      connectTimeoutMs: e.MCP_CONNECT_TIMEOUT_MS,
      reconnectMaxMs: e.MCP_RECONNECT_MAX_MS,
      toolsRefreshMs: e.MCP_TOOLS_REFRESH_MS,
      resultMaxChars: e.MCP_TOOL_RESULT_MAX_CHARS,
      allowPrivateUrls: e.MCP_ALLOW_PRIVATE_URLS ?? e.NODE_ENV !== 'production',
      resultMaxBytes: e.MCP_TOOL_RESULT_MAX_BYTES,
    },
    remoteAgents: {
      timeoutMs: e.A2A_TIMEOUT_MS,
      connectTimeoutMs: e.MCP_CONNECT_TIMEOUT_MS,
      reconnectMaxMs: e.MCP_RECONNECT_MAX_MS,
      cardRefreshMs: e.MCP_TOOLS_REFRESH_MS,
      maxResponseBytes: e.MCP_TOOL_RESULT_MAX_BYTES,
      // Remote agents follow the MCP address policy, this setting included.
      allowPrivateUrls: e.MCP_ALLOW_PRIVATE_URLS ?? e.NODE_ENV !== 'production',
    },
    usage: { prices: e.MODEL_PRICES, retentionDays: e.USAGE_RETENTION_DAYS },
    images: {
      maxBytes: e.IMAGE_MAX_BYTES,
      maxPerMessage: e.MAX_IMAGES_PER_MESSAGE,
      fetch: e.IMAGE_FETCH,
      // Fetched images follow the MCP address policy, this setting included.
      allowPrivateUrls: e.MCP_ALLOW_PRIVATE_URLS ?? e.NODE_ENV !== 'production',
      fetchTimeoutMs: DEFAULT_IMAGE_SETTINGS.fetchTimeoutMs,
    },
  };
}
