// A stdio MCP server never outlives the gateway, checked on real processes: the gateway runs as `npm start` runs it
// (node dist/main.js, its own PGlite data folder), our test server is registered over GraphQL and ignores stdin EOF
// (closing its pipe alone would not end it) and starts a grandchild. Every process is followed by pid: the ones the
// server logs (servers, probe siblings, grandchildren), the /bin/sh guards (their parents), and, to catch anything
// else, every process whose environment holds this test's MCP_TEST_LOG file (guards, subshells, servers, grandchildren).
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestMcpLog, isProcessAlive, type TestMcpLog, testMcpStdioCommand } from './support/mcp-servers.js';
import { type GatewayProcess, runGateway } from './support/process.js';
import { readEventStream } from './support/subscriptions.js';

const ADMIN = 'mcp-lifecycle-admin-key-0123456789';
const SERVER_ID = 'lifecycle';
/** The guard polls the gateway each second and escalates to SIGKILL after 2 s: 15 s is room to spare, not a timing claim. */
const GONE_WITHIN_MS = 15_000;
// Gateway processes on PGlite, two tsx-started servers per connect, a stale data-dir lock after a crash: generous.
const TEST_TIMEOUT = 180_000;

const gateways: GatewayProcess[] = [];
const logs: TestMcpLog[] = [];
const dirs: string[] = [];

afterAll(async () => {
  for (const gateway of gateways) if (gateway.child.exitCode === null && gateway.child.signalCode === null) gateway.child.kill('SIGKILL');
  // A failed assertion must not leave our servers running on a shared machine: end what carries our logs, by pid.
  for (const log of logs) for (const pid of taggedProcesses(log.file)) tryKill(pid, 'SIGKILL');
  await Promise.all([...logs.map((log) => log.dispose()), ...dirs.map((dir) => rm(dir, { recursive: true, force: true }))]);
});

function tryKill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** "pid (comm) state ppid …" from /proc/<pid>/stat; undefined when the process is gone. */
function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

/** Live processes (zombies excluded) whose environment holds MCP_TEST_LOG=<file>: whatever the guard, the server or its children started. */
function taggedProcesses(file: string): number[] {
  const needle = `\0MCP_TEST_LOG=${file}\0`;
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let environ: string;
    try {
      environ = `\0${readFileSync(`/proc/${entry}/environ`, 'utf8')}`;
    } catch {
      continue; // another user's process, or gone
    }
    if (environ.includes(needle) && isProcessAlive(Number(entry))) found.push(Number(entry));
  }
  return found;
}

const describePids = (pids: number[]) => pids.map((pid) => `${pid} (parent ${parentOf(pid)}): ${commandLine(pid).slice(0, 160)}`).join('\n  ');

/** Polls until `check` holds; the deadline is a bound on waiting, not a timing assertion. */
async function until<T>(check: () => T | undefined | false | Promise<T | undefined | false>, what: () => string, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The pids the server processes logged: servers (session and probe siblings) and their grandchildren. */
function loggedPids(log: TestMcpLog): { servers: number[]; children: number[] } {
  const pids = log.read().events.flatMap((event) => (event.type === 'pid' ? [event] : []));
  return { servers: pids.filter((e) => e.role === 'server').map((e) => e.pid), children: pids.filter((e) => e.role === 'child').map((e) => e.pid) };
}

/** Waits until nothing in `pids` and nothing carrying the log's tag is alive. */
async function expectAllGone(log: TestMcpLog, pids: number[], after: string): Promise<void> {
  const survivors = () => [...new Set([...pids.filter(isProcessAlive), ...taggedProcesses(log.file)])];
  await until(() => survivors().length === 0, () => `every MCP process to end after ${after}; alive:\n  ${describePids(survivors())}`, GONE_WITHIN_MS);
}

async function gql(url: string, query: string, variables: Record<string, unknown> = {}): Promise<any> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
    body: JSON.stringify({ query, variables }),
  });
  return response.json();
}

const SERVER_FIELDS = 'id status error tools { name }';
const serverState = async (url: string) => {
  const body = await gql(url, `query($id: ID!) { mcpServer(id: $id) { ${SERVER_FIELDS} } }`, { id: SERVER_ID });
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data.mcpServer as { id: string; status: string; error: string | null; tools: Array<{ name: string }> };
};

async function waitConnected(url: string, what: string) {
  let last: unknown;
  return until(
    async () => {
      const state = await serverState(url);
      last = state;
      return state.status === 'CONNECTED' && state.tools.some((tool) => tool.name === 'echo') && state;
    },
    () => `${what}: CONNECTED with its tools; last ${JSON.stringify(last)}`,
    60_000,
  );
}

async function startGateway(dataDir: string, env: Record<string, string> = {}, ownProcessGroup = false): Promise<{ gateway: GatewayProcess; url: string }> {
  const gateway = runGateway({ DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', ADMIN_API_KEY: ADMIN, MCP_CONNECT_TIMEOUT_MS: '30000', ...env }, { ownProcessGroup });
  gateways.push(gateway);
  const [, url] = await gateway.waitFor(/listening on (http:\/\/\S+)/, 90_000);
  return { gateway, url: url! };
}

interface Session {
  /** The server of the live session, its /bin/sh guard and its grandchild. */
  server: number;
  guard: number;
  child: number;
}

/**
 * Waits until the probe sibling of version negotiation is gone and exactly one logged server and one logged
 * grandchild are alive: the session's. Its guard is the server's parent, a child of the gateway.
 */
async function liveSession(log: TestMcpLog, gatewayPid: number, exclude: number[] = []): Promise<Session> {
  const alive = () => {
    const { servers, children } = loggedPids(log);
    return { servers: servers.filter((pid) => !exclude.includes(pid) && isProcessAlive(pid)), children: children.filter((pid) => !exclude.includes(pid) && isProcessAlive(pid)) };
  };
  const { servers, children } = await until(
    () => {
      const now = alive();
      return now.servers.length === 1 && now.children.length === 1 && now;
    },
    () => `one live server and one live grandchild in the log; alive: ${JSON.stringify(alive())}`,
    30_000,
  );
  const server = servers[0]!;
  const child = children[0]!;
  const guard = parentOf(server)!;
  expect(commandLine(guard)).toContain('mcp-stdio-guard');
  expect(parentOf(guard)).toBe(gatewayPid);
  expect(parentOf(child)).toBe(server);
  return { server, guard, child };
}

/** A fresh data folder and log, a gateway on them, our stdio server registered and CONNECTED. */
async function gatewayWithServer(serverEnv: Record<string, string> = {}, gatewayEnv: Record<string, string> = {}, ownProcessGroup = false) {
  const dataDir = await mkdtemp(join(tmpdir(), 'muxgate-mcp-life-'));
  dirs.push(dataDir);
  const log = await createTestMcpLog();
  logs.push(log);
  const { gateway, url } = await startGateway(dataDir, gatewayEnv, ownProcessGroup);
  const command = testMcpStdioCommand({ MCP_TEST_LOG: log.file, MCP_TEST_IGNORE_STDIN_EOF: '1', MCP_TEST_SPAWN_CHILD: '1', ...serverEnv });
  const registered = await gql(url, `mutation($input: RegisterMcpServerInput!) { registerMcpServer(input: $input) { ${SERVER_FIELDS} } }`, {
    input: { id: SERVER_ID, command: command.command, args: command.args, env: Object.entries(command.env).map(([name, value]) => ({ name, value })) },
  });
  expect(registered.errors).toBeUndefined();
  await waitConnected(url, 'the registered server');
  const session = await liveSession(log, gateway.child.pid!);
  // The environment tag finds them (else "nothing tagged is alive" would prove nothing).
  expect(taggedProcesses(log.file)).toEqual(expect.arrayContaining([session.guard, session.server, session.child]));
  return { dataDir, log, gateway, url, session };
}

const pidsOf = (log: TestMcpLog, session: Session) => {
  const { servers, children } = loggedPids(log);
  return [...servers, ...children, session.guard];
};

describe('a stdio MCP server and the gateway process', { timeout: TEST_TIMEOUT }, () => {
  it('SIGKILL of the gateway: the guard ends the server, its grandchild and itself (no orphans)', async () => {
    const { log, gateway, session } = await gatewayWithServer();
    const pids = pidsOf(log, session);

    gateway.child.kill('SIGKILL');
    await gateway.exited;
    await expectAllGone(log, pids, 'the gateway was killed with SIGKILL');
  });

  // `timeout -s KILL`, `kill -9 -<pgid>`: the signal reaches every process in the gateway's group, not the gateway alone.
  it('SIGKILL to the gateway\'s whole process group: no MCP process survives either', async () => {
    const { log, gateway, session } = await gatewayWithServer({}, {}, true);
    const pids = pidsOf(log, session);

    process.kill(-gateway.child.pid!, 'SIGKILL');
    await gateway.exited;
    await expectAllGone(log, pids, 'the gateway\'s process group was killed with SIGKILL');
  });

  for (const ignoreSigterm of [false, true]) {
    it(`SIGTERM of the gateway (graceful shutdown) ends every MCP process${ignoreSigterm ? ', a server that ignores SIGTERM by SIGKILL' : ''}`, async () => {
      const { log, gateway, session } = await gatewayWithServer(ignoreSigterm ? { MCP_TEST_IGNORE_SIGTERM: '1' } : {});
      const pids = pidsOf(log, session);

      gateway.child.kill('SIGTERM');
      expect(await gateway.exited).toBe(0);
      await expectAllGone(log, pids, 'the gateway shut down on SIGTERM');
    });
  }

  it('restart on the same data folder after a crash: the stored server reconnects with fresh processes, the old ones stay gone', async () => {
    const { dataDir, log, gateway, session } = await gatewayWithServer();
    const old = pidsOf(log, session);
    gateway.child.kill('SIGKILL');
    await gateway.exited;
    await expectAllGone(log, old, 'the gateway was killed with SIGKILL');

    // The crashed owner's data-folder lock goes stale first: the restart waits it out.
    const { gateway: restarted, url } = await startGateway(dataDir);
    const state = await waitConnected(url, 'the stored registration after the restart');
    expect(state.error).toBeNull();
    const fresh = await liveSession(log, restarted.child.pid!, old);
    expect(old).not.toContain(fresh.server);
    expect(old).not.toContain(fresh.child);
    expect(old).not.toContain(fresh.guard);
    expect(old.filter(isProcessAlive)).toEqual([]);
    // The live MCP processes are all the new session's (the probe sibling of this connect has gone too).
    await until(
      () => taggedProcesses(log.file).every((pid) => [fresh.guard, fresh.server, fresh.child].includes(pid) || parentOf(pid) === fresh.guard),
      () => `only the new session's processes to be alive:\n  ${describePids(taggedProcesses(log.file))}`,
      GONE_WITHIN_MS,
    );

    restarted.child.kill('SIGTERM');
    expect(await restarted.exited).toBe(0);
    await expectAllGone(log, pidsOf(log, fresh), 'the restarted gateway shut down');
  });

  it('a server that dies on its own is marked FAILED, reconnected by the gateway, and its guard and grandchild are gone', async () => {
    const { log, gateway, url, session } = await gatewayWithServer({}, { MCP_RECONNECT_MAX_MS: '2000' });
    const before = pidsOf(log, session);
    let fresh: Session | undefined;

    // Every status change, so a short-lived FAILED cannot slip between two polls.
    const abort = new AbortController();
    const changes: Array<{ status: string; error: string | null }> = [];
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${ADMIN}` },
      body: JSON.stringify({ query: 'subscription { mcpServerChanged { id status error } }' }),
      signal: abort.signal,
    });
    const reading = (async () => {
      for await (const { event, data } of readEventStream(response)) if (event === 'next' && data.data) changes.push(data.data.mcpServerChanged);
    })().catch(() => undefined);

    try {
      // The response has begun, so the subscription is registered: kill the server now.
      process.kill(session.server, 'SIGKILL');

      // Polled: the gateway notices the exit (the guard ends with its server) and says so.
      let seen: { status: string; error: string | null } | undefined;
      await until(
        async () => {
          const state = await serverState(url);
          if (state.status === 'FAILED') seen ??= state;
          return seen ?? changes.find((change) => change.status === 'FAILED');
        },
        () => `the server to be marked FAILED; changes ${JSON.stringify(changes)}`,
        30_000,
      );
      const failed = seen ?? changes.find((change) => change.status === 'FAILED')!;
      expect(failed.error).toMatch(/the server process exited/);

      // Then it reconnects by itself (backoff capped at MCP_RECONNECT_MAX_MS=2000).
      await waitConnected(url, 'the reconnect after the server died');
      const failedAt = changes.findIndex((change) => change.status === 'FAILED');
      expect(failedAt).toBeGreaterThanOrEqual(0);
      expect(changes.slice(failedAt).some((change) => change.status === 'CONNECTED')).toBe(true);

      fresh = await liveSession(log, gateway.child.pid!, before);
      const { guard, server, child } = fresh;
      expect(before).not.toContain(server);
      // The dead server's guard and grandchild went with it; no other sh guard is left over.
      await until(
        () => before.every((pid) => !isProcessAlive(pid)),
        () => `the old server, guard and grandchild to be gone; alive:\n  ${describePids(before.filter(isProcessAlive))}`,
        GONE_WITHIN_MS,
      );
      await until(
        () => taggedProcesses(log.file).every((pid) => [guard, server, child].includes(pid) || parentOf(pid) === guard),
        () => `only the new session's processes to be alive:\n  ${describePids(taggedProcesses(log.file))}`,
        GONE_WITHIN_MS,
      );
      // Forks of the live guard (its `sleep 1`) carry its command line too; any other sh guard would be a leftover.
      const guards = taggedProcesses(log.file).filter((pid) => commandLine(pid).includes('mcp-stdio-guard') && parentOf(pid) !== guard);
      expect(guards).toEqual([guard]);
    } finally {
      abort.abort();
      await reading;
    }

    gateway.child.kill('SIGTERM');
    expect(await gateway.exited).toBe(0);
    await expectAllGone(log, [...before, ...pidsOf(log, fresh!)], 'the gateway shut down on SIGTERM');
  });
});
