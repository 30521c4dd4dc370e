// `npx tsx bench/transport.ts`: this process's CPU per model call against bench/upstream.ts (its own
// process), the openai SDK as it comes (undici fetch, its Stream reader) against muxgate's transport
// (src/core/models: node-http-fetch, completion-chunks), and the steps between. Variants alternate
// within each round, so the machine's drift hits them alike; medians over ROUNDS (default 7).
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import OpenAI from 'openai';
import { completionChunks } from '../src/core/models/completion-chunks.js';
import { nodeHttpFetch } from '../src/core/models/node-http-fetch.js';
import { OpenAIChatModel } from '../src/core/models/openai-chat-model.js';
import { OpenAIEmbeddingModel } from '../src/core/models/openai-embedding-model.js';
import { median } from './stats.js';

const ROUNDS = Number(process.env.ROUNDS ?? 7);
const upstream = spawn(process.execPath, ['--import', 'tsx', 'bench/upstream.ts'], { cwd: new URL('..', import.meta.url).pathname, stdio: ['ignore', 'pipe', 'inherit'] });
const baseURL: string = await new Promise((resolve) => createInterface({ input: upstream.stdout! }).once('line', (line) => resolve(JSON.parse(line).url)));

const sdk = new OpenAI({ apiKey: 'bench', baseURL, maxRetries: 2, timeout: 120_000 });
const sdkOverNodeHttp = new OpenAI({ apiKey: 'bench', baseURL, maxRetries: 2, timeout: 120_000, fetch: nodeHttpFetch });
const model = new OpenAIChatModel({ apiKey: 'bench', baseURL, maxRetries: 2, timeoutMs: 120_000 });
const embeddingModel = new OpenAIEmbeddingModel({ apiKey: 'bench', baseURL, maxRetries: 2, timeoutMs: 120_000, model: 'e', dimensions: 1536 });

const params = (tokens: number, rate: number) => ({
  model: 'bench',
  messages: [{ role: 'user' as const, content: `bench tokens=${tokens} rate=${rate}` }],
  stream: true as const,
  stream_options: { include_usage: true },
});

type Reader = (tokens: number, rate: number) => Promise<number>;
const countText = (chunks: Array<{ choices: Array<{ delta?: { content?: string | null } }> }>) => chunks.filter((c) => c.choices[0]?.delta?.content).length;

const readers: Record<string, Reader> = {
  /** What muxgate did before: the SDK as it comes. */
  'SDK (undici fetch + SDK Stream)': async (tokens, rate) => {
    const seen = [];
    for await (const chunk of await sdk.chat.completions.create(params(tokens, rate))) seen.push(chunk);
    return countText(seen);
  },
  'SDK over node-http-fetch + SDK Stream': async (tokens, rate) => {
    const seen = [];
    for await (const chunk of await sdkOverNodeHttp.chat.completions.create(params(tokens, rate))) seen.push(chunk);
    return countText(seen);
  },
  'SDK (undici fetch) + completion-chunks': async (tokens, rate) => {
    const seen = [];
    for await (const chunk of completionChunks(await sdk.chat.completions.create(params(tokens, rate)).asResponse())) seen.push(chunk);
    return countText(seen);
  },
  'SDK over node-http-fetch + completion-chunks': async (tokens, rate) => {
    const seen = [];
    for await (const chunk of completionChunks(await sdkOverNodeHttp.chat.completions.create(params(tokens, rate)).asResponse())) seen.push(chunk);
    return countText(seen);
  },
  /** What muxgate does now: node-http-fetch + completion-chunks, through OpenAIChatModel. */
  'OpenAIChatModel (node-http-fetch + completion-chunks)': async (tokens, rate) => {
    let n = 0;
    const request = { model: 'bench', messages: params(tokens, rate).messages, signal: new AbortController().signal };
    for await (const chunk of model.stream(request)) if (chunk.type === 'text') n++;
    return n;
  },
};

const embedders: Record<string, () => Promise<number>> = {
  'SDK (undici fetch)': async () => (await sdk.embeddings.create({ model: 'e', input: ['hello world', 'another text'], dimensions: 1536 })).data.length,
  'SDK over node-http-fetch (OpenAIEmbeddingModel)': async () => (await embeddingModel.embed(['hello world', 'another text'])).length,
};

/** CPU (user + system) of this process per unit of work, over `count` calls made `concurrency` at a time. */
async function cpuPer(run: () => Promise<number>, expected: number, count: number, concurrency: number, units: number) {
  const once = async () => {
    const got = await run();
    if (got !== expected) throw new Error(`expected ${expected}, got ${got}`);
  };
  for (let i = 0; i < concurrency; i++) await once(); // warm connections and code
  const before = process.cpuUsage();
  for (let i = 0; i < count; i += concurrency) await Promise.all(Array.from({ length: concurrency }, once));
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / units;
}

const scenarios = [
  { name: 'stream of 1 token, one at a time: ms CPU per request', kind: 'chat', tokens: 1, rate: 0, count: 300, concurrency: 1, per: 'call' },
  { name: '50 streams × 50 tokens at 100 tokens/s: µs CPU per token', kind: 'chat', tokens: 50, rate: 100, count: 100, concurrency: 50, per: 'token' },
  { name: 'stream of 5,000 tokens at full speed: µs CPU per token', kind: 'chat', tokens: 5000, rate: 0, count: 2, concurrency: 1, per: 'token' },
  { name: 'embeddings, 2 inputs × 1,536 dimensions, one at a time: ms CPU per request', kind: 'embed', count: 300, concurrency: 1, per: 'call' },
] as const;

const only = process.env.ONLY;
for (const scenario of scenarios) {
  if (only && !scenario.name.includes(only)) continue;
  const samples: Record<string, number[]> = {};
  const variants = scenario.kind === 'chat' ? readers : embedders;
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, run] of Object.entries(variants)) {
      const value =
        scenario.kind === 'chat'
          ? await cpuPer(() => (run as Reader)(scenario.tokens, scenario.rate), scenario.tokens, scenario.count, scenario.concurrency, scenario.per === 'call' ? scenario.count : (scenario.count * scenario.tokens) / 1000)
          : await cpuPer(run as () => Promise<number>, 2, scenario.count, scenario.concurrency, scenario.count);
      (samples[name] ??= []).push(value);
    }
  }
  console.log(`\n${scenario.name} (median of ${ROUNDS} rounds; range)`);
  const baseline = median(Object.values(samples)[0]!);
  for (const [name, values] of Object.entries(samples)) {
    const m = median(values);
    console.log(`  ${name.padEnd(56)} ${m.toFixed(3).padStart(8)}  (${Math.min(...values).toFixed(3)} – ${Math.max(...values).toFixed(3)})  ${((m / baseline) * 100).toFixed(0)}%`);
  }
}
upstream.kill();
