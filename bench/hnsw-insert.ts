// HNSW insert cost on embedded PGlite (issue 20): `npx tsx bench/hnsw-insert.ts`.
// One PGlite in this process (as the worker runs it: pglite.wasm compiled --liftoff-only), a table
// with a 1,536-dimension column and its HNSW index as the gateway makes it, PRELOAD rows inserted in one
// statement, then ROWS more one per statement (as the indexer did) or BATCH per statement (the queue),
// CPU of this process (process.cpuUsage) per inserted vector. Variants by HNSW_BENCH_VARIANTS:
// default (m 16, ef_construction 64), m8, ef32, m8ef32, m12ef40, halfvec, noindex, and bq / bqm8ef32
// (binary quantization: an index on binary_quantize(embedding)::bit(N), Hamming distance). HNSW_BENCH_PRELOAD,
// HNSW_BENCH_ROWS, HNSW_BENCH_BATCH (rows per statement), HNSW_BENCH_LIFTOFF=false (optimised WebAssembly).
// Vectors: bag-of-words of random sentences from a 2,000-word vocabulary, or (HNSW_BENCH_WORDS=unique)
// of words never repeated, as the bench upstream's answers (timestamps) are.
import { setFlagsFromString } from 'node:v8';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { bagOfWordsVector } from '../test/support/fake-routing.js';

const DIMENSIONS = Number(process.env.HNSW_BENCH_DIMENSIONS ?? 1536);
const PRELOAD = Number(process.env.HNSW_BENCH_PRELOAD ?? 1000);
const ROWS = Number(process.env.HNSW_BENCH_ROWS ?? 200);
const BATCH = Number(process.env.HNSW_BENCH_BATCH ?? 1);
const LIFTOFF = process.env.HNSW_BENCH_LIFTOFF !== 'false';
const VARIANTS = (process.env.HNSW_BENCH_VARIANTS ?? 'default,m8,ef32,m8ef32,halfvec').split(',');

let seed = 42;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const words = Array.from({ length: 2000 }, (_, i) => `w${i.toString(36)}x`);
// HNSW_BENCH_WORDS=unique: every word new (as the bench upstream's answers, timestamps): nearly orthogonal vectors.
const UNIQUE = process.env.HNSW_BENCH_WORDS === 'unique';
let counter = 0;
const sentence = () => UNIQUE ? Array.from({ length: 20 }, () => `${(counter++ * 0.731).toFixed(3)}`).join(' ') : Array.from({ length: 8 + Math.floor(random() * 30) }, () => words[Math.floor(random() ** 2 * words.length)]).join(' ');
const literal = (v: number[]) => `[${v.join(',')}]`;

const BITS = `(binary_quantize(embedding)::bit(${DIMENSIONS}))`;
const variants: Record<string, { type: string; ops: string; with: string; index: boolean; expression?: string }> = {
  default: { type: 'vector', ops: 'vector_cosine_ops', with: '', index: true },
  bq: { type: 'vector', ops: 'bit_hamming_ops', with: '', index: true, expression: BITS },
  bqm8ef32: { type: 'vector', ops: 'bit_hamming_ops', with: 'with (m = 8, ef_construction = 32)', index: true, expression: BITS },
  m8: { type: 'vector', ops: 'vector_cosine_ops', with: 'with (m = 8)', index: true },
  ef32: { type: 'vector', ops: 'vector_cosine_ops', with: 'with (ef_construction = 32)', index: true },
  m8ef32: { type: 'vector', ops: 'vector_cosine_ops', with: 'with (m = 8, ef_construction = 32)', index: true },
  m12ef40: { type: 'vector', ops: 'vector_cosine_ops', with: 'with (m = 12, ef_construction = 40)', index: true },
  halfvec: { type: 'halfvec', ops: 'halfvec_cosine_ops', with: '', index: true },
  noindex: { type: 'vector', ops: '', with: '', index: false },
};

for (const name of VARIANTS) {
  const variant = variants[name]!;
  if (LIFTOFF) setFlagsFromString('--liftoff-only');
  const db = await PGlite.create({ extensions: { vector } });
  await db.exec('create extension vector');
  if (LIFTOFF) setFlagsFromString('--no-liftoff-only');
  seed = 42;
  await db.exec(`create table t (id serial primary key, content text, embedding ${variant.type}(${DIMENSIONS}))`);
  if (variant.index) await db.exec(`create index on t using hnsw (${variant.expression ?? 'embedding'} ${variant.ops}) ${variant.with}`);
  for (let i = 0; i < PRELOAD; i += 100) {
    const values = Array.from({ length: 100 }, () => `('x', '${literal(bagOfWordsVector(sentence(), DIMENSIONS))}')`).join(',');
    await db.exec(`insert into t (content, embedding) values ${values}`);
  }
  const vectors = Array.from({ length: ROWS }, () => literal(bagOfWordsVector(sentence(), DIMENSIONS)));
  const start = process.cpuUsage();
  const wall = performance.now();
  for (let i = 0; i < ROWS; i += BATCH) {
    const slice = vectors.slice(i, i + BATCH);
    await db.query(`insert into t (content, embedding) select 'y', v::${variant.type} from unnest($1::text[]) as v`, [slice]);
  }
  const used = process.cpuUsage(start);
  const perRow = (used.user + used.system) / 1000 / ROWS;
  console.log(JSON.stringify({ variant: name, words: UNIQUE ? 'unique' : 'vocabulary', liftoff: LIFTOFF, batch: BATCH, preload: PRELOAD, rows: ROWS, cpuMsPerVector: Number(perRow.toFixed(3)), wallMsPerVector: Number(((performance.now() - wall) / ROWS).toFixed(3)) }));
  await db.close();
}
