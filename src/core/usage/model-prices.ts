import { z } from 'zod';
import type { CallTokens } from './usage-entry.js';

/** US dollars per million tokens; `cached` defaults to `input` (a provider without a cache discount). */
const priceSchema = z.strictObject({
  input: z.number().min(0).max(100_000),
  output: z.number().min(0).max(100_000),
  cached: z.number().min(0).max(100_000).optional(),
});

export const modelPricesSchema = z.record(z.string().min(1).max(200), priceSchema);
export type ModelPriceTable = z.infer<typeof modelPricesSchema>;

/**
 * MODEL_PRICES looked up per call. A model is found by its exact name, then without its provider
 * prefix ("openai:gpt-4o" -> "gpt-4o"); a model found by neither costs nothing and is unpriced.
 */
export class ModelPrices {
  constructor(private readonly table: ModelPriceTable = {}) {}

  priceOf(model: string): ModelPriceTable[string] | undefined {
    // Own keys only: a model named "constructor" or "toString" is not priced by Object's prototype (NaN dollars).
    const find = (name: string) => (Object.hasOwn(this.table, name) ? this.table[name] : undefined);
    return find(model) ?? find(model.slice(model.indexOf(':') + 1));
  }

  /** Dollars for one call, or null when the model is unpriced. Cached input tokens are billed at the cached rate. */
  costOf(model: string, tokens: CallTokens): number | null {
    const price = this.priceOf(model);
    if (!price) return null;
    const cached = Math.min(tokens.cachedTokens, tokens.inputTokens);
    return ((tokens.inputTokens - cached) * price.input + cached * (price.cached ?? price.input) + tokens.outputTokens * price.output) / 1_000_000;
  }
}
