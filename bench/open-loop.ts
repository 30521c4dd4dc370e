// Open-loop chat load: chats started at a fixed rate whatever the answers' pace, rising in steps; for
// each rate the gateway's p99 minus the SDK's own p99 at the same rate on the same upstream.
import type { BenchDatabases, DatabaseKind } from './databases.js';
import { ADMIN_KEY, client, graphql, sleep, startGateway, stop, USER_KEY } from './processes.js';
import { median, range } from './stats.js';

const RATES = [25, 50, 100, 200, 400];
const ROUNDS = 3;
const STEP_SECONDS = 3;
/** Past this, the gateway is saturated: higher rates only queue more, so a round stops there. */
const SATURATED_MS = 1000;
export const OPEN_LOOP_LIMIT_MS = 50;

export async function measureOpenLoop(common: { graphqlUrl: string; key: string; upstreamUrl: string }, cpuPid: number) {
  const steps = RATES.map((rate) => ({ rate, count: Math.max(150, rate * STEP_SECONDS), added: [] as number[], cpu: [] as number[], errors: 0 }));
  for (let round = 0; round < ROUNDS; round++) {
    for (const step of steps) {
      const load = { ...common, tokens: 20, rps: step.rate, count: step.count, warmup: 20 };
      const direct = await client('chat', { ...load, via: 'direct' });
      const viaGateway = await client('chat', { ...load, via: 'gateway', cpuPid });
      step.added.push(viaGateway.p99 - direct.p99);
      step.cpu.push(viaGateway.cpuMsPerCall);
      step.errors += viaGateway.errors + direct.errors;
      if (viaGateway.p99 - direct.p99 > SATURATED_MS || viaGateway.errors) break;
    }
  }
  const results = steps.map((step) => ({
    rate: step.rate,
    chats: step.count,
    rounds: step.added.length,
    // A round that stopped below this rate was saturated already: it counts as over the limit here.
    addedP99: median([...step.added, ...Array<number>(ROUNDS - step.added.length).fill(Number.POSITIVE_INFINITY)]),
    addedP99Range: step.added.length ? [Math.min(...step.added), Math.max(...step.added)] : [],
    cpuMsPerChat: step.cpu.length ? median(step.cpu) : undefined,
    errors: step.errors,
  }));
  const within = results.findIndex((step) => !(step.addedP99 < OPEN_LOOP_LIMIT_MS && step.errors === 0));
  const highestRate = within === 0 ? 0 : (results[within === -1 ? results.length - 1 : within - 1]!.rate);
  return { rounds: ROUNDS, stepSeconds: STEP_SECONDS, limitMs: OPEN_LOOP_LIMIT_MS, highestRate, steps: results };
}

// The `chat-rate` part (issue 20): the sustained chat rate, per database, on a gateway as `npm start`
// runs it (PGlite: embeddings on, the default; PostgreSQL: full text). Steps of BENCH_RATE_SECONDS
// (default 10) at 25 … 400 chats/s, BENCH_ROUNDS rounds (default 3); the SDK direct at each rate once (the
// floor). During each step /metrics is read every 500 ms for the background indexing queue's depth and its
// drop counter (either may be missing: then null); after it, how long the background work takes to settle
// after the last chat answered (no new embedding request for 1 s, and the queue empty where the gauge
// exists; capped at 60 s): background work falling behind.
const RATE_SECONDS = Number(process.env.BENCH_RATE_SECONDS) || 10;
const RATE_ROUNDS = Number(process.env.BENCH_ROUNDS) || 3;
/** A step's background work counts as settled once the upstream has seen no embedding request for this long. */
const QUIET_MS = 1000;
/** Past this, the backlog is reported as not settled (and the step as behind). */
const SETTLE_CAP_MS = 60_000;
/** Gauge and counter names another change adds; matched loosely so a renamed one still reads. */
const QUEUE_DEPTH = /^muxgate_memory_\w*queue_depth\b/;
// muxgate_memory_events_total{event="index_dropped"} (batched indexing), or a counter of its own named for drops.
const QUEUE_DROPS = /^muxgate_memory_(?:events_total\{[^}]*event="index_dropped"|\w*(?:dropped|shed)\w*(?:\{|\s))/;

/** The sum of the samples of metrics whose names match `name` in Prometheus text, or null when none is there. */
export function metricSum(text: string, name: RegExp): number | null {
  let sum: number | null = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !name.test(line)) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) sum = (sum ?? 0) + value;
  }
  return sum;
}

async function scrape(graphqlUrl: string) {
  const text = await fetch(graphqlUrl.replace(/\/graphql$/, '/metrics'), { headers: { authorization: `Bearer ${ADMIN_KEY}` } }).then((r) => (r.ok ? r.text() : ''), () => '');
  return { depth: metricSum(text, QUEUE_DEPTH), drops: metricSum(text, QUEUE_DROPS) };
}

const upstreamStats = async (upstreamUrl: string) => (await (await fetch(upstreamUrl.replace(/\/v1$/, '/bench/stats'))).json()) as { chat: number; embeddings: number };

/**
 * ms from now until the background work has settled (capped): the upstream has seen no new embedding request
 * for QUIET_MS and, where /metrics has the index queue's gauge, the queue is empty. Also the embedding count then.
 */
async function settle(upstreamUrl: string, graphqlUrl: string) {
  const started = performance.now();
  let last = (await upstreamStats(upstreamUrl)).embeddings;
  let lastChange = started;
  let depth = (await scrape(graphqlUrl)).depth;
  let emptyAt = depth ? undefined : started;
  for (let tick = 1; performance.now() - started < SETTLE_CAP_MS; tick++) {
    if (performance.now() - lastChange >= QUIET_MS && emptyAt !== undefined) break;
    await sleep(100);
    const now = (await upstreamStats(upstreamUrl)).embeddings;
    if (now !== last) [last, lastChange] = [now, performance.now()];
    // The gauge every 500 ms: a scrape costs the gateway CPU the step's figures count.
    if (tick % 5 === 0) {
      depth = (await scrape(graphqlUrl)).depth;
      emptyAt = depth ? undefined : (emptyAt ?? performance.now());
    }
  }
  const settled = performance.now() - lastChange >= QUIET_MS && emptyAt !== undefined;
  return { settleMs: settled ? Math.max(lastChange, emptyAt!) - started : null, embeddings: last };
}

/** One step on the gateway: the chats at `rate`, /metrics polled meanwhile, then the background work's settling. */
async function gatewayStep(common: { graphqlUrl: string; key: string; upstreamUrl: string }, pid: number, rate: number) {
  await fetch(common.upstreamUrl.replace(/\/v1$/, '/bench/reset'), { method: 'POST' });
  const dropsBefore = (await scrape(common.graphqlUrl)).drops;
  let depthMax: number | null = null;
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const { depth } = await scrape(common.graphqlUrl);
      if (depth !== null) depthMax = Math.max(depthMax ?? 0, depth);
      await sleep(500);
    }
  })();
  const r = await client('chat', { ...common, via: 'gateway', tokens: 20, rps: rate, count: rate * RATE_SECONDS, warmup: 0, cpuPid: pid });
  polling = false;
  await poller;
  const depthAtEnd = (await scrape(common.graphqlUrl)).depth;
  const settled = await settle(common.upstreamUrl, common.graphqlUrl);
  const after = await scrape(common.graphqlUrl);
  return {
    count: r.count as number,
    errors: r.errors as number,
    p50: r.p50 as number,
    p99: r.p99 as number,
    cpuMsPerChat: r.cpuMsPerCall as number,
    queueDepthMax: depthMax,
    queueDepthAtEnd: depthAtEnd,
    queueDepthSettled: after.depth,
    dropped: after.drops === null ? null : after.drops - (dropsBefore ?? 0),
    embeddingsPerChat: settled.embeddings / (rate * RATE_SECONDS),
    settleMs: settled.settleMs,
  };
}

export async function measureChatRate(databases: BenchDatabases, kind: DatabaseKind, upstreamUrl: string) {
  const gateway = await startGateway(await databases.fresh(kind), upstreamUrl);
  const pid = gateway.child.pid!;
  const common = { graphqlUrl: gateway.graphqlUrl, key: USER_KEY, upstreamUrl };
  const steps = RATES.map((rate) => ({ rate, count: rate * RATE_SECONDS, direct: undefined as any, each: [] as Awaited<ReturnType<typeof gatewayStep>>[] }));
  try {
    await graphql(gateway.graphqlUrl, ADMIN_KEY, 'mutation { createAgent(input: { id: "bench" }) { id } }');
    await client('chat', { ...common, via: 'gateway', tokens: 20, count: 50, warmup: 0 });
    for (let round = 0; round < RATE_ROUNDS; round++) {
      for (const step of steps) {
        step.direct ??= await client('chat', { ...common, via: 'direct', tokens: 20, rps: step.rate, count: step.count, warmup: 20 });
        const r = await gatewayStep(common, pid, step.rate);
        step.each.push(r);
        console.log(JSON.stringify({ kind, round, rate: step.rate, addedP99: r.p99 - step.direct.p99, ...r }));
        if (r.p99 - step.direct.p99 > SATURATED_MS || r.errors) break;
      }
    }
  } finally {
    await stop(gateway.child);
  }
  const results = steps.map((step) => {
    const added = step.each.map((r) => r.p99 - step.direct.p99);
    const settles = step.each.map((r) => r.settleMs);
    const nullableMax = (values: Array<number | null>) => (values.some((v) => v !== null) ? Math.max(...values.map((v) => v ?? 0)) : null);
    return {
      rate: step.rate,
      chats: step.count,
      rounds: step.each.length,
      directP99: step.direct?.p99,
      addedP50: step.each.length ? median(step.each.map((r) => r.p50 - step.direct.p50)) : undefined,
      // A round that stopped below this rate was saturated already: it counts as over the limit here.
      addedP99: median([...added, ...Array<number>(RATE_ROUNDS - added.length).fill(Number.POSITIVE_INFINITY)]),
      addedP99Range: added.length ? range(added) : [],
      cpuMsPerChat: step.each.length ? median(step.each.map((r) => r.cpuMsPerChat)) : undefined,
      errors: step.each.reduce((n, r) => n + r.errors, 0),
      embeddingsPerChat: step.each.length ? median(step.each.map((r) => r.embeddingsPerChat)) : undefined,
      // null: not settled within SETTLE_CAP_MS in some round.
      settleMs: settles.length ? (settles.includes(null) ? null : Math.max(...(settles as number[]))) : undefined,
      queueDepthMax: nullableMax(step.each.map((r) => r.queueDepthMax)),
      queueDepthSettled: nullableMax(step.each.map((r) => r.queueDepthSettled)),
      dropped: step.each.some((r) => r.dropped !== null) ? step.each.reduce((n, r) => n + (r.dropped ?? 0), 0) : null,
    };
  });
  const within = results.findIndex((step) => !(step.addedP99 < OPEN_LOOP_LIMIT_MS && step.errors === 0));
  const highestRate = within === 0 ? 0 : results[within === -1 ? results.length - 1 : within - 1]!.rate;
  return { rounds: RATE_ROUNDS, stepSeconds: RATE_SECONDS, limitMs: OPEN_LOOP_LIMIT_MS, quietMs: QUIET_MS, highestRate, steps: results };
}
