import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { callerOf } from './use-request-principal.js';

const SUGGESTION = /\s*Did you mean .+\?$/;

/** "Did you mean …" names fields an anonymous caller could not discover otherwise; keep it for the rest. */
export function useHiddenFieldSuggestions(): Plugin {
  return {
    onValidate({ context }) {
      if (callerOf(context).kind !== 'ANONYMOUS') return;
      return ({ valid, result, setResult }) => {
        if (valid) return;
        // New errors, not edited ones: Yoga caches validation results and shares them between callers.
        setResult(
          result.map((error) =>
            SUGGESTION.test(error.message)
              ? new GraphQLError(error.message.replace(SUGGESTION, ''), {
                  nodes: error.nodes,
                  source: error.source,
                  positions: error.positions,
                  extensions: error.extensions,
                })
              : error,
          ),
        );
      };
    },
  };
}
