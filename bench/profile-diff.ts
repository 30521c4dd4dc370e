// Two profiled runs of bench/chat-ab.ts side by side: the main thread's self time per chat by function
// (name and file, lines left out so two builds match) and by muxgate file (inclusive), largest differences first.
//   npx tsx bench/profile-diff.ts <before dir> <after dir> [rows]
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface Node { id: number; callFrame: { functionName: string; url: string }; children?: number[] }
interface Profile { nodes: Node[]; startTime: number; samples: number[]; timeDeltas: number[] }

// SKIP=writev leaves out samples in those native functions: a loopback write's sample holds the
// wall time the thread was preempted by the reader it woke (PostgreSQL, the upstream), not its CPU.
const SKIP = new Set((process.env.SKIP ?? '').split(',').filter(Boolean));

const short = (url: string) => {
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) return url.slice(modules + 14);
  const dist = url.indexOf('/dist/');
  return dist >= 0 ? url.slice(dist + 1) : url || '(native)';
};

function load(dir: string) {
  const { windowUs, chats } = JSON.parse(readFileSync(join(dir, 'window.json'), 'utf8')) as { windowUs: [number, number]; chats: number };
  const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile') && name.split('.').at(-3) === '0')!;
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  // As bench/profile-summary.ts: a sample counts at most 3 sampling intervals (a descheduled thread's gap is not CPU).
  const sorted = profile.timeDeltas.filter((d) => d > 0).sort((x, y) => x - y);
  const maxUs = 3 * (sorted[sorted.length >> 1] ?? 1000);
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i]!;
    const us = Math.min(profile.timeDeltas[i + 1] ?? 0, maxUs);
    if (at < windowUs[0] || at > windowUs[1]) continue;
    const node = byId.get(profile.samples[i]!)!;
    if (node.callFrame.functionName === '(idle)' || SKIP.has(node.callFrame.functionName)) continue;
    const key = `${node.callFrame.functionName || '(anonymous)'} ${short(node.callFrame.url)}`;
    self.set(key, (self.get(key) ?? 0) + us / chats);
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const url = byId.get(id)!.callFrame.url;
      if (!url.includes('/dist/') || url.includes('/node_modules/')) continue;
      const f = short(url);
      if (!seen.has(f)) seen.add(f), inclusive.set(f, (inclusive.get(f) ?? 0) + us / chats);
    }
    self.set('TOTAL', (self.get('TOTAL') ?? 0) + us / chats);
  }
  return { self, inclusive };
}

const [a, b, rows = '40'] = process.argv.slice(2);
const before = load(a!);
const after = load(b!);
for (const [title, x, y] of [['self time, µs per chat', before.self, after.self], ['muxgate files, inclusive, µs per chat', before.inclusive, after.inclusive]] as const) {
  const keys = new Set([...x.keys(), ...y.keys()]);
  const diffs = [...keys].map((k) => ({ k, a: x.get(k) ?? 0, b: y.get(k) ?? 0 })).sort((p, q) => Math.abs(q.b - q.a) - Math.abs(p.b - p.a));
  console.log(`\n| ${title} | before | after | Δ |\n| --- | --- | --- | --- |`);
  for (const d of diffs.slice(0, Number(rows))) console.log(`| \`${d.k}\` | ${d.a.toFixed(0)} | ${d.b.toFixed(0)} | ${(d.b - d.a >= 0 ? '+' : '') + (d.b - d.a).toFixed(0)} |`);
}
