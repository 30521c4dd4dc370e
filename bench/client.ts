// Benchmark clients, run in their own process: `tsx bench/client.ts <scenario> '<json options>'`.
// Prints one JSON line with the result. "gateway" goes through muxgate (GraphQL); "v1" is the openai
// SDK reading muxgate's OpenAI-compatible /v1; "direct" is the openai SDK reading the same upstream,
// the baseline every figure is compared with.
import { createClient, type Client } from 'graphql-ws';
import OpenAI from 'openai';
import WebSocket from 'ws';
import { cpuMs, mainThreadCpuMs } from './proc.js';
import { now, percentile, writeTimes } from './stats.js';

interface Options {
  via: 'gateway' | 'v1' | 'direct' | 'direct-stream';
  graphqlUrl: string;
  key: string;
  upstreamUrl: string;
  [name: string]: any;
}

const STREAM = `subscription($input: ChatInput!) { chatStream(input: $input) {
  __typename ... on TokenDelta { text } ... on MessageCompleted { content } ... on RunFailed { code message } } }`;
const CHAT = `mutation($input: ChatInput!) { chat(input: $input) { runId message { content } } }`;

/** `o.headers` routes the SDK through a pass-through (Portkey's x-portkey-* headers, bench/portkey.ts). */
const sdk = (o: Options) => new OpenAI({ apiKey: 'bench', baseURL: o.upstreamUrl, maxRetries: 0, defaultHeaders: o.headers });
/** The same SDK as a client of muxgate's /v1, the agent `bench` as its model. */
const v1Sdk = (o: Options) => new OpenAI({ apiKey: o.key, baseURL: o.graphqlUrl.replace(/\/graphql$/, '/v1'), maxRetries: 0 });

function wsClient(o: Options): Client {
  return createClient({
    url: o.graphqlUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${o.key}` },
    retryAttempts: 0,
    lazy: false,
  });
}

/** Reads one answer; returns each token's (read time − write time) and whether it ended complete. */
async function readStream(o: Options, message: string, client?: Client, onSubscribed?: () => void) {
  const latencies: number[] = [];
  let text = '';
  let finished = false;
  let firstAt = 0;
  if (o.via === 'direct' || o.via === 'v1') {
    const client = o.via === 'v1' ? v1Sdk(o) : sdk(o);
    const stream = await client.chat.completions.create({ model: o.via === 'v1' ? 'bench' : 'gpt-4o', stream: true, messages: [{ role: 'user', content: message }] });
    onSubscribed?.();
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta?.content;
      if (delta) {
        const at = now();
        firstAt ||= at;
        for (const written of writeTimes(delta)) latencies.push(at - written);
        text += delta;
      }
      if (chunk.choices[0]?.finish_reason) finished = true;
    }
    return { latencies, text, finished, firstAt, endAt: now() };
  }
  const iterator = client!.iterate<any>({ query: STREAM, variables: { input: { message, agentId: 'bench' } } });
  const pending = iterator.next();
  onSubscribed?.();
  for (let result = await pending; !result.done; result = await iterator.next()) {
    const event = result.value.data?.chatStream;
    if (!event) throw new Error(JSON.stringify(result.value.errors));
    if (event.__typename === 'TokenDelta') {
      const at = now();
      firstAt ||= at;
      for (const written of writeTimes(event.text)) latencies.push(at - written);
      text += event.text;
    } else if (event.__typename === 'MessageCompleted') {
      finished = event.content === text;
    } else if (event.__typename === 'RunFailed') {
      throw new Error(`${event.code}: ${event.message}`);
    }
  }
  return { latencies, text, finished, firstAt, endAt: now() };
}

const scenarios: Record<string, (o: Options) => Promise<unknown>> = {
  /** One answer as fast as the upstream can write it. */
  async 'stream-full'(o) {
    const client = o.via === 'gateway' ? wsClient(o) : undefined;
    const { text, finished, firstAt, endAt } = await readStream(o, `bench tokens=${o.tokens} rate=0`, client);
    await client?.dispose();
    const tokens = writeTimes(text).length;
    return { tokens, finished, tokensPerSecond: tokens / ((endAt - firstAt) / 1000) };
  },

  /**
   * n paced answers at once, every client subscribed before the first token is written. With
   * `graphqlUrls` (several replicas), the clients alternate between them: the bench's own round-robin.
   */
  async 'streams-paced'(o) {
    const urls: string[] = o.graphqlUrls ?? [o.graphqlUrl];
    const clients = o.via === 'gateway' ? await Promise.all(Array.from({ length: o.n }, (_, i) => connected(wsClient({ ...o, graphqlUrl: urls[i % urls.length]! })))) : [];
    // `startAt` (epoch ms) lets several client processes share one start (bench/stream-cost.ts).
    const start = o.startAt ?? now() + o.barrierMs;
    const offset = o.offset ?? 0;
    // The client's CPU is read from the barrier on (setting up requests before it is not the streaming load).
    let cpuBefore = process.cpuUsage();
    const barrier = setTimeout(() => (cpuBefore = process.cpuUsage()), Math.max(0, start - now()));
    const results = await Promise.all(
      // `spreadMs` spreads the streams' starts evenly over that span (of `total` streams in all processes), so their ticks do not coincide.
      Array.from({ length: o.n }, (_, i) => {
        const at = start + (o.spreadMs ? ((offset + i) / (o.total ?? o.n)) * o.spreadMs : 0);
        return readStream(o, `bench tokens=${o.tokens} rate=${o.rate} start=${at.toFixed(0)} #${offset + i}`, clients[i]);
      }),
    );
    clearTimeout(barrier);
    const cpu = process.cpuUsage(cpuBefore);
    const endAt = now();
    await Promise.all(clients.map((client) => client.dispose()));
    const latencies = results.flatMap((r) => r.latencies);
    return {
      expected: o.n * o.tokens,
      received: latencies.length,
      incomplete: results.filter((r) => !r.finished).length,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      firstTokenAfterStartMs: Math.min(...results.map((r) => r.firstAt)) - start,
      // This client process's own CPU from the barrier to the last answer's end, and its share of that wall time: the load generator's headroom.
      clientCpuMs: (cpu.user + cpu.system) / 1000,
      clientBusy: (cpu.user + cpu.system) / 1000 / Math.max(1, endAt - start),
      ...(o.keepLatencies ? { latencies: latencies.map((l) => Math.round(l * 1000) / 1000) } : {}),
    };
  },

  /**
   * Whole answers, request/response: one at a time, or open-loop at `rps` (each latency from the
   * moment its request was due, so a late client does not hide queueing); `routed` names no agent.
   */
  async chat(o) {
    const client = sdk(o);
    const once = async () => {
      if (o.via === 'direct') {
        await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: `bench tokens=${o.tokens} rate=0` }] });
      } else if (o.via === 'direct-stream') {
        // How the gateway itself calls the upstream: streamed, with usage.
        const messages = [{ role: 'user' as const, content: `bench tokens=${o.tokens} rate=0` }];
        const stream = await client.chat.completions.create({ model: 'gpt-4o', stream: true, stream_options: { include_usage: true }, messages });
        for await (const _chunk of stream);
      } else {
        const data = await post(o, CHAT, { input: { message: `bench tokens=${o.tokens} rate=0`, ...(o.routed ? {} : { agentId: 'bench' }) } });
        if (writeTimes(data.chat.message.content).length !== o.tokens) throw new Error(`incomplete answer: ${data.chat.message.content}`);
      }
    };
    if (!o.rps) return sequential(o, once);
    for (let i = 0; i < o.warmup; i++) await once();
    const latencies: number[] = [];
    let errors = 0;
    const interval = 1000 / o.rps;
    const cpu = cpuCounter(o);
    const begin = now();
    const inflight: Promise<void>[] = [];
    for (let i = 0; i < o.count; i++) {
      const due = begin + i * interval;
      if (due > now()) await new Promise((resolve) => setTimeout(resolve, due - now()));
      inflight.push(once().then(() => void latencies.push(now() - due), () => void errors++));
    }
    await Promise.all(inflight);
    const seconds = (now() - begin) / 1000;
    return { count: latencies.length, errors, p50: percentile(latencies, 50), p99: percentile(latencies, 99), ...(await cpu.perCall(o.count)), seconds };
  },

  /** `{ agents { id } }` one at a time over HTTP, as a client of the gateway or of the bare stack. */
  async agents(o) {
    let agents = 0;
    const result = await sequential(o, async () => {
      agents = (await post(o, '{ agents { id } }')).agents.length;
    });
    return { ...result, agents };
  },

  /**
   * Holds `count` idle subscriptions, `perSocket` on each socket, until stdin closes. Ready only
   * once every subscription has delivered one event (an agent created with `adminKey`), so each
   * is known to be live on the server before memory is measured.
   */
  async idle(o) {
    const sockets = Math.ceil(o.count / o.perSocket);
    const clients: Client[] = [];
    let delivered = 0;
    let probeId = '';
    let allDelivered!: () => void;
    const everyOneDelivered = new Promise<void>((resolve) => (allDelivered = resolve));
    for (let s = 0; s < sockets; s++) {
      const client = await connected(wsClient(o));
      clients.push(client);
      for (let i = 0; i < o.perSocket && s * o.perSocket + i < o.count; i++) {
        const sink = {
          next(result: any) {
            if (result.data?.agentChanged.agentId === probeId && ++delivered === o.count) allDelivered();
          },
          error(e: unknown) { throw e; },
          complete() {},
        };
        client.subscribe({ query: 'subscription { agentChanged { kind agentId } }' }, sink);
      }
    }
    // Subscribing is asynchronous on the server: probe until one agent change reaches them all.
    for (let probe = 0; delivered < o.count; probe++) {
      probeId = `idle-probe-${process.pid}-${probe}`;
      delivered = 0;
      await fetch(o.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${o.adminKey}` },
        body: JSON.stringify({ query: `mutation { createAgent(input: { id: "${probeId}" }) { id } }` }),
      });
      await Promise.race([everyOneDelivered, new Promise((resolve) => setTimeout(resolve, 1000))]);
    }
    process.stdout.write(`${JSON.stringify({ ready: true, subscriptions: o.count, sockets })}\n`);
    await new Promise((resolve) => process.stdin.once('end', resolve).resume());
    await Promise.all(clients.map((client) => client.dispose()));
    return { closed: true };
  },
};

/**
 * `once` `o.count` times one after another, after `o.warmup` unmeasured calls. With `o.cpuPid`, that
 * process's CPU time (from /proc, read from outside it) over the measured calls, per call.
 */
async function sequential(o: Options, once: () => Promise<void>) {
  for (let i = 0; i < o.warmup; i++) await once();
  const latencies: number[] = [];
  const cpu = cpuCounter(o);
  for (let i = 0; i < o.count; i++) {
    const started = now();
    await once();
    latencies.push(now() - started);
  }
  return { count: latencies.length, errors: 0, p50: percentile(latencies, 50), p99: percentile(latencies, 99), ...(await cpu.perCall(o.count)) };
}

/**
 * `o.cpuPid`'s CPU time from now, per call: the whole process (every thread) and its main thread alone.
 * With `o.settleMs`, read that long after the last call, so the background work the calls caused counts;
 * `windowUs` is the span counted on the monotonic clock a `--cpu-prof` profile's timestamps use.
 */
function cpuCounter(o: Options) {
  const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);
  const before = o.cpuPid ? { all: cpuMs(o.cpuPid), main: mainThreadCpuMs(o.cpuPid) } : undefined;
  const from = monotonicUs();
  return {
    async perCall(calls: number) {
      if (!before) return { cpuMsPerCall: undefined };
      if (o.settleMs) await new Promise((resolve) => setTimeout(resolve, o.settleMs));
      return {
        cpuMsPerCall: (cpuMs(o.cpuPid) - before.all) / calls,
        mainThreadCpuMsPerCall: (mainThreadCpuMs(o.cpuPid) - before.main) / calls,
        windowUs: [from, monotonicUs()],
      };
    },
  };
}

/** POSTs a GraphQL operation with the client's key; throws on a GraphQL error. */
async function post(o: Options, query: string, variables?: object): Promise<any> {
  const response = await fetch(o.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${o.key}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: any; errors?: unknown };
  if (body.errors || !body.data) throw new Error(`HTTP ${response.status}: ${JSON.stringify(body)}`);
  return body.data;
}

function connected(client: Client): Promise<Client> {
  return new Promise((resolve, reject) => {
    client.on('connected', () => resolve(client));
    client.on('error', reject);
  });
}

const [scenario, json] = process.argv.slice(2);
const run = scenarios[scenario ?? ''];
if (!run) throw new Error(`Unknown scenario ${scenario}`);
const result = await run(JSON.parse(json ?? '{}'));
// Exit once the line is out: a pipe takes a long line (keepLatencies) in parts, and exit would cut it.
process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0));
