// The CPU one chat's metrics take, in isolation (one process, no I/O): the PrometheusMetrics calls a
// chat makes, and Kysely's query log around a driver that does nothing. Repeated; medians printed.
//   npx tsx bench/metrics-recording.ts
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, type LogEvent } from 'kysely';
import { PrometheusMetrics } from '../src/core/metrics/prometheus-metrics.js';
import { median } from './stats.js';

const ITERATIONS = 50_000;
const ROUNDS = 7;

/** CPU µs per iteration of `work`, the median of ROUNDS. */
async function cpuPerIteration(work: () => unknown | Promise<unknown>): Promise<number> {
  for (let i = 0; i < ITERATIONS / 10; i++) await work();
  const rounds: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const before = process.cpuUsage();
    for (let i = 0; i < ITERATIONS; i++) await work();
    const used = process.cpuUsage(before);
    rounds.push((used.user + used.system) / ITERATIONS);
  }
  return median(rounds);
}

// What the metrics record for one chat on a new conversation, as counted on a gateway: two statements
// (the turn inserted, the answer finished), two agent-cache lookups, the run, its tokens; and a subscription (chatStream).
const SQL = [
  'with "c" as (insert into "conversations" ("id") values ($1) returning *) insert into "messages" select * from "c"',
  'update "messages" set "content" = $1 where "id" = $2',
];
const metrics = new PrometheusMetrics();
const agents = metrics.cache('agents');
const oneChat = () => {
  const closed = metrics.subscriptionOpened('websocket');
  const meter = metrics.runStarted(performance.now());
  agents.hit();
  agents.hit();
  meter.firstToken();
  for (const sql of SQL) metrics.databaseQuery(sql, 0.4);
  metrics.tokens(10, 20);
  meter.ended('completed');
  closed();
};

const dialect = (log?: (event: LogEvent) => void) =>
  new Kysely<{ agents: { id: string } }>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => new PostgresIntrospector(db),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
    ...(log ? { log } : {}),
  });
const plain = dialect();
const logged = dialect((event) => metrics.databaseQuery(event.query.sql, event.queryDurationMillis));
const query = (db: typeof plain) => () => db.selectFrom('agents').selectAll().where('id', '=', 'x').execute();

const recording = await cpuPerIteration(oneChat);
const withoutLog = await cpuPerIteration(query(plain));
const withLog = await cpuPerIteration(query(logged));
console.log(`metrics recorded for one chat: ${recording.toFixed(2)} µs CPU`);
console.log(`one query through Kysely: ${withoutLog.toFixed(2)} µs without the log, ${withLog.toFixed(2)} µs with it (+${(withLog - withoutLog).toFixed(2)} µs, the statement's metric included)`);
