import { createSourceEventStream, type DocumentNode, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { CompiledQuery } from 'graphql-jit';
import type { Plugin } from 'graphql-yoga';
import { lazyImport } from '../core/lazy-import.js';
import { queueOf } from '../core/runs/stream-to-client.js';
import { directFramesOf } from './direct-frames.js';
import { tokenDeltaFrame } from './token-delta-frames.js';

/**
 * Runs each subscription event through a compiled (graphql-jit) form of the operation instead of
 * interpreting it anew: a token stream executes the same selection thousands of times a second.
 * The source stream itself still comes from graphql-js, which resolves the field's arguments
 * correctly (graphql-jit's own subscribe passes the raw variables as arguments).
 */
export function useCompiledSubscriptionEvents(): Plugin {
  const compiled = new WeakMap<DocumentNode, Map<string, CompiledQuery | null>>();

  const compiledFor = ({ compileQuery, isCompiledQuery }: GraphqlJit, args: ExecutionArgs): CompiledQuery | null => {
    const key = args.operationName ?? '';
    let byOperation = compiled.get(args.document);
    if (!byOperation) compiled.set(args.document, (byOperation = new Map()));
    if (!byOperation.has(key)) {
      const result = compileQuery(args.schema, args.document, args.operationName ?? undefined);
      byOperation.set(key, isCompiledQuery(result) ? result : null);
    }
    return byOperation.get(key) ?? null;
  };

  return {
    onSubscribe({ setSubscribeFn, subscribeFn }) {
      setSubscribeFn(async (args) => {
        const query = compiledFor(graphqlJit.loaded ?? (await graphqlJit()), args);
        if (!query) return subscribeFn(args);
        const source = await createSourceEventStream(args);
        if (!(Symbol.asyncIterator in source)) return source as ExecutionResult;
        writeTokensDirectly(args, source);
        return mapEvents(source, (event) => query.query(event, args.contextValue, args.variableValues));
      });
    },
  };
}

type GraphqlJit = typeof import('graphql-jit');
/** graphql-jit (about 2 MB of heap with its source map), loaded at the first subscription; after it, no await. */
const graphqlJit = lazyImport(() => import('graphql-jit'));

/**
 * Over a WebSocket, a run's token deltas skip execution: for a common selection, a precompiled
 * encoder builds the frame graphql-ws would, and the queue writes it to the socket as the token comes.
 */
function writeTokensDirectly(args: ExecutionArgs, source: object) {
  const frames = directFramesOf(args.contextValue);
  const encoder = frames && tokenDeltaFrame(args.document, args.operationName);
  const queue = encoder && queueOf(source);
  if (!queue) return;
  const frame = encoder(frames.operationId);
  queue.writeDirectly((event) => frames.write(frame(event)));
}

/** Maps a stream's events, passing return() through so ending the subscription reaches the source. */
function mapEvents<T, U>(source: AsyncIterable<T>, map: (event: T) => U | Promise<U>): AsyncIterableIterator<U> {
  const iterator = source[Symbol.asyncIterator]();
  const mapped: AsyncIterableIterator<U> = {
    async next() {
      const result = await iterator.next();
      return result.done ? { value: undefined, done: true } : { value: await map(result.value), done: false };
    },
    async return() {
      await iterator.return?.();
      return { value: undefined, done: true };
    },
    async throw(error?: unknown) {
      await iterator.return?.();
      throw error;
    },
    [Symbol.asyncIterator]: () => mapped,
  };
  return mapped;
}
