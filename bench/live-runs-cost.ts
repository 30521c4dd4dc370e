// What the console's live runs and metrics history cost, in isolation (one process, no I/O):
// a run's tokens through Run.emit (which now counts them), a run started and ended with LiveRuns
// watching the registry against one without, the once-a-second progress pass over many runs in
// flight, and one metrics history sample. Repeated; medians printed.
//   npx tsx bench/live-runs-cost.ts
import { randomUUID } from 'node:crypto';
import { ANONYMOUS } from '../src/core/auth/principal.js';
import { MetricHistory } from '../src/core/metrics/metric-history.js';
import { PrometheusMetrics } from '../src/core/metrics/prometheus-metrics.js';
import { LiveRuns } from '../src/core/runs/live-runs.js';
import { Run } from '../src/core/runs/run.js';
import { RunRegistry } from '../src/core/runs/run-registry.js';
import { median } from './stats.js';

const ROUNDS = 7;

/** CPU µs per iteration of `work` (run `iterations` times a round), the median of ROUNDS. */
function cpuPer(iterations: number, work: (i: number) => void): number {
  for (let i = 0; i < iterations / 10; i++) work(i);
  const rounds: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const before = process.cpuUsage();
    for (let i = 0; i < iterations; i++) work(i);
    const used = process.cpuUsage(before);
    rounds.push((used.user + used.system) / iterations);
  }
  return median(rounds);
}

const newRun = () => new Run({ id: randomUUID(), conversationId: 'c', agentId: 'a', owner: { userId: 'u' }, orphanGraceMs: 1_000 });

// Per token: Run.emit of a TokenDelta (log append, no reader), the count included.
const tokenRun = newRun();
let index = 0;
const perToken = cpuPer(200_000, () => tokenRun.emit({ type: 'TokenDelta', text: ' word', index: index++ }));

// Per run: added to the registry, started, ended; with LiveRuns (no subscriber, no Redis) and without.
const startAndEnd = (registry: RunRegistry) => () => {
  const run = newRun();
  run.emit({ type: 'RunStarted', conversationId: 'c', agentId: 'a' });
  registry.add(run);
  run.emit({ type: 'RunFailed', code: 'CANCELLED', message: 'x', retryable: false, partialMessageId: null });
};
const bare = new RunRegistry(60_000);
const watched = new RunRegistry(60_000);
const live = new LiveRuns({ registry: watched, waitingRuns: async () => [], replicaId: 'bench' });
const perRunBare = cpuPer(20_000, startAndEnd(bare));
const perRunWatched = cpuPer(20_000, startAndEnd(watched));

// Per second: the progress pass over 1,000 runs in flight, each with new tokens, one subscriber.
const busy = new RunRegistry(60_000);
const busyLive = new LiveRuns({ registry: busy, waitingRuns: async () => [], replicaId: 'bench' });
const subscriber = busyLive.changes({ kind: 'ADMIN', keyId: 'bench' } as never);
const inFlight = Array.from({ length: 1_000 }, () => {
  const run = newRun();
  run.emit({ type: 'RunStarted', conversationId: 'c', agentId: 'a' });
  busy.add(run);
  return run;
});
let tokens = 0;
const perPass = cpuPer(200, () => {
  tokens++;
  for (const run of inFlight) run.emit({ type: 'TokenDelta', text: 'x', index: tokens });
  (busyLive as unknown as { tellProgress(): void }).tellProgress();
  // Drain what the subscriber was told, as a reader would.
  for (let i = 0; i < 1_000; i++) void subscriber.next();
});
const perEmitOnly = cpuPer(200, () => {
  tokens++;
  for (const run of inFlight) run.emit({ type: 'TokenDelta', text: 'x', index: tokens });
});

// Per sample (every METRICS_SAMPLE_MS): the registry read and the point.
const metrics = new PrometheusMetrics();
const history = new MetricHistory(() => metrics.snapshot());
const sampleRounds: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const before = process.cpuUsage();
  for (let i = 0; i < 1_000; i++) await (history as unknown as { sample(): Promise<void> }).sample();
  const used = process.cpuUsage(before);
  sampleRounds.push((used.user + used.system) / 1_000);
}

void ANONYMOUS;
console.log(
  JSON.stringify(
    {
      'Run.emit per token (µs)': Number(perToken.toFixed(3)),
      'run start + end, bare registry (µs)': Number(perRunBare.toFixed(2)),
      'run start + end, with LiveRuns (µs)': Number(perRunWatched.toFixed(2)),
      'progress pass, 1,000 runs, one subscriber (µs, minus the tokens)': Number((perPass - perEmitOnly).toFixed(1)),
      'metrics history sample (µs)': Number(median(sampleRounds).toFixed(1)),
    },
    null,
    2,
  ),
);
void live;
process.exit(0);
