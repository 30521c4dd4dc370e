import { type ASTVisitor, GraphQLError, type ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { hasNul } from '../../core/input-limits.js';

const MESSAGE = 'Strings must not contain NUL (\\u0000) characters.';

/**
 * PostgreSQL refuses 0x00 in text and jsonb, so a NUL anywhere in an operation's strings (literals
 * or variables, keys included) is refused before any resolver runs, over every transport.
 */
export function useNoNulStrings(): Plugin {
  const refuse = (variables: unknown, stop: (result: { errors: GraphQLError[] }) => void) => {
    if (containsNul(variables)) stop({ errors: [new GraphQLError(MESSAGE, { extensions: { code: 'BAD_USER_INPUT', reason: 'NUL_CHARACTER' } })] });
  };
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(NoNulStringsRule);
    },
    onExecute({ args, setResultAndStopExecution }) {
      refuse(args.variableValues, setResultAndStopExecution);
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      refuse(args.variableValues, setResultAndStopExecution);
    },
  };
}

function NoNulStringsRule(context: ValidationContext): ASTVisitor {
  return {
    StringValue(node) {
      if (hasNul(node.value)) context.reportError(new GraphQLError(MESSAGE, { nodes: node }));
    },
  };
}

/** Iterative, so variables nested thousands deep cannot overflow the stack. */
function containsNul(value: unknown): boolean {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const item = pending.pop();
    if (typeof item === 'string') {
      if (hasNul(item)) return true;
    } else if (item !== null && typeof item === 'object') {
      for (const [key, child] of Object.entries(item)) {
        if (hasNul(key)) return true;
        pending.push(child);
      }
    }
  }
  return false;
}
