import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { runGateway } from './support/process.js';

const problemsOf = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe('configuration', () => {
  it('has working defaults for an empty environment', () => {
    expect(loadConfig({})).toMatchObject({
      appName: 'muxgate',
      host: '0.0.0.0',
      port: 8000,
      debug: false,
      logLevel: 'info',
      dataDir: './data',
      databaseUrl: undefined,
      jwtTtlSeconds: 3600,
      defaultModel: 'gpt-4o',
      systemMessage: 'You are a helpful AI assistant.',
    });
  });

  it('treats a variable set to the empty string as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '', DEBUG: '', SECRET_KEY: '' })).toMatchObject({ port: 8000, databaseUrl: undefined, debug: false, secretKey: undefined });
  });

  it('leaves cross-origin access closed and GraphiQL on unless told otherwise', () => {
    expect(loadConfig({})).toMatchObject({ corsOrigins: undefined, graphiql: true });
    expect(loadConfig({ CORS_ORIGINS: '*', GRAPHIQL: 'false' })).toMatchObject({ corsOrigins: ['*'], graphiql: false });
  });

  it('reads every variable', () => {
    const config = loadConfig({
      APP_NAME: 'gw',
      HOST: '127.0.0.1',
      PORT: '9000',
      METRICS_PORT: '9100',
      METRICS_TOKEN: 'm'.repeat(16),
      DEBUG: 'true',
      CORS_ORIGINS: 'https://a.example, https://b.example',
      SECRET_KEY: 's'.repeat(32),
      SYSTEM_MESSAGE: 'Be brief.',
      DATA_DIR: '/tmp/x',
      DATABASE_URL: 'postgres://u@h/db',
      ADMIN_API_KEY: 'a'.repeat(16),
      USER_API_KEY: 'u'.repeat(16),
      JWT_TTL_SECONDS: '60',
      DEFAULT_MODEL: 'gpt-4o-mini',
      OPENAI_API_KEY: 'sk-test',
      OPENAI_BASE_URL: 'http://127.0.0.1:1234/v1',
    });
    expect(config).toMatchObject({
      appName: 'gw',
      port: 9000,
      metricsPort: 9100,
      metricsToken: 'm'.repeat(16),
      debug: true,
      logLevel: 'debug',
      corsOrigins: ['https://a.example', 'https://b.example'],
      jwtTtlSeconds: 60,
      defaultModel: 'gpt-4o-mini',
      openaiBaseUrl: 'http://127.0.0.1:1234/v1',
    });
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT="abc": must be a whole number'],
    [{ PORT: '70000' }, 'PORT="70000": must be at most 65535'],
    [{ PORT: '80.5' }, 'PORT="80.5": must be a whole number'],
    // Decimal digits only: Number() reads these as 16 and 1000.
    [{ PORT: '0x10' }, 'PORT="0x10": must be a whole number'],
    [{ MAX_MESSAGE_CHARS: '1e3' }, 'MAX_MESSAGE_CHARS="1e3": must be a whole number'],
    [{ EMBEDDING_DIMENSIONS: '0x400' }, 'EMBEDDING_DIMENSIONS="0x400": must be a whole number'],
    [{ EMBEDDING_DIMENSIONS: '1e3' }, 'EMBEDDING_DIMENSIONS="1e3": must be a whole number'],
    [{ EMBEDDING_DIMENSIONS: '4096' }, 'EMBEDDING_DIMENSIONS="4096": must be at most 2000: pgvector'],
    [{ EXTRACTION_CONFIDENCE: '0x1' }, 'EXTRACTION_CONFIDENCE="0x1": must be a non-negative number in decimal notation'],
    [{ MEMORY_MIN_SIMILARITY: '5e-1' }, 'MEMORY_MIN_SIMILARITY="5e-1": must be a non-negative number in decimal notation'],
    [{ ROUTING_LLM_TEMPERATURE: '-0.5' }, 'ROUTING_LLM_TEMPERATURE="-0.5": must be a non-negative number in decimal notation'],
    [{ ROUTING_LLM_TEMPERATURE: 'Infinity' }, 'ROUTING_LLM_TEMPERATURE="Infinity": must be a non-negative number in decimal notation'],
    [{ DEBUG: 'maybe' }, 'DEBUG="maybe": must be one of'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL="loud"'],
    [{ JWT_TTL_SECONDS: '0' }, 'JWT_TTL_SECONDS="0": must be at least 1'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL=(hidden): must be a postgres:// or postgresql:// URL'],
    [{ OPENAI_BASE_URL: 'not a url' }, 'OPENAI_BASE_URL="not a url": must be a URL'],
    [{ SECRET_KEY: 'short' }, 'SECRET_KEY=(hidden): must be at least 32 characters'],
    [{ ADMIN_API_KEY: 'short' }, 'ADMIN_API_KEY=(hidden): must be at least 16 characters'],
    [{ USER_API_KEY: 'aaaaaaaa.bbbbbbbb.cccccccc' }, 'USER_API_KEY=(hidden): must not look like a JWT'],
    [{ JWT_TTL_SECONDS: '90000' }, 'JWT_TTL_SECONDS="90000": must not exceed MAX_TOKEN_TTL_SECONDS (86400)'],
    [{ JWT_TTL_SECONDS: '7200', MAX_TOKEN_TTL_SECONDS: '3600' }, 'JWT_TTL_SECONDS="7200": must not exceed MAX_TOKEN_TTL_SECONDS (3600)'],
    [{ WS_MAX_PAYLOAD_BYTES: '10' }, 'WS_MAX_PAYLOAD_BYTES="10": must be at least 1024'],
    [{ TRUST_PROXY: 'sometimes' }, 'TRUST_PROXY="sometimes": must be one of'],
    [{ METRICS_TOKEN: 'short' }, 'METRICS_TOKEN=(hidden): must be at least 16 characters'],
    [{ METRICS_PORT: '8000' }, 'METRICS_PORT="8000": must differ from PORT (8000)'],
    [{ METRICS_PORT: '-1' }, 'METRICS_PORT="-1": must be at least 0'],
  ])('rejects %j naming the variable and the problem', (env, message) => {
    expect(problemsOf(env).join('\n')).toContain(message);
  });

  it('reads decimal settings in plain decimal notation', () => {
    expect(loadConfig({ EXTRACTION_CONFIDENCE: ' 0.5 ', EMBEDDING_DIMENSIONS: '1024' })).toMatchObject({ embeddingDimensions: 1024, memory: { extractionConfidence: 0.5 } });
    expect(loadConfig({ EXTRACTION_CONFIDENCE: '.25' })).toMatchObject({ memory: { extractionConfidence: 0.25 } });
    expect(loadConfig({ EXTRACTION_CONFIDENCE: '1' })).toMatchObject({ memory: { extractionConfidence: 1 } });
  });

  it('has limits on by default', () => {
    expect(loadConfig({})).toMatchObject({
      maxTokenTtlSeconds: 86_400,
      trustProxy: false,
      chatRateLimit: 60,
      authFailureLimit: 20,
      maxConcurrentRunsPerUser: 8,
      wsMaxConnections: 10_000,
      wsMaxConnectionsPerAddress: 100,
      wsMaxPayloadBytes: 1_048_576,
      wsConnectionInitTimeoutMs: 3_000,
      wsAnonymousIdleTimeoutMs: 60_000,
    });
    expect(loadConfig({ JWT_TTL_SECONDS: '90000', MAX_TOKEN_TTL_SECONDS: '90000' }).jwtTtlSeconds).toBe(90_000);
  });

  it('reads boolean flags in any case', () => {
    expect(loadConfig({ DEBUG: 'True', ENABLE_MODEL_CACHE: 'YES' })).toMatchObject({ debug: true, enableModelCache: true });
    expect(loadConfig({ DEBUG: 'FALSE' })).toMatchObject({ debug: false });
  });

  it('reads MODEL_PRICES as JSON or from a file, and names it when it cannot', () => {
    const table = { 'gpt-4o': { input: 2.5, output: 10, cached: 1.25 } };
    expect(loadConfig({ MODEL_PRICES: JSON.stringify(table) }).usage.prices).toEqual(table);
    const file = join(mkdtempSync(join(tmpdir(), 'muxgate-prices-')), 'prices.json');
    writeFileSync(file, JSON.stringify(table));
    expect(loadConfig({ MODEL_PRICES: file, USAGE_RETENTION_DAYS: '30' }).usage).toEqual({ prices: table, retentionDays: 30 });
    expect(problemsOf({ MODEL_PRICES: '{"gpt-4o": {"input": 2.5' })[0]).toMatch(/^MODEL_PRICES=.*is not valid JSON/);
    expect(problemsOf({ MODEL_PRICES: '/nonexistent/prices.json' })[0]).toMatch(/^MODEL_PRICES=.*cannot read the file "\/nonexistent\/prices.json" \(ENOENT\)/);
    expect(problemsOf({ MODEL_PRICES: '{"gpt-4o": {"input": -1, "output": 10}}' })[0]).toMatch(/^MODEL_PRICES=.*at gpt-4o.input: /);
    expect(problemsOf({ MODEL_PRICES: '{"gpt-4o": {"input": 1, "output": 10, "per": "token"}}' })[0]).toMatch(/^MODEL_PRICES=/);
    // An array is JSON that is not a table (not a file named "[]"); a file that is not JSON is named; blank is unset.
    expect(problemsOf({ MODEL_PRICES: '[]' })[0]).toMatch(/^MODEL_PRICES="\[\]": Invalid input: expected record, received array/);
    const notJson = join(mkdtempSync(join(tmpdir(), 'muxgate-prices-')), 'prices.json');
    writeFileSync(notJson, 'gpt-4o: 2.5');
    expect(problemsOf({ MODEL_PRICES: notJson })[0]).toContain(`is not valid JSON in the file "${notJson}"`);
    expect(loadConfig({ MODEL_PRICES: '  ' }).usage.prices).toEqual({});
    expect(problemsOf({ USAGE_RETENTION_DAYS: '0' })[0]).toBe('USAGE_RETENTION_DAYS="0": must be at least 1');
  });

  it('lists every bad variable at once', () => {
    expect(problemsOf({ PORT: 'abc', DEBUG: 'maybe' })).toHaveLength(2);
  });

  it('stops start-up with exit code 1 and a message naming each bad variable', async () => {
    const gateway = runGateway({ PORT: 'abc', JWT_TTL_SECONDS: '-1', DATA_DIR: '/tmp/never-created-by-muxgate' });
    expect(await gateway.exited).toBe(1);
    expect(gateway.stderr()).toContain('PORT="abc": must be a whole number');
    expect(gateway.stderr()).toContain('JWT_TTL_SECONDS="-1": must be at least 1');
    expect(gateway.stdout()).not.toContain('listening');
  });

  it('stops start-up with exit code 1 when the database server cannot be reached', async () => {
    const gateway = runGateway({ DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', PORT: '0' });
    expect(await gateway.exited).toBe(1);
    expect(gateway.stderr()).toContain('Cannot connect to DATABASE_URL');
  });
});
