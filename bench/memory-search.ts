// Long-term memory search on embedded PGlite (issue 9): `npx tsx bench/memory-search.ts`, or
// `BENCH_ONLY=memory-search npm run bench` (which runs this file in a process of its own).
//
// For each size: a fresh PGlite in a temporary folder (removed at the end), the schema as the gateway
// makes it (migrations, then ensureVectorColumns), N memories of a handful of users bulk-loaded with
// multi-row inserts (the HNSW index dropped meanwhile and built after, by ensureVectorColumns' own
// statement), then, one at a time, MemoryStore.searchVector and searchFullText as the product runs
// them, the same vector queries exactly (index scans off: a sequential scan) for recall@10, and
// MemoryStore.insert / setEmbeddings one row at a time for the rate of adding.
//
// Environment: MEMORY_BENCH_SIZES (10000,100000), MEMORY_BENCH_DIMENSIONS (256), MEMORY_BENCH_QUERIES
// (200), MEMORY_BENCH_EF_SEARCH (default: MemoryStore's own; a list such as default,40 measures each),
// MEMORY_BENCH_ADDS (300), MEMORY_BENCH_BUILD_MEMORY (1GB: maintenance_work_mem of the index build; empty: PGlite's 64 MB),
// MEMORY_BENCH_STATISTICS (none,analyze: as the gateway leaves PGlite, then after ANALYZE),
// MEMORY_BENCH_VARIANTS (none; `relaxed` adds relaxed_order with a re-sort, see below; `bq` measures instead
// the messages' index choices by hand on the same rows: a float index against binary quantization with a
// re-rank, see measureQuantized; MEMORY_BENCH_BQ_INDEXES, MEMORY_BENCH_BQ_CANDIDATES, MEMORY_BENCH_FLOAT_EF_SEARCH).
// Progress goes to stderr; the figures, one JSON line, to stdout.
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompiledQuery, type Kysely, sql } from 'kysely';
import { anyWordQuery } from '../src/core/memory/full-text.js';
import { MemoryStore } from '../src/core/memory/memory-store.js';
import { DEFAULT_VECTOR_SEARCH, type VectorSearchOptions } from '../src/core/memory/vector-search.js';
import { openDatabase } from '../src/db/database.js';
import type { Tables } from '../src/db/tables.js';
import { ensureVectorColumns } from '../src/db/vector-columns.js';
import { StatementCapture } from '../test/support/statement-capture.js';
import { percentile } from './stats.js';

const SIZES = (process.env.MEMORY_BENCH_SIZES || '10000,100000').split(',').filter(Boolean).map(Number);
const DIMENSIONS = Number(process.env.MEMORY_BENCH_DIMENSIONS ?? 256);
const QUERIES = Number(process.env.MEMORY_BENCH_QUERIES ?? 200);
/** ef_search values to measure; undefined (`default`) constructs MemoryStore as the gateway does, without one. */
const EF_SEARCH = (process.env.MEMORY_BENCH_EF_SEARCH || 'default').split(',').filter(Boolean).map((x) => (x === 'default' ? undefined : Number(x)));
const ADDS = Number(process.env.MEMORY_BENCH_ADDS ?? 300);
const BUILD_MEMORY = process.env.MEMORY_BENCH_BUILD_MEMORY ?? '1GB';
const STATISTICS = (process.env.MEMORY_BENCH_STATISTICS ?? 'none,analyze').split(',').filter((x): x is 'none' | 'analyze' => x === 'none' || x === 'analyze');
const VARIANTS = new Set((process.env.MEMORY_BENCH_VARIANTS ?? '').split(',').filter(Boolean));
/** `bq` variant: indexes built in turn (float m 8 / ef 32 as messages' today; bit indexes, with and without those options). */
const BQ_INDEXES = (process.env.MEMORY_BENCH_BQ_INDEXES || 'm8ef32,bq,bqm8ef32').split(',').filter(Boolean);
/** `bq` variant: candidates taken by Hamming distance and re-ranked by cosine (ef_search is at least this). */
const BQ_CANDIDATES = (process.env.MEMORY_BENCH_BQ_CANDIDATES || '40,100,200').split(',').filter(Boolean).map(Number);
const FLOAT_EF_SEARCH = (process.env.MEMORY_BENCH_FLOAT_EF_SEARCH || '200').split(',').filter(Boolean).map(Number);
const K = 10;
const WARMUP = 20;
const BATCH = 500;

const log = (...args: unknown[]) => console.error(...args);

/** MemoryStore's vector search options as the orchestrator gives them on PGlite (pgvector 0.8: iterative scans; settings in the session). */
const GATEWAY_SEARCH: VectorSearchOptions = { ...DEFAULT_VECTOR_SEARCH, iterativeScan: true, settingsInSession: true };
/** MemoryStore as the gateway builds it on PGlite, or with another ef_search (then each search sets it in a transaction). */
const memoryStore = (db: Kysely<Tables>, efSearch?: number) => new MemoryStore(db, true, efSearch === undefined ? GATEWAY_SEARCH : { ...GATEWAY_SEARCH, efSearch });

// ---------------------------------------------------------------------------------------------------
// Data: deterministic (seeded), so runs compare.

function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  let spare: number | undefined;
  const gaussian = () => {
    if (spare !== undefined) {
      const value = spare;
      spare = undefined;
      return value;
    }
    const u = next() || Number.MIN_VALUE;
    const r = Math.sqrt(-2 * Math.log(u));
    const theta = 2 * Math.PI * next();
    spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  return { next, gaussian, pick };
}

/**
 * Embeddings like a text model's: a mixture of CENTRES Gaussian topics in a LATENT-dimensional space
 * (text embeddings have a low intrinsic dimension), projected to `dimensions` by a fixed random
 * matrix, plus a little full-rank noise, then normalised. Points of one topic have cosines of about
 * 0.5–0.8 with each other and about 0 with other topics, and within a topic some are much nearer
 * than others. Uniform random vectors would all be nearly equidistant (see bench/README.md).
 */
const CENTRES = 300;
const LATENT = 32;
/** The length of a point's offset from its topic's centre (the centre has length 1). */
const TOPIC_SPREAD = 0.8;
const FULL_RANK_NOISE = 0.15;

class Embeddings {
  private readonly centres: Float64Array[];
  private readonly projection: Float64Array[];
  constructor(
    readonly dimensions: number,
    seed = 1,
  ) {
    const r = random(seed);
    this.centres = Array.from({ length: CENTRES }, () => unit(Float64Array.from({ length: LATENT }, () => r.gaussian())));
    // Columns of about unit length: a latent vector keeps its length once projected.
    this.projection = Array.from({ length: LATENT }, () => Float64Array.from({ length: dimensions }, () => r.gaussian() / Math.sqrt(dimensions)));
  }

  /** A point of topic `topic`. */
  vector(topic: number, r: ReturnType<typeof random>): number[] {
    const centre = this.centres[topic]!;
    const out = new Float64Array(this.dimensions);
    for (let l = 0; l < LATENT; l++) {
      const z = centre[l]! + (TOPIC_SPREAD * r.gaussian()) / Math.sqrt(LATENT);
      const column = this.projection[l]!;
      for (let d = 0; d < this.dimensions; d++) out[d]! += z * column[d]!;
    }
    const noise = FULL_RANK_NOISE / Math.sqrt(this.dimensions);
    for (let d = 0; d < this.dimensions; d++) out[d]! += noise * r.gaussian();
    return Array.from(unit(out));
  }
}

function unit(v: Float64Array): Float64Array {
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm);
  for (let i = 0; i < v.length; i++) v[i]! /= norm;
  return v;
}

/** Texts: templates over small vocabularies; each topic prefers its own words, so text and vector agree. */
const WORDS = {
  food: 'sushi ramen pizza pasta curry tacos dumplings croissants oatmeal granola salmon tofu lentils chickpeas mushrooms avocado mango blueberries chocolate cheesecake espresso matcha kombucha lemonade peanuts shrimp eggplant spinach quinoa bagels pancakes waffles burritos kimchi falafel hummus risotto paella gelato tiramisu'.split(' '),
  city: 'Lisbon Porto Madrid Seville Paris Lyon Berlin Munich Vienna Prague Budapest Warsaw Krakow Oslo Stockholm Helsinki Copenhagen Amsterdam Brussels Dublin Edinburgh London Manchester Rome Milan Naples Athens Istanbul Cairo Nairobi Lagos Mumbai Delhi Bangkok Hanoi Tokyo Osaka Seoul Taipei Sydney Melbourne Auckland Vancouver Toronto Montreal Chicago Boston Denver Austin Seattle Lima Bogota Santiago'.split(' '),
  job: 'nurse teacher plumber architect accountant pharmacist pilot chef baker electrician journalist lawyer dentist veterinarian librarian carpenter designer translator firefighter engineer programmer photographer musician farmer mechanic surveyor therapist economist biologist chemist'.split(' '),
  activity: 'hiking cycling swimming climbing surfing skiing running rowing sailing kayaking gardening knitting painting pottery baking chess photography birdwatching fishing camping yoga boxing dancing singing woodworking astronomy volunteering skating diving archery'.split(' '),
  thing: 'bicycle guitar piano violin laptop camera telescope tent kayak skateboard drone notebook typewriter aquarium greenhouse motorcycle sailboat microscope keyboard headphones backpack umbrella scooter treadmill projector bookshelf hammock espadrilles snowboard easel'.split(' '),
  person: 'sister brother mother father daughter son cousin grandmother grandfather aunt uncle partner husband wife neighbour colleague manager friend roommate mentor'.split(' '),
  name: 'Ana Bruno Chloe Diego Elena Farid Greta Hugo Ines Jonas Kenji Lara Mateo Nadia Oscar Priya Quentin Rosa Samir Tomas Uma Viktor Wanda Xavier Yara Zoltan Amara Bilal Carmen Dmitri'.split(' '),
  adjective: 'spicy quiet early late strong mild fresh vegan organic cheap expensive local remote cosy noisy sunny rainy crowded peaceful formal casual vintage modern minimalist colourful tiny huge slow fast gentle'.split(' '),
  month: 'January February March April May June July August September October November December'.split(' '),
  day: 'Monday Tuesday Wednesday Thursday Friday Saturday Sunday'.split(' '),
  pet: 'dog cat parrot rabbit hamster tortoise goldfish ferret horse lizard'.split(' '),
  language: 'Portuguese Spanish French German Italian Japanese Korean Mandarin Arabic Hindi Swahili Polish Greek Turkish Dutch'.split(' '),
} as const;
type Slot = keyof typeof WORDS;

const TEMPLATES = [
  'Prefers {adjective} {food} for lunch, especially on {day}.',
  'Is allergic to {food} and avoids restaurants that serve it.',
  'Works as a {job} in {city} and starts work {adjective} on {day}.',
  'Has a {person} called {name} who lives in {city}.',
  'Is planning a trip to {city} in {month} to go {activity}.',
  'Started {activity} last {month} and goes every {day} with {name}.',
  'Bought a {adjective} {thing} and uses it for {activity}.',
  'Has a {pet} named {name} that loves {food}.',
  'Is learning {language} because their {person} speaks it.',
  'Does not like {adjective} places; chose {city} for a {adjective} holiday.',
  'Their {person} {name} is a {job} and enjoys {activity}.',
  'Wants a {thing} for their birthday in {month}.',
  'Usually orders {food} and {food} when eating out in {city}.',
  'Reminded the assistant that the {thing} meeting moved to {day}.',
  'Speaks {language} at home and reads books about {activity}.',
];

const QUESTIONS = [
  'What food does my {person} like?',
  'Where should I go {activity} in {month}?',
  'Can you suggest {adjective} {food} near {city}?',
  'Remind me what my {person} does for work as a {job}?',
  'Which {thing} did I buy for {activity}?',
  'Any ideas for my trip to {city}?',
  'What is my {pet} called?',
  'Help me practise {language} for {city}.',
];

/** Each topic's own word in every slot. */
function topicWords(topic: number): Record<Slot, string> {
  const r = random(10_000 + topic);
  return Object.fromEntries(Object.entries(WORDS).map(([slot, words]) => [slot, r.pick(words)])) as Record<Slot, string>;
}

function fill(template: string, topic: Record<Slot, string>, r: ReturnType<typeof random>): string {
  return template.replace(/\{(\w+)\}/g, (_, slot: Slot) => (r.next() < 0.6 ? topic[slot] : r.pick(WORDS[slot])));
}

/** A handful of users of different sizes: filters from large to small. */
const USERS = [
  { id: 'user-a', share: 0.4 },
  { id: 'user-b', share: 0.25 },
  { id: 'user-c', share: 0.15 },
  { id: 'user-d', share: 0.12 },
  { id: 'user-e', share: 0.08 },
];
function pickUser(r: ReturnType<typeof random>): string {
  let x = r.next();
  for (const user of USERS) if ((x -= user.share) < 0) return user.id;
  return USERS.at(-1)!.id;
}

/** Vector literal for the bulk load: six decimals (stored as float4 anyway), a third of JSON's length. */
const literal = (vector: number[]) => `[${vector.map((x) => x.toFixed(6)).join(',')}]`;

// ---------------------------------------------------------------------------------------------------
// Measuring.

const ms = (from: number) => performance.now() - from;
const stats = (samples: number[]) => ({ p50: percentile(samples, 50), p99: percentile(samples, 99), mean: samples.reduce((a, b) => a + b, 0) / samples.length });

interface Query {
  vector: number[];
  text: string;
  userId: string;
}

async function bulkLoad(db: Kysely<Tables>, embeddings: Embeddings, n: number) {
  const r = random(42);
  const topics = Array.from({ length: CENTRES }, (_, t) => topicWords(t));
  const yearAgo = Date.now() - 365 * 86_400_000;
  for (let start = 0; start < n; start += BATCH) {
    const rows = [];
    for (let i = start; i < Math.min(n, start + BATCH); i++) {
      const topic = Math.floor(r.next() * CENTRES);
      const createdAt = new Date(yearAgo + (i / n) * 365 * 86_400_000);
      rows.push(
        sql`(${`m-${i}`}, ${pickUser(r)}, ${fill(r.pick(TEMPLATES), topics[topic]!, r)}, ${r.next() < 0.5 ? 'MANUAL' : 'EXTRACTED'}, ${0.3 + r.next() * 0.7}, ${createdAt}, ${createdAt}, ${literal(embeddings.vector(topic, r))}::vector, ${createdAt})`,
      );
    }
    await sql`insert into memories (id, user_id, content, source, importance, created_at, updated_at, embedding, embedded_at) values ${sql.join(rows)}`.execute(db);
    if ((start / BATCH) % 20 === 19) log(`  loaded ${start + BATCH}`);
  }
}

function makeQueries(embeddings: Embeddings, count: number): Query[] {
  const r = random(7);
  return Array.from({ length: count }, () => {
    const topic = Math.floor(r.next() * CENTRES);
    return { vector: embeddings.vector(topic, r), text: fill(r.pick(QUESTIONS), topicWords(topic), r), userId: USERS[Math.floor(r.next() * USERS.length)]!.id };
  });
}

const scopeOf = (query: Query, filtered: boolean) => ({ scope: filtered ? { all: false as const, userId: query.userId } : { all: true as const } });


/** The statements a MemoryStore method runs, compiled with their parameters. */
async function statementsOf(db: Kysely<Tables>, run: (store: MemoryStore) => Promise<unknown>): Promise<CompiledQuery[]> {
  const capture = new StatementCapture(db);
  await run(memoryStore(db.withPlugin(capture)));
  return capture.statements;
}

/** The select statement a MemoryStore method runs, as it runs it (found by `marker`, e.g. "<=>"). */
async function statementOf(db: Kysely<Tables>, marker: string, run: (store: MemoryStore) => Promise<unknown>): Promise<CompiledQuery> {
  const statement = (await statementsOf(db, run)).find((s) => s.sql.startsWith('select') && s.sql.includes(marker));
  if (!statement) throw new Error(`MemoryStore ran no select with ${marker}`);
  return statement;
}

/**
 * Exact search: MemoryStore's own statements with index scans off for the session (PGlite has one),
 * so the planner can only scan every row and sort by distance. Checked with EXPLAIN.
 */
async function withIndexScansOff<T>(db: Kysely<Tables>, run: () => Promise<T>): Promise<T> {
  await sql`set enable_indexscan = off`.execute(db);
  await sql`set enable_bitmapscan = off`.execute(db);
  try {
    return await run();
  } finally {
    await sql`reset enable_indexscan`.execute(db);
    await sql`reset enable_bitmapscan`.execute(db);
  }
}

/** EXPLAIN of a captured statement with the settings MemoryStore.searchVector sets (or with index scans off). */
async function explain(db: Kysely<Tables>, statement: CompiledQuery, options: { efSearch: number; exact?: boolean; analyze?: boolean }): Promise<string[]> {
  const run = () =>
    db.transaction().execute(async (tx) => {
      await sql`select set_config('hnsw.iterative_scan', 'strict_order', true), set_config('hnsw.ef_search', ${String(options.efSearch)}, true)`.execute(tx);
      const result = await tx.executeQuery<{ 'QUERY PLAN': string }>(CompiledQuery.raw(`explain ${options.analyze ? '(analyze, buffers) ' : ''}${statement.sql}`, [...statement.parameters]));
      // The vector literal, 256+ numbers, says nothing.
      return result.rows.map((row) => row['QUERY PLAN'].replace(/'\[[^\]]*\]'/g, "'[…]'"));
    });
  return options.exact ? withIndexScansOff(db, run) : run();
}

/** pgvector's relaxed_order with the re-sort its README gives: a materialised CTE ordered again by distance. */
async function relaxedSearch(db: Kysely<Tables>, query: Query, filtered: boolean, efSearch: number): Promise<string[]> {
  return db.transaction().execute(async (tx) => {
    await sql`select set_config('hnsw.iterative_scan', 'relaxed_order', true), set_config('hnsw.ef_search', ${String(efSearch)}, true)`.execute(tx);
    const literal = `[${query.vector.join(',')}]`;
    const owner = filtered ? sql`and user_id = ${query.userId}` : sql``;
    const result = await sql<{ id: string }>`with nearest as materialized (
        select id, embedding <=> ${literal}::vector as distance from memories
        where valid_until is null and embedding is not null ${owner}
        order by embedding <=> ${literal}::vector limit ${K})
      select id from nearest order by distance + 0`.execute(tx);
    return result.rows.map((row) => row.id);
  });
}

const recall = (approximate: string[][], exact: string[][]) =>
  approximate.reduce((sum, ids, i) => sum + ids.filter((id) => exact[i]!.includes(id)).length / Math.max(1, Math.min(K, exact[i]!.length)), 0) / approximate.length;

/** Runs the first WARMUP queries unmeasured, then times the others one at a time. */
async function timeEach<T>(queries: Query[], run: (query: Query) => Promise<T>): Promise<{ ms: number[]; results: T[] }> {
  for (const query of queries.slice(0, WARMUP)) await run(query);
  const times: number[] = [];
  const results: T[] = [];
  for (const query of queries.slice(WARMUP)) {
    const started = performance.now();
    results.push(await run(query));
    times.push(ms(started));
  }
  return { ms: times, results };
}

/** The messages' index choices (issue 20) on these rows: each index built in turn, searched by hand with the messages' settings (strict_order iterative scan). */
async function measureQuantized(db: Kysely<Tables>, embeddings: Embeddings, n: number) {
  const d = embeddings.dimensions;
  const queries = makeQueries(embeddings, QUERIES + WARMUP);
  await sql`analyze memories`.execute(db);
  const bits = sql.raw(`binary_quantize(embedding)::bit(${d})`);
  const owner = (q: Query, filtered: boolean) => (filtered ? sql`and user_id = ${q.userId}` : sql``);
  const vectorOf = (q: Query) => `[${q.vector.join(',')}]`;
  const floatSearch = (q: Query, filtered: boolean) =>
    sql<{ id: string }>`select id from memories where valid_until is null and embedding is not null ${owner(q, filtered)}
      order by embedding <=> ${vectorOf(q)}::vector limit ${K}`;
  // pgvector's README: candidates by Hamming distance of the quantized vectors, re-ranked by the exact distance.
  const quantizedSearch = (q: Query, filtered: boolean, candidates: number) =>
    sql<{ id: string }>`select id from (
        select id, embedding <=> ${vectorOf(q)}::vector as distance from memories
        where valid_until is null and embedding is not null ${owner(q, filtered)}
        order by ${bits} <~> binary_quantize(${vectorOf(q)}::vector) limit ${candidates}
      ) as candidates order by distance limit ${K}`;
  const inTransaction = <T>(efSearch: number, run: (tx: Kysely<Tables>) => Promise<T>) =>
    db.transaction().execute(async (tx) => {
      await sql`select set_config('hnsw.iterative_scan', 'strict_order', true), set_config('hnsw.ef_search', ${String(efSearch)}, true)`.execute(tx);
      return run(tx);
    });
  const ids = (rows: Array<{ id: string }>) => rows.map((row) => row.id);
  const exactAll = await withIndexScansOff(db, () => timeEach(queries, async (q) => ids((await floatSearch(q, false).execute(db)).rows)));
  const exactUser = await withIndexScansOff(db, () => timeEach(queries, async (q) => ids((await floatSearch(q, true).execute(db)).rows)));
  log(`  exact: ${JSON.stringify({ all: stats(exactAll.ms), user: stats(exactUser.ms) })}`);
  const results = [];
  for (const name of BQ_INDEXES) {
    await sql`drop index if exists bench_embedding`.execute(db);
    const options = name.endsWith('m8ef32') ? sql.raw('with (m = 8, ef_construction = 32)') : sql``;
    const quantized = name.startsWith('bq');
    if (BUILD_MEMORY) await sql`select set_config('maintenance_work_mem', ${BUILD_MEMORY}, false)`.execute(db);
    let started = performance.now();
    await (quantized
      ? sql`create index bench_embedding on memories using hnsw ((${bits}) bit_hamming_ops) ${options}`
      : sql`create index bench_embedding on memories using hnsw (embedding vector_cosine_ops) ${options}`
    ).execute(db);
    const buildMs = ms(started);
    if (BUILD_MEMORY) await sql`reset maintenance_work_mem`.execute(db);
    const indexSize = (await sql<{ size: string }>`select pg_size_pretty(pg_relation_size('bench_embedding')) as size`.execute(db)).rows[0]!.size;
    log(`  ${name}: built in ${Math.round(buildMs)} ms (${indexSize})`);
    const knobs = quantized ? BQ_CANDIDATES.map((candidates) => ({ candidates, efSearch: Math.max(candidates, 40) })) : FLOAT_EF_SEARCH.map((efSearch) => ({ candidates: K, efSearch }));
    for (const { candidates, efSearch } of knobs) {
      const search = (q: Query, filtered: boolean) => (quantized ? quantizedSearch(q, filtered, candidates) : floatSearch(q, filtered));
      const measured: Record<string, unknown> = {};
      for (const [label, filtered, exact] of [['all', false, exactAll], ['user', true, exactUser]] as const) {
        const run = await timeEach(queries, (q) => inTransaction(efSearch, async (tx) => ids((await search(q, filtered).execute(tx)).rows)));
        // Pages a search touches (EXPLAIN ANALYZE's buffers, mean of 20 queries), and whether it used the index.
        let pages = 0;
        let usesIndex = true;
        for (const q of queries.slice(WARMUP, WARMUP + 20)) {
          const compiled = search(q, filtered).compile(db);
          const plan = await inTransaction(efSearch, async (tx) =>
            (await tx.executeQuery<{ 'QUERY PLAN': string }>(CompiledQuery.raw(`explain (analyze, buffers) ${compiled.sql}`, [...compiled.parameters]))).rows.map((row) => row['QUERY PLAN']),
          );
          const buffers = plan.find((line) => line.includes('Buffers:')) ?? '';
          pages += (Number(/hit=(\d+)/.exec(buffers)?.[1] ?? 0) + Number(/read=(\d+)/.exec(buffers)?.[1] ?? 0)) / 20;
          usesIndex &&= plan.some((line) => line.includes('bench_embedding'));
        }
        measured[label] = { ...stats(run.ms), recall: recall(run.results, exact.results), returned: run.results.reduce((sum, rows) => sum + rows.length, 0) / QUERIES, pages, usesIndex };
      }
      results.push({ index: name, buildMs, indexSize, candidates: quantized ? candidates : null, efSearch, ...measured });
      log(`  ${JSON.stringify(results.at(-1))}`);
    }
  }
  await sql`drop index if exists bench_embedding`.execute(db);
  return { size: n, dimensions: d, queries: QUERIES, exact: { all: stats(exactAll.ms), user: stats(exactUser.ms) }, quantized: results };
}

const planSays = (plan: string[]) => ({ hnsw: plan.some((line) => line.includes('memories_embedding_hnsw')), seqScan: plan.some((line) => line.includes('Seq Scan')) });

async function measureSize(n: number, embeddings: Embeddings) {
  const dataDir = await mkdtemp(join(tmpdir(), 'muxgate-memory-bench-'));
  const database = await openDatabase({ dataDir, onLockLost: (error) => log('data folder lock lost', error) });
  const { db } = database;
  try {
    const support = await ensureVectorColumns(db, embeddings.dimensions);
    if (support.state !== 'AVAILABLE') throw new Error(`no vector search: ${support.reason}`);
    const settings = await sql<{ name: string; setting: string; unit: string | null }>`select name, setting, unit from pg_settings where name in ('maintenance_work_mem', 'shared_buffers', 'work_mem')`.execute(db);
    const indexDefinition = (await sql<{ indexdef: string }>`select indexdef from pg_indexes where indexname = 'memories_embedding_hnsw'`.execute(db)).rows[0]?.indexdef;

    // Bulk load without the HNSW index (inserting into it row by row is far slower than building it once).
    await sql`drop index memories_embedding_hnsw`.execute(db);
    log(`${n} memories, ${embeddings.dimensions} dimensions: loading`);
    let started = performance.now();
    await bulkLoad(db, embeddings, n);
    const loadMs = ms(started);
    if (VARIANTS.has('bq')) return { loadMs, ...(await measureQuantized(db, embeddings, n)) };
    log(`  loaded in ${Math.round(loadMs)} ms; building the HNSW index`);
    // ensureVectorColumns again: its `create index if not exists` builds the index as the gateway defines it,
    // with more maintenance_work_mem than PGlite's 64 MB (MEMORY_BENCH_BUILD_MEMORY, empty: the default):
    // a graph larger than that is built on disk, about 4× slower (see bench/README.md).
    if (BUILD_MEMORY) await sql`select set_config('maintenance_work_mem', ${BUILD_MEMORY}, false)`.execute(db);
    const buildMemory = (await sql<{ value: string }>`select current_setting('maintenance_work_mem') as value`.execute(db)).rows[0]!.value;
    started = performance.now();
    await ensureVectorColumns(db, embeddings.dimensions);
    const buildMs = ms(started);
    if (BUILD_MEMORY) await sql`reset maintenance_work_mem`.execute(db);
    const sizes = (
      await sql<{ index: string; table: string }>`select pg_size_pretty(pg_relation_size('memories_embedding_hnsw')) as index, pg_size_pretty(pg_total_relation_size('memories')) as table`.execute(db)
    ).rows[0]!;
    log(`  index built in ${Math.round(buildMs)} ms, maintenance_work_mem ${buildMemory} (${sizes.index}; table and indexes ${sizes.table})`);

    const queries = makeQueries(embeddings, QUERIES + WARMUP);
    // The floor under any search: one statement's round trip to PGlite's thread (`select 1`).
    const overhead = stats((await timeEach(queries, () => sql`select 1`.execute(db))).ms);
    log(`  select 1: ${JSON.stringify(overhead)}`);

    // The data's shape, for the reader: cosine distance to the nearest, the 10th nearest and the average
    // row. Index scans off: the planner would answer min() and the top 10 from the HNSW index, approximately.
    const shape = { nearest: 0, tenth: 0, average: 0 };
    await withIndexScansOff(db, async () => {
      for (const query of queries.slice(0, 20)) {
        const vector = `[${query.vector.join(',')}]`;
        const row = (
          await sql<{ nearest: number; tenth: number; average: number }>`select
            (select min(embedding <=> ${vector}::vector) from memories) as nearest,
            (select d from (select embedding <=> ${vector}::vector as d from memories order by d limit 10) n order by d desc limit 1) as tenth,
            (select avg(embedding <=> ${vector}::vector) from memories) as average`.execute(db)
        ).rows[0]!;
        for (const key of ['nearest', 'tenth', 'average'] as const) shape[key] += Number(row[key]) / 20;
      }
    });
    log(`  cosine distance from a query to its nearest, 10th nearest, average row: ${JSON.stringify(shape)}`);
    // How many of the user's rows each full-text query matches (any of its words): what ts_rank_cd ranks.
    const matches: number[] = [];
    for (const query of queries.slice(WARMUP)) {
      const row = (await sql<{ n: string }>`select count(*) as n from memories where tsv @@ ${anyWordQuery(query.text)} and user_id = ${query.userId}`.execute(db)).rows[0]!;
      matches.push(Number(row.n));
    }
    log(`  full-text matches per query in the user's rows: ${JSON.stringify(stats(matches))}`);

    // MemoryStore's statements for the first query, compiled with their parameters: for EXPLAIN.
    const statements = {
      all: await statementOf(db, '<=>', (store) => store.searchVector(queries[0]!.vector, scopeOf(queries[0]!, false), K)),
      user: await statementOf(db, '<=>', (store) => store.searchVector(queries[0]!.vector, scopeOf(queries[0]!, true), K)),
    };
    // And for 20 queries, to count the pages a search touches (EXPLAIN ANALYZE's buffers): a figure
    // this machine's noise does not move, for comparing index settings.
    const sampled = queries.slice(WARMUP, WARMUP + 20);
    const sampledStatements = { all: [] as CompiledQuery[], user: [] as CompiledQuery[] };
    for (const q of sampled) {
      sampledStatements.all.push(await statementOf(db, '<=>', (store) => store.searchVector(q.vector, scopeOf(q, false), K)));
      sampledStatements.user.push(await statementOf(db, '<=>', (store) => store.searchVector(q.vector, scopeOf(q, true), K)));
    }
    // MemoryStore's default ef_search, as it sets it.
    // What the session runs with (PGlite starts with pgvector's search settings), and what a search's statements are.
    const session = (await sql<{ ef: string; scan: string }>`select current_setting('hnsw.ef_search') as ef, current_setting('hnsw.iterative_scan') as scan`.execute(db)).rows[0]!;
    const defaultEfSearch = Number(session.ef);
    const perSearch = (await statementsOf(db, (store) => store.searchVector(queries[0]!.vector, scopeOf(queries[0]!, true), K))).map((s) => s.sql.split(' ')[0]);
    log(`  session: hnsw.ef_search ${session.ef}, hnsw.iterative_scan ${session.scan}; a search runs ${perSearch.length} statement(s): ${perSearch.join(', ')}`);
    const fullTextStatement = await statementOf(db, 'ts_rank_cd', (store) => store.searchFullText(queries[0]!.text, scopeOf(queries[0]!, true), K));
    const autovacuum = (await sql<{ setting: string }>`select setting from pg_settings where name = 'autovacuum'`.execute(db)).rows[0]?.setting;
    const exact = { all: [] as string[][], user: [] as string[][], allMs: [] as number[], userMs: [] as number[], plans: {} as Record<string, string[]> };
    const phases = [];
    // PGlite runs no autovacuum, so no ANALYZE ever runs in the gateway's database: the planner has no
    // column statistics. Measured as the gateway leaves it, then after ANALYZE (what a server's autovacuum does).
    for (const statistics of STATISTICS) {
      if (statistics === 'analyze') await sql`analyze memories`.execute(db);
      const plans: Record<string, string[]> = {};
      const vector = [];
      for (const ef of EF_SEARCH) {
        const store = memoryStore(db, ef);
        const efSearch = ef ?? defaultEfSearch;
        const all = await timeEach(queries, (q) => store.searchVector(q.vector, scopeOf(q, false), K));
        const user = await timeEach(queries, (q) => store.searchVector(q.vector, scopeOf(q, true), K));
        if (exact.all.length === 0) {
          // The exact answers, once: the same MemoryStore calls with index scans off.
          const exactAll = await withIndexScansOff(db, () => timeEach(queries, (q) => store.searchVector(q.vector, scopeOf(q, false), K)));
          const exactUser = await withIndexScansOff(db, () => timeEach(queries, (q) => store.searchVector(q.vector, scopeOf(q, true), K)));
          const ids = (results: Array<Array<{ id: string }>>) => results.map((rows) => rows.map((row) => row.id));
          Object.assign(exact, { all: ids(exactAll.results), user: ids(exactUser.results), allMs: exactAll.ms, userMs: exactUser.ms });
          for (const [label, statement] of Object.entries(statements)) exact.plans[label] = await explain(db, statement, { efSearch, exact: true });
          log(`  exact: ${JSON.stringify({ all: stats(exact.allMs), user: stats(exact.userMs) })}`);
        }
        for (const [label, statement] of Object.entries(statements)) plans[`vector, ${label}, ef_search ${efSearch}`] = await explain(db, statement, { efSearch });
        const pages = { all: 0, user: 0, allRead: 0, userRead: 0 };
        for (const label of ['all', 'user'] as const) {
          for (const statement of sampledStatements[label]) {
            // The top node's buffers count everything below it.
            const buffers = (await explain(db, statement, { efSearch, analyze: true })).find((line) => line.includes('Buffers:')) ?? '';
            const hit = Number(/hit=(\d+)/.exec(buffers)?.[1] ?? 0);
            const read = Number(/read=(\d+)/.exec(buffers)?.[1] ?? 0);
            pages[label] += (hit + read) / sampled.length;
            pages[`${label}Read`] += read / sampled.length;
          }
        }
        const ids = (results: Array<Array<{ id: string }>>) => results.map((rows) => rows.map((row) => row.id));
        vector.push({
          efSearch,
          /** MemoryStore constructed as the gateway constructs it (no ef_search argument). */
          default: ef === undefined,
          iterativeScan: 'strict_order',
          all: { ...stats(all.ms), recall: recall(ids(all.results), exact.all), hnsw: planSays(plans[`vector, all, ef_search ${efSearch}`]!).hnsw },
          user: {
            ...stats(user.ms),
            recall: recall(ids(user.results), exact.user),
            hnsw: planSays(plans[`vector, user, ef_search ${efSearch}`]!).hnsw,
            returned: ids(user.results).reduce((sum, rows) => sum + rows.length, 0) / QUERIES,
          },
          /** Pages (8 kB) a search touches, and of those read from outside shared_buffers: mean of 20 queries. */
          pages,
        });
        log(`  statistics ${statistics}: ${JSON.stringify(vector.at(-1))}`);
        if (VARIANTS.has('relaxed')) {
          const relaxedAll = await timeEach(queries, (q) => relaxedSearch(db, q, false, efSearch));
          const relaxedUser = await timeEach(queries, (q) => relaxedSearch(db, q, true, efSearch));
          vector.push({
            efSearch,
            iterativeScan: 'relaxed_order, re-sorted (by hand, not MemoryStore)',
            all: { ...stats(relaxedAll.ms), recall: recall(relaxedAll.results, exact.all) },
            user: { ...stats(relaxedUser.ms), recall: recall(relaxedUser.results, exact.user) },
          });
          log(`  statistics ${statistics}: ${JSON.stringify(vector.at(-1))}`);
        }
      }
      const store = memoryStore(db);
      const fullTextUser = await timeEach(queries, (q) => store.searchFullText(q.text, scopeOf(q, true), K));
      const fullTextAll = await timeEach(queries, (q) => store.searchFullText(q.text, scopeOf(q, false), K));
      plans['full text, user'] = (await db.executeQuery<{ 'QUERY PLAN': string }>(CompiledQuery.raw(`explain ${fullTextStatement.sql}`, [...fullTextStatement.parameters]))).rows.map(
        (row) => row['QUERY PLAN'],
      );
      const fullText = { user: stats(fullTextUser.ms), all: stats(fullTextAll.ms), returned: fullTextUser.results.reduce((sum, rows) => sum + rows.length, 0) / QUERIES };
      log(`  statistics ${statistics}: full text ${JSON.stringify(fullText)}`);
      for (const [name, plan] of Object.entries(plans)) log(`  EXPLAIN ${name}, statistics ${statistics}:\n    ${plan.join('\n    ')}`);
      phases.push({ statistics, vector, fullText, plans: Object.fromEntries(Object.entries(plans).map(([name, plan]) => [name, planSays(plan)])) });
    }
    for (const [name, plan] of Object.entries(exact.plans)) log(`  EXPLAIN exact, ${name}:\n    ${plan.join('\n    ')}`);
    const exactOk = Object.values(exact.plans).every((plan) => planSays(plan).seqScan && !planSays(plan).hnsw);
    if (!exactOk) log('  WARNING: an exact plan is not a sequential scan: its recall figures are wrong');

    const store = memoryStore(db);
    // Adding: MemoryStore.insert one at a time (text and full text; the embedding comes later), then
    // each row's vector stored one at a time (setEmbeddings: the HNSW insert).
    const r = random(99);
    const topics = Array.from({ length: CENTRES }, (_, t) => topicWords(t));
    const added: Array<{ id: string; content: string; topic: number }> = [];
    started = performance.now();
    for (let i = 0; i < ADDS; i++) {
      const topic = Math.floor(r.next() * CENTRES);
      const memory = await store.insert({ userId: pickUser(r), agentId: null, content: fill(r.pick(TEMPLATES), topics[topic]!, r), metadata: {}, importance: 0.5, source: 'MANUAL' });
      added.push({ id: memory.id, content: memory.content, topic });
    }
    const insertPerSecond = ADDS / (ms(started) / 1000);
    started = performance.now();
    for (const row of added) await store.setEmbeddings([{ id: row.id, content: row.content, vector: embeddings.vector(row.topic, r) }]);
    const embedPerSecond = ADDS / (ms(started) / 1000);
    log(`  adds: insert ${Math.round(insertPerSecond)}/s, embedding stored ${Math.round(embedPerSecond)}/s`);

    return {
      size: n,
      dimensions: embeddings.dimensions,
      queries: QUERIES,
      users: USERS,
      settings: Object.fromEntries(settings.rows.map((row) => [row.name, `${row.setting}${row.unit ?? ''}`])),
      indexDefinition,
      loadMs,
      loadPerSecond: n / (loadMs / 1000),
      buildMs,
      buildMemory,
      indexSize: sizes.index,
      tableSize: sizes.table,
      selectOne: overhead,
      autovacuum,
      shape,
      fullTextMatches: stats(matches),
      exact: { all: stats(exact.allMs), user: stats(exact.userMs), sequentialScan: exactOk },
      phases,
      adds: ADDS,
      insertPerSecond,
      embedPerSecond,
    };
  } finally {
    await database.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function measureMemorySearch() {
  const embeddings = new Embeddings(DIMENSIONS);
  const rows = [];
  for (const n of SIZES) {
    const started = performance.now();
    rows.push({ ...(await measureSize(n, embeddings)), totalMs: ms(started) });
    log(`${n}: ${Math.round(ms(started) / 1000)} s in all`);
  }
  return { machine: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}`, node: process.version, database: 'pglite', rows };
}

const result = await measureMemorySearch();
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
