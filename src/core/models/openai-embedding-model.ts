import type OpenAI from 'openai';
import type { EmbeddedTexts, EmbeddingModel } from './embedding-model.js';
import { ModelError } from './chat-model.js';
import { toModelError } from './openai-chat-model.js';
import { OpenAIClient, type OpenAIProviderOptions } from './openai-client.js';

export interface OpenAIEmbeddingOptions extends OpenAIProviderOptions {
  model: string;
  dimensions: number;
  /** Inputs per request; OpenAI accepts up to 2,048, smaller batches keep each request quick. */
  batchSize?: number;
}

/** Embeddings from any OpenAI-compatible server through the official SDK. */
export class OpenAIEmbeddingModel implements EmbeddingModel {
  readonly dimensions: number;
  /** The model name sent to the provider (EMBEDDING_MODEL). */
  readonly name: string;
  private readonly client: OpenAIClient;
  private readonly batchSize: number;

  constructor(options: OpenAIEmbeddingOptions) {
    this.dimensions = options.dimensions;
    this.name = options.model;
    this.batchSize = options.batchSize ?? 256;
    this.client = new OpenAIClient(options);
  }

  async embed(texts: string[], signal?: AbortSignal): Promise<number[][]> {
    return (await this.embedWithUsage(texts, signal)).vectors;
  }

  async embedWithUsage(texts: string[], signal?: AbortSignal): Promise<EmbeddedTexts> {
    // Identical texts cost one input: the provider charges per token sent.
    const unique = [...new Set(texts)];
    const vectors = new Map<string, number[]>();
    let inputTokens: number | undefined;
    for (let start = 0; start < unique.length; start += this.batchSize) {
      const batch = unique.slice(start, start + this.batchSize);
      const embedded = await this.request(batch, signal);
      batch.forEach((text, i) => vectors.set(text, embedded.vectors[i]!));
      if (embedded.inputTokens !== undefined) inputTokens = (inputTokens ?? 0) + embedded.inputTokens;
    }
    return { vectors: texts.map((text) => vectors.get(text)!), inputTokens };
  }

  private async request(input: string[], signal: AbortSignal | undefined): Promise<EmbeddedTexts> {
    let response: OpenAI.Embeddings.CreateEmbeddingResponse;
    try {
      response = await (await this.client.get()).embeddings.create({ model: this.name, input, dimensions: this.dimensions }, { signal });
    } catch (error) {
      throw toModelError(error);
    }
    // `index` says which input a vector belongs to; servers need not keep the order.
    const byIndex = [...response.data].sort((a, b) => a.index - b.index).map((item) => Array.from(item.embedding));
    if (byIndex.length !== input.length || byIndex.some((vector) => vector.length !== this.dimensions)) {
      throw new ModelError('UPSTREAM_UNAVAILABLE', `The embedding provider answered ${byIndex.length} vectors for ${input.length} inputs, or not of ${this.dimensions} dimensions (EMBEDDING_DIMENSIONS)`, false);
    }
    // Servers that report no usage (some OpenAI-compatible ones) leave it out: nothing is recorded then.
    const reported = (response as { usage?: { prompt_tokens?: number } | undefined }).usage?.prompt_tokens;
    return { vectors: byIndex, inputTokens: typeof reported === 'number' ? reported : undefined };
  }
}
