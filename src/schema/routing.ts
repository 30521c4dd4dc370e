import { ROUTING_STRATEGIES, type RoutingCandidate as RoutingCandidateModel, type RoutingDecision as RoutingDecisionModel } from '../core/routing/routing-decision.js';
import { builder } from './builder.js';

export const SelectionStrategy = builder.enumType('SelectionStrategy', {
  description:
    'EXPLICIT: the caller named the agent. SINGLE: the only candidate. STICKY: a short follow-up stayed with the agent that answered last in the conversation. ' +
    'ROUTING_CACHE / ROUTING_EMBEDDING / ROUTING_MODEL: how routing decided. FALLBACK: routing failed and the default agent answers (reason says why).',
  values: {
    EXPLICIT: { description: 'The caller named the agent.' },
    SINGLE: { description: 'The only candidate.' },
    STICKY: { description: 'A short follow-up stayed with the agent that answered last.' },
    ROUTING_CACHE: { description: 'A cached routing decision for the same message.' },
    ROUTING_EMBEDDING: { description: 'The closest agent description by embedding.' },
    ROUTING_MODEL: { description: 'The routing model chose.' },
    FALLBACK: { description: 'Routing failed; the default agent answers.' },
  } as const satisfies Record<(typeof ROUTING_STRATEGIES)[number], object>,
});

export const RoutingCandidate = builder.objectRef<RoutingCandidateModel>('RoutingCandidate').implement({
  description: 'An agent routing considered.',
  fields: (t) => ({
    agentId: t.exposeID('agentId', { description: 'The agent.' }),
    score: t.exposeFloat('score', { nullable: true, description: 'Cosine similarity with the message when embeddings ranked the candidates.' }),
  }),
});

/** The fields a routing decision shows, wherever it appears (selectAgent, AgentSelected, Message.routing). */
export const routingFields = (t: any) => ({
  agentId: t.exposeID('agentId', { description: 'The agent chosen.' }),
  strategy: t.expose('strategy', { description: 'How it was chosen.', type: SelectionStrategy }),
  confidence: t.exposeFloat('confidence', { description: '0..1: how sure routing was; 1 for EXPLICIT and SINGLE, 0 for FALLBACK.' }),
  reason: t.exposeString('reason', { description: 'Why, for people.' }),
  cached: t.exposeBoolean('cached', { description: 'True when the decision came from the routing cache.' }),
  latencyMs: t.exposeFloat('latencyMs', { description: 'Time routing took.' }),
  candidates: t.expose('candidates', { type: [RoutingCandidate], description: 'The agents considered, best first when scored.' }),
});

export const RoutingDecision = builder.objectRef<RoutingDecisionModel>('RoutingDecision').implement({
  description: 'Which agent answers a message, and why.',
  fields: routingFields,
});
