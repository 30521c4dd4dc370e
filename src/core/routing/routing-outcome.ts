import type { RoutingStrategy } from './routing-decision.js';

/** What one routing step concluded: a choice, or why it could not choose. */
export type RoutingOutcome =
  | { ok: true; agentId: string; strategy: Extract<RoutingStrategy, 'ROUTING_EMBEDDING' | 'ROUTING_MODEL'>; confidence: number; reason: string }
  | { ok: false; reason: string };

/** A fault's message when it is ours to show (they name statuses, never provider text); else a generic one. */
export function faultText(error: unknown): string {
  if (error instanceof Error && (error.name === 'ModelError' || error.name === 'DomainError')) return error.message;
  return 'an unexpected error';
}
