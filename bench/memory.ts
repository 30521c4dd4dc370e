// Memory and start-up of a fresh process, read from /proc: RSS after it has idled, RSS after a full
// collection (bench/gateway-probe.ts), and VmHWM, the peak RSS, which the start itself sets.
import type { BenchDatabases, DatabaseKind } from './databases.js';
import { memoryMB } from './proc.js';
import { memoryAfterGc, type Server, sleep, startBareStack, startGateway, stop } from './processes.js';
import { median } from './stats.js';

const ROUNDS = 3;
const IDLE_MS = 2000;

/** One start: how long it took, then its memory once it has idled. */
async function sample(server: Server) {
  try {
    await sleep(IDLE_MS);
    const pid = server.child.pid!;
    const rssMB = memoryMB(pid, 'VmRSS');
    const peakMB = memoryMB(pid, 'VmHWM');
    const { heapUsed } = await memoryAfterGc(server.child);
    return { startupMs: server.startupMs, rssMB, peakMB, rssAfterGcMB: memoryMB(pid, 'VmRSS'), heapAfterGcMB: heapUsed / 1e6 };
  } finally {
    await stop(server.child);
  }
}

function medians(samples: Array<Awaited<ReturnType<typeof sample>>>) {
  const of = (field: keyof (typeof samples)[number]) => median(samples.map((s) => s[field]));
  const range = (field: keyof (typeof samples)[number]) => [Math.min(...samples.map((s) => s[field])), Math.max(...samples.map((s) => s[field]))];
  return {
    rounds: samples.length,
    startupMs: of('startupMs'),
    rssMB: of('rssMB'),
    rssRange: range('rssMB'),
    peakMB: of('peakMB'),
    peakRange: range('peakMB'),
    rssAfterGcMB: of('rssAfterGcMB'),
    heapAfterGcMB: of('heapAfterGcMB'),
    each: samples,
  };
}

/** The gateway's first start on an empty database (it creates the tables), then a restart on it. */
export async function measureGatewayMemory(databases: BenchDatabases, kind: DatabaseKind, upstreamUrl: string) {
  const first = [];
  const restart = [];
  for (let round = 0; round < ROUNDS; round++) {
    const database = await databases.fresh(kind);
    first.push(await sample(await startGateway(database, upstreamUrl)));
    restart.push(await sample(await startGateway(database, upstreamUrl)));
  }
  return { first: medians(first), restart: medians(restart) };
}

export async function measureBareMemory() {
  const samples = [];
  for (let round = 0; round < ROUNDS; round++) samples.push(await sample(await startBareStack(['bench'])));
  return medians(samples);
}
