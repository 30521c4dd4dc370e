import type { Client, FormattedExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';
import type { TestGateway } from './gateway.js';
import { readEventStream } from './subscriptions.js';

/** `sse`: Yoga's distinct-connections SSE, by hand; `sse-single`: graphql-sse's own client, single-connection mode. */
export const TRANSPORTS = ['http', 'sse', 'sse-single', 'ws'] as const;
export type Transport = (typeof TRANSPORTS)[number];
/** The transports an anonymous caller may use: single-connection mode needs a credential (401 otherwise). */
export const ANONYMOUS_TRANSPORTS = TRANSPORTS.filter((transport) => transport !== 'sse-single');

/** What a client of one transport saw for one operation: the results, or the error message's errors. */
export interface Outcome {
  status?: number;
  results: FormattedExecutionResult<Record<string, unknown>, unknown>[];
  /** graphql-ws `error` message payload (errors before execution). */
  errors?: Array<{ message: string; extensions?: Record<string, any> }>;
  /** The first error however it came: an `error` message or a result's errors. */
  firstError?: { message: string; extensions?: Record<string, any> };
}

/** Sends one operation over the given transport with `credential` (or none) and waits for its end. */
export async function send(
  gw: TestGateway,
  transport: Transport,
  payload: Payload,
  credential?: string,
  client?: Client,
): Promise<Outcome> {
  if (transport === 'ws' && payload.variablesJson) return overRawSocket(gw, payload, credential);
  if (transport === 'ws') return overSocket(client ?? gw.ws(credential ? { authorization: `Bearer ${credential}` } : {}), payload);
  if (transport === 'sse-single') return overSingleConnection(gw, payload, credential);
  const response = await fetch(gw.graphqlUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: transport === 'sse' ? 'text/event-stream' : 'application/graphql-response+json',
      ...(credential ? { authorization: `Bearer ${credential}` } : {}),
    },
    body: serialise(payload),
  });
  const results: FormattedExecutionResult<Record<string, unknown>, unknown>[] = [];
  if (transport === 'http') results.push(await response.json());
  else for await (const event of readEventStream(response)) if (event.event === 'next') results.push(event.data);
  return { status: response.status, results, firstError: results.flatMap((r) => r.errors ?? [])[0] };
}

/** `variablesJson`: variables already serialised, for values too deep for the client's JSON.stringify. */
export interface Payload {
  query: string;
  variables?: Record<string, unknown>;
  variablesJson?: string;
  operationName?: string;
}

function serialise({ variablesJson, ...payload }: Payload): string {
  return variablesJson ? `${JSON.stringify(payload).slice(0, -1)},"variables":${variablesJson}}` : JSON.stringify(payload);
}

/** The graphql-transport-ws protocol by hand, so the subscribe message can carry pre-serialised variables. */
async function overRawSocket(gw: TestGateway, payload: Payload, credential?: string): Promise<Outcome> {
  const socket = new WebSocket(gw.wsUrl, 'graphql-transport-ws');
  const results: FormattedExecutionResult<Record<string, unknown>, unknown>[] = [];
  try {
    return await new Promise<Outcome>((resolve, reject) => {
      socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: credential ? { authorization: `Bearer ${credential}` } : {} })));
      socket.on('close', (code, reason) => reject(new Error(`socket closed: ${code} ${reason.toString()}`)));
      socket.on('message', (data) => {
        const message = JSON.parse(data.toString());
        if (message.type === 'connection_ack') socket.send(`{"id":"1","type":"subscribe","payload":${serialise(payload)}}`);
        else if (message.type === 'next') results.push(message.payload);
        else if (message.type === 'complete') resolve({ results, firstError: results.flatMap((r) => r.errors ?? [])[0] });
        else if (message.type === 'error') resolve({ results, errors: message.payload, firstError: message.payload[0] });
      });
    });
  } finally {
    socket.close();
  }
}

function overSocket(client: Client, payload: Payload): Promise<Outcome> {
  const results: FormattedExecutionResult<Record<string, unknown>, unknown>[] = [];
  return new Promise((resolve, reject) => {
    client.subscribe(payload, {
      next: (value) => results.push(value),
      complete: () => resolve({ results, firstError: results.flatMap((r) => r.errors ?? [])[0] }),
      error: (error) => {
        if (Array.isArray(error)) resolve({ results, errors: error, firstError: error[0] });
        else reject(error instanceof Error ? error : new Error(`socket closed: ${(error as { code?: number; reason?: string }).code} ${(error as { reason?: string }).reason}`));
      },
    });
  });
}

/**
 * graphql-sse's single-connection protocol: a reservation (PUT), its stream, the operation POSTed into
 * it. By hand rather than with graphql-sse's client, which cannot read the body of a refusal.
 */
async function overSingleConnection(gw: TestGateway, payload: Payload, credential?: string): Promise<Outcome> {
  const auth: Record<string, string> = credential ? { authorization: `Bearer ${credential}` } : {};
  const reserved = await fetch(gw.graphqlUrl, { method: 'PUT', headers: auth });
  if (reserved.status !== 201) return refusal(reserved);
  const token = await reserved.text();
  const open = new AbortController();
  try {
    const stream = await fetch(gw.graphqlUrl, { signal: open.signal, headers: { ...auth, accept: 'text/event-stream', 'x-graphql-event-stream-token': token } });
    const sent = await fetch(gw.graphqlUrl, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json', accept: 'application/json', 'x-graphql-event-stream-token': token },
      body: `${serialise(payload).slice(0, -1)},"extensions":{"operationId":"1"}}`,
    });
    if (sent.status !== 202) return refusal(sent);
    const results: FormattedExecutionResult<Record<string, unknown>, unknown>[] = [];
    for await (const event of readEventStream(stream)) {
      if (event.event === 'next') results.push(event.data.payload);
      else if (event.event === 'complete') break;
    }
    return { status: stream.status, results, firstError: results.flatMap((r) => r.errors ?? [])[0] };
  } finally {
    open.abort();
  }
}

async function refusal(response: Response): Promise<Outcome> {
  const body = (await response.json().catch(() => ({}))) as { errors?: Outcome['errors'] };
  return { status: response.status, results: [], errors: body.errors, firstError: body.errors?.[0] };
}
