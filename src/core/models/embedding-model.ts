/** What the orchestrator needs of an embedding model; the OpenAI provider and custom models implement it. */
export interface EmbeddingModel {
  /** Length of every vector `embed` returns. */
  readonly dimensions: number;
  /** The model's name as the usage ledger records it (MODEL_PRICES prices it); "embedding" when a custom model names none. */
  readonly name?: string | undefined;
  /** One vector per text, in the order given. Aborting the signal must stop the upstream request. */
  embed(texts: string[], signal?: AbortSignal): Promise<number[][]>;
  /**
   * Optional: as `embed`, with the input tokens the provider reported for the whole call. A model
   * without it is asked through `embed`, and its calls reach no usage ledger (no tokens to record).
   */
  embedWithUsage?(texts: string[], signal?: AbortSignal): Promise<EmbeddedTexts>;
}

export interface EmbeddedTexts {
  vectors: number[][];
  /** Input tokens the provider reported (over every request the call made); undefined when it reported none. */
  inputTokens: number | undefined;
}

/** Embeds through `embedWithUsage` when the model has it, else `embed` (no tokens known). */
export function embedMeasured(model: EmbeddingModel, texts: string[], signal?: AbortSignal): Promise<EmbeddedTexts> {
  if (model.embedWithUsage) return model.embedWithUsage(texts, signal);
  return model.embed(texts, signal).then((vectors) => ({ vectors, inputTokens: undefined }));
}

/** The name the usage ledger records an embedding model's calls under. */
export const embeddingModelName = (model: EmbeddingModel): string => model.name ?? 'embedding';
