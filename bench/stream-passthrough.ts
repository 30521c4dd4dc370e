// A bare pass-through for bench/stream-ab.ts (`passthrough` as a checkout): a plain Node process that speaks
// just enough graphql-ws to serve chatStream, reads the same upstream SSE (keep-alive node:http, one JSON.parse a
// chunk) and writes each token as one graphql-ws `next` frame. No GraphQL, no storage: the floor per token.
import { createServer, type IncomingMessage, Agent, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

const upstream = new URL(`${process.env.OPENAI_BASE_URL}/chat/completions`);
const agent = new Agent({ keepAlive: true });
const server = createServer((_req, res) => res.writeHead(404).end());
const sockets = new WebSocketServer({ server, path: '/graphql' });

sockets.on('connection', (ws: WebSocket) => {
  ws.on('message', (raw) => {
    const message = JSON.parse(String(raw));
    if (message.type === 'connection_init') ws.send('{"type":"connection_ack"}');
    else if (message.type === 'subscribe') stream(ws, message.id, message.payload.variables.input.message);
  });
});

function stream(ws: WebSocket, id: string, content: string) {
  const body = JSON.stringify({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content }] });
  const req = request(upstream, { method: 'POST', agent, headers: { 'content-type': 'application/json', authorization: 'Bearer bench' } }, (res: IncomingMessage) => {
    let pending = '';
    let text = '';
    const next = (event: object) => ws.send(`{"id":${JSON.stringify(id)},"type":"next","payload":{"data":{"chatStream":${JSON.stringify(event)}}}}`);
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      pending += chunk;
      let end: number;
      while ((end = pending.indexOf('\n\n')) !== -1) {
        const data = pending.slice(6, end);
        pending = pending.slice(end + 2);
        if (data === '[DONE]') continue;
        const delta = JSON.parse(data).choices[0]?.delta?.content;
        if (!delta) continue;
        text += delta;
        next({ __typename: 'TokenDelta', text: delta });
      }
    });
    res.on('end', () => {
      next({ __typename: 'MessageCompleted', content: text });
      ws.send(`{"id":${JSON.stringify(id)},"type":"complete"}`);
    });
  });
  req.end(body);
}

server.listen(0, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`));
process.once('SIGTERM', () => process.exit(0)); // exits cleanly, so --cpu-prof writes its profile
