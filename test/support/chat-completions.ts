import { USER_KEY } from './gateway.js';

/** POSTs /v1/chat/completions with fetch, as USER_KEY unless `headers` say otherwise: the bytes a client reads. */
export const postChatCompletion = (baseUrl: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${baseUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${USER_KEY}`, ...headers },
    body: JSON.stringify(body),
  });

/** The `data:` payloads of an event stream's body, in order. */
export const dataLines = (raw: string) => raw.split('\n\n').filter((frame) => frame.startsWith('data: ')).map((frame) => frame.slice('data: '.length));
