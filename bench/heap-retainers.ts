// For one heap snapshot: who holds the nodes of a kind (`array:`, `string:`, `object:Object` …), grouped by
// retainer kind and edge name, largest first; with `strings`, the commonest string values' first 60 characters.
// Run: node --max-old-space-size=4096 --import tsx bench/heap-retainers.ts mid.heapsnapshot 'array:' [per] [top]
import { readFileSync } from 'node:fs';

const [file, wanted, perArg, topArg, depthArg] = process.argv.slice(2);
const depth = Number(depthArg) || 1;
const per = Number(perArg) || 1;
function analyze(file: string, values?: Map<string, number>) {
const snap = JSON.parse(readFileSync(file!, 'utf8'));
const meta = snap.snapshot.meta;
const nf: string[] = meta.node_fields;
const ef: string[] = meta.edge_fields;
const nodeTypes: string[] = meta.node_types[0];
const edgeTypes: string[] = meta.edge_types[0];
const W = nf.length;
const EW = ef.length;
const nodes: number[] = snap.nodes;
const edges: number[] = snap.edges;
const strings: string[] = snap.strings;
const [T, N, S, E] = ['type', 'name', 'self_size', 'edge_count'].map((f) => nf.indexOf(f)) as [number, number, number, number];
const [ET, EN, ETo] = ['type', 'name_or_index', 'to_node'].map((f) => ef.indexOf(f)) as [number, number, number];
const kind = (i: number) => {
  const type = nodeTypes[nodes[i + T]!]!;
  const named = ['object', 'closure', 'native', 'hidden', 'object shape'].includes(type);
  return `${type}:${named ? strings[nodes[i + N]!]!.slice(0, 50) : ''}`;
};
const groups = new Map<string, { count: number; size: number }>();
// Each node's first strong retainer (prototype and shape links left out: they are shared).
const holder = new Int32Array(nodes.length / W).fill(-1);
const via: string[] = [];
let edge = 0;
for (let i = 0; i < nodes.length; i += W) {
  const count = nodes[i + E]!;
  for (let e = 0; e < count; e++, edge += EW) {
    const to = edges[edge + ETo]!;
    const et = edgeTypes[edges[edge + ET]!]!;
    if (et === 'weak' || et === 'shortcut') continue;
    const name = et === 'element' || et === 'hidden' ? `[${et}]` : String(strings[edges[edge + EN]!]);
    if (name === '__proto__' || name === 'map' || name === 'prototype' || name === 'constructor') continue;
    if (holder[to / W] !== -1) continue;
    holder[to / W] = i;
    via[to / W] = name;
  }
}
const anchors = /^object:(WebSocket|Socket|ClientRequest|IncomingMessage|HTTPParser|Run|RunLog|EventQueue|ReadableStream|AbortController|Timeout|Stream|PromptWindow|Receiver|Sender|TCP|Promise|Generator|completionChunks|stream|ServerSentEventDecoder)$/;
for (let to = 0; to < nodes.length; to += W) {
  if (wanted === 'anchors') {
    let at = to;
    let path = '';
    for (let d = 0; d < 12; d++) {
      if (anchors.test(kind(at))) { path = kind(at); break; }
      if (holder[at / W]! < 0) break;
      at = holder[at / W]!;
    }
    const key = path || `(other) ${kind(to)} < ${holder[to / W]! >= 0 ? kind(holder[to / W]!) + '.' + via[to / W] : ''}`;
    const g = groups.get(key) ?? { count: 0, size: 0 };
    g.count++;
    g.size += nodes[to + S]!;
    groups.set(key, g);
    continue;
  }
  if (kind(to) !== wanted) continue;
  {
    const parts: string[] = [];
    let at = to;
    for (let d = 0; d < depth && holder[at / W]! >= 0; d++) {
      parts.push(`${kind(holder[at / W]!)}.${via[at / W]}`);
      at = holder[at / W]!;
    }
    const key = parts.join(' < ');
    const g = groups.get(key) ?? { count: 0, size: 0 };
    g.count++;
    g.size += nodes[to + S]!;
    groups.set(key, g);
  }
}
for (let i = 0; i < nodes.length; i += W)
  if (kind(i) === wanted && wanted.startsWith('string')) {
    const v = strings[nodes[i + N]!]!.slice(0, 60);
    values?.set(v, (values?.get(v) ?? 0) + 1);
  }
  return groups;
}
const values = new Map<string, number>();
const groups = analyze(file!, values);
if (process.env.BEFORE) for (const [key, g] of analyze(process.env.BEFORE)) {
  const m = groups.get(key) ?? { count: 0, size: 0 };
  groups.set(key, { count: m.count - g.count, size: m.size - g.size });
}
const rows = [...groups].sort((a, b) => b[1].size - a[1].size).slice(0, Number(topArg) || 40);
for (const [key, g] of rows) console.log(`${(g.size / per).toFixed(0).padStart(8)} B ${(g.count / per).toFixed(2).padStart(8)}  ${key}`);
if (values.size) for (const [v, c] of [...values].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(`${String(c).padStart(7)}  ${JSON.stringify(v)}`);
