import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { DEFAULT_ROUTING_SETTINGS } from '../src/core/routing/routing-settings.js';

describe('routing settings', () => {
  it('default to the reference routing model and the documented limits', () => {
    const config = loadConfig({});
    expect(config.routing).toEqual(DEFAULT_ROUTING_SETTINGS);
    expect(config.routing).toMatchObject({ provider: 'openai', model: 'gpt-4o-mini', temperature: 0, maxTokens: 256, timeoutMs: 5_000, method: undefined });
    expect(config).toMatchObject({ enableEmbeddings: true, embeddingModel: 'text-embedding-3-small', embeddingDimensions: 1_536 });
  });

  it('read every variable, and refuse bad values naming the variable', () => {
    const config = loadConfig({
      ROUTING_LLM: 'local', ROUTING_LLM_MODEL: 'llama3', ROUTING_LLM_TEMPERATURE: '0.2', ROUTING_LLM_MAX_TOKENS: '32', ROUTING_TIMEOUT_MS: '800',
      ROUTING_STRATEGY: 'embedding', ROUTING_EMBEDDING_MARGIN: '0.1', ROUTING_HYBRID_TOP_K: '4', ROUTING_STICKY_MAX_WORDS: '5', ROUTING_STICKY_MAX_CHARS: '40',
      ENABLE_ROUTING_CACHE: 'false', ROUTING_CACHE_SIZE: '10', ROUTING_CACHE_TTL_SECONDS: '60', EMBEDDING_DIMENSIONS: '512',
    });
    expect(config.routing).toEqual({
      provider: 'local', model: 'llama3', temperature: 0.2, maxTokens: 32, timeoutMs: 800, method: 'embedding', embeddingMargin: 0.1, hybridTopK: 4,
      stickyMaxWords: 5, stickyMaxChars: 40, cache: { enabled: false, size: 10, ttlSeconds: 60 },
    });
    expect(() => loadConfig({ ROUTING_STRATEGY: 'magic' })).toThrow(/ROUTING_STRATEGY="magic": must be one of model, embedding, hybrid/);
    expect(() => loadConfig({ EMBEDDING_DIMENSIONS: '3072' })).toThrow(/EMBEDDING_DIMENSIONS="3072": must be at most 2000/);
  });
});
