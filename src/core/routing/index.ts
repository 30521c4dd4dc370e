export { AgentRouter, type AgentRouterOptions, type RoutableAgent, type RoutingStats, type SelectAgentOptions } from './agent-router.js';
export { candidateVersion, normaliseMessage, RoutingCache } from './routing-cache.js';
export { ROUTING_METHODS, ROUTING_STRATEGIES, STRATEGY, type RoutingCandidate, type RoutingDecision, type RoutingMethod, type RoutingStrategy } from './routing-decision.js';
export { DEFAULT_ROUTING_SETTINGS, type RoutingSettings } from './routing-settings.js';
