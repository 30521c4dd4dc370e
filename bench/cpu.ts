// CPU per request and per chat, as the kernel counts it for the server process (/proc, read by the
// client around its measured calls): the gateway against the bare Fastify + Yoga stack in the same run.
import type { BenchDatabases, DatabaseKind } from './databases.js';
import { ADMIN_KEY, client, graphql, startBareStack, startGateway, stop, USER_KEY } from './processes.js';
import { median } from './stats.js';

const REQUEST_ROUNDS = 5;
const REQUESTS = 1000;
const CHAT_ROUNDS = 3;
const CHATS = 300;

const range = (values: number[]) => [Math.min(...values), Math.max(...values)];

export async function measureCpu(databases: BenchDatabases, kind: DatabaseKind, upstreamUrl: string) {
  const gateway = await startGateway(await databases.fresh(kind), upstreamUrl);
  await graphql(gateway.graphqlUrl, ADMIN_KEY, 'mutation { createAgent(input: { id: "bench" }) { id } }');
  // The bare stack answers with the very list the gateway gives this user.
  const agentIds = (await graphql(gateway.graphqlUrl, USER_KEY, '{ agents { id } }')).agents.map((agent: { id: string }) => agent.id);
  const bare = await startBareStack(agentIds);
  try {
    // Gateway and bare stack alternate, and each round's ratio compares neighbours in time: this
    // machine's speed drifts between minutes by more than some differences being measured.
    const requests = { gateway: [] as number[], bare: [] as number[], ratios: [] as number[], gatewayP50: [] as number[], bareP50: [] as number[] };
    for (let round = 0; round < REQUEST_ROUNDS; round++) {
      const options = { key: USER_KEY, count: REQUESTS, warmup: 200 };
      const viaGateway = await client('agents', { ...options, graphqlUrl: gateway.graphqlUrl, cpuPid: gateway.child.pid });
      const viaBare = await client('agents', { ...options, graphqlUrl: bare.graphqlUrl, cpuPid: bare.child.pid });
      if (viaGateway.agents !== agentIds.length || viaBare.agents !== agentIds.length) throw new Error(`agents: ${viaGateway.agents} from the gateway, ${viaBare.agents} from the bare stack, ${agentIds.length} expected`);
      requests.gateway.push(viaGateway.cpuMsPerCall);
      requests.bare.push(viaBare.cpuMsPerCall);
      requests.ratios.push(viaGateway.cpuMsPerCall / viaBare.cpuMsPerCall);
      requests.gatewayP50.push(viaGateway.p50);
      requests.bareP50.push(viaBare.p50);
    }
    const chats: number[] = [];
    for (let round = 0; round < CHAT_ROUNDS; round++) {
      const r = await client('chat', { graphqlUrl: gateway.graphqlUrl, key: USER_KEY, upstreamUrl, via: 'gateway', tokens: 20, count: CHATS, warmup: 30, cpuPid: gateway.child.pid });
      chats.push(r.cpuMsPerCall);
    }
    return {
      agents: agentIds.length,
      request: {
        rounds: REQUEST_ROUNDS,
        perRound: REQUESTS,
        gatewayMs: median(requests.gateway),
        gatewayRange: range(requests.gateway),
        bareMs: median(requests.bare),
        bareRange: range(requests.bare),
        ratio: median(requests.ratios),
        ratioRange: range(requests.ratios),
        gatewayLatencyP50: median(requests.gatewayP50),
        bareLatencyP50: median(requests.bareP50),
      },
      chat: { rounds: CHAT_ROUNDS, perRound: CHATS, tokens: 20, gatewayMs: median(chats), gatewayRange: range(chats) },
    };
  } finally {
    await stop(gateway.child);
    await stop(bare.child);
  }
}
