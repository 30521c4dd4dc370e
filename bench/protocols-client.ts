// The `protocols` part's client (issue 22), a process of its own: `tsx bench/protocols-client.ts '<json options>'`.
// The same chat ("bench tokens=<n> rate=0", agent `bench`, a new conversation each) over each protocol,
// one request at a time, the protocols alternated round-robin (each round starting one further on, so
// no protocol always follows the same one); then each protocol's CPU per request in blocks, with each
// block's window on the monotonic clock (for a --cpu-prof profile). Prints one JSON line.
// Every HTTP protocol is read by the same lean SSE reader (node:http, keep-alive, split on blank lines,
// JSON.parse of each data line): the clients' own libraries (openai SDK, @ag-ui/client) are not measured.
import { Agent, type IncomingMessage, request } from 'node:http';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { cpuMs } from './proc.js';
import { now, percentile, writeTimes } from './stats.js';

export const PROTOCOLS = ['direct', 'pass-through', 'graphql-ws', 'chat-completions', 'responses', 'ag-ui'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

interface Options {
  gatewayUrl: string;
  passThroughUrl: string;
  upstreamUrl: string;
  key: string;
  gatewayPid: number;
  passThroughPid: number;
  tokens: number;
  /** Measured requests per protocol, and unmeasured ones before them. */
  count: number;
  warmup: number;
  /** CPU: rounds of one block per protocol, `cpuBlock` requests each, read `settleMs` after the block's last request. */
  cpuRounds: number;
  cpuBlock: number;
  settleMs: number;
}

/** One request's times from sending it: to the first text delta read, and to its end event. */
interface Timing {
  firstMs: number;
  endMs: number;
}

const STREAM = `subscription($input: ChatInput!) { chatStream(input: $input) {
  __typename ... on TokenDelta { text } ... on MessageCompleted { content } ... on RunFailed { code message } } }`;

const o = JSON.parse(process.argv[2] ?? '{}') as Options;
const message = `bench tokens=${o.tokens} rate=0`;
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
let sequence = 0;

/**
 * POSTs `body` and reads its SSE: `onData` sees each event's data (parsed unless `[DONE]`) and says
 * which text it carries and whether it is the end event. Resolves at the end event.
 */
async function sse(url: string, body: object, headers: Record<string, string>, onData: (data: any) => { text?: string | undefined; end?: boolean }): Promise<Timing & { text: string }> {
  const sentAt = now();
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers } }, resolve);
    req.once('error', reject);
    req.end(JSON.stringify(body));
  });
  if (response.statusCode !== 200) throw new Error(`${url}: HTTP ${response.statusCode}`);
  response.setEncoding('utf8');
  let pending = '';
  let text = '';
  let firstAt = 0;
  let endAt = 0;
  for await (const chunk of response) {
    pending += chunk;
    let cut: number;
    while ((cut = pending.indexOf('\n\n')) >= 0) {
      const event = pending.slice(0, cut);
      pending = pending.slice(cut + 2);
      const data = event.split('\n').filter((line) => line.startsWith('data: ')).map((line) => line.slice(6)).join('\n');
      if (!data || endAt) continue;
      const seen = onData(data === '[DONE]' ? '[DONE]' : JSON.parse(data));
      if (seen.text) {
        firstAt ||= now();
        text += seen.text;
      }
      if (seen.end) endAt = now();
    }
  }
  if (!endAt) throw new Error(`${url}: the stream ended without its end event`);
  return { firstMs: firstAt - sentAt, endMs: endAt - sentAt, text };
}

/** chatStream over graphql-ws (the gateway's, or the bare pass-through's): the first TokenDelta, then `complete`. */
async function overGraphqlWs(client: Client): Promise<Timing & { text: string }> {
  const sentAt = now();
  let firstAt = 0;
  let text = '';
  let completed = '';
  const iterator = client.iterate<any>({ query: STREAM, variables: { input: { message, agentId: 'bench' } } });
  for await (const result of iterator) {
    const event = result.data?.chatStream;
    if (!event) throw new Error(JSON.stringify(result.errors));
    if (event.__typename === 'TokenDelta') {
      firstAt ||= now();
      text += event.text;
    } else if (event.__typename === 'MessageCompleted') completed = event.content;
    else if (event.__typename === 'RunFailed') throw new Error(`${event.code}: ${event.message}`);
  }
  if (completed !== text) throw new Error('chatStream: MessageCompleted differs from the deltas');
  return { firstMs: firstAt - sentAt, endMs: now() - sentAt, text };
}

function wsClient(url: string): Promise<Client> {
  const client = createClient({ url: url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${o.key}` }, retryAttempts: 0, lazy: false });
  return new Promise((resolve, reject) => {
    client.on('connected', () => resolve(client));
    client.on('error', reject);
  });
}

const gatewayWs = await wsClient(`${o.gatewayUrl}/graphql`);
const passThroughWs = await wsClient(o.passThroughUrl);
const auth = { authorization: `Bearer ${o.key}` };

const once: Record<Protocol, () => Promise<Timing & { text: string }>> = {
  // The floor: the upstream's own SSE, read by the same reader as the HTTP protocols.
  direct: () =>
    sse(`${o.upstreamUrl}/chat/completions`, { model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: message }] }, {}, (data) =>
      data === '[DONE]' ? { end: true } : { text: data.choices[0]?.delta?.content },
    ),
  'pass-through': () => overGraphqlWs(passThroughWs),
  'graphql-ws': () => overGraphqlWs(gatewayWs),
  'chat-completions': () =>
    sse(`${o.gatewayUrl}/v1/chat/completions`, { model: 'bench', stream: true, messages: [{ role: 'user', content: message }] }, auth, (data) =>
      data === '[DONE]' ? { end: true } : { text: data.choices[0]?.delta?.content },
    ),
  responses: () =>
    sse(`${o.gatewayUrl}/v1/responses`, { model: 'bench', stream: true, input: message }, auth, (data) => {
      if (data.type === 'response.failed' || data.type === 'error') throw new Error(`responses: ${JSON.stringify(data)}`);
      return data.type === 'response.output_text.delta' ? { text: data.delta } : { end: data.type === 'response.completed' };
    }),
  'ag-ui': () => {
    const id = `${process.pid}-${++sequence}`;
    const input = { threadId: `bench-thread-${id}`, runId: `bench-run-${id}`, messages: [{ id: `bench-message-${id}`, role: 'user', content: message }], tools: [], context: [], state: {}, forwardedProps: {} };
    return sse(`${o.gatewayUrl}/ag-ui/bench`, input, auth, (data) => {
      if (data.type === 'RUN_ERROR') throw new Error(`ag-ui: ${JSON.stringify(data)}`);
      return data.type === 'TEXT_MESSAGE_CONTENT' ? { text: data.delta } : { end: data.type === 'RUN_FINISHED' };
    });
  },
};

/** One request, its answer checked: every token the upstream wrote, in order. */
async function measured(protocol: Protocol): Promise<Timing> {
  const { text, ...timing } = await once[protocol]();
  if (writeTimes(text).length !== o.tokens) throw new Error(`${protocol}: ${writeTimes(text).length} of ${o.tokens} tokens`);
  return timing;
}

const samples = Object.fromEntries(PROTOCOLS.map((p) => [p, { first: [] as number[], end: [] as number[] }])) as Record<Protocol, { first: number[]; end: number[] }>;
for (let round = 0; round < o.warmup + o.count; round++) {
  for (let i = 0; i < PROTOCOLS.length; i++) {
    const protocol = PROTOCOLS[(round + i) % PROTOCOLS.length]!;
    const timing = await measured(protocol);
    if (round < o.warmup) continue;
    samples[protocol].first.push(timing.firstMs);
    samples[protocol].end.push(timing.endMs);
  }
}

// CPU per request: the serving process's CPU (/proc, every thread) over a block of one protocol's requests,
// read settleMs after its last one so the background work they caused (memory indexing) counts; blocks
// alternate by round. The direct floor's server is the bench upstream: not counted.
const serving = (protocol: Protocol) => (protocol === 'direct' ? undefined : protocol === 'pass-through' ? o.passThroughPid : o.gatewayPid);
const cpu = Object.fromEntries(PROTOCOLS.filter(serving).map((p) => [p, [] as number[]])) as Partial<Record<Protocol, number[]>>;
/** Each protocol's last block on the monotonic clock (µs) a `--cpu-prof` profile's timestamps use. */
const windowUs: Partial<Record<Protocol, [number, number]>> = {};
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);
for (let round = 0; round < o.cpuRounds; round++) {
  for (const protocol of PROTOCOLS) {
    const pid = serving(protocol);
    if (!pid) continue;
    await new Promise((resolve) => setTimeout(resolve, o.settleMs));
    const before = cpuMs(pid);
    const from = monotonicUs();
    for (let i = 0; i < o.cpuBlock; i++) await measured(protocol);
    await new Promise((resolve) => setTimeout(resolve, o.settleMs));
    cpu[protocol]!.push((cpuMs(pid) - before) / o.cpuBlock);
    windowUs[protocol] = [from, monotonicUs()];
  }
}

await Promise.all([gatewayWs.dispose(), passThroughWs.dispose()]);
agent.destroy();
const result = Object.fromEntries(
  PROTOCOLS.map((p) => [
    p,
    {
      count: samples[p].first.length,
      firstP50: percentile(samples[p].first, 50),
      firstP99: percentile(samples[p].first, 99),
      endP50: percentile(samples[p].end, 50),
      endP99: percentile(samples[p].end, 99),
      ...(cpu[p] ? { cpuMsPerRequest: cpu[p], windowUs: windowUs[p] } : {}),
    },
  ]),
);
process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0));
