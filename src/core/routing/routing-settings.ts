import type { RoutingMethod } from './routing-decision.js';

/** The router's settings (ROUTING_* in config.ts). */
export interface RoutingSettings {
  /** Provider of the routing model (ROUTING_LLM), resolved through the ModelRegistry. */
  provider: string;
  model: string;
  temperature: number;
  maxTokens: number;
  /** After this long the default agent answers (ROUTING_TIMEOUT_MS). */
  timeoutMs: number;
  /** Unset: hybrid when an embedding model is configured, else model. */
  method: RoutingMethod | undefined;
  /** Hybrid decides by embeddings alone when the best candidate leads the next by this much. */
  embeddingMargin: number;
  /** How many of the best-ranked candidates hybrid routing shows the model. */
  hybridTopK: number;
  /** A follow-up this short (words or characters) stays with the conversation's agent. */
  stickyMaxWords: number;
  stickyMaxChars: number;
  cache: { enabled: boolean; size: number; ttlSeconds: number };
}

export const DEFAULT_ROUTING_SETTINGS: RoutingSettings = {
  provider: 'openai',
  model: 'gpt-4o-mini',
  temperature: 0,
  maxTokens: 256,
  timeoutMs: 5_000,
  method: undefined,
  embeddingMargin: 0.05,
  hybridTopK: 3,
  stickyMaxWords: 8,
  stickyMaxChars: 60,
  cache: { enabled: true, size: 1_000, ttlSeconds: 3_600 },
};
