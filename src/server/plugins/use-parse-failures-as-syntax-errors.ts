import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * graphql-js parses recursively: a document nested deeper than the stack allows throws a RangeError,
 * which would be reported as INTERNAL (a 500, or a closed socket). It is the caller's document at fault.
 */
export function useParseFailuresAsSyntaxErrors(): Plugin {
  return {
    onParse() {
      return ({ result, replaceParseResult }) => {
        if (result instanceof Error && !(result instanceof GraphQLError)) {
          replaceParseResult(
            new GraphQLError('Syntax Error: the document is nested too deeply to parse.', { extensions: { code: 'GRAPHQL_PARSE_FAILED' } }),
          );
        }
      };
    },
  };
}
