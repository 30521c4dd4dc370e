// The floor the gateway's per-token CPU is compared with (issue 20): a plain Node process that accepts
// graphql-ws connections (the `ws` library, subprotocol graphql-transport-ws) and, for each `subscribe`,
// reads the same paced upstream SSE the gateway reads and writes each token as a graphql-ws `next` frame
// shaped as the gateway's chatStream answer (TokenDelta …, then MessageCompleted, then `complete`).
// No GraphQL, no storage, no authentication. Compiled (tsconfig.bench.json) and started with `npm start`'s
// node flags: `node bench/dist/pass-through.js <sdk|http>`. `sdk` reads the upstream with the openai SDK
// (the client the gateway uses); `http` with node:http and a line split, the cheapest reader there is.
import { Agent, request } from 'node:http';
import OpenAI from 'openai';
import { WebSocketServer, type WebSocket } from 'ws';

const reader = process.argv[2] === 'http' ? 'http' : 'sdk';
const upstreamUrl = process.env.OPENAI_BASE_URL ?? 'http://127.0.0.1:8001/v1';
const sdk = new OpenAI({ apiKey: 'bench', baseURL: upstreamUrl, maxRetries: 0 });
const agent = new Agent({ keepAlive: true });

/** The answer's text deltas, in order, from the upstream's SSE. */
async function* tokensViaSdk(message: string, signal: AbortSignal): AsyncGenerator<string> {
  const stream = await sdk.chat.completions.create({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: message }] }, { signal });
  for await (const chunk of stream) {
    const delta = chunk.choices[0]?.delta?.content;
    if (delta) yield delta;
  }
}

async function* tokensViaHttp(message: string, signal: AbortSignal): AsyncGenerator<string> {
  const body = JSON.stringify({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: message }] });
  const response = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
    const req = request(`${upstreamUrl}/chat/completions`, { method: 'POST', agent, signal, headers: { 'content-type': 'application/json' } }, resolve);
    req.once('error', reject);
    req.end(body);
  });
  response.setEncoding('utf8');
  let pending = '';
  for await (const chunk of response) {
    pending += chunk;
    let end: number;
    while ((end = pending.indexOf('\n\n')) >= 0) {
      const event = pending.slice(0, end);
      pending = pending.slice(end + 2);
      if (!event.startsWith('data: ') || event === 'data: [DONE]') continue;
      const delta = JSON.parse(event.slice(6)).choices[0]?.delta?.content;
      if (delta) yield delta;
    }
  }
}

const tokens = reader === 'http' ? tokensViaHttp : tokensViaSdk;

/** One subscription: every token as a `next` frame, then the whole text, then `complete`. */
async function answer(socket: WebSocket, id: string, message: string, signal: AbortSignal) {
  const next = (event: object) => socket.send(JSON.stringify({ id, type: 'next', payload: { data: { chatStream: event } } }));
  let text = '';
  try {
    for await (const delta of tokens(message, signal)) {
      text += delta;
      next({ __typename: 'TokenDelta', text: delta });
    }
    next({ __typename: 'MessageCompleted', content: text });
    socket.send(JSON.stringify({ id, type: 'complete' }));
  } catch (error) {
    if (!signal.aborted) socket.send(JSON.stringify({ id, type: 'error', payload: [{ message: String(error) }] }));
  }
}

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (protocols) => (protocols.has('graphql-transport-ws') ? 'graphql-transport-ws' : false) });
wss.on('connection', (socket) => {
  const running = new Map<string, AbortController>();
  socket.on('message', (data) => {
    const message = JSON.parse(String(data));
    if (message.type === 'connection_init') socket.send('{"type":"connection_ack"}');
    else if (message.type === 'ping') socket.send('{"type":"pong"}');
    else if (message.type === 'subscribe') {
      const controller = new AbortController();
      running.set(message.id, controller);
      void answer(socket, message.id, String(message.payload.variables?.input?.message ?? ''), controller.signal).finally(() => running.delete(message.id));
    } else if (message.type === 'complete') running.get(message.id)?.abort();
  });
  socket.on('close', () => {
    for (const controller of running.values()) controller.abort();
  });
});
wss.on('listening', () => {
  const { port } = wss.address() as { port: number };
  process.stdout.write(`pass-through (${reader}) listening on http://127.0.0.1:${port}\n`);
});
process.on('SIGTERM', () => {
  for (const socket of wss.clients) socket.terminate();
  wss.close(() => process.exit(0));
});
