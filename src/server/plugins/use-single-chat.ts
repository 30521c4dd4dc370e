import { type ASTVisitor, GraphQLError, Kind, type SelectionSetNode, type ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** Each `chat` is a paid model call: one operation may ask for one, however it is aliased or spread. */
export function useSingleChat(): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(SingleChatRule);
    },
  };
}

function SingleChatRule(context: ValidationContext): ASTVisitor {
  return {
    OperationDefinition(node) {
      if (node.operation !== 'mutation') return;
      if (countChats(node.selectionSet, context, new Set()) > 1) {
        context.reportError(
          new GraphQLError('An operation may ask for `chat` at most once: send one message per request.', { nodes: node }),
        );
      }
    },
  };
}

function countChats(selectionSet: SelectionSetNode, context: ValidationContext, seen: Set<string>): number {
  let count = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) count += selection.name.value === 'chat' ? 1 : 0;
    else if (selection.kind === Kind.INLINE_FRAGMENT) count += countChats(selection.selectionSet, context, seen);
    else if (!seen.has(selection.name.value)) {
      seen.add(selection.name.value);
      const fragment = context.getFragment(selection.name.value);
      if (fragment) count += countChats(fragment.selectionSet, context, seen);
    }
  }
  return count;
}
