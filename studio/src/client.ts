import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import { createClient as createSseClient, type Client as SseClient } from 'graphql-sse';
import { credential, onCredentialChange, signOut } from './auth';
import type { TypedDocumentString } from './gql/graphql';

/** An error the API answered (its extensions.code), or a transport failure (code undefined). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

interface GraphQLErrorShape {
  message: string;
  extensions?: { code?: string };
}

const endpoint = '/graphql';

function toError(errors: readonly GraphQLErrorShape[]): ApiError {
  const [first] = errors;
  const error = new ApiError(errors.map((e) => e.message).join('; ') || 'Request failed', first?.extensions?.code);
  if (error.code === 'UNAUTHENTICATED') signOut();
  return error;
}

/** A query or mutation over HTTP POST, with the credential as a bearer token. */
export async function request<R, V>(document: TypedDocumentString<R, V>, variables?: V): Promise<R> {
  const token = credential();
  let response: Response;
  try {
    response = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({ query: document.toString(), variables: variables ?? {} }),
    });
  } catch (error) {
    throw new ApiError(`The gateway did not answer (${error instanceof Error ? error.message : String(error)})`);
  }
  let body: { data?: R | null; errors?: GraphQLErrorShape[] };
  try {
    body = await response.json();
  } catch {
    throw new ApiError(`The gateway answered ${response.status} without a GraphQL body`);
  }
  if (body.errors?.length) throw toError(body.errors);
  if (body.data == null) throw new ApiError(`The gateway answered ${response.status} with no data`);
  return body.data;
}

export interface Sink<R> {
  next(data: R): void;
  error(error: ApiError): void;
  complete(): void;
}

let ws: WsClient | undefined;
let sse: SseClient | undefined;
/** Set once a WebSocket could not even connect (a proxy that drops upgrades): subscriptions go over SSE from then on. */
let sseOnly = false;
let wsConnectedOnce = false;

function wsClient(): WsClient {
  if (!ws) {
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    ws = createWsClient({
      url: `${scheme}://${location.host}${endpoint}`,
      connectionParams: () => ({ authorization: `Bearer ${credential() ?? ''}` }),
      lazy: true,
      // No silent retries: graphql-ws would subscribe again, and chatStream again is a second chat.
      // A page that follows a run resumes it itself (runEvents after its last seq).
      retryAttempts: 0,
      keepAlive: 20_000,
      on: { connected: () => (wsConnectedOnce = true) },
    });
  }
  return ws;
}

function sseClient(): SseClient {
  if (!sse) {
    sse = createSseClient({
      url: endpoint,
      headers: (): Record<string, string> => {
        const token = credential();
        return token ? { authorization: `Bearer ${token}` } : {};
      },
      retryAttempts: 2,
    });
  }
  return sse;
}

onCredentialChange(() => {
  ws?.dispose();
  sse?.dispose();
  ws = undefined;
  sse = undefined;
});

/** Why a subscription ended: the API's own errors, or the transport's (a close event, a failed fetch). */
function transportError(error: unknown): ApiError {
  if (Array.isArray(error)) return toError(error as GraphQLErrorShape[]);
  if (error instanceof Error) return new ApiError(error.message);
  if (error && typeof error === 'object' && 'code' in error && 'reason' in error) {
    const { code, reason } = error as { code: number; reason: string };
    if (code === 4401 || code === 4403) signOut();
    return new ApiError(`The connection closed (${code}${reason ? `: ${reason}` : ''})`);
  }
  return new ApiError('The connection failed');
}

/**
 * A subscription over graphql-ws (graphql-sse when WebSockets cannot connect here). Returns the
 * unsubscribe: for chatStream it stops the answer (graphql-ws `complete`).
 */
export function subscribe<R, V>(document: TypedDocumentString<R, V>, variables: V, sink: Sink<R>): () => void {
  const payload = { query: document.toString(), variables: (variables ?? {}) as Record<string, unknown> };
  let stop: () => void = () => {};
  let done = false;
  const forward = {
    next: (result: { data?: unknown; errors?: readonly GraphQLErrorShape[] }) => {
      if (result.errors?.length) sink.error(toError(result.errors));
      else if (result.data) sink.next(result.data as R);
    },
    complete: () => {
      if (!done) sink.complete();
      done = true;
    },
  };
  const overSse = () => {
    stop = sseClient().subscribe(payload, { ...forward, error: (error: unknown) => sink.error(transportError(error)) });
  };
  if (sseOnly) overSse();
  else {
    stop = wsClient().subscribe(payload, {
      ...forward,
      error: (error: unknown) => {
        if (!wsConnectedOnce && !Array.isArray(error) && !done) {
          sseOnly = true;
          overSse();
          return;
        }
        done = true;
        sink.error(transportError(error));
      },
    });
  }
  return () => {
    done = true;
    stop();
  };
}
