// The gateway's overhead on an MCP tool call: the path a model's tool call takes in a run
// (ToolRegistry.prepare -> ajv check -> McpConnection.call -> the result as the model reads it)
// against the same SDK client calling the same server directly, over stdio and streamable HTTP.
// Calls alternate between the two so drift on the machine falls on both. `npm run bench` with
// BENCH_ONLY=mcp-tools, or `npx tsx bench/mcp-tools.ts` (BENCH_MCP_CALLS, default 2000 per side).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { AgentStore } from '../src/core/agents/agent-store.js';
import { Agents } from '../src/core/agents/agents.js';
import { McpServers } from '../src/core/mcp/mcp-servers.js';
import { McpServerStore } from '../src/core/mcp/mcp-server-store.js';
import { DEFAULT_MCP_SETTINGS } from '../src/core/mcp/mcp-settings.js';
import { NO_METRICS } from '../src/core/metrics/metrics.js';
import { ToolRegistry } from '../src/core/tools/tool-registry.js';
import { openDatabase } from '../src/db/database.js';
import { everythingStdioCommand, startEverythingHttp } from '../test/support/mcp-servers.js';
import { percentile, round } from './stats.js';

const CALLS = Number(process.env.BENCH_MCP_CALLS ?? 2_000);
const WARM_UP = 200;
const ADMIN = { kind: 'ADMIN', userId: undefined, via: 'API_KEY' } as const;
const ARGUMENTS = { message: 'hello from the bench' };

async function main() {
  const dataDir = await mkdtemp(join(tmpdir(), 'muxgate-bench-mcp-'));
  const database = await openDatabase({ dataDir, onLockLost: () => {} });
  const tools = new ToolRegistry();
  const mcp = new McpServers({
    store: new McpServerStore(database.db),
    tools,
    agents: new Agents(new AgentStore(database.db), 'gpt-4o', NO_METRICS.cache('agents')),
    settings: DEFAULT_MCP_SETTINGS,
    reportError: (error, context) => console.error(context, error),
  });
  const http = await startEverythingHttp();
  const stdio = everythingStdioCommand();
  const rows = [];
  try {
    for (const transport of ['stdio', 'streamable-http'] as const) {
      const id = `everything-${transport === 'stdio' ? 'stdio' : 'http'}`;
      const server = await mcp.register(ADMIN, transport === 'stdio' ? { id, command: stdio.command, args: stdio.args } : { id, url: http.url });
      if (server.status !== 'CONNECTED') throw new Error(`${id}: ${server.status} ${server.error}`);
      const direct = new Client({ name: 'bench-direct', version: '1' }, { versionNegotiation: { mode: 'auto' } });
      await direct.connect(transport === 'stdio' ? new StdioClientTransport({ command: stdio.command, args: stdio.args, stderr: 'ignore' }) : new StreamableHTTPClientTransport(new URL(http.url)));
      const agentTools = tools.forAgent([id]);
      const functionName = server.tools.find((tool) => tool.name === 'echo')!.functionName;
      const rawArguments = JSON.stringify(ARGUMENTS);
      const signal = new AbortController().signal;
      const viaGateway = async () => {
        const outcome = await tools.prepare(agentTools, functionName, rawArguments).run(signal);
        if (outcome.isError) throw new Error(String(outcome.result));
      };
      const viaSdk = async () => {
        const result = await direct.callTool({ name: 'echo', arguments: ARGUMENTS });
        if (result.isError) throw new Error('direct call failed');
      };
      const gatewayMs: number[] = [];
      const sdkMs: number[] = [];
      for (let i = 0; i < WARM_UP + CALLS; i++) {
        // Alternate which goes first, so neither always runs on a just-woken server.
        const order = i % 2 === 0 ? ([viaGateway, viaSdk] as const) : ([viaSdk, viaGateway] as const);
        for (const call of order) {
          const started = performance.now();
          await call();
          const took = performance.now() - started;
          if (i >= WARM_UP) (call === viaGateway ? gatewayMs : sdkMs).push(took);
        }
      }
      await direct.close();
      const row = {
        transport,
        calls: CALLS,
        sdkP50Ms: round(percentile(sdkMs, 50), 3),
        sdkP99Ms: round(percentile(sdkMs, 99), 3),
        gatewayP50Ms: round(percentile(gatewayMs, 50), 3),
        gatewayP99Ms: round(percentile(gatewayMs, 99), 3),
        addedP50Ms: round(percentile(gatewayMs, 50) - percentile(sdkMs, 50), 3),
        addedP99Ms: round(percentile(gatewayMs, 99) - percentile(sdkMs, 99), 3),
      };
      console.error(JSON.stringify(row));
      rows.push(row);
    }
  } finally {
    await mcp.close();
    await http.close();
    await database.close();
    await rm(dataDir, { recursive: true, force: true });
  }
  console.log(JSON.stringify({ server: '@modelcontextprotocol/server-everything echo', rows }));
}

await main();
