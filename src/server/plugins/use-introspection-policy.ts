import { GraphQLError, type ValidationRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { callerOf } from './use-request-principal.js';

/**
 * The schema is described to authenticated callers only (GraphiQL's docs explorer sends the
 * headers the user typed), or to everyone with ALLOW_INTROSPECTION=true.
 */
export function useIntrospectionPolicy(options: { allowAnonymous: boolean }): Plugin {
  return {
    onValidate({ context, addValidationRule }) {
      if (!options.allowAnonymous && callerOf(context).kind === 'ANONYMOUS') addValidationRule(noAnonymousIntrospection);
    },
  };
}

/** One error per operation, saying what to do: GraphiQL shows it to a newcomer before anything else. */
const noAnonymousIntrospection: ValidationRule = (context) => {
  let reported = false;
  return {
    Field(node) {
      if (reported || (node.name.value !== '__schema' && node.name.value !== '__type')) return;
      reported = true;
      context.reportError(
        new GraphQLError(
          'Introspection needs a credential: send "Authorization: Bearer <API key or JWT>" (in GraphiQL, the Headers tab), or start the gateway with ALLOW_INTROSPECTION=true',
          { nodes: node },
        ),
      );
    },
  };
};
