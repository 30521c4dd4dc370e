/** What the usage ledger records: one row per model call, owned by whoever the call was made for. */

/** Why a model call was made; one list for the API's enum and the ledger's column. */
export const USAGE_PURPOSES = ['ANSWER', 'TOOL_ROUND', 'ROUTING', 'EXTRACTION', 'EMBEDDING', 'DELEGATION'] as const;
export type UsagePurpose = (typeof USAGE_PURPOSES)[number];

/** Whom a model call is charged to. Null where there is none (a credential acting for no user, a call outside a run). */
export interface UsageAccount {
  userId: string | null;
  /** The credential: an API key's id, `env:…` for the environment's keys, a JWT's issuing key. */
  keyId: string | null;
  agentId: string | null;
  runId: string | null;
}

/** Tokens as the provider reported them; cached and reasoning where it gives them. */
export interface CallTokens {
  inputTokens: number;
  outputTokens: number;
  /** Of the input tokens, those the provider served from its prompt cache. */
  cachedTokens: number;
  /** Of the output tokens, those spent reasoning. */
  reasoningTokens: number;
}

export interface UsageEntry extends UsageAccount, CallTokens {
  /** Given when recorded (a UUID): a write retried after a lost commit answer stores it once. */
  id: string;
  at: Date;
  model: string;
  purpose: UsagePurpose;
  /** US dollars from MODEL_PRICES; null when the model has no price (it is listed as unpriced). */
  costUsd: number | null;
}

export const NO_ACCOUNT: UsageAccount = { userId: null, keyId: null, agentId: null, runId: null };

/** A chat model's reported usage in the ledger's terms. */
export const callTokensOf = (usage: { promptTokens: number; completionTokens: number; cachedTokens?: number | undefined; reasoningTokens?: number | undefined }): CallTokens => ({
  inputTokens: usage.promptTokens,
  outputTokens: usage.completionTokens,
  cachedTokens: usage.cachedTokens ?? 0,
  reasoningTokens: usage.reasoningTokens ?? 0,
});

/** Whom a run's model calls are charged to. */
export const accountOfRun = (run: { id: string; owner: { userId: string | null }; keyId: string | null; answeringAgentId: string }): UsageAccount => ({
  userId: run.owner.userId,
  keyId: run.keyId,
  agentId: run.answeringAgentId,
  runId: run.id,
});

/** Whom a call made outside any run is charged to: the principal's user and credential. */
export const accountOfCaller = (userId: string | null, keyId: string | null, agentId: string | null = null): UsageAccount => ({ userId, keyId, agentId, runId: null });

/** A run's calls of one purpose, summed (Run usage's byPurpose). */
export interface UsageByPurpose extends CallTokens {
  purpose: UsagePurpose;
  calls: number;
  /** Dollars of the priced calls; null when none of them was priced. */
  costUsd: number | null;
}
