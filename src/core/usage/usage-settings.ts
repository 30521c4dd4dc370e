import type { ModelPriceTable } from './model-prices.js';

/** The usage ledger's settings (MODEL_PRICES, USAGE_RETENTION_DAYS). */
export interface UsageSettings {
  /** Dollars per million tokens per model; models missing here cost nothing and are listed as unpriced. */
  prices: ModelPriceTable;
  /** Ledger rows older than this many days are deleted. */
  retentionDays: number;
}

export const DEFAULT_USAGE_SETTINGS: UsageSettings = { prices: {}, retentionDays: 400 };
