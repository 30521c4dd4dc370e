import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import type { GraphQLArmorCallbackConfiguration } from '@escape.tech/graphql-armor-types';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

export interface OperationLimits {
  maxDepth: number;
  maxAliases: number;
  maxTokens: number;
  maxDirectives: number;
  maxCost: number;
}

/**
 * graphql-armor's limits. Depth, aliases, directives and cost are validation rules (envelop's
 * addValidationRule), so they run wherever `enveloped.validate` runs: HTTP, SSE and WebSocket.
 * The token limit replaces the parser, so a huge or deeply nested document stops before the
 * recursive descent can exhaust the stack.
 */
export function useOperationLimits(limits: OperationLimits): Plugin {
  return EnvelopArmorPlugin({
    maxTokens: { n: limits.maxTokens },
    maxDepth: { n: limits.maxDepth, ignoreIntrospection: true, flattenFragments: true, ...reportedAsValidationErrors },
    maxAliases: { n: limits.maxAliases, ...reportedAsValidationErrors },
    maxDirectives: { n: limits.maxDirectives, ...reportedAsValidationErrors },
    // Defaults: a scalar costs 1, an object 2, each level deeper 1.5× — cheap fields stay cheap.
    costLimit: { maxCost: limits.maxCost, ignoreIntrospection: true, ...reportedAsValidationErrors },
    // Suggestions are hidden per caller by useHiddenFieldSuggestions, not for everyone.
    blockFieldSuggestion: { enabled: false },
  }) as Plugin;
}

/**
 * armor's rules throw by default, which makes `validate` throw an uncoded error instead of
 * returning one: report it like any validation error (and drop armor's misleading "Syntax Error:").
 */
const reportedAsValidationErrors: GraphQLArmorCallbackConfiguration = {
  propagateOnRejection: false,
  onReject: [
    (context, error) =>
      context?.reportError(new GraphQLError(error.message.replace(/^Syntax Error: /, ''), { nodes: error.nodes, extensions: error.extensions })),
  ],
};
