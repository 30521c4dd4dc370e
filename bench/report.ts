// Writes bench/README.md's generated tables from bench/results.json (and the "before" column from
// bench/baseline.json). Only the text between `<!-- generated:<name> -->` and `<!-- /generated:<name> -->`
// is replaced: everything else in the README is written by hand and kept.
//
// Issue 20's goals table (`goals-20`) reads, from bench/results.json ("now") and bench/baseline.json's
// `issue-20` (results-shaped, "before"), these keys; a missing one shows "not measured":
//   chat-whole.<pglite|pglite-fulltext|postgres>: sequential.cpuMsPerChat, sequential.upstreamPerChat,
//     addedP50, cpuOverPortkey, portkey.{cpuMsPerRequest, addedP50, version}       (bench/chat-whole.ts)
//   chat-rate.<pglite|postgres>: highestRate, steps[].{rate, addedP99, settleMs, queueDepthMax, dropped}
//                                                                                  (bench/open-loop.ts)
//   query-embedding: rows[].{memoryEmbeddings, case, embeddingsBeforeFirstToken, addedTtftP50, addedTtftP99}
//                                                                                  (bench/query-embedding.ts)
//   memory.<pglite|postgres>: first.rssMB, restart.rssMB                           (bench/memory.ts)
//   stream-cost (bench/stream-cost.ts): cost[] rows { target, cpuUsPerToken, ratio } for the
//     targets 'gateway in-process', 'gateway, REDIS_URL' and 'pass-through (openai SDK)' (200 streams × 50
//     tokens/s; ratio: over the pass-through, within rounds); latency[] rows { n, target: 'gateway in-process',
//     addedP99, expected, received, incomplete } for n = 200, 400 (50 tokens/s) and 1000 (1 token/s);
//     memory.perStreamKB, passThroughMemory.perStreamKB (the reference). Or, plainer, every key optional: inProcess.perTokenUs, redis.perTokenUs,
//     passThrough.perTokenUs; streams[n].{addedP99Ms, lost, incomplete} (`streams` keyed by n, or a list of
//     { n, … }); rssPerStreamKB. streamCostOf() reads either into the plain form.
import { readFile, writeFile } from 'node:fs/promises';
import { machineOf, machinesOf } from './machine.js';
import { round } from './stats.js';
import { protocolsBlock } from './protocols-report.js';
import { streamCostBlock } from './stream-cost-report.js';

type Results = Record<string, any>;

const README = new URL('README.md', import.meta.url);
const BASELINE = new URL('baseline.json', import.meta.url);
const PG = 'BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test';

const ms = (value: number, digits = 2) => `${round(value, digits)} ms`;
const mb = (value: number) => `${Math.round(value)} MB`;
const signed = (value: number) => `${value >= 0 ? '+' : ''}${round(value, 1)} ms`;
const times = (value: number) => `${round(value, 2)}×`;
const yesNo = (ok: boolean | undefined) => (ok === undefined ? '—' : ok ? 'yes' : 'no');
const stream = (r: Results, n: number) => r.paced?.rows?.find((row: any) => row.n === n);

interface Row {
  measure: string;
  command: string;
  /** The figure from one set of results, or undefined where that set lacks it. */
  figure: (r: Results) => string | undefined;
  reference: (r: Results) => string;
  goal: string;
  met: (r: Results) => boolean | undefined;
}

/** Rows that differ only by database. */
function perDatabase(kind: 'pglite' | 'postgres', build: (kind: 'pglite' | 'postgres', name: string, env: string) => Row): Row {
  return build(kind, kind === 'pglite' ? 'PGlite' : 'PostgreSQL', kind === 'pglite' ? '' : `${PG} `);
}

const cpuRequest = (kind: 'pglite' | 'postgres', limit: number) =>
  perDatabase(kind, (k, name, env) => ({
    measure: `gateway CPU per \`{ agents { id } }\`, sequential, ${name}`,
    command: `${env}BENCH_ONLY=cpu npm run bench`,
    figure: (r) => {
      const c = r.cpu?.[k]?.request;
      return c && `${ms(c.gatewayMs)}: ${times(c.ratio)} the bare stack (${times(c.ratioRange[0])} – ${times(c.ratioRange[1])} over ${c.rounds} rounds)`;
    },
    reference: (r) => (r.cpu?.[k] ? `bare Fastify + Yoga: ${ms(r.cpu[k].request.bareMs)}` : '—'),
    goal: `≤ ${limit}× the bare stack`,
    met: (r) => (r.cpu?.[k] ? r.cpu[k].request.ratio <= limit : undefined),
  }));

const cpuChat = (kind: 'pglite' | 'postgres') =>
  perDatabase(kind, (k, name, env) => ({
    measure: `gateway CPU per \`chat\` mutation (20 tokens), sequential, ${name}`,
    command: `${env}BENCH_ONLY=cpu npm run bench`,
    figure: (r) => {
      const c = r.cpu?.[k]?.chat;
      return c && `${ms(c.gatewayMs)} (${ms(c.gatewayRange[0])} – ${ms(c.gatewayRange[1])})`;
    },
    reference: () => '—',
    goal: '≤ 2.5 ms',
    met: (r) => (r.cpu?.[k] ? r.cpu[k].chat.gatewayMs <= 2.5 : undefined),
  }));

const idleRss = (kind: 'pglite' | 'postgres', limit: number) =>
  perDatabase(kind, (k, name, env) => ({
    measure: `idle RSS 2 s after start, ${name}: first start / restart (after a full GC)`,
    command: `${env}BENCH_ONLY=memory npm run bench`,
    figure: (r) => {
      const m = r.memory?.[k];
      return m && `${mb(m.first.rssMB)} / ${mb(m.restart.rssMB)} (${mb(m.first.rssAfterGcMB)} / ${mb(m.restart.rssAfterGcMB)})`;
    },
    reference: (r) => (r.memory?.bare ? `bare Fastify + Yoga: ${mb(r.memory.bare.rssMB)} (${mb(r.memory.bare.rssAfterGcMB)})` : '—'),
    goal: `≤ ${limit} MB`,
    met: (r) => (r.memory?.[k] ? Math.max(r.memory[k].first.rssMB, r.memory[k].restart.rssMB) <= limit : undefined),
  }));

const peakRss = (kind: 'pglite' | 'postgres') =>
  perDatabase(kind, (k, name, env) => ({
    measure: `peak RSS during start (VmHWM), ${name}: first start / restart`,
    command: `${env}BENCH_ONLY=memory npm run bench`,
    figure: (r) => r.memory?.[k] && `${mb(r.memory[k].first.peakMB)} / ${mb(r.memory[k].restart.peakMB)}`,
    reference: (r) => (r.memory?.bare ? `bare: ${mb(r.memory.bare.peakMB)}` : '—'),
    goal: '—',
    met: () => undefined,
  }));

const startup = (kind: 'pglite' | 'postgres') =>
  perDatabase(kind, (k, name, env) => ({
    measure: `start-up, spawn to listening, ${name}: first start / restart`,
    command: `${env}BENCH_ONLY=memory npm run bench`,
    figure: (r) => r.memory?.[k] && `${ms(r.memory[k].first.startupMs, 0)} / ${ms(r.memory[k].restart.startupMs, 0)}`,
    reference: (r) => (r.memory?.bare ? `bare: ${ms(r.memory.bare.startupMs, 0)}` : '—'),
    goal: '—',
    met: () => undefined,
  }));

const streams = (n: number, reference: string, goal: string, limit: number) => ({
  measure: `${n} streams × 50 tokens/s: added p99 per token (median of rounds), tokens lost`,
  command: 'BENCH_ONLY=paced npm run bench',
  figure: (r: Results) => {
    const s = stream(r, n);
    return s && `${signed(s.addedP99)} (${signed(s.addedP99Range[0])} – ${signed(s.addedP99Range[1])}, ${s.rounds} rounds); ${s.expected - s.received} of ${s.expected} lost`;
  },
  reference: () => reference,
  goal,
  met: (r: Results) => {
    const s = stream(r, n);
    return s && s.addedP99 < limit && s.received === s.expected && s.incomplete === 0;
  },
});

const ROWS: Row[] = [
  cpuRequest('postgres', 1.25),
  cpuRequest('pglite', 1.5),
  cpuChat('postgres'),
  cpuChat('pglite'),
  {
    measure: '`chat` added latency vs the SDK calling the upstream directly, one at a time: p50 / p99 (median of rounds)',
    command: 'BENCH_ONLY=chat npm run bench',
    figure: (r) => r.chat && `${signed(r.chat.addedP50)} / ${signed(r.chat.addedP99)} (${r.chat.database})`,
    reference: () => 'LiteLLM ~4 ms, Portkey ~2.4 ms (quoted in the issue; both store nothing)',
    goal: 'p50 ≤ 2 ms, p99 ≤ 5 ms, both writes durable',
    met: (r) => r.chat && r.chat.addedP50 <= 2 && r.chat.addedP99 <= 5,
  },
  streams(100, 'naive pass-through +60 ms', 'none lost', Number.POSITIVE_INFINITY),
  streams(200, 'naive pass-through +230 ms', '< 50 ms, none lost', 50),
  {
    measure: 'open-loop chat rate: the highest step (25, 50, 100, 200, 400 chats/s) with added p99 < 50 ms',
    command: 'BENCH_ONLY=openloop npm run bench',
    figure: (r) => {
      const o = r.openloop;
      if (!o) return undefined;
      const highest = o.highestRate === 0 ? `< ${o.steps[0].rate}/s` : o.highestRate === o.steps.at(-1).rate ? `≥ ${o.highestRate}/s` : `${o.highestRate}/s`;
      return `${highest} (${o.database})`;
    },
    reference: () => '—',
    goal: '— (the issue sets none)',
    met: () => undefined,
  },
  idleRss('postgres', 120),
  idleRss('pglite', 250),
  peakRss('postgres'),
  peakRss('pglite'),
  startup('postgres'),
  startup('pglite'),
];

/** The commit and date a set of results was measured on, from any of its parts. */
function provenance(r: Results): string {
  const parts = Object.values(r).flatMap((part: any) => (part?.commit ? [part] : Object.values(part ?? {}).filter((p: any) => p?.commit)));
  const commits = [...new Set(parts.map((p: any) => p.commit))];
  // A part whose commit was set by hand (a "before" copied in) keeps its dates in its entries.
  const dates = [...new Set(parts.flatMap((p: any) => (p.date ? [p.date] : Object.values(p).flatMap((q: any) => (q?.date ? [q.date] : [])))))].sort();
  return `${commits.join(', ') || 'unknown'}; ${dates.length > 1 ? `${dates[0]} – ${dates.at(-1)}` : (dates[0] ?? '')}`;
}

function goalsBlock(r: Results, baseline: Results | undefined): string[] {
  const cell = (text: string | undefined) => text ?? 'not measured';
  // The hot path's parts only: memory search has its own section, commit and date.
  const { 'memory-search': _memorySearch, 'mcp-tools': _mcpTools, v1: _v1, 'chat-whole': _chatWhole, 'chat-rate': _chatRate, 'query-embedding': _queryEmbedding, 'stream-cost': _streamCost, ...hotPath } = r;
  // The chat counted whole has its own section and its own baseline (issue 20's starting point).
  const { 'chat-whole': _chatWholeBefore, 'issue-20': _issue20, ...before8 } = baseline ?? {};
  baseline &&= before8;
  const before = baseline ? `before (${provenance(baseline).split(';')[0]})` : '';
  return [
    `Machine: ${machineOf(...Object.values(hotPath))}, Node ${process.version}, shared with other work (noisy).`,
    `muxgate: ${provenance(hotPath)}${baseline ? `. Before: ${provenance(baseline)} (bench/baseline.json)` : ''}.`,
    '',
    `| measure (command) | ${baseline ? `${before} | ` : ''}muxgate | reference | goal | met |`,
    `| --- | ${baseline ? '--- | ' : ''}--- | --- | --- | --- |`,
    ...ROWS.map(
      (row) =>
        `| ${row.measure}<br>\`${row.command}\` | ${baseline ? `${row.figure(baseline) ?? '—'} | ` : ''}${cell(row.figure(r))} | ${row.reference(r)} | ${row.goal} | ${yesNo(row.met(r) ?? undefined)} |`,
    ),
  ];
}

function cpuBlock(r: Results): string[] {
  const rows = (['pglite', 'postgres'] as const).flatMap((kind) => {
    const c = r.cpu?.[kind];
    if (!c) return [];
    const q = c.request;
    return [
      `| ${kind === 'pglite' ? 'PGlite' : 'PostgreSQL'} | ${ms(q.gatewayMs)} (${ms(q.gatewayRange[0])} – ${ms(q.gatewayRange[1])}) | ${ms(q.bareMs)} (${ms(q.bareRange[0])} – ${ms(q.bareRange[1])}) | ${times(q.ratio)} | ${ms(q.gatewayLatencyP50, 3)} / ${ms(q.bareLatencyP50, 3)} | ${ms(c.chat.gatewayMs)} (${ms(c.chat.gatewayRange[0])} – ${ms(c.chat.gatewayRange[1])}) | ${c.commit}, ${c.date} |`,
    ];
  });
  return [
    '| database | gateway CPU per `{ agents { id } }` (range) | bare stack CPU per request (range) | ratio (median of rounds) | latency p50 gateway / bare | gateway CPU per `chat` (range) | measured |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...(rows.length ? rows : ['| not measured | | | | | | |']),
  ];
}

function memoryBlock(r: Results): string[] {
  const line = (name: string, m: any, measured: string) =>
    `| ${name} | ${ms(m.startupMs, 0)} | ${mb(m.peakMB)} (${mb(m.peakRange[0])} – ${mb(m.peakRange[1])}) | ${mb(m.rssMB)} (${mb(m.rssRange[0])} – ${mb(m.rssRange[1])}) | ${mb(m.rssAfterGcMB)} (${mb(m.heapAfterGcMB)}) | ${measured} |`;
  const m = r.memory ?? {};
  return [
    '| process, start | start-up (spawn to listening) | peak RSS, VmHWM (range) | idle RSS after 2 s (range) | RSS after a full GC (heap used) | measured |',
    '| --- | --- | --- | --- | --- | --- |',
    ...(m.bare ? [line('bare Fastify + Yoga', m.bare, `${m.bare.commit}, ${m.bare.date}`)] : []),
    ...(['pglite', 'postgres'] as const).flatMap((kind) =>
      m[kind]
        ? [
            line(`gateway, ${kind === 'pglite' ? 'PGlite' : 'PostgreSQL'}, first start (empty database)`, m[kind].first, `${m[kind].commit}, ${m[kind].date}`),
            line(`gateway, ${kind === 'pglite' ? 'PGlite' : 'PostgreSQL'}, restart`, m[kind].restart, `${m[kind].commit}, ${m[kind].date}`),
          ]
        : [],
    ),
  ];
}

function openLoopBlock(r: Results): string[] {
  const o = r.openloop;
  if (!o) return ['Not measured.'];
  return [
    `${o.database}, ${o.commit}, ${o.date}; each step ${o.stepSeconds} s (at least 150 chats), ${o.rounds} rounds; a round stops at its first step past 1 s added p99 (saturated).`,
    '',
    '| chats started per second | chats per step | added p99 (median of rounds; range) | gateway CPU per chat at that rate | errors |',
    '| --- | --- | --- | --- | --- |',
    ...o.steps.map(
      (s: any) =>
        `| ${s.rate} | ${s.chats} | ${s.addedP99 === null ? 'saturated' : signed(s.addedP99)} (${s.addedP99Range.length ? `${signed(s.addedP99Range[0])} – ${signed(s.addedP99Range[1])}, ${s.rounds} of ${o.rounds} rounds` : 'not reached'}) | ${s.cpuMsPerChat === undefined || s.cpuMsPerChat === null ? '—' : ms(s.cpuMsPerChat)} | ${s.errors} |`,
    ),
  ];
}

function latencyBlock(r: Results): string[] {
  const about = (part: any) => (part ? ` (${part.database}, ${part.commit}, ${part.date})` : '');
  const lines = ['| measure | muxgate | naive pass-through (reference) | aim |', '| --- | --- | --- | --- |'];
  if (r.full) {
    lines.push(
      `| one stream at full speed, tokens/s vs direct (median of ${r.full.rounds} rounds; range)${about(r.full)} | ${round(r.full.ratio, 2)} (${round(r.full.ratioRange[0], 2)} – ${round(r.full.ratioRange[1], 2)}; ${Math.round(r.full.gateway)} vs ${Math.round(r.full.direct)} tokens/s; ${r.full.lost} answers incomplete) | 0.4 | ≥ 0.5 |`,
    );
  }
  for (const p of r.paced?.rows ?? []) {
    lines.push(
      `| ${p.n} streams × 50 tokens/s: added latency p50 / p99 (median of ${p.rounds} rounds; p99 range); tokens lost${about(r.paced)} | ${ms(p.addedP50)} / ${ms(p.addedP99)} (${ms(p.addedP99Range[0])} – ${ms(p.addedP99Range[1])}); ${p.expected - p.received} of ${p.expected} lost, ${p.incomplete} incomplete | ${p.n === 100 ? '+60 ms p99' : p.n === 200 ? '+230 ms p99' : '—'} | ${p.n === 200 ? 'p99 < 50 ms, none lost' : 'none lost'} |`,
    );
  }
  if (r.chat) {
    const c = r.chat;
    lines.push(
      `| chat mutation, one at a time: added p50 / p99, median of ${c.rounds} rounds (over the SDK streaming: p50 / p99)${about(c)} | ${ms(c.addedP50)} / ${ms(c.addedP99)} (${ms(c.addedOverStreamedP50)} / ${ms(c.addedOverStreamedP99)}); direct ${ms(c.directP50)} / ${ms(c.directP99)}, gateway ${ms(c.gatewayP50)} / ${ms(c.gatewayP99)} | +3 ms p50 | p50 ≤ 2 ms, p99 ≤ 5 ms |`,
    );
  }
  for (const i of r.idle?.rows ?? []) {
    lines.push(
      `| 5,000 idle subscriptions, ${i.perSocket === 1 ? 'one socket each' : `${i.perSocket} per socket (${i.sockets} sockets)`}: RSS (heap) per subscription${about(r.idle)} | ${round(i.perSubscriptionKB, 1)} KB (${round(i.heapPerSubscriptionKB, 1)} KB) | 17–20 KB | < 30 KB |`,
    );
  }
  return lines;
}

/** /v1/chat/completions streaming (the openai SDK through muxgate) against the SDK reading the upstream directly. */
function v1Block(r: Results): string[] {
  const v = r.v1;
  if (!v) return ['Not measured.'];
  const graphql100 = stream(r, 100);
  const { full, paced } = v;
  return [
    `Machine: ${machineOf(v)}, Node ${v.node}, shared with other work (noisy). ${v.database}, ${v.commit}, ${v.date}. \`BENCH_ONLY=v1 npm run bench\`.`,
    '',
    '| measure | /v1 (openai SDK → muxgate) | GraphQL chatStream, for comparison (its own run) |',
    '| --- | --- | --- |',
    `| one stream at full speed (5,000 tokens), tokens/s vs direct (median of ${full.rounds} rounds; range) | ${round(full.ratio, 2)} (${round(full.ratioRange[0], 2)} – ${round(full.ratioRange[1], 2)}; ${Math.round(full.gateway)} vs ${Math.round(full.direct)} tokens/s; ${full.lost} answers incomplete) | ${r.full ? `${round(r.full.ratio, 2)} (${r.full.commit}, ${r.full.date})` : '—'} |`,
    `| ${paced.n} streams × 50 tokens/s: added latency per token p50 / p99 (median of ${paced.rounds} rounds; p99 range); tokens lost | ${ms(paced.addedP50)} / ${ms(paced.addedP99)} (${ms(paced.addedP99Range[0])} – ${ms(paced.addedP99Range[1])}); ${paced.expected - paced.received} of ${paced.expected} lost, ${paced.incomplete} incomplete | ${graphql100 ? `${ms(graphql100.addedP50)} / ${ms(graphql100.addedP99)} (${r.paced.commit}, ${r.paced.date})` : '—'} |`,
  ];
}

function routingBlock(r: Results): string[] {
  const routing = r.routing;
  if (!routing) return ['Not measured.'];
  const fixed = (value: number) => `${round(value, 3)} ms`;
  const us = (value: number) => `${Math.round(value)} µs`;
  const [cache, embedding, model, hybrid] = routing.kinds;
  const cpuCell = (k: any) => `${us(k.cpuUsPerDecision)} (${us(k.cpuRange[0])} – ${us(k.cpuRange[1])})`;
  const requests = (k: any) => `${round(k.embeddingRequestsPerDecision, 3)} embedding + ${round(k.routingRequestsPerDecision, 3)} routing-model`;
  const cpuOk = (k: any) => k.cpuUsPerDecision < 1000;
  return [
    `${routing.commit}, ${routing.date}.`,
    '',
    '| decision (decisions over all rounds) | latency p50 / p99 | router overhead p50 / p99 | gateway CPU per decision | upstream requests per decision | goal | met |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    `| cache hit (${cache.count}) | ${fixed(cache.p50)} / ${fixed(cache.p99)} | same | ${cpuCell(cache)} | ${requests(cache)} | p50 < 0.2 ms, no request | ${cache.p50 < 0.2 && cache.embeddingRequestsPerDecision + cache.routingRequestsPerDecision === 0 ? 'yes' : 'no'} |`,
    `| embedding decision: hybrid, clear margin, descriptions already embedded (${embedding.count}) | ${fixed(embedding.p50)} / ${fixed(embedding.p99)} | ${fixed(embedding.overheadP50)} / ${fixed(embedding.overheadP99)} (upstream ${fixed(embedding.upstreamP50)}) | ${cpuCell(embedding)} | ${requests(embedding)} | one embedding request, < 1 ms CPU | request: ${embedding.embeddingRequestsPerDecision === 1 && embedding.routingRequestsPerDecision === 0 ? 'yes' : 'no'}; CPU: ${cpuOk(embedding) ? 'yes' : 'no'} |`,
    `| model decision, ROUTING_STRATEGY=model (${model.count}) | ${fixed(model.p50)} / ${fixed(model.p99)} | ${fixed(model.overheadP50)} / ${fixed(model.overheadP99)} (upstream ${fixed(model.upstreamP50)}) | ${cpuCell(model)} | ${requests(model)} | the model's latency + < 1 ms | ${model.overheadP50 < 1 ? 'yes' : 'no'} (p50) |`,
    `| hybrid, too close to call: embedding, then model among the closest 3 (${hybrid.count}) | ${fixed(hybrid.p50)} / ${fixed(hybrid.p99)} | ${fixed(hybrid.overheadP50)} / ${fixed(hybrid.overheadP99)} (upstream ${fixed(hybrid.upstreamP50)}) | ${cpuCell(hybrid)} | ${requests(hybrid)} | — | — |`,
    `| end to end: chat mutation naming no agent (a cache hit after the first) vs naming its agent, ${routing.chat.rounds} × 200 each | ${fixed(routing.chat.routedP50)} vs ${fixed(routing.chat.explicitP50)} p50 | added p50 ${fixed(routing.chat.addedP50)} (${fixed(routing.chat.addedP50Range[0])} – ${fixed(routing.chat.addedP50Range[1])}), p99 ${fixed(routing.chat.addedP99)} | — | — | — | — |`,
    '',
    `Unexpected strategies: ${routing.kinds.reduce((n: number, k: any) => n + k.unexpected, 0)}; chat errors: ${routing.chat.errors}.`,
  ];
}

/** The entry measured with MemoryStore's own default ef_search (constructed without one), else the first. */
const productVector = (phase: any) => phase.vector.find((v: any) => v.default) ?? phase.vector[0];
const phaseOf = (row: any, statistics: 'none' | 'analyze') => row.phases.find((p: any) => p.statistics === statistics);
// Since 8376b05 the gateway's indexer runs ANALYZE on PGlite (src/db/table-statistics.ts): the second phase is how it runs.
const STATISTICS = { none: 'none (before the indexer’s ANALYZE)', analyze: 'after ANALYZE (as the gateway runs)' } as const;

function memorySearchBlock(r: Results): string[] {
  const m = r['memory-search'];
  if (!m) return ['Not measured.'];
  const p5099 = (s: any) => `${round(s.p50, 1)} / ${round(s.p99, 1)} ms`;
  const lines = [
    `Machine: ${m.machine}, Node ${m.node}, shared with other work (noisy); ${m.database === 'pglite' ? 'PGlite' : m.database}. k = 10, ${m.rows[0]?.queries ?? '?'} queries per figure, one at a time, after 20 unmeasured.`,
    '',
    '| memories × dimensions | planner statistics | bulk load; HNSW build (index size) | vector p50 / p99 | recall@10 | one user\'s: p50 / p99 | recall@10 | exact (sequential scan), all / one user p50 | full text, one user\'s: p50 / p99 | add: insert / embedding stored, per s | measured |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const row of m.rows) {
    const phases = (['none', 'analyze'] as const).map((statistics) => phaseOf(row, statistics)).filter(Boolean);
    for (const phase of phases) {
      const statistics = phase.statistics as 'none' | 'analyze';
      const v = productVector(phase);
      const hnsw = (side: any) => (side.hnsw ? '' : ' (no HNSW: planner)');
      const first = phase === phases[0];
      lines.push(
        `| ${first ? `${row.size.toLocaleString('en-US')} × ${row.dimensions}` : ''} | ${STATISTICS[statistics]} | ${first ? `${Math.round(row.loadPerSecond)}/s; ${round(row.buildMs / 1000, 1)} s (${row.indexSize})` : ''} | ${p5099(v.all)}${hnsw(v.all)} | ${round(v.all.recall, 3)} | ${p5099(v.user)}${hnsw(v.user)} | ${round(v.user.recall, 3)} | ${first ? `${round(row.exact.all.p50, 1)} / ${round(row.exact.user.p50, 1)} ms` : ''} | ${p5099(phase.fullText.user)} | ${first ? `${Math.round(row.insertPerSecond)} / ${Math.round(row.embedPerSecond)}` : ''} | ${first ? `${row.commit}, ${row.date}` : ''} |`,
      );
    }
  }
  const at100k = m.rows.filter((row: any) => row.size === 100_000);
  const verdict = (test: (v: any) => boolean) =>
    at100k.length
      ? at100k
          .flatMap((row: any) => (['none', 'analyze'] as const).map((statistics) => {
            const phase = phaseOf(row, statistics);
            return phase ? `${row.dimensions} dims, ${STATISTICS[statistics]}: ${yesNo(test(productVector(phase)))}` : [];
          }))
          .join('; ')
      : 'not measured at 100k';
  lines.push(
    '',
    '| goal (issue 9) | met |',
    '| --- | --- |',
    `| vector search p50 < 10 ms at 100k memories (all and one user's) | ${verdict((v) => v.all.p50 < 10 && v.user.p50 < 10)} |`,
    `| recall@10 ≥ 0.95 at 100k memories (all and one user's) | ${verdict((v) => v.all.recall >= 0.95 && v.user.recall >= 0.95)} |`,
    // Measured apart by bench/memory-context.ts (see "Memory before the first token" below the table).
    '| time memory adds to a chat before its first token: < 3 ms p50 with full text, plus one embedding request with vectors | full text: yes (+2.5 ms p50: 3.2 ms against 0.68 ms before memory); vectors: no (+6.0 ms p50 plus the embedding request) — `npx tsx bench/memory-context.ts`, 2026-12-06 |',
  );
  return lines;
}

function mcpToolsBlock(r: Results): string[] {
  const m = r['mcp-tools'];
  if (!m) return ['Not measured.'];
  const ms = (value: number) => `${round(value, 3)} ms`;
  return [
    `Machine: ${machineOf(m)}, Node ${m.node}, shared with other work (noisy). ${m.commit}, ${m.date}. Server: ${m.server}; ${m.rows[0]?.calls ?? '?'} calls a side, one at a time, alternating, after 200 unmeasured.`,
    '',
    '| transport | SDK client direct p50 / p99 | through the gateway p50 / p99 | added p50 (goal < 1 ms) | added p99 | met |',
    '| --- | --- | --- | --- | --- | --- |',
    ...m.rows.map(
      (row: any) =>
        `| ${row.transport} | ${ms(row.sdkP50Ms)} / ${ms(row.sdkP99Ms)} | ${ms(row.gatewayP50Ms)} / ${ms(row.gatewayP99Ms)} | ${ms(row.addedP50Ms)} | ${ms(row.addedP99Ms)} | ${yesNo(row.addedP50Ms < 1)} |`,
    ),
  ];
}

const STEPS: Record<string, string> = {
  'in-process': 'one replica, in-process (no REDIS_URL)',
  redis: 'one replica, REDIS_URL',
  'two-replicas': 'two replicas, REDIS_URL, clients alternating',
};

function replicasBlock(r: Results): string[] {
  const m = r.replicas;
  if (!m) return ['Not measured.'];
  const lines = [
    `Machine: ${machineOf(m)}, Node ${m.node}, shared with other work (noisy). ${m.commit}, ${m.date}. PostgreSQL (${PG}), a fresh schema a step; Redis: a redis-server of the bench's own. ${m.rows[0]?.rounds ?? '?'} rounds a row (direct, then gateway), median reported; ${m.tokens} tokens a stream at ${m.rate} tokens/s.`,
    '',
    '| streams | gateway | added p50 | added p99 (range over rounds) | tokens lost | incomplete answers | gateway CPU per token (range) | load average (1 min) before / after | goal: added p99 < 50 ms, none lost |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const row of m.rows) {
    lines.push(
      `| ${row.n} | ${STEPS[row.step] ?? row.step} | ${signed(row.addedP50)} | ${signed(row.addedP99)} (${signed(row.addedP99Range[0])} – ${signed(row.addedP99Range[1])}) | ${row.expected - row.received} of ${row.expected} | ${row.incomplete} | ${round(row.cpuUsPerToken, 1)} µs (${round(row.cpuUsPerTokenRange[0], 1)} – ${round(row.cpuUsPerTokenRange[1], 1)}) | ${round(row.loadavg1[0], 2)} / ${round(row.loadavg1[1], 2)} | ${row.n === 200 ? yesNo(row.addedP99 < 50 && row.expected === row.received) : '—'} |`,
    );
  }
  const of = (step: string, n: number) => m.rows.find((row: any) => row.step === step && row.n === n);
  const costs = m.streams
    .map((n: number) => {
      const [a, b] = [of('in-process', n), of('redis', n)];
      return a && b ? `${n} streams: ${signed(b.addedP99 - a.addedP99)} added p99, ${round(b.cpuUsPerToken - a.cpuUsPerToken, 1)} µs of gateway CPU per token` : undefined;
    })
    .filter(Boolean);
  lines.push('', `Redis over in-process (one replica each): ${costs.length ? costs.join('; ') : 'not measured'}.`);
  return lines;
}

/** A chat counted whole (issue 20), per database and phase; with the baseline's figures beside this run's. */
function chatWholeBlock(r: Results, baseline: Results | undefined): string[] {
  const lines = [
    '| database, chats | measured | chat p50 / p99 (SDK direct p50) | gateway CPU per chat, all threads, until 1.5 s after the last | main thread alone | upstream requests per chat (chat + embeddings + routing) | Portkey, same rounds: CPU per request; added p50 (chat\'s added p50) | load average (1 min) before / after |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const kind of ['pglite', 'pglite-fulltext', 'postgres'] as const) {
    const name = CHAT_KINDS[kind];
    for (const phase of ['sequential', 'sustained'] as const) {
      for (const [label, set] of [['baseline', baseline], ['this run', r]] as const) {
        const c = set?.['chat-whole']?.[kind];
        if (!c) continue;
        const p = c[phase];
        const u = p.upstreamPerChat;
        const chats = phase === 'sequential' ? `${p.chats} one at a time` : `${c.rate}/s for ${c.seconds} s (${p.chats})`;
        lines.push(
          `| ${name}, ${chats} | ${label}${c.runs ? ` (median of ${c.runs} runs)` : ''}: ${c.commit}, ${c.date} | ${ms(p.p50, 1)} / ${ms(p.p99, 1)} (${ms(c.directP50, 1)}) | ${ms(p.cpuMsPerChat, 1)}${p.cpuMsPerChatRange ? ` (${ms(p.cpuMsPerChatRange[0], 1)} – ${ms(p.cpuMsPerChatRange[1], 1)})` : ''} | ${ms(p.mainThreadCpuMsPerChat, 1)} | ${round(u.all, 2)} (${round(u.chat, 2)} + ${round(u.embeddings, 2)} + ${round(u.routing, 2)}) | ${phase === 'sequential' && c.portkey ? `${ms(c.portkey.cpuMsPerRequest, 1)} (${times(c.cpuOverPortkey)} for the chat); ${signed(c.portkey.addedP50)} (${signed(c.addedP50)})` : '—'} | ${round(p.loadavg1[0], 2)} / ${round(p.loadavg1[1], 2)} |`,
        );
      }
    }
  }
  return lines.length > 2 ? lines : ['Not measured.'];
}

const CHAT_KINDS = { pglite: 'PGlite, embeddings on', 'pglite-fulltext': 'PGlite, MEMORY_EMBEDDINGS=false (full text)', postgres: 'PostgreSQL (full text)' } as const;
type ChatKind = keyof typeof CHAT_KINDS;
const CHAT_WHOLE = (kind: ChatKind) => `${kind === 'postgres' ? `${PG} ` : ''}BENCH_ONLY=chat-whole npm run bench`;
const us = (value: number) => `${round(value, 1)} µs`;
/** " (low – high)" over rounds, or nothing when there was one round. */
const spread = (values: number[] | undefined, format: (value: number) => string) =>
  values && values.length === 2 && round(values[0]!, 3) !== round(values[1]!, 3) ? ` (${format(values[0]!)} – ${format(values[1]!)})` : '';
const kb = (value: number) => `${round(value, 1)} KB`;

interface Goal20 {
  measure: string;
  command: string;
  /** The figure from one set of results, or undefined where that set lacks it. */
  figure: (r: Results) => string | undefined;
  reference: (r: Results) => string | undefined;
  goal: string;
  met: (r: Results) => boolean | undefined;
}

/** Portkey's figures beside a chat configuration's, from the same run. */
const portkeyOf = (r: Results, kind: ChatKind) => r['chat-whole']?.[kind]?.portkey;

const chatCpu = (kind: ChatKind, limit: number): Goal20 => ({
  measure: `CPU per chat counted whole (300 one at a time, until 1.5 s after the last), ${CHAT_KINDS[kind]}; upstream requests per chat`,
  command: CHAT_WHOLE(kind),
  figure: (r) => {
    const c = r['chat-whole']?.[kind];
    if (!c) return undefined;
    const u = c.sequential.upstreamPerChat;
    const ratio = c.cpuOverPortkey === undefined ? '' : ` = ${times(c.cpuOverPortkey)} Portkey${spread(c.cpuOverPortkeyRange, times)}`;
    return `${ms(c.sequential.cpuMsPerChat, 1)}${ratio}; ${round(u.all, 2)} upstream request${round(u.all, 2) === 1 ? '' : 's'} (${round(u.embeddings, 2)} embedding${round(u.embeddings, 2) === 1 ? '' : 's'})${c.runs ? `; median of ${c.runs}` : ''}`;
  },
  reference: (r) => {
    const p = portkeyOf(r, kind);
    return p && `Portkey ${p.version}: ${ms(p.cpuMsPerRequest, 1)} per request${spread(p.cpuMsPerRequestRange, (v) => ms(v, 1))}; 1 upstream request`;
  },
  goal: limit === 1 ? '≤ Portkey' : `≤ ${limit}× Portkey`,
  met: (r) => {
    const c = r['chat-whole']?.[kind];
    return c?.cpuOverPortkey === undefined ? undefined : c.cpuOverPortkey <= limit;
  },
});

const chatAdded = (kind: ChatKind, goal: boolean): Goal20 => ({
  measure: `chat added p50 over the openai SDK calling the upstream directly, one at a time, ${CHAT_KINDS[kind]}`,
  command: CHAT_WHOLE(kind),
  figure: (r) => {
    const c = r['chat-whole']?.[kind];
    return c?.addedP50 === undefined ? undefined : `${signed(c.addedP50)}${spread(c.addedP50Range, signed)}`;
  },
  reference: (r) => {
    const p = portkeyOf(r, kind);
    return p && `Portkey ${signed(p.addedP50)}${spread(p.addedP50Range, signed)}`;
  },
  goal: goal ? '≤ Portkey’s added p50' : '— (the goal is without embeddings)',
  met: (r) => {
    const c = r['chat-whole']?.[kind];
    return goal && c?.addedP50 !== undefined && c.portkey ? c.addedP50 <= c.portkey.addedP50 : undefined;
  },
});

const queryRows = (r: Results, embeddings: boolean) => (r['query-embedding']?.rows ?? []).filter((row: any) => row.memoryEmbeddings === embeddings);
const QUERY_CASES: Array<[RegExp, string]> = [
  [/new user/, 'new user'],
  [/longer than the buffer/, 'past the buffer'],
  [/^a user with long-term/, 'memories'],
  [/routed/, 'routed + memories'],
];
const caseName = (name: string) => QUERY_CASES.find(([pattern]) => pattern.test(name))?.[1] ?? name;

const chatRate = (kind: 'pglite' | 'postgres', limit: number): Goal20 => ({
  measure: `sustained open-loop chat rate with added p99 < 50 ms (steps 25 … 400 chats/s), ${kind === 'pglite' ? 'PGlite, embeddings on' : 'PostgreSQL'}`,
  command: `${kind === 'postgres' ? `${PG} ` : ''}BENCH_ONLY=chat-rate npm run bench`,
  figure: (r) => {
    const c = r['chat-rate']?.[kind];
    if (!c) return undefined;
    const highest = c.highestRate === 0 ? `< ${c.steps[0].rate}/s` : c.highestRate === c.steps.at(-1).rate ? `≥ ${c.highestRate}/s` : `${c.highestRate}/s`;
    const next = c.steps.find((s: any) => s.rate > c.highestRate);
    return `${highest}${next ? ` (at ${next.rate}/s: ${next.addedP99 === null ? 'saturated' : signed(next.addedP99)} p99)` : ''}, ${c.stepSeconds} s steps`;
  },
  reference: () => '—',
  goal: `≥ ${limit}/s`,
  met: (r) => {
    const c = r['chat-rate']?.[kind];
    return c ? c.highestRate >= limit : undefined;
  },
});

/** The background work after each step: how long its embeddings took to settle, the queue's deepest, drops. */
const backlog = (kind: 'pglite' | 'postgres'): Goal20 => ({
  measure: `background work at each rate step, ${kind === 'pglite' ? 'PGlite, embeddings on' : 'PostgreSQL'}: time until it settles after the last chat (no new embedding request for 1 s, index queue empty); queue depth (max) and drops from /metrics`,
  command: `${kind === 'postgres' ? `${PG} ` : ''}BENCH_ONLY=chat-rate npm run bench`,
  figure: (r) => {
    const c = r['chat-rate']?.[kind];
    if (!c) return undefined;
    const reached = c.steps.filter((s: any) => s.rounds > 0);
    const metric = reached.some((s: any) => s.queueDepthMax !== null) ? '' : '; no queue gauge on /metrics';
    return `${reached.map((s: any) => `${s.rate}/s: ${s.settleMs === null ? '> 60 s' : ms(s.settleMs, 0)}${s.queueDepthMax === null ? '' : `, depth ${s.queueDepthMax}`}${s.dropped === null ? '' : `, ${s.dropped} dropped`}`).join('; ')}${metric}`;
  },
  reference: () => '—',
  goal: 'never behind without bound: a bounded queue, its depth on /metrics, drops counted',
  met: (r) => {
    const c = r['chat-rate']?.[kind];
    if (!c) return undefined;
    const reached = c.steps.filter((s: any) => s.rounds > 0);
    return reached.some((s: any) => s.queueDepthMax !== null) && reached.every((s: any) => s.settleMs !== null);
  },
});

interface StreamCost {
  inProcess?: { perTokenUs: number; ratio?: number };
  redis?: { perTokenUs: number; ratio?: number };
  passThrough?: { perTokenUs: number };
  streams: Record<number, { addedP99Ms: number; lost?: number; incomplete?: number } | undefined>;
  rssPerStreamKB?: number;
  /** The bare pass-through's RSS per stream, same streams, same run (absent before it was measured). */
  passThroughRssPerStreamKB?: number;
}

/** The stream harness's figures (part `stream-cost`) in the plain form, from either form documented at the top. */
function streamCostOf(r: Results): StreamCost | undefined {
  const s = r['stream-cost'];
  if (!s) return undefined;
  if (!Array.isArray(s.cost) && !Array.isArray(s.latency)) {
    const streams = Array.isArray(s.streams) ? Object.fromEntries(s.streams.map((row: any) => [row.n, row])) : (s.streams ?? {});
    return { inProcess: s.inProcess, redis: s.redis, passThrough: s.passThrough, streams, rssPerStreamKB: s.rssPerStreamKB };
  }
  const cost = (target: string) => {
    const row = (s.cost ?? []).find((c: any) => c.target === target);
    return row && { perTokenUs: row.cpuUsPerToken as number, ratio: row.ratio as number | undefined };
  };
  const streams: StreamCost['streams'] = {};
  for (const row of s.latency ?? []) {
    if (row.target !== 'gateway in-process' || streams[row.n]) continue;
    streams[row.n] = { addedP99Ms: row.addedP99, lost: row.expected - row.received, incomplete: row.incomplete };
  }
  return { inProcess: cost('gateway in-process'), redis: cost('gateway, REDIS_URL'), passThrough: cost('pass-through (openai SDK)'), streams, rssPerStreamKB: s.memory?.perStreamKB, passThroughRssPerStreamKB: s.passThroughMemory?.perStreamKB };
}
const streamOf = (r: Results, n: number) => streamCostOf(r)?.streams[n];
const STREAM_COST = 'BENCH_ONLY=stream-cost npm run bench';

const perToken = (side: 'inProcess' | 'redis', limit: number): Goal20 => ({
  measure: `gateway CPU per token, 200 streams × 50 tokens/s, ${side === 'inProcess' ? 'in-process' : 'REDIS_URL'}`,
  command: STREAM_COST,
  figure: (r) => {
    const v = streamCostOf(r)?.[side]?.perTokenUs;
    return v === undefined ? undefined : us(v);
  },
  reference: (r) => {
    const v = streamCostOf(r)?.passThrough?.perTokenUs;
    return v === undefined ? undefined : `pass-through ${us(v)}`;
  },
  goal: `≤ ${limit} µs`,
  met: (r) => {
    const v = streamCostOf(r)?.[side]?.perTokenUs;
    return v === undefined ? undefined : v <= limit;
  },
});

const streamLatency = (n: number, rate: number, limit: number): Goal20 => ({
  measure: `${n.toLocaleString('en-US')} streams × ${rate} token${rate === 1 ? '' : 's'}/s${rate === 1 ? ' (mostly idle)' : ''}: added p99 per token; tokens lost, answers incomplete`,
  command: STREAM_COST,
  figure: (r) => {
    const s = streamOf(r, n);
    return s?.addedP99Ms === undefined ? undefined : `${signed(s.addedP99Ms)}; ${s.lost ?? 'losses not reported'}${s.lost === undefined ? '' : ' lost'}${s.incomplete === undefined ? '' : `, ${s.incomplete} incomplete`}`;
  },
  reference: () => '—',
  goal: `< ${limit} ms, none lost, every answer complete`,
  met: (r) => {
    const s = streamOf(r, n);
    // Met only when the part says none was lost.
    return s?.addedP99Ms === undefined || s.lost === undefined ? undefined : s.addedP99Ms < limit && s.lost === 0 && !s.incomplete;
  },
});

const idleRss20 = (kind: 'pglite' | 'postgres', limit: number): Goal20 => ({
  measure: `idle RSS 2 s after start, ${kind === 'pglite' ? 'PGlite' : 'PostgreSQL'}: first start / restart`,
  command: `${kind === 'postgres' ? `${PG} ` : ''}BENCH_ONLY=memory npm run bench`,
  figure: (r) => {
    const m = r.memory?.[kind];
    return m && `${mb(m.first.rssMB)} / ${mb(m.restart.rssMB)}`;
  },
  reference: (r) => r.memory?.bare && `bare Fastify + Yoga ${mb(r.memory.bare.rssMB)}`,
  goal: `≤ ${limit} MB`,
  met: (r) => (r.memory?.[kind] ? Math.max(r.memory[kind].first.rssMB, r.memory[kind].restart.rssMB) <= limit : undefined),
});

/** In-process CPU per token over the pass-through's: the harness's within-round ratio, else the medians'. */
function passThroughRatio(r: Results): number | undefined {
  const s = streamCostOf(r);
  if (s?.inProcess?.ratio !== undefined && Number.isFinite(s.inProcess.ratio)) return s.inProcess.ratio;
  return s?.inProcess && s.passThrough?.perTokenUs ? s.inProcess.perTokenUs / s.passThrough.perTokenUs : undefined;
}

const GOALS_20: Goal20[] = [
  chatCpu('pglite', 2),
  chatCpu('pglite-fulltext', 1),
  chatCpu('postgres', 1),
  chatAdded('pglite', false),
  chatAdded('pglite-fulltext', true),
  chatAdded('postgres', true),
  {
    measure: 'embedding requests before the first token (memory embeddings on): new user / past the buffer / memories / routed + memories',
    command: 'BENCH_ONLY=query-embedding npm run bench',
    figure: (r) => {
      const rows = queryRows(r, true);
      return rows.length ? rows.map((row: any) => `${caseName(row.case)} ${round(row.embeddingsBeforeFirstToken, 2)}`).join(' / ') : undefined;
    },
    reference: () => '—',
    goal: '≤ 1, shared by routing and memory; 0 for a new user',
    met: (r) => {
      const rows = queryRows(r, true);
      if (!rows.length) return undefined;
      const fresh = rows.find((row: any) => /new user/.test(row.case));
      return rows.every((row: any) => row.embeddingsBeforeFirstToken <= 1) && fresh?.embeddingsBeforeFirstToken === 0;
    },
  },
  ...[true, false].map(
    (embeddings): Goal20 => ({
      measure: `added TTFT p50 / p99, embedding provider taking 150 ms, MEMORY_EMBEDDINGS=${embeddings}: new user; user with long-term memories`,
      command: 'BENCH_ONLY=query-embedding npm run bench',
      figure: (r) => {
        const rows = queryRows(r, embeddings).filter((row: any) => /new user|^a user with long-term/.test(row.case));
        return rows.length ? rows.map((row: any) => `${caseName(row.case)} ${signed(row.addedTtftP50 ?? row.ttftP50)} / ${signed(row.addedTtftP99 ?? row.ttftP99)}`).join('; ') : undefined;
      },
      reference: (r) => (r['query-embedding']?.directTtftP50 === undefined ? undefined : `direct TTFT ${ms(r['query-embedding'].directTtftP50, 1)} p50`),
      goal: 'reported (no limit set)',
      met: () => undefined,
    }),
  ),
  chatRate('pglite', 100),
  chatRate('postgres', 200),
  backlog('pglite'),
  backlog('postgres'),
  perToken('inProcess', 30),
  perToken('redis', 40),
  {
    measure: 'gateway CPU per token over the bare pass-through’s (Node reading the same SSE, writing graphql-ws `next` frames), in-process, 200 streams',
    command: STREAM_COST,
    figure: (r) => {
      const ratio = passThroughRatio(r);
      return ratio === undefined ? undefined : times(ratio);
    },
    reference: (r) => {
      const v = streamCostOf(r)?.passThrough?.perTokenUs;
      return v === undefined ? undefined : `pass-through ${us(v)}`;
    },
    goal: '≤ 1.5×',
    met: (r) => {
      const ratio = passThroughRatio(r);
      return ratio === undefined ? undefined : ratio <= 1.5;
    },
  },
  streamLatency(200, 50, 50),
  streamLatency(400, 50, 100),
  streamLatency(1000, 1, 50),
  idleRss20('pglite', 200),
  idleRss20('postgres', 110),
  {
    measure: 'RSS per live stream',
    command: STREAM_COST,
    figure: (r) => {
      const v = streamCostOf(r)?.rssPerStreamKB;
      return v === undefined ? undefined : kb(v);
    },
    reference: (r) => {
      const v = streamCostOf(r)?.passThroughRssPerStreamKB;
      return v === undefined ? '—' : `bare pass-through (node:http reader) ${kb(v)}`;
    },
    goal: '≤ 20 KB',
    met: (r) => {
      const v = streamCostOf(r)?.rssPerStreamKB;
      return v === undefined ? undefined : v <= 20;
    },
  },
];

/** Issue 20's goals: one row a goal, before (baseline.json's `issue-20`) and now (results.json). */
export function goals20Block(r: Results, baseline: Results | undefined): string[] {
  const before = baseline?.['issue-20'] as Results | undefined;
  const cell = (text: string | undefined) => (text === undefined ? 'not measured' : text.replaceAll('|', '\\|'));
  const safe = (figure: () => string | undefined) => {
    // A part whose keys differ from those documented above shows "not measured" rather than stop the report.
    try {
      return figure();
    } catch {
      return undefined;
    }
  };
  const met = (row: Goal20) => {
    try {
      return yesNo(row.met(r) ?? undefined);
    } catch {
      return '—';
    }
  };
  return [
    `Node ${process.version}, machines shared with other work (noisy). Now: ${provenance(pick20(r))}, on ${machinesOf(pick20(r))}.${before ? ` Before: ${provenance(before)}, on ${machinesOf(before)} (bench/baseline.json \`issue-20\`).` : ''}`,
    '',
    '| measure (command) | before | now | reference (same run) | goal | met |',
    '| --- | --- | --- | --- | --- | --- |',
    ...GOALS_20.map(
      (row) =>
        `| ${row.measure}<br>\`${row.command}\` | ${before ? cell(safe(() => row.figure(before))) : 'not measured'} | ${cell(safe(() => row.figure(r)))} | ${cell(safe(() => row.reference(r))) === 'not measured' ? '—' : cell(safe(() => row.reference(r)))} | ${row.goal} | ${met(row)} |`,
    ),
  ];
}

/** The parts issue 20's table reads. */
const pick20 = (r: Results): Results => Object.fromEntries(['chat-whole', 'chat-rate', 'query-embedding', 'memory', 'stream-cost'].filter((part) => r[part]).map((part) => [part, r[part]]));

/** Replaces the generated block `name` of the README text (its markers must be there). */
function replaceBlock(text: string, name: string, lines: string[]): string {
  const open = `<!-- generated:${name} -->\n`;
  const close = `<!-- /generated:${name} -->`;
  const start = text.indexOf(open);
  const end = text.indexOf(close);
  if (start < 0 || end < start) throw new Error(`bench/README.md has no ${open.trim()} … ${close} block`);
  return `${text.slice(0, start + open.length)}${lines.join('\n')}\n${text.slice(end)}`;
}

export async function writeReadme(results: Results) {
  const baseline = JSON.parse(await readFile(BASELINE, 'utf8').catch(() => 'null')) ?? undefined;
  let text = await readFile(README, 'utf8');
  text = replaceBlock(text, 'goals', goalsBlock(results, baseline));
  text = replaceBlock(text, 'cpu', cpuBlock(results));
  text = replaceBlock(text, 'memory', memoryBlock(results));
  text = replaceBlock(text, 'latency', latencyBlock(results));
  text = replaceBlock(text, 'openloop', openLoopBlock(results));
  text = replaceBlock(text, 'routing', routingBlock(results));
  text = replaceBlock(text, 'memory-search', memorySearchBlock(results));
  text = replaceBlock(text, 'mcp-tools', mcpToolsBlock(results));
  text = replaceBlock(text, 'v1', v1Block(results));
  text = replaceBlock(text, 'replicas', replicasBlock(results));
  text = replaceBlock(text, 'chat-whole', chatWholeBlock(results, baseline));
  text = replaceBlock(text, 'goals-20', goals20Block(results, baseline));
  text = replaceBlock(text, 'stream-cost', streamCostBlock(results));
  text = replaceBlock(text, 'protocols', protocolsBlock(results));
  await writeFile(README, text);
}

