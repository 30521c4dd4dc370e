import net from 'node:net';

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** How long a raw request may go unanswered: generous, and well inside the 30 s test timeout. */
export const ANSWER_BOUND_MS = 10_000;

/**
 * Sends `head` and `body` exactly as given over a bare TCP socket (what fetch would fix or refuse to
 * send: a Content-Length that lies, no body at all) and reads the answer until the server closes.
 * `end` half-closes the socket after writing, as a client that gives up sending does. Resolves
 * 'no answer' when nothing complete came back within ANSWER_BOUND_MS: the hang a test must fail on.
 */
export function rawHttp(url: string, head: string[], body = '', options: { end?: boolean } = {}): Promise<RawAnswer | 'no answer'> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(Number(port), hostname, () => {
      socket.write(`${head.join('\r\n')}\r\n\r\n${body}`);
      if (options.end) socket.end();
    });
    const bound = setTimeout(() => {
      socket.destroy();
      resolve('no answer');
    }, ANSWER_BOUND_MS);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', () => {}); // the server may reset after answering: what it sent is in `chunks`
    socket.on('close', () => {
      clearTimeout(bound);
      resolve(parseAnswer(Buffer.concat(chunks).toString('utf8')) ?? 'no answer');
    });
  });
}

function parseAnswer(text: string): RawAnswer | undefined {
  const split = text.indexOf('\r\n\r\n');
  if (split < 0) return undefined;
  const [statusLine = '', ...lines] = text.slice(0, split).split('\r\n');
  const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
  return { status: Number(statusLine.split(' ')[1]), headers, body: text.slice(split + 4) };
}
