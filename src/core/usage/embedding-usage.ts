import type { UsageLedger } from './usage-ledger.js';
import { type UsageAccount, NO_ACCOUNT } from './usage-entry.js';

/** One text of an embeddings call and whom it was embedded for. */
export interface EmbeddedFor {
  account: UsageAccount;
  /** The text's length in characters (what the reported tokens are split by). */
  chars: number;
}

/**
 * `total` split in proportion to `weights`, in whole numbers that add up to it exactly (largest
 * remainder: the parts rounded down, the tokens left over to the largest fractions, earliest first).
 */
export function splitTokens(total: number, weights: readonly number[]): number[] {
  if (weights.length === 0) return [];
  const sum = weights.reduce((a, b) => a + b, 0);
  // Nothing to weigh by (empty texts): equal shares.
  const shares = sum > 0 ? weights.map((w) => (total * w) / sum) : weights.map(() => total / weights.length);
  const parts = shares.map(Math.floor);
  let left = total - parts.reduce((a, b) => a + b, 0);
  const order = shares.map((share, i) => ({ i, fraction: share - Math.floor(share) })).sort((a, b) => b.fraction - a.fraction || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    parts[i]!++;
    left--;
  }
  return parts;
}

const keyOf = (account: UsageAccount) => JSON.stringify([account.userId, account.keyId, account.agentId, account.runId]);

/**
 * Records one embeddings call: one EMBEDDING row per owner (and run), the reported input tokens
 * split by the length of each owner's texts. Nothing is recorded when the provider reported none.
 */
export function recordEmbedding(ledger: UsageLedger | undefined, model: string, inputTokens: number | undefined, texts: readonly EmbeddedFor[]): void {
  if (!ledger || inputTokens === undefined || texts.length === 0) return;
  const owners = new Map<string, { account: UsageAccount; chars: number }>();
  for (const text of texts) {
    const key = keyOf(text.account);
    const owner = owners.get(key);
    if (owner) owner.chars += text.chars;
    else owners.set(key, { account: text.account, chars: text.chars });
  }
  const list = [...owners.values()];
  const parts = splitTokens(inputTokens, list.map((owner) => owner.chars));
  list.forEach((owner, i) => ledger.record(owner.account, model, 'EMBEDDING', { inputTokens: parts[i]!, outputTokens: 0, cachedTokens: 0, reasoningTokens: 0 }));
}

/** Records an embeddings call made for one owner. */
export const recordEmbeddingFor = (ledger: UsageLedger | undefined, model: string, inputTokens: number | undefined, account: UsageAccount = NO_ACCOUNT): void =>
  recordEmbedding(ledger, model, inputTokens, [{ account, chars: 1 }]);
