// Compares two V8 heap snapshots (bench/stream-memory.ts writes them): per node type and constructor name,
// count and self size added, largest first, divided by `per` (the streams opened in between).
// Run: node --max-old-space-size=4096 --import tsx bench/heap-diff.ts before.heapsnapshot mid.heapsnapshot [per] [top]
import { readFileSync } from 'node:fs';

function summarize(file: string) {
  const snap = JSON.parse(readFileSync(file, 'utf8'));
  const meta = snap.snapshot.meta;
  const fields: string[] = meta.node_fields;
  const types: string[] = meta.node_types[0];
  const width = fields.length;
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  const nodes: number[] = snap.nodes;
  const strings: string[] = snap.strings;
  const byKind = new Map<string, { count: number; size: number }>();
  for (let i = 0; i < nodes.length; i += width) {
    const type = types[nodes[i + typeAt!]!]!;
    let name = type === 'object' || type === 'closure' || type === 'native' || type === 'hidden' || type === 'object shape' ? strings[nodes[i + nameAt!]!]! : '';
    if (type === 'closure') name = name.slice(0, 60);
    if (type === 'hidden' || type === 'object shape') name = name.slice(0, 40);
    const key = `${type}:${name}`;
    const entry = byKind.get(key) ?? { count: 0, size: 0 };
    entry.count++;
    entry.size += nodes[i + sizeAt!]!;
    byKind.set(key, entry);
  }
  return byKind;
}

const [a, b, perArg, topArg] = process.argv.slice(2);
const before = summarize(a!);
const mid = summarize(b!);
const per = Number(perArg) || 1;
const rows = [...mid].map(([key, m]) => {
  const o = before.get(key) ?? { count: 0, size: 0 };
  return { key, count: (m.count - o.count) / per, bytes: (m.size - o.size) / per };
});
rows.sort((x, y) => y.bytes - x.bytes);
const total = rows.reduce((s, r) => s + r.bytes, 0);
console.log(`total self size added per unit: ${total.toFixed(0)} B`);
for (const row of rows.slice(0, Number(topArg) || 60)) console.log(`${row.bytes.toFixed(0).padStart(8)} B ${row.count.toFixed(2).padStart(8)}  ${row.key}`);
