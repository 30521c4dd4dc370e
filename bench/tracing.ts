// The `tracing` part (issue 24): what traces cost a chat. The same `chat` mutations (20 tokens, one at
// a time after a warm-up) on fresh gateways with tracing off (no OTEL_EXPORTER_OTLP_ENDPOINT), on with
// every trace sampled (OTEL_TRACES_SAMPLER=parentbased_traceidratio, ARG 1.0) and on with one in ten
// (ARG 0.1), exporting OTLP/HTTP to a receiver in this process that reads and discards each batch. The
// gateway's whole process CPU (every thread, /proc) per chat, read 1.5 s after the last chat so the
// export and the background work count; variants alternate within each round (BENCH_ROUNDS, default
// 3) and each "over off" ratio is taken within its round. Goals: off within 1% of before issue 24,
// on at 1.0 within 10% of off.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BenchDatabases, DatabaseKind } from './databases.js';
import { ADMIN_KEY, client, graphql, sleep, startGateway, stop, USER_KEY } from './processes.js';
import { median, range } from './stats.js';

const CHATS = Number(process.env.BENCH_TRACING_CHATS) || 300;
const WARMUP = Number(process.env.BENCH_TRACING_WARMUP) || 50;
const ROUNDS = Number(process.env.BENCH_ROUNDS) || 3;
const SETTLE_MS = 1500;
const TOKENS = 20;

export const TRACING_VARIANTS = ['off', 'on-1.0', 'on-0.1'] as const;
type Variant = (typeof TRACING_VARIANTS)[number];

/** A collector that accepts every batch and keeps nothing: spans counted, bytes dropped. */
async function discardingReceiver() {
  let batches = 0;
  let bytes = 0;
  const server = createServer((req, res) => {
    req.on('data', (chunk: Buffer) => (bytes += chunk.length));
    req.on('end', () => {
      batches++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stats: () => ({ batches, bytes }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const envOf = (variant: Variant, endpoint: string): Record<string, string> =>
  variant === 'off'
    ? {}
    : { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: variant === 'on-1.0' ? '1.0' : '0.1' };

/** One fresh gateway: warm-up, then CHATS chats one at a time, its process CPU per chat. */
async function once(databases: BenchDatabases, kind: DatabaseKind, upstreamUrl: string, env: Record<string, string>) {
  const gateway = await startGateway(await databases.fresh(kind), upstreamUrl, env);
  try {
    await graphql(gateway.graphqlUrl, ADMIN_KEY, 'mutation { createAgent(input: { id: "bench" }) { id } }');
    const common = { graphqlUrl: gateway.graphqlUrl, key: USER_KEY, upstreamUrl, via: 'gateway', tokens: TOKENS };
    await client('chat', { ...common, count: WARMUP, warmup: 0 });
    await sleep(SETTLE_MS);
    const r = await client('chat', { ...common, count: CHATS, warmup: 0, cpuPid: gateway.child.pid, settleMs: SETTLE_MS });
    return { cpuMsPerChat: r.cpuMsPerCall as number, mainThreadCpuMsPerChat: r.mainThreadCpuMsPerCall as number, p50: r.p50 as number, errors: r.errors as number };
  } finally {
    await stop(gateway.child);
  }
}

export async function measureTracing(databases: BenchDatabases, kind: DatabaseKind, upstreamUrl: string) {
  const receiver = await discardingReceiver();
  type Round = Record<Variant, Awaited<ReturnType<typeof once>>>;
  const rounds: Round[] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const measured = {} as Round;
      for (const variant of TRACING_VARIANTS) {
        measured[variant] = await once(databases, kind, upstreamUrl, envOf(variant, receiver.url));
        console.log(JSON.stringify({ kind, round, variant, ...measured[variant] }));
      }
      rounds.push(measured);
    }
  } finally {
    await receiver.close();
  }
  const summary = Object.fromEntries(
    TRACING_VARIANTS.map((variant) => {
      const cpu = rounds.map((r) => r[variant].cpuMsPerChat);
      const overOff = rounds.map((r) => r[variant].cpuMsPerChat / r.off.cpuMsPerChat);
      return [
        variant,
        {
          cpuMsPerChat: median(cpu),
          cpuMsPerChatRange: range(cpu),
          mainThreadCpuMsPerChat: median(rounds.map((r) => r[variant].mainThreadCpuMsPerChat)),
          p50: median(rounds.map((r) => r[variant].p50)),
          errors: rounds.reduce((n, r) => n + r[variant].errors, 0),
          overOff: median(overOff),
          overOffRange: range(overOff),
        },
      ];
    }),
  );
  return { chats: CHATS, tokens: TOKENS, settleMs: SETTLE_MS, runs: ROUNDS, exported: receiver.stats(), ...summary, each: rounds };
}
