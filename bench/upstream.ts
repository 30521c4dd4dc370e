// A paced OpenAI-compatible upstream for the benchmark, in its own process. Each request says how
// to answer in its last user message: "bench tokens=<n> rate=<tokens/s, 0 = full speed> start=<epoch ms>".
// Every token's text is its write time ("<epoch ms with µs> "), so any reader can compute latency.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const now = () => performance.timeOrigin + performance.now();
const sleepUntil = (at: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, at - now())));

interface Plan {
  tokens: number;
  rate: number;
  start: number;
}

function planOf(body: any): Plan {
  const last = [...(body.messages ?? [])].reverse().find((m: { role: string }) => m.role === 'user')?.content ?? '';
  const number = (name: string, fallback: number) => Number(new RegExp(`${name}=(\\d+(?:\\.\\d+)?)`).exec(last)?.[1] ?? fallback);
  return { tokens: number('tokens', 20), rate: number('rate', 0), start: number('start', 0) };
}

async function readBody(req: IncomingMessage): Promise<any> {
  let raw = '';
  for await (const chunk of req) raw += chunk;
  return raw ? JSON.parse(raw) : {};
}

async function stream(res: ServerResponse, body: any, plan: Plan) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const base = { id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model: body.model };
  const send = (choices: unknown[], extra: object = {}) => res.write(`data: ${JSON.stringify({ ...base, choices, ...extra })}\n\n`);
  send([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]);
  const begin = Math.max(plan.start, now());
  for (let i = 0; i < plan.tokens && !res.destroyed; i++) {
    if (plan.rate > 0) await sleepUntil(begin + (i * 1000) / plan.rate);
    else if (i === 0) await sleepUntil(begin);
    const ok = res.write(`data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: { content: `${now().toFixed(3)} ` }, finish_reason: null }] })}\n\n`);
    // At full speed, respect the socket's backpressure instead of buffering the whole answer.
    if (!ok) await new Promise((resolve) => res.once('drain', resolve));
  }
  if (res.destroyed) return;
  send([{ index: 0, delta: {}, finish_reason: 'stop' }]);
  if (body.stream_options?.include_usage) send([], { usage: { prompt_tokens: 10, completion_tokens: plan.tokens, total_tokens: 10 + plan.tokens } });
  res.end('data: [DONE]\n\n');
}

async function complete(res: ServerResponse, body: any, plan: Plan) {
  const content = Array.from({ length: plan.tokens }, () => `${now().toFixed(3)} `).join('');
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({
      id: 'chatcmpl-bench',
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: body.model,
      choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 10, completion_tokens: plan.tokens, total_tokens: 10 + plan.tokens },
    }),
  );
}

const server = createServer(async (req, res) => {
  if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
    res.writeHead(404).end();
    return;
  }
  const body = await readBody(req);
  const plan = planOf(body);
  if (body.stream) await stream(res, body, plan);
  else await complete(res, body, plan);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1` })}\n`);
});
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
