/** What the orchestrator needs of an embedding model; the OpenAI provider and custom models implement it. */
export interface EmbeddingModel {
  /** Length of every vector `embed` returns. */
  readonly dimensions: number;
  /** One vector per text, in the order given. Aborting the signal must stop the upstream request. */
  embed(texts: string[], signal?: AbortSignal): Promise<number[][]>;
}
