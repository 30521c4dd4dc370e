import { NoSchemaIntrospectionCustomRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { callerOf } from './use-request-principal.js';

/**
 * The schema is described to authenticated callers only (GraphiQL's docs explorer sends the
 * headers the user typed), or to everyone with ALLOW_INTROSPECTION=true.
 */
export function useIntrospectionPolicy(options: { allowAnonymous: boolean }): Plugin {
  return {
    onValidate({ context, addValidationRule }) {
      if (!options.allowAnonymous && callerOf(context).kind === 'ANONYMOUS') addValidationRule(NoSchemaIntrospectionCustomRule);
    },
  };
}
