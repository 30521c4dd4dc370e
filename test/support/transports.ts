import type { Client, FormattedExecutionResult } from 'graphql-ws';
import type { TestGateway } from './gateway.js';
import { readEventStream } from './subscriptions.js';

export const TRANSPORTS = ['http', 'sse', 'ws'] as const;
export type Transport = (typeof TRANSPORTS)[number];

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
  payload: { query: string; variables?: Record<string, unknown>; operationName?: string },
  credential?: string,
  client?: Client,
): Promise<Outcome> {
  if (transport === 'ws') return overSocket(client ?? gw.ws(credential ? { authorization: `Bearer ${credential}` } : {}), payload);
  const response = await fetch(gw.graphqlUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: transport === 'sse' ? 'text/event-stream' : 'application/graphql-response+json',
      ...(credential ? { authorization: `Bearer ${credential}` } : {}),
    },
    body: JSON.stringify(payload),
  });
  const results: FormattedExecutionResult<Record<string, unknown>, unknown>[] = [];
  if (transport === 'http') results.push(await response.json());
  else for await (const event of readEventStream(response)) if (event.event === 'next') results.push(event.data);
  return { status: response.status, results, firstError: results.flatMap((r) => r.errors ?? [])[0] };
}

function overSocket(client: Client, payload: { query: string; variables?: Record<string, unknown>; operationName?: string }): Promise<Outcome> {
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
