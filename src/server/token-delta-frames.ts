import { type DocumentNode, Kind, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import type { RunEvent } from '../core/runs/run-event.js';

type TokenDelta = Extract<RunEvent, { type: 'TokenDelta' }>;

/** The encoder of one operation id's TokenDelta `next` frames, as graphql-ws would write them. */
export type TokenDeltaFrame = (operationId: string) => (event: TokenDelta) => string;

/** The subscriptions whose events are run events, read as they are (`resolve: (event) => event`). */
const RUN_EVENT_FIELDS = new Set(['chatStream', 'runEvents']);
/** Type conditions a TokenDelta matches: itself, its interface, its union, or none. */
const MATCHES_TOKEN_DELTA = new Set(['TokenDelta', 'RunEventFields', 'RunEvent']);
/** Each TokenDelta field as JSON, exactly as graphql-js serialises it (ID and String as strings, Int as a number). */
const FIELD_JSON: Record<string, (event: TokenDelta) => string> = {
  __typename: () => '"TokenDelta"',
  runId: (event) => JSON.stringify(event.runId),
  seq: (event) => String(event.seq),
  text: (event) => JSON.stringify(event.text),
  index: (event) => String(event.index),
};

const compiled = new WeakMap<DocumentNode, Map<string | null | undefined, TokenDeltaFrame | null>>();

/**
 * A precompiled encoder of TokenDelta frames for the common selections of chatStream and runEvents:
 * plain fields and inline fragments, in any order. Anything else (aliases, named fragments,
 * directives, arguments or nested selections on an event's fields) gets undefined: the slow path
 * (graphql-jit and JSON.stringify) serves it. A frame is byte for byte what that path writes.
 */
export function tokenDeltaFrame(document: DocumentNode, operationName: string | null | undefined): TokenDeltaFrame | undefined {
  let byName = compiled.get(document);
  if (!byName) compiled.set(document, (byName = new Map()));
  let frame = byName.get(operationName);
  if (frame === undefined) byName.set(operationName, (frame = compile(document, operationName) ?? null));
  return frame ?? undefined;
}

function compile(document: DocumentNode, operationName: string | null | undefined): TokenDeltaFrame | undefined {
  // Named fragments could be inlined, but clients streaming tokens rarely use them: the slow path serves them.
  if (document.definitions.some((definition) => definition.kind !== Kind.OPERATION_DEFINITION)) return undefined;
  const operations = document.definitions as readonly OperationDefinitionNode[];
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations.length === 1 ? operations[0] : undefined;
  if (!operation || operation.operation !== 'subscription' || operation.directives?.length) return undefined;
  const [root, ...others] = operation.selectionSet.selections;
  if (!root || others.length > 0 || root.kind !== Kind.FIELD || root.alias || root.directives?.length || !RUN_EVENT_FIELDS.has(root.name.value)) return undefined;
  const fields = root.selectionSet && tokenDeltaFields(root.selectionSet);
  if (!fields) return undefined;
  // graphql-ws writes JSON.stringify({ id, type: 'next', payload: { data: { <field>: <event> } } }).
  const opening = `","type":"next","payload":{"data":{${JSON.stringify(root.name.value)}:{`;
  const keys = fields.map((name, i) => `${i === 0 ? '' : ','}${JSON.stringify(name)}:`);
  const values = fields.map((name) => FIELD_JSON[name]!);
  return (operationId) => {
    const prefix = `{"id":${JSON.stringify(operationId).slice(0, -1)}${opening}`;
    return (event) => {
      let frame = prefix;
      for (let i = 0; i < keys.length; i++) frame += keys[i]! + values[i]!(event);
      return `${frame}}}}}`;
    };
  };
}

/** The response keys a TokenDelta gets from this selection, in graphql-js's order (first occurrence), or undefined if it is not a plain one. */
function tokenDeltaFields(selectionSet: SelectionSetNode): string[] | undefined {
  const fields: string[] = [];
  const add = (set: SelectionSetNode, nested: boolean): boolean => {
    for (const selection of set.selections) {
      if (selection.directives?.length) return false;
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        if (selection.alias || selection.arguments?.length || selection.selectionSet || !Object.hasOwn(FIELD_JSON, name)) return false;
        if (!fields.includes(name)) fields.push(name);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition?.name.value;
        if (condition !== undefined && !MATCHES_TOKEN_DELTA.has(condition)) continue; // another event type's fields
        if (nested || !add(selection.selectionSet, true)) return false;
      } else {
        return false;
      }
    }
    return true;
  };
  return add(selectionSet, false) ? fields : undefined;
}
