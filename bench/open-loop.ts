// Open-loop chat load: chats started at a fixed rate whatever the answers' pace, rising in steps; for
// each rate the gateway's p99 minus the SDK's own p99 at the same rate on the same upstream.
import { client } from './processes.js';
import { median } from './stats.js';

const RATES = [25, 50, 100, 200, 400];
const ROUNDS = 3;
const STEP_SECONDS = 3;
/** Past this, the gateway is saturated: higher rates only queue more, so a round stops there. */
const SATURATED_MS = 1000;
export const OPEN_LOOP_LIMIT_MS = 50;

export async function measureOpenLoop(common: { graphqlUrl: string; key: string; upstreamUrl: string }, cpuPid: number) {
  const steps = RATES.map((rate) => ({ rate, count: Math.max(150, rate * STEP_SECONDS), added: [] as number[], cpu: [] as number[], errors: 0 }));
  for (let round = 0; round < ROUNDS; round++) {
    for (const step of steps) {
      const load = { ...common, tokens: 20, rps: step.rate, count: step.count, warmup: 20 };
      const direct = await client('chat', { ...load, via: 'direct' });
      const viaGateway = await client('chat', { ...load, via: 'gateway', cpuPid });
      step.added.push(viaGateway.p99 - direct.p99);
      step.cpu.push(viaGateway.cpuMsPerCall);
      step.errors += viaGateway.errors + direct.errors;
      if (viaGateway.p99 - direct.p99 > SATURATED_MS || viaGateway.errors) break;
    }
  }
  const results = steps.map((step) => ({
    rate: step.rate,
    chats: step.count,
    rounds: step.added.length,
    // A round that stopped below this rate was saturated already: it counts as over the limit here.
    addedP99: median([...step.added, ...Array<number>(ROUNDS - step.added.length).fill(Number.POSITIVE_INFINITY)]),
    addedP99Range: step.added.length ? [Math.min(...step.added), Math.max(...step.added)] : [],
    cpuMsPerChat: step.cpu.length ? median(step.cpu) : undefined,
    errors: step.errors,
  }));
  const within = results.findIndex((step) => !(step.addedP99 < OPEN_LOOP_LIMIT_MS && step.errors === 0));
  const highestRate = within === 0 ? 0 : (results[within === -1 ? results.length - 1 : within - 1]!.rate);
  return { rounds: ROUNDS, stepSeconds: STEP_SECONDS, limitMs: OPEN_LOOP_LIMIT_MS, highestRate, steps: results };
}
