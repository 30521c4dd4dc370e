import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { useGraphQLSSE } from '@graphql-yoga/plugin-graphql-sse';
import { type ExecutionResult, GraphQLError } from 'graphql';
import type { Plugin, YogaServerInstance } from 'graphql-yoga';
import type { Authenticated } from '../../core/auth/auth.js';
import type { Principal } from '../../core/auth/principal.js';
import { DomainError, rateLimited, unauthenticated } from '../../core/errors.js';
import type { Orchestrator } from '../../core/orchestrator.js';
import type { ClientConnection } from '../../core/runs/client-connection.js';
import { credentialFromHeaders } from '../credentials.js';
import { httpError, withContractCode, withContractCodes } from '../errors.js';
import { ConnectionLimits } from '../ws-connection-limits.js';
import type { ServerContext } from '../graphql-http.js';

// graphql-sse's protocol names (graphql-sse/lib/common TOKEN_HEADER_KEY, TOKEN_QUERY_KEY).
const TOKEN_HEADER = 'x-graphql-event-stream-token';
const TOKEN_PARAM = 'token';

/**
 * GraphQL over SSE's single-connection mode (graphql-sse `singleConnection: true`) at /graphql,
 * by Yoga's own plugin: `PUT` reserves a stream (answered here), `GET`/`POST` with the reservation's
 * token opens it or sends an operation into it, `DELETE` stops one. Every other request (distinct-connections SSE
 * included) is Yoga's as before. A reservation token is bound to the principal that made it: it is
 * signed over the principal, so another caller's token is "not found", with nothing to store.
 * It needs a credential (an anonymous stream would have no owner to bind it to and no idle bound),
 * and a principal holds at most `streamLimits.perPrincipal` open streams on this replica.
 */
export function useSingleConnectionSse(
  orchestrator: Orchestrator,
  streamLimits: { total: number; perPrincipal: number },
): Plugin<Record<string, unknown>, ServerContext> {
  const signingKey = randomBytes(32);
  const signature = (nonce: string, principal: AuthenticatedPrincipal) => createHmac('sha256', signingKey).update(`${nonce}\0${principalKey(principal)}`).digest('base64url');
  const isOwnedBy = (token: string, principal: AuthenticatedPrincipal) => {
    const [nonce, given] = token.split('.');
    if (!nonce || !given) return false;
    const expected = Buffer.from(signature(nonce, principal));
    const actual = Buffer.from(given);
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  };
  /** The open event stream of each reservation: operations sent into it live as long as it does. */
  const openStreams = new Map<string, ClientConnection>();
  /** Open streams per principal (WS_MAX_CONNECTIONS_PER_ADDRESS) and in all (WS_MAX_CONNECTIONS), as for WebSockets. */
  const streamSlots = new ConnectionLimits({ total: streamLimits.total, perAddress: streamLimits.perPrincipal });

  const sse = useGraphQLSSE({
    endpoint: '/graphql',
    // Checked against the caller in onRequest below; no token means graphql-sse answers 404.
    authenticate: ({ raw }) => streamTokenOf(raw) ?? (undefined as unknown as string),
    // Yoga's request pipeline (onResultProcess) is not on this path: request-shape errors get the contract's code here.
    onNext: (_context, _request, result) => withContractCodes(result),
  }) as Plugin<Record<string, unknown>, ServerContext>;

  /** Operations sent into a stream: their results must have `data` (null on errors) for graphql-sse to send them. */
  const operations = new WeakSet<Request>();
  const withData = (contextValue: unknown) => {
    const request = (contextValue as { request?: Request } | undefined)?.request;
    if (!request || !operations.has(request)) return undefined;
    // graphql-sse 2 takes a result without `data` (variables refused, a stopped execution) for arguments and loses it.
    return ({ result, setResult }: { result: unknown; setResult: (result: ExecutionResult) => void }) => {
      if (result && typeof result === 'object' && !(Symbol.asyncIterator in result) && !('data' in result)) setResult({ ...(result as ExecutionResult), data: null });
    };
  };
  let yoga: YogaServerInstance<ServerContext, Record<string, unknown>> | undefined;
  /**
   * The plugin's own validation is lost on graphql-sse 2 (a result without `data` is taken for
   * arguments: "Unable to detect operation AST"), so an operation is parsed and validated here first,
   * as Yoga would (its caches make the plugin's second pass cheap).
   */
  async function refusalOf(request: Request, serverContext: ServerContext): Promise<GraphQLError[] | undefined> {
    const params = await operationParams(request);
    if (!yoga || typeof params?.query !== 'string') return undefined;
    const enveloped = yoga.getEnveloped({ ...serverContext, request, params });
    try {
      const errors = enveloped.validate(enveloped.schema, enveloped.parse(params.query));
      return errors.length ? errors.map((error: GraphQLError) => withContractCode(error, 'GRAPHQL_VALIDATION_FAILED')) : undefined;
    } catch (error) {
      if (!(error instanceof GraphQLError)) throw error;
      return [withContractCode(error, 'GRAPHQL_PARSE_FAILED')];
    }
  }

  return {
    ...sse,
    onExecute({ args }) {
      const done = withData(args.contextValue);
      return done && { onExecuteDone: done };
    },
    onSubscribe({ args }) {
      const done = withData(args.contextValue);
      return done && { onSubscribeResult: done };
    },
    onYogaInit(payload) {
      yoga = payload.yoga as unknown as typeof yoga;
      return sse.onYogaInit?.(payload);
    },
    async onRequest(payload) {
      const { request, serverContext, endResponse, fetchAPI } = payload;
      // A reservation is always a new token (graphql-sse's client sends its last one again when it reconnects).
      const token = request.method === 'PUT' ? undefined : streamTokenOf(request);
      if (token === undefined && request.method !== 'PUT' && request.method !== 'DELETE') return;
      let authenticated: Authenticated;
      try {
        // The address counts failed authentications (AUTH_FAILURE_LIMIT), as for any other request.
        authenticated = await orchestrator.auth.authenticate(credentialFromHeaders(request.headers), { address: serverContext.req?.ip });
        if (authenticated.principal.kind === 'ANONYMOUS') throw unauthenticated('Single-connection mode needs a credential: send an API key or a JWT (Authorization: Bearer …)');
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        const { status, headers, body } = httpError(error);
        return endResponse(fetchAPI.Response.json(body, { status, headers }));
      }
      const principal = authenticated.principal as AuthenticatedPrincipal;
      if (token !== undefined && !isOwnedBy(token, principal)) {
        // The same answer as for a token never issued: another caller learns nothing of it.
        return endResponse(fetchAPI.Response.json({ errors: [{ message: 'Stream not found', extensions: { code: 'NOT_FOUND' } }] }, { status: 404 }));
      }
      serverContext.authenticated = authenticated;
      if (request.method === 'PUT') {
        if (!['*/*', 'text/plain'].includes(request.headers.get('accept') || '*/*')) return endResponse(new fetchAPI.Response(null, { status: 406 }));
        // Nothing is held for a reservation until its stream opens: the token itself says whose it is.
        const nonce = randomUUID();
        return endResponse(new fetchAPI.Response(`${nonce}.${signature(nonce, principal)}`, { status: 201, headers: { 'content-type': 'text/plain; charset=utf-8' } }));
      }
      if (token !== undefined) {
        if (isStreamOpening(request)) {
          // graphql-sse holds a stream from its PUT on: registered only now, so an unopened reservation costs nothing.
          if (!openStreams.has(token)) {
            const release = streamSlots.tryOpen(principalKey(principal));
            if (!release) {
              const { status, headers, body } = httpError(rateLimited('Too many open single-connection streams for this caller (WS_MAX_CONNECTIONS_PER_ADDRESS, WS_MAX_CONNECTIONS)', STREAM_RETRY_SECONDS));
              return endResponse(fetchAPI.Response.json(body, { status, headers }));
            }
            serverContext.reply?.raw.once('close', release);
            const reservation = new fetchAPI.Request(request.url, { method: 'PUT', headers: { [TOKEN_HEADER]: token } });
            await sse.onRequest?.({ ...payload, request: reservation, endResponse: () => {} });
          }
          trackStream(token, request, serverContext);
        }
        else if (request.method !== 'DELETE') {
          const stream = openStreams.get(token);
          // An operation lives as long as its stream: with none open yet, it would have no connection to end with.
          if (!stream) return endResponse(fetchAPI.Response.json({ errors: [{ message: 'Open the event stream first', extensions: { code: 'BAD_USER_INPUT' } }] }, { status: 409 }));
          serverContext.connection = stream;
          operations.add(request);
          const refusal = await refusalOf(request, serverContext);
          if (refusal) return endResponse(fetchAPI.Response.json({ errors: refusal.map(asSent) }, { status: 400 }));
        }
      }
      let response: Response | undefined;
      try {
        await sse.onRequest?.({ ...payload, endResponse: (answer) => (response = answer) });
      } catch (error) {
        // The plugin parses and resolves the operation unguarded: a syntax error or an unknown operation name is thrown.
        if (!(error instanceof GraphQLError)) throw error;
        return endResponse(fetchAPI.Response.json({ errors: [asSent(withContractCode(error, 'GRAPHQL_PARSE_FAILED'))] }, { status: 400 }));
      }
      if (response) endResponse(response.status === 400 ? await refusalWithContractCodes(response, fetchAPI.Response) : response);
    },
  };

  function trackStream(token: string, request: Request, serverContext: ServerContext) {
    if (openStreams.has(token)) return; // graphql-sse refuses a second stream (409)
    const connection: ClientConnection = {
      isOpen: () => !request.signal.aborted,
      get closed() {
        return request.signal;
      },
      requestId: serverContext.req?.id,
    };
    openStreams.set(token, connection);
    serverContext.connection = connection;
    serverContext.reply?.raw.once('close', () => {
      if (openStreams.get(token) === connection) openStreams.delete(token);
    });
  }
}

function streamTokenOf(request: Request): string | undefined {
  const header = request.headers.get(TOKEN_HEADER);
  if (header) return header;
  // Most requests have no query string: no URL parsed for them.
  const query = request.url.indexOf('?');
  if (query < 0) return undefined;
  const fragment = request.url.indexOf('#', query);
  return new URLSearchParams(request.url.slice(query + 1, fragment < 0 ? undefined : fragment)).get(TOKEN_PARAM) ?? undefined;
}

/** graphql-sse opens the stream with exactly this accept header; an operation is sent with JSON's. */
const isStreamOpening = (request: Request) => request.headers.get('accept') === 'text/event-stream';

type AuthenticatedPrincipal = Exclude<Principal, { kind: 'ANONYMOUS' }>;

/** Slots free as streams close: a hint, as for WebSockets refused at their limit. */
const STREAM_RETRY_SECONDS = 10;

function principalKey(principal: AuthenticatedPrincipal): string {
  return JSON.stringify([principal.kind, principal.userId ?? null, principal.via, principal.credentialId ?? null]);
}

/** graphql-sse answers an invalid operation with 400 and graphql-js's errors, which carry no code: the contract's. */
async function refusalWithContractCodes(response: Response, Response_: typeof Response): Promise<Response> {
  if (!response.headers.get('content-type')?.startsWith('application/json')) return response;
  const body = (await response.json()) as { errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
  const errors = (body.errors ?? []).map((error) => withContractCode(new GraphQLError(error.message, { extensions: error.extensions }), 'GRAPHQL_VALIDATION_FAILED').toJSON());
  return Response_.json({ errors }, { status: 400 });
}

/** An error as Yoga would send it: without the HTTP status it keeps in its extensions. */
function asSent(error: GraphQLError) {
  const { extensions, ...rest } = error.toJSON();
  const { http: _http, ...sent } = extensions ?? {};
  return { ...rest, extensions: sent };
}

/** A single-connection operation's GraphQL parameters: POSTed as JSON, or in a GET's query string. */
async function operationParams(request: Request): Promise<{ query?: unknown; operationName?: string } | undefined> {
  if (request.method === 'GET') {
    const search = new URL(request.url, 'http://localhost').searchParams;
    return { query: search.get('query') ?? undefined, operationName: search.get('operationName') ?? undefined };
  }
  // graphql-sse answers a body that is not JSON itself.
  return request
    .clone()
    .json()
    .catch(() => undefined) as Promise<{ query?: unknown; operationName?: string } | undefined>;
}
