// A paced OpenAI-compatible upstream for the benchmark, in its own process. Each request says how
// to answer in its last user message: "bench tokens=<n> rate=<tokens/s, 0 = full speed> start=<epoch ms>".
// Every token's text is its write time ("<epoch ms with µs> "), so any reader can compute latency.
// For the routing part it also answers /v1/embeddings (bag-of-words vectors) and routing prompts (the
// candidate sharing most keywords), as test/support/fake-routing.ts does, and counts and times them:
// GET /bench/stats, POST /bench/reset. BENCH_EMBEDDING_DELAY_MS makes each embeddings answer take
// that long, as a real provider's round trip does (OpenAI's is 100-300 ms). "tool=<name>" in the last
// user message makes the first step call that tool (a client tool, say) instead of answering; once the
// request carries the tool's result, it answers as usual.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bagOfWordsVector, keywordRouter } from '../test/support/fake-routing.js';

const now = () => performance.timeOrigin + performance.now();
const EMBEDDING_DELAY_MS = Number(process.env.BENCH_EMBEDDING_DELAY_MS ?? 0);
const sleepUntil = (at: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, at - now())));

interface Plan {
  tokens: number;
  rate: number;
  start: number;
  /** A tool to call instead of answering (the step before its result). */
  tool?: string | undefined;
}

function planOf(body: any): Plan {
  const last = [...(body.messages ?? [])].reverse().find((m: { role: string }) => m.role === 'user')?.content ?? '';
  const number = (name: string, fallback: number) => Number(new RegExp(`${name}=(\\d+(?:\\.\\d+)?)`).exec(last)?.[1] ?? fallback);
  const tool = /tool=(\w+)/.exec(last)?.[1];
  const answered = body.messages?.at(-1)?.role === 'tool';
  return { tokens: number('tokens', 20), rate: number('rate', 0), start: number('start', 0), tool: answered ? undefined : tool };
}

async function readBody(req: IncomingMessage): Promise<any> {
  let raw = '';
  for await (const chunk of req) raw += chunk;
  return raw ? JSON.parse(raw) : {};
}

let toolCalls = 0;

async function stream(res: ServerResponse, body: any, plan: Plan) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const base = { id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model: body.model };
  const send = (choices: unknown[], extra: object = {}) => res.write(`data: ${JSON.stringify({ ...base, choices, ...extra })}\n\n`);
  send([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]);
  if (plan.tool) {
    // An `ask_<agent>` call (delegation, bench/delegation.ts) asks the delegate for a short plain answer.
    const args = plan.tool.startsWith('ask_') ? JSON.stringify({ question: `bench tokens=${plan.tokens}` }) : '{}';
    const call = { index: 0, id: `call_${++toolCalls}`, type: 'function', function: { name: plan.tool, arguments: args } };
    send([{ index: 0, delta: { tool_calls: [call] }, finish_reason: null }]);
    send([{ index: 0, delta: {}, finish_reason: 'tool_calls' }]);
    return res.end('data: [DONE]\n\n');
  }
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
  sendCompletion(res, body.model, content, { prompt_tokens: 10, completion_tokens: plan.tokens, total_tokens: 10 + plan.tokens });
}

/** A non-streamed chat completion, as the SDK reads it. */
function sendCompletion(res: ServerResponse, model: string, content: string, usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number }) {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({
      id: 'chatcmpl-bench',
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model,
      choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
      usage,
    }),
  );
}

/** The routing model's request: the system message AgentRouter's buildRoutingPrompt writes. */
const isRoutingPrompt = (body: any) => String(body.messages?.[0]?.content ?? '').startsWith('You route a user message');

/** Deterministic vectors, as floats or base64 float32 as the SDK asks. */
function embeddings(res: ServerResponse, body: any) {
  const inputs: string[] = Array.isArray(body.input) ? body.input : [body.input];
  const data = inputs.map((text, index) => {
    const vector = bagOfWordsVector(String(text), body.dimensions ?? 1536);
    return { object: 'embedding', index, embedding: body.encoding_format === 'base64' ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector };
  });
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ object: 'list', data, model: body.model, usage: { prompt_tokens: inputs.length, total_tokens: inputs.length } }));
}

function routingAnswer(res: ServerResponse, body: any) {
  const { text } = keywordRouter({ body } as Parameters<typeof keywordRouter>[0]);
  sendCompletion(res, body.model, text ?? '', { prompt_tokens: 50, completion_tokens: 1, total_tokens: 51 });
}

/** Requests by kind, and how long each took here: from its headers arriving to its last byte written. */
const stats = { chat: 0, embeddings: 0, routing: 0, serviceMs: { embeddings: [] as number[], routing: [] as number[] } };

const server = createServer(async (req, res) => {
  const received = performance.now();
  if (req.url === '/bench/stats') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(stats));
    return;
  }
  if (req.url === '/bench/reset') {
    Object.assign(stats, { chat: 0, embeddings: 0, routing: 0, serviceMs: { embeddings: [], routing: [] } });
    res.writeHead(204).end();
    return;
  }
  if (req.method !== 'POST' || (req.url !== '/v1/chat/completions' && req.url !== '/v1/embeddings')) {
    res.writeHead(404).end();
    return;
  }
  const body = await readBody(req);
  const kind = req.url === '/v1/embeddings' ? 'embeddings' : isRoutingPrompt(body) ? 'routing' : 'chat';
  stats[kind]++;
  if (kind !== 'chat') res.once('finish', () => stats.serviceMs[kind].push(performance.now() - received));
  if (kind === 'embeddings') {
    if (EMBEDDING_DELAY_MS > 0) await new Promise((resolve) => setTimeout(resolve, EMBEDDING_DELAY_MS));
    return embeddings(res, body);
  }
  if (kind === 'routing') return routingAnswer(res, body);
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
