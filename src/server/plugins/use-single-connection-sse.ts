import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { useGraphQLSSE } from '@graphql-yoga/plugin-graphql-sse';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Authenticated } from '../../core/auth/auth.js';
import type { Principal } from '../../core/auth/principal.js';
import { DomainError } from '../../core/errors.js';
import type { Orchestrator } from '../../core/orchestrator.js';
import type { ClientConnection } from '../../core/runs/client-connection.js';
import { credentialFromHeaders } from '../credentials.js';
import { httpError, withContractCode, withContractCodes } from '../errors.js';
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
 */
export function useSingleConnectionSse(orchestrator: Orchestrator): Plugin<Record<string, unknown>, ServerContext> {
  const signingKey = randomBytes(32);
  const signature = (nonce: string, principal: Principal) => createHmac('sha256', signingKey).update(`${nonce}\0${principalKey(principal)}`).digest('base64url');
  const isOwnedBy = (token: string, principal: Principal) => {
    const [nonce, given] = token.split('.');
    if (!nonce || !given) return false;
    const expected = Buffer.from(signature(nonce, principal));
    const actual = Buffer.from(given);
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  };
  /** The open event stream of each reservation: operations sent into it live as long as it does. */
  const openStreams = new Map<string, ClientConnection>();

  const sse = useGraphQLSSE({
    endpoint: '/graphql',
    // Checked against the caller in onRequest below; no token means graphql-sse answers 404.
    authenticate: ({ raw }) => streamTokenOf(raw) ?? (undefined as unknown as string),
    // Yoga's request pipeline (onResultProcess) is not on this path: request-shape errors get the contract's code here.
    onNext: (_context, _request, result) => withContractCodes(result),
  }) as Plugin<Record<string, unknown>, ServerContext>;

  return {
    ...sse,
    async onRequest(payload) {
      const { request, serverContext, endResponse, fetchAPI } = payload;
      // A reservation is always a new token (graphql-sse's client sends its last one again when it reconnects).
      const token = request.method === 'PUT' ? undefined : streamTokenOf(request);
      if (token === undefined && request.method !== 'PUT' && request.method !== 'DELETE') return;
      let authenticated: Authenticated;
      try {
        // The address counts failed authentications (AUTH_FAILURE_LIMIT), as for any other request.
        authenticated = await orchestrator.auth.authenticate(credentialFromHeaders(request.headers), { address: serverContext.req?.ip });
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        const { status, headers, body } = httpError(error);
        return endResponse(fetchAPI.Response.json(body, { status, headers }));
      }
      const { principal } = authenticated;
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
        }
      }
      let response: Response | undefined;
      try {
        await sse.onRequest?.({ ...payload, endResponse: (answer) => (response = answer) });
      } catch (error) {
        // The plugin parses and resolves the operation unguarded: a syntax error or an unknown operation name is thrown.
        if (!(error instanceof GraphQLError)) throw error;
        const { http: _http, ...extensions } = withContractCode(error, 'GRAPHQL_PARSE_FAILED').toJSON().extensions ?? {};
        return endResponse(fetchAPI.Response.json({ errors: [{ message: error.message, locations: error.locations, extensions }] }, { status: 400 }));
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
  return new URL(request.url, 'http://localhost').searchParams.get(TOKEN_PARAM) ?? undefined;
}

/** graphql-sse opens the stream with exactly this accept header; an operation is sent with JSON's. */
const isStreamOpening = (request: Request) => request.headers.get('accept') === 'text/event-stream';

function principalKey(principal: Principal): string {
  if (principal.kind === 'ANONYMOUS') return 'ANONYMOUS';
  return JSON.stringify([principal.kind, principal.userId ?? null, principal.via, principal.credentialId ?? null]);
}

/** graphql-sse answers an invalid operation with 400 and graphql-js's errors, which carry no code: the contract's. */
async function refusalWithContractCodes(response: Response, Response_: typeof Response): Promise<Response> {
  if (!response.headers.get('content-type')?.startsWith('application/json')) return response;
  const body = (await response.json()) as { errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
  const errors = (body.errors ?? []).map((error) => withContractCode(new GraphQLError(error.message, { extensions: error.extensions }), 'GRAPHQL_VALIDATION_FAILED').toJSON());
  return Response_.json({ errors }, { status: 400 });
}
