/** How an agent was chosen; the schema's enum is built from this list. */
export const ROUTING_STRATEGIES = ['EXPLICIT', 'SINGLE', 'STICKY', 'ROUTING_CACHE', 'ROUTING_EMBEDDING', 'ROUTING_MODEL', 'FALLBACK'] as const;
export type RoutingStrategy = (typeof ROUTING_STRATEGIES)[number];

/** Named constants, so callers write `STRATEGY.EXPLICIT` rather than a bare string. */
export const STRATEGY = Object.fromEntries(ROUTING_STRATEGIES.map((s) => [s, s])) as { readonly [S in RoutingStrategy]: S };

/** How a routing method is chosen: ROUTING_STRATEGY. */
export const ROUTING_METHODS = ['model', 'embedding', 'hybrid'] as const;
export type RoutingMethod = (typeof ROUTING_METHODS)[number];

export interface RoutingCandidate {
  agentId: string;
  /** Cosine similarity with the message when embeddings ranked the candidates; null otherwise. */
  score: number | null;
}

export interface RoutingDecision {
  agentId: string;
  strategy: RoutingStrategy;
  /** 0..1: how sure the router is; 1 for EXPLICIT and SINGLE, 0 for FALLBACK. */
  confidence: number;
  /** One sentence for logs and the AgentSelected event; never holds the message text. */
  reason: string;
  cached: boolean;
  latencyMs: number;
  /** The agents considered, best first when scored. */
  candidates: RoutingCandidate[];
}
