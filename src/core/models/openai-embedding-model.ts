import OpenAI from 'openai';
import type { EmbeddingModel } from './embedding-model.js';
import { ModelError } from './chat-model.js';
import { toModelError } from './openai-chat-model.js';
import { createOpenAIClient, type OpenAIProviderOptions } from './openai-client.js';

export interface OpenAIEmbeddingOptions extends OpenAIProviderOptions {
  model: string;
  dimensions: number;
  /** Inputs per request; OpenAI accepts up to 2,048, smaller batches keep each request quick. */
  batchSize?: number;
}

/** Embeddings from any OpenAI-compatible server through the official SDK. */
export class OpenAIEmbeddingModel implements EmbeddingModel {
  readonly dimensions: number;
  private readonly client: OpenAI;
  private readonly model: string;
  private readonly batchSize: number;

  constructor(options: OpenAIEmbeddingOptions) {
    this.dimensions = options.dimensions;
    this.model = options.model;
    this.batchSize = options.batchSize ?? 256;
    this.client = createOpenAIClient(options);
  }

  async embed(texts: string[], signal?: AbortSignal): Promise<number[][]> {
    // Identical texts cost one input: the provider charges per token sent.
    const unique = [...new Set(texts)];
    const vectors = new Map<string, number[]>();
    for (let start = 0; start < unique.length; start += this.batchSize) {
      const batch = unique.slice(start, start + this.batchSize);
      const embedded = await this.request(batch, signal);
      batch.forEach((text, i) => vectors.set(text, embedded[i]!));
    }
    return texts.map((text) => vectors.get(text)!);
  }

  private async request(input: string[], signal: AbortSignal | undefined): Promise<number[][]> {
    let response: OpenAI.Embeddings.CreateEmbeddingResponse;
    try {
      response = await this.client.embeddings.create({ model: this.model, input, dimensions: this.dimensions }, { signal });
    } catch (error) {
      throw toModelError(error);
    }
    // `index` says which input a vector belongs to; servers need not keep the order.
    const byIndex = [...response.data].sort((a, b) => a.index - b.index).map((item) => Array.from(item.embedding));
    if (byIndex.length !== input.length || byIndex.some((vector) => vector.length !== this.dimensions)) {
      throw new ModelError('UPSTREAM_UNAVAILABLE', `The embedding provider answered ${byIndex.length} vectors for ${input.length} inputs, or not of ${this.dimensions} dimensions (EMBEDDING_DIMENSIONS)`, false);
    }
    return byIndex;
  }
}
