import type { Socket } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RestErrorBody } from './errors.js';
import { OpenAIError } from './openai/openai-error.js';

/** Node's error for a request it could not read, with the bytes it got when the head was at fault. */
type ClientError = Error & { code?: string; rawPacket?: unknown };

/**
 * Requests Node's HTTP parser refuses before (or while) Fastify reads them: a malformed head, a
 * bad Content-Length, a body cut short by the client closing. Answered at once, in the error
 * contract of the surface the path names (Fastify's default body speaks none of them), then closed.
 */
export function answerClientError(error: ClientError, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  // An answer to this request already went out (a 401 before its body was read): a second one would corrupt the stream.
  if (alreadyAnswered(socket)) {
    socket.destroy(error);
    return;
  }
  const [status, reason, message] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'Request Timeout', 'The request was not received in time']
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'Request Header Fields Too Large', 'The request headers are too large']
        : [400, 'Bad Request', 'The request could not be read: its head is malformed or its body shorter than its Content-Length'];
  const body = JSON.stringify(bodyFor(pathOf(error, socket), status, message));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

/**
 * Whether the request being read has had its answer begun: its response's head is sent, or it has
 * no response any more (Node detaches a finished one while it still reads, and drops, the body).
 * A request still unanswered always has a response on the socket.
 */
function alreadyAnswered(socket: Socket): boolean {
  const { _httpMessage: response, parser } = socket as Socket & { _httpMessage?: ServerResponse | null; parser?: { incoming?: IncomingMessage | null } | null };
  if (response) return response.headersSent;
  return Boolean(parser?.incoming && !parser.incoming.complete);
}

/** The path of the request at fault: the one in flight on this socket, or the request line Node could not finish. */
function pathOf(error: ClientError, socket: Socket): string {
  const inFlight = (socket as Socket & { _httpMessage?: ServerResponse })._httpMessage?.req?.url;
  if (inFlight) return inFlight;
  const head = Buffer.isBuffer(error.rawPacket) ? error.rawPacket.subarray(0, 2048).toString('latin1') : '';
  const line = head.split('\r\n', 1)[0] ?? '';
  return line.split(' ')[1] ?? '';
}

function bodyFor(path: string, status: number, message: string) {
  if (path === '/graphql' || path.startsWith('/graphql?')) {
    return { errors: [{ message: `${message}.`, extensions: { code: 'BAD_USER_INPUT', reason: 'BAD_REQUEST' } }] };
  }
  if (path === '/v1' || path.startsWith('/v1/')) return new OpenAIError(status, `${message}.`, 'invalid_request_error', 'invalid_request').body;
  const body: RestErrorBody = { error: { code: 'BAD_USER_INPUT', message, reason: 'BAD_REQUEST' } };
  return body;
}
