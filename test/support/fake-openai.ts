import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { bagOfWordsVector } from './fake-routing.js';

/** How the fake answers one chat completion request. */
export interface Behaviour {
  /** Split into word tokens, spaces kept: "Hello big world" -> "Hello", " big", " world". */
  text?: string;
  /** Exact chunks, one SSE event each. */
  tokens?: string[];
  /** Pause between chunks. */
  delayMs?: number;
  toolCalls?: Array<{ id?: string; name: string; arguments: string | object }>;
  finishReason?: 'stop' | 'length' | 'tool_calls' | 'content_filter';
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number; prompt_tokens_details?: { cached_tokens: number }; completion_tokens_details?: { reasoning_tokens: number } };
  /** Answer with this HTTP status and an OpenAI error body instead. */
  status?: number;
  errorMessage?: string;
  /** Write this many chunks, then destroy the socket: a stream cut midway. */
  dropAfterTokens?: number;
  /** Write this many chunks, then wait until the client goes away. */
  hangAfterTokens?: number;
  /** Write `tokens` chunks, then wait for `until` before writing the rest (a run held mid-answer, no timing). */
  waitAfterTokens?: { tokens: number; until: Promise<unknown> };
  /** Write this many chunks, then an error payload mid-stream (as OpenAI does on an overload), then end. */
  errorAfterTokens?: number;
  /**
   * Write the stream as a legal but unusual server may: CRLF line endings, a comment before each
   * event, each event's JSON over two `data:` lines, and each event in two writes split mid-line.
   */
  sseQuirks?: boolean;
}

export interface RecordedRequest {
  id: number;
  body: any;
  headers: IncomingMessage['headers'];
  /** The client's end of the connection: equal ports, one reused connection. */
  remotePort: number | undefined;
  receivedAt: number;
  /** The client closed the connection before the answer was complete. */
  clientAborted: boolean;
  clientAbortedAt?: number;
  completed: boolean;
  tokensWritten: number;
}

export type BehaviourSource = Behaviour | ((request: RecordedRequest) => Behaviour);

/** How the fake answers one embeddings request; by default, bag-of-words vectors. */
export interface EmbeddingBehaviour {
  status?: number;
  errorMessage?: string;
  delayMs?: number;
  /** Answer gzip-compressed, whatever the request accepted. */
  gzip?: boolean;
}

/**
 * A local OpenAI-compatible server for tests: streams genuine SSE chat.completion.chunk events
 * (text, tool calls, usage), errors, cut and hanging streams, and records what it received.
 */
export class FakeOpenAI {
  readonly requests: RecordedRequest[] = [];
  /** Requests to /v1/embeddings, apart from chat requests so counts of either stay simple. */
  readonly embeddingRequests: RecordedRequest[] = [];
  private readonly queue: BehaviourSource[] = [];
  private fallback: BehaviourSource | undefined;
  private readonly embeddingQueue: EmbeddingBehaviour[] = [];
  private embeddingFallback: EmbeddingBehaviour | undefined;
  private server!: Server;
  url = '';

  static async start(): Promise<FakeOpenAI> {
    const fake = new FakeOpenAI();
    fake.server = createServer((req, res) => void fake.handle(req, res));
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    fake.url = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}/v1`;
    return fake;
  }

  /** The next requests get these behaviours, in order; after them, the default. */
  enqueue(...behaviours: BehaviourSource[]): void {
    this.queue.push(...behaviours);
  }

  setDefault(behaviour: BehaviourSource | undefined): void {
    this.fallback = behaviour;
  }

  /** The next embeddings requests get these behaviours, in order; after them, the default. */
  enqueueEmbeddings(...behaviours: EmbeddingBehaviour[]): void {
    this.embeddingQueue.push(...behaviours);
  }

  setEmbeddingDefault(behaviour: EmbeddingBehaviour | undefined): void {
    this.embeddingFallback = behaviour;
  }

  reset(): void {
    this.queue.length = 0;
    this.fallback = undefined;
    this.requests.length = 0;
    this.embeddingQueue.length = 0;
    this.embeddingFallback = undefined;
    this.embeddingRequests.length = 0;
  }

  async waitFor(predicate: () => boolean, what = 'the condition', timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`FakeOpenAI: timed out waiting for ${what}`);
      await sleep(10);
    }
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    const body = await readJson(req);
    if (req.method === 'POST' && req.url === '/v1/chat/completions') return this.chat(req, res, body);
    if (req.method === 'POST' && req.url === '/v1/embeddings') return this.embeddings(req, res, body);
    sendError(res, 404, `Unknown path ${req.url}`);
  }

  /** Deterministic vectors (bag-of-words hashes), as floats or base64 float32 as the SDK asks. */
  private async embeddings(req: IncomingMessage, res: ServerResponse, body: any) {
    const record: RecordedRequest = { id: this.embeddingRequests.length + 1, body, headers: req.headers, remotePort: req.socket.remotePort, receivedAt: Date.now(), clientAborted: false, completed: false, tokensWritten: 0 };
    this.embeddingRequests.push(record);
    res.on('close', () => {
      if (!res.writableFinished) record.clientAborted = true;
    });
    const behaviour = this.embeddingQueue.shift() ?? this.embeddingFallback ?? {};
    if (behaviour.delayMs) await sleep(behaviour.delayMs);
    if (behaviour.status) {
      res.setHeader('retry-after-ms', '0');
      return sendError(res, behaviour.status, behaviour.errorMessage ?? `HTTP ${behaviour.status}`);
    }
    const inputs: string[] = Array.isArray(body.input) ? body.input : [body.input];
    const dimensions: number = body.dimensions ?? 64;
    const data = inputs.map((text, index) => {
      const vector = bagOfWordsVector(String(text), dimensions);
      const embedding = body.encoding_format === 'base64' ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector;
      return { object: 'embedding', index, embedding };
    });
    record.completed = true;
    const tokens = inputs.reduce((n, text) => n + String(text).split(/\s+/).length, 0);
    const answer = { object: 'list', data, model: body.model, usage: { prompt_tokens: tokens, total_tokens: tokens } };
    if (!behaviour.gzip) return sendJson(res, 200, answer);
    res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    res.end(gzipSync(JSON.stringify(answer)));
  }

  private async chat(req: IncomingMessage, res: ServerResponse, body: any) {
    const record: RecordedRequest = {
      id: this.requests.length + 1,
      body,
      headers: req.headers,
      remotePort: req.socket.remotePort,
      receivedAt: Date.now(),
      clientAborted: false,
      completed: false,
      tokensWritten: 0,
    };
    this.requests.push(record);
    res.on('close', () => {
      if (!res.writableFinished) {
        record.clientAborted = true;
        record.clientAbortedAt = Date.now();
      }
    });
    const source = this.queue.shift() ?? this.fallback ?? echo;
    const behaviour = typeof source === 'function' ? source(record) : source;
    if (behaviour.status) {
      res.setHeader('retry-after-ms', '0');
      return sendError(res, behaviour.status, behaviour.errorMessage ?? `HTTP ${behaviour.status}`);
    }
    const tokens = behaviour.tokens ?? splitWords(behaviour.text ?? '');
    const toolCalls = (behaviour.toolCalls ?? []).map((call, i) => ({
      id: call.id ?? `call_${i}`,
      name: call.name,
      arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments),
    }));
    const finishReason = behaviour.finishReason ?? (toolCalls.length ? 'tool_calls' : 'stop');
    const usage = behaviour.usage ?? { prompt_tokens: 10, completion_tokens: tokens.length, total_tokens: 10 + tokens.length };
    if (!body.stream) {
      await sleep((behaviour.delayMs ?? 0) * tokens.length);
      record.completed = true;
      return sendJson(res, 200, {
        id: `chatcmpl-${record.id}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: body.model,
        choices: [
          {
            index: 0,
            finish_reason: finishReason,
            logprobs: null,
            message: {
              role: 'assistant',
              content: tokens.join(''),
              ...(toolCalls.length ? { tool_calls: toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })) } : {}),
            },
          },
        ],
        usage,
      });
    }

    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const base = { id: `chatcmpl-${record.id}`, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model: body.model };
    const write = (choices: unknown[], extra: Record<string, unknown> = {}) => {
      if (res.destroyed) return;
      const json = JSON.stringify({ ...base, choices, ...extra });
      if (!behaviour.sseQuirks) return void res.write(`data: ${json}\n\n`);
      const half = json.indexOf(',') + 1;
      const event = `: keep-alive\r\ndata: ${json.slice(0, half)}\r\ndata:${json.slice(half)}\r\n\r\n`;
      res.write(event.slice(0, event.length - 9));
      res.write(event.slice(event.length - 9));
    };
    write([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null, logprobs: null }]);
    for (const [index, token] of tokens.entries()) {
      // Pause first, so what was written has left the socket before it is destroyed.
      if (behaviour.delayMs) await sleep(behaviour.delayMs);
      if (behaviour.dropAfterTokens !== undefined && index >= behaviour.dropAfterTokens) {
        res.destroy();
        return;
      }
      if (behaviour.hangAfterTokens !== undefined && index >= behaviour.hangAfterTokens) return;
      if (behaviour.waitAfterTokens && index === behaviour.waitAfterTokens.tokens) await behaviour.waitAfterTokens.until;
      if (behaviour.errorAfterTokens !== undefined && index >= behaviour.errorAfterTokens) {
        res.end(`data: ${JSON.stringify({ error: { message: behaviour.errorMessage ?? 'The server had an error while processing your request.', type: 'server_error', code: null } })}\n\n`);
        return;
      }
      if (res.destroyed) return;
      write([{ index: 0, delta: { content: token }, finish_reason: null, logprobs: null }]);
      record.tokensWritten++;
    }
    if (behaviour.hangAfterTokens !== undefined) return;
    if (behaviour.dropAfterTokens !== undefined && behaviour.dropAfterTokens <= tokens.length) {
      res.destroy();
      return;
    }
    for (const [index, call] of toolCalls.entries()) {
      write([{ index: 0, delta: { tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] }, finish_reason: null }]);
      const half = Math.ceil(call.arguments.length / 2);
      for (const piece of [call.arguments.slice(0, half), call.arguments.slice(half)]) {
        write([{ index: 0, delta: { tool_calls: [{ index, function: { arguments: piece } }] }, finish_reason: null }]);
      }
    }
    write([{ index: 0, delta: {}, finish_reason: finishReason, logprobs: null }]);
    if (body.stream_options?.include_usage) write([], { usage });
    res.end(behaviour.sseQuirks ? 'data: [DONE]\r\n\r\n' : 'data: [DONE]\n\n');
    record.completed = true;
  }
}

/** With nothing queued: "echo: <last user message>", word by word (a message of content parts: its text parts). */
const echo = (request: RecordedRequest): Behaviour => {
  const last = [...(request.body.messages ?? [])].reverse().find((m: { role: string }) => m.role === 'user');
  const content = Array.isArray(last?.content) ? last.content.filter((part: { type: string }) => part.type === 'text').map((part: { text: string }) => part.text).join(' ') : last?.content;
  return { text: `echo: ${content ?? ''}` };
};

export const splitWords = (text: string) => text.match(/\s*\S+/g) ?? [];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function readJson(req: IncomingMessage): Promise<any> {
  let raw = '';
  for await (const chunk of req) raw += chunk;
  try {
    return raw ? JSON.parse(raw) : {};
  } catch {
    return {};
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function sendError(res: ServerResponse, status: number, message: string) {
  sendJson(res, status, { error: { message, type: status === 429 ? 'rate_limit_exceeded' : 'server_error', code: null } });
}
