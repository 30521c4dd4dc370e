import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completionChunks } from '../src/core/models/completion-chunks.js';
import { nodeHttpFetch } from '../src/core/models/node-http-fetch.js';
import { type ServerSentEvent, ServerSentEventDecoder } from '../src/core/models/server-sent-events.js';

const bytes = (text: string) => new TextEncoder().encode(text);

/** Every event of `stream`, fed to one decoder in the pieces given. */
function decodeInPieces(pieces: Uint8Array[]): ServerSentEvent[] {
  const decoder = new ServerSentEventDecoder();
  return pieces.flatMap((piece) => decoder.decode(piece));
}

// One stream with every rule in it: comments, names, multi-line data, the three line ends, a field
// with no space after its colon, a bare `data`, fields that are ignored, multi-byte text, and an
// event left unfinished at the end.
const STREAM =
  ': a comment\n' +
  'data: {"n":1}\n\n' +
  'event: error\r\ndata: {"error":\r\ndata: {"message":"über"}}\r\n\r\n' +
  'id: 7\rretry: 100\rdata:no space\r\r' +
  'data\n\n' +
  'data: 你好 👋\ndata:\n\n' +
  ': only a comment\n\n' +
  'data: [DONE]\n\n' +
  'data: left unfinished';

const EXPECTED: ServerSentEvent[] = [
  { event: undefined, data: '{"n":1}' },
  { event: 'error', data: '{"error":\n{"message":"über"}}' },
  { event: undefined, data: 'no space' },
  { event: undefined, data: '' },
  { event: undefined, data: '你好 👋\n' },
  { event: undefined, data: '[DONE]' },
];

describe('ServerSentEventDecoder', () => {
  it('reads a whole stream as the SSE spec does', () => {
    expect(decodeInPieces([bytes(STREAM)])).toEqual(EXPECTED);
  });

  it('reads the same events whatever byte the stream is cut at: inside a line, a CRLF or a UTF-8 character', () => {
    const whole = bytes(STREAM);
    for (let cut = 1; cut < whole.length; cut++) {
      expect(decodeInPieces([whole.subarray(0, cut), whole.subarray(cut)]), `cut at byte ${cut}`).toEqual(EXPECTED);
    }
  });

  it('reads the same events a byte at a time', () => {
    const whole = bytes(STREAM);
    expect(decodeInPieces(Array.from(whole, (_, i) => whole.subarray(i, i + 1)))).toEqual(EXPECTED);
  });
});

describe('completionChunks', () => {
  const response = (body: string) => new Response(body, { headers: { 'content-type': 'text/event-stream', 'x-request-id': 'req_1' } });

  it('yields each JSON payload and stops at [DONE], ignoring anything after it', async () => {
    const chunks = [];
    for await (const chunk of completionChunks(response('data: {"choices":[{"delta":{"content":"a"}}]}\n\n: ping\n\ndata: {"choices":[]}\n\ndata: [DONE]\n\ndata: {"after":true}\n\n'))) chunks.push(chunk);
    expect(chunks).toEqual([{ choices: [{ delta: { content: 'a' } }] }, { choices: [] }]);
  });

  it('throws the SDK’s APIError for an error payload or an error event, after the chunks before it', async () => {
    for (const body of ['data: {"choices":[]}\n\ndata: {"error":{"message":"overloaded","type":"server_error"}}\n\n', 'data: {"choices":[]}\n\nevent: error\ndata: {"message":"overloaded"}\n\n']) {
      const seen: unknown[] = [];
      const failure = await (async () => {
        for await (const chunk of completionChunks(response(body))) seen.push(chunk);
      })().catch((error: unknown) => error);
      expect(seen).toEqual([{ choices: [] }]);
      expect(failure).toBeInstanceOf(OpenAI.APIError);
      expect(failure).toMatchObject({ status: undefined, error: { message: 'overloaded' }, requestID: 'req_1' });
    }
  });

  it('throws a SyntaxError for a payload that is not JSON', async () => {
    const read = async () => {
      for await (const _chunk of completionChunks(response('data: {"choices":\n\n'))) void _chunk;
    };
    await expect(read()).rejects.toThrow(SyntaxError);
  });
});

describe('completionChunks over node-http-fetch', () => {
  // A real server: a body given whole, or (for `/open`) one chunk and then nothing, left open.
  let open: ServerResponse | undefined;
  const server = createServer((request, response) => {
    response.writeHead(200, { 'content-type': 'text/event-stream', 'x-request-id': 'req_2' });
    if (request.url === '/open') {
      open = response;
      response.write('data: {"choices":[]}\n\n');
    } else response.end('data: {"choices":[]}\n\nevent: error\ndata: {"message":"overloaded"}\n\n');
  });
  let url = '';
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    open?.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('throws the APIError with the response’s headers, built again from the raw ones', async () => {
    const seen: unknown[] = [];
    const failure = await (async () => {
      for await (const chunk of completionChunks(await nodeHttpFetch(new URL(`${url}/error`)))) seen.push(chunk);
    })().catch((error: unknown) => error);
    expect(seen).toEqual([{ choices: [] }]);
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect(failure).toMatchObject({ error: { message: 'overloaded' }, requestID: 'req_2' });
    expect((failure as InstanceType<typeof OpenAI.APIError>).headers?.get('content-type')).toBe('text/event-stream');
  });

  it('cut() ends a read in progress with an AbortError and drops the connection', async () => {
    const chunks = completionChunks(await nodeHttpFetch(new URL(`${url}/open`)));
    expect((await chunks.next()).value).toEqual({ choices: [] });
    const pending = chunks.next();
    chunks.cut();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    await new Promise<void>((resolve) => (open!.destroyed ? resolve() : open!.once('close', () => resolve())));
    expect(open!.destroyed).toBe(true);
  });
});
