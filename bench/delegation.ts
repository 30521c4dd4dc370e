// The `delegation` part (issue 23): what one delegation hop costs beyond the child's own model call.
// Agents "lead" (delegates: ["helper"]) and "helper". Alternated, BENCH_DELEGATIONS (200) times each:
//   delegated:  lead calls ask_helper (a child run: its conversation and turn stored, its events forwarded), then answers;
//   tool round: lead calls a tool that does not exist (an instant tool error), then answers: the same two lead steps, no child.
// Added p50 = p50(delegated) - p50(tool round) - p50(one model call of the child's shape, made directly to the upstream).
// CPU: the gateway process's CPU (all threads, /proc) per chat over each batch; the difference is the hop's
// whole gateway-side cost, the child's stream parsing included. PostgreSQL with BENCH_DATABASE_URL, else PGlite.
import { loadavg } from 'node:os';
import type { BenchDatabases } from './databases.js';
import { cpuMs } from './proc.js';
import { ADMIN_KEY, graphql, startGateway, stop, USER_KEY } from './processes.js';
import { percentile } from './stats.js';

const ROUNDS = Number(process.env.BENCH_DELEGATIONS) || 200;
const CHAT = `mutation($input: ChatInput!) { chat(input: $input) { runId status } }`;

export async function measureDelegation(databases: BenchDatabases, upstreamUrl: string) {
  const kind = databases.postgresUrl ? 'postgres' : 'pglite';
  const gateway = await startGateway(await databases.fresh(kind), upstreamUrl);
  const pid = gateway.child.pid!;
  const url = gateway.graphqlUrl;
  try {
    await graphql(url, ADMIN_KEY, 'mutation { createAgent(input: { id: "helper" }) { id } }');
    await graphql(url, ADMIN_KEY, 'mutation { createAgent(input: { id: "lead", delegates: ["helper"] }) { id } }');
    const chat = async (message: string) => {
      const started = performance.now();
      const { chat: answer } = await graphql(url, USER_KEY, CHAT, { input: { agentId: 'lead', message } });
      if (answer.status !== 'COMPLETE') throw new Error(`chat ended ${answer.status}`);
      return performance.now() - started;
    };
    const delegated = () => chat('bench tokens=3 tool=ask_helper');
    const toolRound = () => chat('bench tokens=3 tool=no_such_tool');
    const modelCall = async () => {
      const started = performance.now();
      const response = await fetch(`${upstreamUrl}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'bench tokens=3' }] }),
      });
      await response.text();
      return performance.now() - started;
    };
    for (let i = 0; i < 20; i++) {
      await delegated();
      await toolRound();
      await modelCall();
    }
    const times = { delegated: [] as number[], toolRound: [] as number[], modelCall: [] as number[] };
    for (let i = 0; i < ROUNDS; i++) {
      times.delegated.push(await delegated());
      times.toolRound.push(await toolRound());
      times.modelCall.push(await modelCall());
    }
    const cpuPerChat = async (run: () => Promise<number>) => {
      const before = cpuMs(pid);
      for (let i = 0; i < ROUNDS; i++) await run();
      return (cpuMs(pid) - before) / ROUNDS;
    };
    const cpuDelegated = await cpuPerChat(delegated);
    const cpuToolRound = await cpuPerChat(toolRound);
    const p50 = (values: number[]) => percentile(values, 50);
    const round = (value: number) => Math.round(value * 100) / 100;
    return {
      database: kind,
      rounds: ROUNDS,
      p50Ms: { delegated: round(p50(times.delegated)), toolRound: round(p50(times.toolRound)), childModelCall: round(p50(times.modelCall)) },
      addedP50Ms: round(p50(times.delegated) - p50(times.toolRound) - p50(times.modelCall)),
      cpuMsPerChat: { delegated: round(cpuDelegated), toolRound: round(cpuToolRound) },
      addedCpuMs: round(cpuDelegated - cpuToolRound),
      loadAverage: loadavg().map((value) => round(value)),
    };
  } finally {
    await stop(gateway.child);
  }
}
