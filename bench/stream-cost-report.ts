// bench/README.md's generated block `stream-cost` (issue 20: streams at scale and per-token CPU), from
// results.json's `stream-cost` part, with the idle-RSS goals read from the `memory` part.
import { machineOf } from './machine.js';
import { round } from './stats.js';

type Results = Record<string, any>;

const us = (value: number) => `${round(value, 1)} µs`;
const signed = (value: number) => `${value >= 0 ? '+' : ''}${round(value, 1)} ms`;
const times = (value: number) => (Number.isFinite(value) ? `${round(value, 2)}×` : '—');
const yesNo = (ok: boolean | undefined) => (ok === undefined ? '—' : ok ? 'yes' : 'no');
const lost = (row: any) => `${row.expected - row.received} of ${row.expected}`;

/** The issue's goals for streams, each with this run's figure and whether it is met. */
export function streamGoals(r: Results): Array<{ goal: string; figure: string; met: boolean | undefined }> {
  const s = r['stream-cost'];
  const cost = (target: string) => s?.cost?.find((row: any) => row.target === target);
  const latency = (n: number) => s?.latency?.find((row: any) => row.n === n && row.target === 'gateway in-process');
  const whole = (row: any) => row && row.received === row.expected && row.incomplete === 0;
  const goals = [];
  for (const [target, limit] of [['gateway in-process', 30], ['gateway, REDIS_URL', 40]] as const) {
    const row = cost(target);
    goals.push({ goal: `${target}: CPU per token ≤ ${limit} µs`, figure: row ? us(row.cpuUsPerToken) : 'not measured', met: row && row.cpuUsPerToken <= limit });
    goals.push({ goal: `${target}: ≤ 1.5× the pass-through's CPU per token`, figure: row ? `${times(row.ratio)} (openai SDK reader), ${times(row.ratioToHttp)} (node:http reader)` : 'not measured', met: row && row.ratio <= 1.5 });
  }
  for (const [n, label, limit] of [[s?.streams ?? 200, '× 50 tokens/s', 50], [400, '× 50 tokens/s', 100], [1000, '× 1 token/s (mostly idle)', 50]] as const) {
    const row = latency(n);
    goals.push({ goal: `${n} streams ${label}: added p99 < ${limit} ms, none lost, every answer complete`, figure: row ? `${signed(row.addedP99)}; ${lost(row)} lost, ${row.incomplete} incomplete` : 'not measured', met: row && row.addedP99 < limit && whole(row) });
  }
  const m = s?.memory;
  goals.push({ goal: 'RSS per live stream ≤ 20 KB', figure: m ? `${round(m.perStreamKB, 1)} KB (${round(m.perStreamAfterGcKB, 1)} KB after a full GC), ${m.streams} streams` : 'not measured', met: m && m.perStreamKB <= 20 });
  for (const [kind, name, limit] of [['pglite', 'PGlite', 200], ['postgres', 'PostgreSQL', 110]] as const) {
    const idle = r.memory?.[kind];
    goals.push({ goal: `idle RSS 2 s after start, ${name}: ≤ ${limit} MB (the \`memory\` part; first start / restart)`, figure: idle ? `${Math.round(idle.first.rssMB)} / ${Math.round(idle.restart.rssMB)} MB` : 'not measured', met: idle && Math.max(idle.first.rssMB, idle.restart.rssMB) <= limit });
  }
  return goals;
}

export function streamCostBlock(r: Results): string[] {
  const s = r['stream-cost'];
  if (!s) return ['Not measured.'];
  const lines = [
    `Machine: ${machineOf(s)}, Node ${s.node}, shared with other work (noisy: load average ${round(s.loadavg1[0], 1)} before, ${round(s.loadavg1[1], 1)} after). ${s.commit}, ${s.date}. Database: ${s.database === 'postgres' ? 'PostgreSQL' : 'PGlite'}, a fresh one a gateway; Redis a redis-server of the bench's own. ${s.rounds} rounds, median reported; each round the SDK direct, then each target in turn.`,
    '',
    `**Per-token CPU**, ${s.streams} streams × ${s.rate} tokens/s × ${s.tokens} tokens: each target's processes' CPU (utime + stime, /proc) over its streams, per token its clients received; the ratio is each round's against the pass-through's in the same round.`,
    '',
    '| target | CPU per token (range) | × pass-through, openai SDK reader (range) | × pass-through, node:http reader | added p50 / p99 per token | tokens lost | incomplete | busiest client process\'s CPU share (SDK direct\'s) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...s.cost.map(
      (row: any) =>
        `| ${row.target} | ${us(row.cpuUsPerToken)} (${us(row.cpuUsPerTokenRange[0])} – ${us(row.cpuUsPerTokenRange[1])}) | ${times(row.ratio)} (${times(row.ratioRange[0])} – ${times(row.ratioRange[1])}) | ${times(row.ratioToHttp)} | ${signed(row.addedP50)} / ${signed(row.addedP99)} | ${lost(row)} | ${row.incomplete} | ${round(row.clientBusy * 100, 0)} % (${round(row.directClientBusy * 100, 0)} %) |`,
    ),
    '',
    '**Latency under load**, the in-process gateway (and at 400 streams two gateways on one port, when measured) against the SDK reading the upstream directly (the 200-stream row is the cost table\'s). The 1-token/s streams start spread over one second, as answers left open tick at any moment; the 50-token/s streams start together, every token of a tick due at once (as `paced`).',
    '',
    '| streams × tokens/s × tokens | gateway | added p50 / p99 (p99 range) | SDK direct p99 | tokens lost | incomplete | gateway CPU per token | client processes, busiest one\'s CPU share (SDK direct\'s) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...s.latency.map(
      (row: any) =>
        `| ${row.n} × ${row.rate} × ${row.tokens} | ${row.target} | ${signed(row.addedP50)} / ${signed(row.addedP99)} (${signed(row.addedP99Range[0])} – ${signed(row.addedP99Range[1])}) | ${round(row.directP99, 1)} ms | ${lost(row)} | ${row.incomplete} | ${us(row.cpuUsPerToken)} | ${row.clientProcesses}, ${round(row.clientBusy * 100, 0)} % (${round(row.directClientBusy * 100, 0)} %) |`,
    ),
    '',
    `**Memory per live stream**: a fresh in-process gateway after one answer, ${s.memory.streams} streams × 1 token/s open mid-answer: RSS ${round(s.memory.rssBeforeMB, 1)} → ${round(s.memory.rssMidMB, 1)} MB (after a full GC ${round(s.memory.rssAfterGcBeforeMB, 1)} → ${round(s.memory.rssAfterGcMidMB, 1)} MB), ${round(s.memory.perStreamKB, 1)} KB a stream (${round(s.memory.perStreamAfterGcKB, 1)} KB after GC${s.memory.heapPerStreamKB === undefined ? '' : `, of which live heap ${round(s.memory.heapPerStreamKB, 1)} KB and buffers outside it ${round(s.memory.externalPerStreamKB, 1)} KB`}); ${lost(s.memory)} tokens lost.` + (s.passThroughMemory ? ` The bare pass-through (node:http reader), fresh, same streams: RSS ${round(s.passThroughMemory.rssBeforeMB, 1)} → ${round(s.passThroughMemory.rssMidMB, 1)} MB, ${round(s.passThroughMemory.perStreamKB, 1)} KB a stream (${round(s.passThroughMemory.perStreamAfterGcKB, 1)} KB after GC, live heap ${round(s.passThroughMemory.heapPerStreamKB, 1)} KB).` : ''),
    '',
    '| goal (issue 20) | this run | met |',
    '| --- | --- | --- |',
    ...streamGoals(r).map((g) => `| ${g.goal} | ${g.figure} | ${yesNo(g.met)} |`),
  ];
  return lines;
}
