import type { UsageLedger } from './usage-ledger.js';
import type { UsageStore } from './usage-store.js';
import type { UsageByPurpose, UsagePurpose } from './usage-entry.js';

/** The calls around an answer: what a run spent besides its answering models' own steps. */
export const AUXILIARY_PURPOSES: ReadonlySet<UsagePurpose> = new Set(['ROUTING', 'EMBEDDING', 'EXTRACTION']);

/** A run's whole spend from the ledger: its own calls and those of its delegations' children, at every depth. */
export interface RunUsage {
  byPurpose: UsageByPurpose[];
  /** Input and output tokens of the auxiliary calls (routing, embeddings, extraction). */
  auxiliaryTokens: number;
  /** Dollars of every priced call; null when none was priced. */
  costUsd: number | null;
}

/** Bounds a run tree read for one answer (MAX_DELEGATION_DEPTH keeps real trees far smaller). */
const MAX_RUNS = 1_000;

/**
 * Reads a run's usage from the ledger when a client asks for it (never on a chat's path): what is
 * queued is written first, so a run that just ended is complete. Background work after the answer
 * (indexing its turn, fact extraction) is counted once it has happened.
 */
export class RunUsageReader {
  constructor(
    private readonly ledger: UsageLedger,
    private readonly store: UsageStore,
    /** The runs these runs delegated to (their children). */
    private readonly childrenOf: (runId: string) => Promise<string[]>,
  ) {}

  async of(runId: string): Promise<RunUsage> {
    const [runIds] = await Promise.all([this.tree(runId), this.ledger.flush()]);
    const byPurpose = await this.store.sumByPurpose(runIds);
    const priced = byPurpose.filter((p) => p.costUsd !== null);
    return {
      byPurpose,
      auxiliaryTokens: byPurpose.filter((p) => AUXILIARY_PURPOSES.has(p.purpose)).reduce((sum, p) => sum + p.inputTokens + p.outputTokens, 0),
      costUsd: priced.length ? priced.reduce((sum, p) => sum + p.costUsd!, 0) : null,
    };
  }

  private async tree(runId: string): Promise<string[]> {
    const seen = new Set([runId]);
    let frontier = [runId];
    while (frontier.length > 0 && seen.size < MAX_RUNS) {
      const children = (await Promise.all(frontier.map(this.childrenOf))).flat().filter((id) => !seen.has(id));
      for (const id of children) seen.add(id);
      frontier = children;
    }
    return [...seen];
  }
}
