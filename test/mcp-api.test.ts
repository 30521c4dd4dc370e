// The MCP part of the GraphQL API as a client sees it (README "MCP tools"): registering every kind of server,
// secrets that never come back, the error codes, who sees which servers, tool results, timeouts and cancellation,
// removal, tool refresh, mcpServerChanged, and registrations surviving a restart. Real gateways on real sockets,
// real MCP servers (test/support/mcp-servers.ts); assertions on the GraphQL responses and on what the servers recorded.
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, request as httpRequest, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIG_PATTERN, bigText, TEST_RESOURCE_TEXT, TEST_RESOURCE_URI, TINY_PNG_BASE64 } from './fixtures/mcp/test-server.js';
import { createBackend, storageBackendNames } from './support/backends.js';
import { ADMIN_KEY, type GraphQLResponse, startTestGateway, type TestGateway, USER_KEY } from './support/gateway.js';
import {
  createTestMcpLog,
  type EverythingHttpServer,
  everythingStdioCommand,
  isProcessAlive,
  startEverythingHttp,
  startTestMcpHttpServer,
  type StdioServerCommand,
  type TestMcpHttpServer,
  type TestMcpLog,
  testMcpStdioCommand,
} from './support/mcp-servers.js';
import { collect } from './support/subscriptions.js';
import { freePort } from './support/free-port.js';

const SLOW = 180_000;
const OUR_TOOLS = ['echo', 'add', 'sleep', 'never', 'big', 'image', 'resource', 'fail', 'crash', 'add_tool'];

const SERVER_FIELDS = 'id transport url command args headerNames envNames status error connectedAt tools { serverId name description inputSchema functionName }';
const REGISTER = `mutation($input: RegisterMcpServerInput!) { registerMcpServer(input: $input) { ${SERVER_FIELDS} } }`;
const EXECUTE = `mutation($s: ID!, $t: String!, $a: JSON) { executeMcpTool(serverId: $s, toolName: $t, arguments: $a) { content text structuredContent isError } }`;
const SERVERS = `{ mcpServers { ${SERVER_FIELDS} } }`;
const TOOLS = `query($s: ID!) { mcpTools(serverId: $s) { name functionName } }`;

/** Polls until `probe` returns something truthy (a wait with a generous deadline, not a timing assertion). */
async function waitFor<T>(probe: () => T | Promise<T>, what: string, timeoutMs = 30_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const pairs = (map: Record<string, string>) => Object.entries(map).map(([name, value]) => ({ name, value }));
const stdioInput = (id: string, command: StdioServerCommand) => ({ id, command: command.command, args: command.args, env: pairs(command.env) });

function register(gw: TestGateway, input: Record<string, unknown>, key = ADMIN_KEY) {
  return gw.gql(REGISTER, { input }, key);
}
function execute(gw: TestGateway, serverId: string, toolName: string, args: unknown, key = ADMIN_KEY) {
  return gw.gql(EXECUTE, { s: serverId, t: toolName, a: args }, key);
}
/** Registers and expects it CONNECTED with our tools (or `tools`). */
async function registerConnected(gw: TestGateway, input: Record<string, unknown>, tools = OUR_TOOLS) {
  const response = await register(gw, input);
  expect(response.body.errors).toBeUndefined();
  const server = response.body.data.registerMcpServer;
  expect(server).toMatchObject({ id: input.id, status: 'CONNECTED', error: null });
  expect(server.connectedAt).toEqual(expect.any(String));
  expect(server.tools.map((tool: { name: string }) => tool.name)).toEqual(expect.arrayContaining(tools));
  return server;
}
async function echo(gw: TestGateway, serverId: string, text: string, key = ADMIN_KEY): Promise<string> {
  const response = await execute(gw, serverId, 'echo', { text }, key);
  expect(response.body.errors).toBeUndefined();
  expect(response.body.data.executeMcpTool.isError).toBe(false);
  return response.body.data.executeMcpTool.text;
}
const codeOf = (response: GraphQLResponse) => response.body.errors?.[0]?.extensions?.code;
async function serverView(gw: TestGateway, id: string) {
  const response = await gw.gql(`query($id: ID!) { mcpServer(id: $id) { ${SERVER_FIELDS} } }`, { id }, ADMIN_KEY);
  expect(response.body.errors).toBeUndefined();
  return response.body.data.mcpServer;
}
async function toolNames(gw: TestGateway, serverId: string, key = ADMIN_KEY): Promise<string[] | undefined> {
  const response = await gw.gql(TOOLS, { s: serverId }, key);
  return response.body.data?.mcpTools?.map((tool: { name: string }) => tool.name);
}

/**
 * A TCP server that accepts connections and never answers: an HTTP MCP server that hangs. `waitingRequests()` counts
 * the connections a request was written on that are still open (undici may also hold idle ones that never send).
 */
async function startHangingServer(): Promise<{ url: string; waitingRequests(): number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const waiting = new Set<Socket>();
  const server: TcpServer = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('data', () => waiting.add(socket));
    socket.on('close', () => {
      sockets.delete(socket);
      waiting.delete(socket);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    waitingRequests: () => waiting.size,
    async close() {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

/**
 * A plain HTTP relay in front of an MCP server that keeps the headers of every request it passes on: our HTTP test
 * servers do not record request headers, so this is how a test sees what the gateway sent.
 */
async function startHeaderRecorder(targetUrl: string): Promise<{ url: string; requests: Array<{ method: string; headers: IncomingHttpHeaders }>; close(): Promise<void> }> {
  const target = new URL(targetUrl);
  const requests: Array<{ method: string; headers: IncomingHttpHeaders }> = [];
  const server: Server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', headers: req.headers });
    const upstream = httpRequest(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${target.pathname}`,
    requests,
    async close() {
      server.close();
      server.closeAllConnections();
      await once(server, 'close');
    },
  };
}

/**
 * An admin's mcpServerChanged subscription, known to be live: `probeId` is reconnected (which publishes CONNECTING,
 * CONNECTED) until an event of it arrives.
 */
async function liveChanges(gw: TestGateway, fields: string, probeId: string) {
  const sub = collect(gw.ws({ authorization: `Bearer ${ADMIN_KEY}` }), `subscription { mcpServerChanged { ${fields} } }`);
  await waitFor(async () => {
    await gw.gql(`mutation($id: ID!) { reconnectMcpServer(id: $id) { id } }`, { id: probeId }, ADMIN_KEY);
    return sub.results.some((r) => r.data?.mcpServerChanged?.id === probeId);
  }, 'the mcpServerChanged subscription to deliver an event');
  return sub;
}

async function jwtFor(gw: TestGateway, userId: string): Promise<string> {
  const issued = await gw.gql(`mutation($u: ID!) { issueToken(userId: $u) { accessToken } }`, { u: userId }, ADMIN_KEY);
  expect(issued.body.errors).toBeUndefined();
  return issued.body.data.issueToken.accessToken;
}

describe('MCP over the GraphQL API', () => {
  let gw: TestGateway;
  let sessions: TestMcpHttpServer;
  let stateless: TestMcpHttpServer;
  let sseOnly: TestMcpHttpServer;
  let everythingHttp: EverythingHttpServer;
  let stdioLog: TestMcpLog;
  const cleanups: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    [sessions, stateless, sseOnly, everythingHttp, stdioLog] = await Promise.all([
      startTestMcpHttpServer({ mode: 'sessions' }),
      startTestMcpHttpServer({ mode: 'stateless-strict' }),
      startTestMcpHttpServer({ mode: 'sse-only' }),
      startEverythingHttp(),
      createTestMcpLog(),
    ]);
    // LOG_LEVEL=debug: the secrets test greps every line the gateway logged.
    gw = await startTestGateway('pglite', { LOG_LEVEL: 'debug', MCP_RECONNECT_MAX_MS: '2000' });
  }, SLOW);
  afterAll(async () => {
    await gw?.stop();
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    await Promise.all([sessions?.close(), stateless?.close(), sseOnly?.close(), everythingHttp?.close(), stdioLog?.dispose()]);
  }, SLOW);

  describe('registering each kind of server', () => {
    it('our server over stdio: CONNECTED with its tools, echo answers, and the server logged the call', { timeout: SLOW }, async () => {
      const server = await registerConnected(gw, stdioInput('ours-stdio', testMcpStdioCommand({ MCP_TEST_LOG: stdioLog.file })));
      expect(server).toMatchObject({ transport: 'STDIO', url: null, command: process.execPath, headerNames: [], envNames: ['MCP_TEST_LOG'] });
      expect(server.tools.find((tool: { name: string }) => tool.name === 'echo')).toMatchObject({
        serverId: 'ours-stdio',
        functionName: 'ours-stdio__echo',
        description: 'Answers with the text it was given.',
        inputSchema: expect.objectContaining({ type: 'object', properties: expect.objectContaining({ text: expect.objectContaining({ type: 'string' }) }) }),
      });
      expect(await echo(gw, 'ours-stdio', 'over stdio')).toBe('over stdio');
      expect(stdioLog.read().calls.filter((call) => call.tool === 'echo').map((call) => call.args)).toEqual([{ text: 'over stdio' }]);
    });

    it('sessions HTTP (2025-11-25): CONNECTED, echo answers on the session it opened', { timeout: SLOW }, async () => {
      const server = await registerConnected(gw, { id: 'ours-sessions', url: sessions.url });
      expect(server).toMatchObject({ transport: 'HTTP', url: sessions.url, command: null, args: [], headerNames: [], envNames: [] });
      expect(sessions.openSessions()).toHaveLength(1);
      expect(await echo(gw, 'ours-sessions', 'over sessions')).toBe('over sessions');
      const call = sessions.record.calls.find((c) => c.tool === 'echo');
      expect(call).toMatchObject({ args: { text: 'over sessions' }, sessionId: sessions.openSessions()[0] });
    });

    it('stateless-strict HTTP (2026-07-28 only, refuses 2025 clients): CONNECTED, echo answers', { timeout: SLOW }, async () => {
      await registerConnected(gw, { id: 'ours-stateless', url: stateless.url });
      expect(await echo(gw, 'ours-stateless', 'over 2026-07-28')).toBe('over 2026-07-28');
      expect(stateless.record.calls.filter((c) => c.tool === 'echo').map((c) => c.args)).toEqual([{ text: 'over 2026-07-28' }]);
    });

    it('sse-only HTTP: the gateway falls back to HTTP+SSE, CONNECTED, echo answers', { timeout: SLOW }, async () => {
      await registerConnected(gw, { id: 'ours-sse', url: sseOnly.url });
      // The server speaks nothing but GET /sse + POST /messages: a session there is the HTTP+SSE transport.
      expect(sseOnly.openSessions()).toHaveLength(1);
      expect(await echo(gw, 'ours-sse', 'over sse')).toBe('over sse');
      expect(sseOnly.record.calls.find((c) => c.tool === 'echo')).toMatchObject({ args: { text: 'over sse' }, sessionId: sseOnly.openSessions()[0] });
    });

    it('server-everything over stdio: CONNECTED, echo answers "Echo: …"', { timeout: SLOW }, async () => {
      const server = await registerConnected(gw, stdioInput('everything-stdio', everythingStdioCommand()), ['echo', 'get-sum']);
      expect(server.transport).toBe('STDIO');
      const response = await execute(gw, 'everything-stdio', 'echo', { message: 'hi stdio' });
      expect(response.body).toEqual({ data: { executeMcpTool: { content: [{ type: 'text', text: 'Echo: hi stdio' }], text: 'Echo: hi stdio', structuredContent: null, isError: false } } });
    });

    it('server-everything over streamable HTTP: CONNECTED, echo answers "Echo: …"', { timeout: SLOW }, async () => {
      await registerConnected(gw, { id: 'everything-http', url: everythingHttp.url }, ['echo', 'get-sum']);
      const response = await execute(gw, 'everything-http', 'echo', { message: 'hi http' });
      expect(response.body.data.executeMcpTool).toMatchObject({ text: 'Echo: hi http', isError: false });
    });

    it('mcpServers lists them all, CONNECTED', async () => {
      const response = await gw.gql(SERVERS, {}, ADMIN_KEY);
      expect(response.body.errors).toBeUndefined();
      const byId = Object.fromEntries(response.body.data.mcpServers.map((s: { id: string; status: string; transport: string }) => [s.id, [s.status, s.transport]]));
      expect(byId).toMatchObject({
        'ours-stdio': ['CONNECTED', 'STDIO'],
        'ours-sessions': ['CONNECTED', 'HTTP'],
        'ours-stateless': ['CONNECTED', 'HTTP'],
        'ours-sse': ['CONNECTED', 'HTTP'],
        'everything-stdio': ['CONNECTED', 'STDIO'],
        'everything-http': ['CONNECTED', 'HTTP'],
      });
    });
  });

  describe('secrets', () => {
    const HEADER_SECRET = 'hdr-secret-6f1c2a9be0d74e35';
    const OTHER_HEADER_SECRET = 'hdr-secret-2-90ab17cc3d5e';
    const ENV_SECRET = 'env-secret-b83d5e0a71c94f62';
    const STDERR_SECRET = 'env-secret-printed-4417ad93ce';
    const secrets = [HEADER_SECRET, OTHER_HEADER_SECRET, ENV_SECRET, STDERR_SECRET];
    const leaks = (text: string) => secrets.filter((secret) => text.includes(secret));

    it('header and env values never come back (registerMcpServer, mcpServers, mcpServer, reconnectMcpServer, mcpServerChanged) nor reach the log; their names do; the values reach the server', { timeout: SLOW }, async () => {
      await registerConnected(gw, { id: 'change-probe', url: stateless.url });
      const changes = await liveChanges(gw, SERVER_FIELDS, 'change-probe');
      const recorder = await startHeaderRecorder(sessions.url);
      cleanups.push(() => recorder.close());
      const envDir = await createTestMcpLog();
      cleanups.push(() => envDir.dispose());
      const envSeen = `${envDir.file}.env`;

      const http = await register(gw, {
        id: 'secret-http',
        url: recorder.url,
        headers: [
          { name: 'Authorization', value: `Bearer ${HEADER_SECRET}` },
          { name: 'X-Api-Token', value: OTHER_HEADER_SECRET },
        ],
      });
      expect(http.body.errors).toBeUndefined();
      expect(http.body.data.registerMcpServer).toMatchObject({ status: 'CONNECTED', headerNames: ['Authorization', 'X-Api-Token'], envNames: [] });

      // A shell in front of our server writes what it got in MUX_SECRET to a file, then becomes the server.
      const ours = testMcpStdioCommand();
      const stdio = await register(gw, {
        id: 'secret-stdio',
        command: '/bin/sh',
        args: ['-c', 'printf %s "$MUX_SECRET" > "$0"; exec "$@"', envSeen, ours.command, ...ours.args],
        env: [{ name: 'MUX_SECRET', value: ENV_SECRET }],
      });
      expect(stdio.body.errors).toBeUndefined();
      expect(stdio.body.data.registerMcpServer).toMatchObject({ status: 'CONNECTED', headerNames: [], envNames: ['MUX_SECRET'] });

      // A server that fails and prints its secret on stderr (as "invalid token <value>" messages do).
      const loud = await register(gw, {
        id: 'secret-loud',
        command: '/bin/sh',
        args: ['-c', 'echo "login refused for token $LOUD_TOKEN" >&2; exit 3'],
        env: [{ name: 'LOUD_TOKEN', value: STDERR_SECRET }],
      });
      expect(loud.body.errors).toBeUndefined();
      expect(loud.body.data.registerMcpServer).toMatchObject({ status: 'FAILED', envNames: ['LOUD_TOKEN'] });
      // Still says why it failed, without the value.
      expect(loud.body.data.registerMcpServer.error).toContain('login refused for token');

      // The values reached the servers: every HTTP request carried both headers; the stdio process had the variable.
      expect(await echo(gw, 'secret-http', 'with headers')).toBe('with headers');
      expect(recorder.requests.length).toBeGreaterThan(0);
      for (const { headers } of recorder.requests) {
        expect(headers.authorization).toBe(`Bearer ${HEADER_SECRET}`);
        expect(headers['x-api-token']).toBe(OTHER_HEADER_SECRET);
      }
      expect(readFileSync(envSeen, 'utf8')).toBe(ENV_SECRET);
      expect(await echo(gw, 'secret-stdio', 'with env')).toBe('with env');

      const reconnected = await gw.gql(`mutation { reconnectMcpServer(id: "secret-http") { ${SERVER_FIELDS} } }`, {}, ADMIN_KEY);
      expect(reconnected.body.data.reconnectMcpServer).toMatchObject({ status: 'CONNECTED', headerNames: ['Authorization', 'X-Api-Token'] });
      const listed = await gw.gql(SERVERS, {}, ADMIN_KEY);
      const one = await gw.gql(`{ a: mcpServer(id: "secret-http") { ${SERVER_FIELDS} } b: mcpServer(id: "secret-stdio") { ${SERVER_FIELDS} } c: mcpServer(id: "secret-loud") { ${SERVER_FIELDS} } }`, {}, ADMIN_KEY);
      expect(one.body.data.c.error).toEqual(expect.stringMatching(/\S/));
      // A rejected registration carrying secrets (the id is taken) echoes none of them either.
      const duplicate = await register(gw, { id: 'secret-http', url: recorder.url, headers: [{ name: 'Authorization', value: `Bearer ${HEADER_SECRET}` }] });
      expect(codeOf(duplicate)).toBe('BAD_USER_INPUT');

      await waitFor(() => changes.results.some((r) => r.data?.mcpServerChanged?.id === 'secret-loud'), 'mcpServerChanged events of the secret servers');
      const changeIds = new Set(changes.results.map((r) => r.data?.mcpServerChanged?.id));
      expect([...changeIds]).toEqual(expect.arrayContaining(['secret-http', 'secret-stdio', 'secret-loud']));
      changes.unsubscribe();
      expect((await gw.gql(`mutation { removeMcpServer(id: "secret-loud") }`, {}, ADMIN_KEY)).body.data).toEqual({ removeMcpServer: true });

      for (const [what, body] of [
        ['registerMcpServer (HTTP)', http.body],
        ['registerMcpServer (stdio)', stdio.body],
        ['registerMcpServer (failed stdio)', loud.body],
        ['reconnectMcpServer', reconnected.body],
        ['mcpServers', listed.body],
        ['mcpServer', one.body],
        ['registerMcpServer (duplicate)', duplicate.body],
        ['mcpServerChanged', changes.results],
      ] as const) {
        expect({ what, leaks: leaks(JSON.stringify(body)) }).toEqual({ what, leaks: [] });
      }

      expect(gw.logs.length).toBeGreaterThan(0);
      expect(gw.logs.some((line) => line.includes('"level":20'))).toBe(true); // debug lines are captured (the duplicate's BAD_USER_INPUT)
      expect(gw.logs.filter((line) => leaks(line).length > 0)).toEqual([]);
    });
  });

  describe('errors', () => {
    it('a taken id is BAD_USER_INPUT; so are url and command together, and neither', async () => {
      const duplicate = await register(gw, { id: 'ours-sessions', url: sessions.url });
      expect(codeOf(duplicate)).toBe('BAD_USER_INPUT');
      expect(duplicate.body.errors![0]!.message).toContain('ours-sessions');
      const both = await register(gw, { id: 'both', url: sessions.url, command: 'node' });
      expect(codeOf(both)).toBe('BAD_USER_INPUT');
      const neither = await register(gw, { id: 'neither' });
      expect(codeOf(neither)).toBe('BAD_USER_INPUT');
      const ids = (await gw.gql(SERVERS, {}, ADMIN_KEY)).body.data.mcpServers.map((s: { id: string }) => s.id);
      expect(ids).not.toContain('both');
      expect(ids).not.toContain('neither');
      // The duplicate did not replace the original.
      expect((await serverView(gw, 'ours-sessions')).url).toBe(sessions.url);
    });

    it('an unreachable URL is FAILED with an error; calls to it are UPSTREAM_UNAVAILABLE; the gateway still serves', { timeout: SLOW }, async () => {
      const port = await freePort();
      const response = await register(gw, { id: 'unreachable', url: `http://127.0.0.1:${port}/mcp` });
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data.registerMcpServer).toMatchObject({ id: 'unreachable', status: 'FAILED', tools: [], connectedAt: null });
      expect(response.body.data.registerMcpServer.error).toEqual(expect.stringMatching(/\S/));
      // README: "a server that is down is UPSTREAM_UNAVAILABLE" (its tools were never listed, but the server is known).
      const call = await execute(gw, 'unreachable', 'echo', { text: 'x' });
      expect(codeOf(call)).toBe('UPSTREAM_UNAVAILABLE');
      expect(await echo(gw, 'ours-sessions', 'still serving')).toBe('still serving');
      expect((await gw.gql('{ health { status } }')).body.data.health.status).toBe('OK');
      expect((await gw.gql(`mutation { removeMcpServer(id: "unreachable") }`, {}, ADMIN_KEY)).body.data).toEqual({ removeMcpServer: true });
    });

    it('a command that does not exist is FAILED with an error naming it', { timeout: SLOW }, async () => {
      const response = await register(gw, { id: 'no-such-command', command: 'muxgate-no-such-command-7c1e' });
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data.registerMcpServer).toMatchObject({ status: 'FAILED', tools: [] });
      expect(response.body.data.registerMcpServer.error).toContain('muxgate-no-such-command-7c1e');
      expect((await gw.gql(`mutation { removeMcpServer(id: "no-such-command") }`, {}, ADMIN_KEY)).body.data).toEqual({ removeMcpServer: true });
    });

    it('an unknown server is NOT_FOUND for mcpServer, mcpTools, executeMcpTool, removeMcpServer and reconnectMcpServer', async () => {
      const operations: Array<[string, string]> = [
        ['mcpServer', `{ mcpServer(id: "nobody") { id } }`],
        ['mcpTools', `{ mcpTools(serverId: "nobody") { name } }`],
        ['executeMcpTool', `mutation { executeMcpTool(serverId: "nobody", toolName: "echo", arguments: { text: "x" }) { text } }`],
        ['removeMcpServer', `mutation { removeMcpServer(id: "nobody") }`],
        ['reconnectMcpServer', `mutation { reconnectMcpServer(id: "nobody") { id } }`],
      ];
      for (const [name, query] of operations) {
        const response = await gw.gql(query, {}, ADMIN_KEY);
        expect({ name, code: codeOf(response), data: response.body.data }).toEqual({ name, code: 'NOT_FOUND', data: null });
      }
    });

    it('an unknown tool is NOT_FOUND', async () => {
      const response = await execute(gw, 'ours-sessions', 'no_such_tool', {});
      expect(codeOf(response)).toBe('NOT_FOUND');
      expect(response.body.errors![0]!.message).toContain('no_such_tool');
    });

    it('arguments that break the input schema are BAD_USER_INPUT naming the fields, and never reach the server', async () => {
      const addsBefore = sessions.record.calls.filter((c) => c.tool === 'add').length;
      const response = await execute(gw, 'ours-sessions', 'add', { a: 'x' });
      expect(codeOf(response)).toBe('BAD_USER_INPUT');
      const error = response.body.errors![0]!;
      const problems = error.extensions!.problems as string[];
      expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(/^a\b/), expect.stringMatching(/^b\b.*required/)]));
      expect(error.message).toMatch(/\ba\b/);
      expect(error.message).toMatch(/\bb is required/);
      const notAnObject = await execute(gw, 'ours-sessions', 'add', [1, 2]);
      expect(codeOf(notAnObject)).toBe('BAD_USER_INPUT');
      expect(sessions.record.calls.filter((c) => c.tool === 'add').length).toBe(addsBefore);
    });

    it('a user key and a JWT get FORBIDDEN on registerMcpServer, removeMcpServer and reconnectMcpServer, and cannot subscribe to mcpServerChanged', async () => {
      const jwt = await jwtFor(gw, 'alice');
      for (const [who, key] of [
        ['user key', USER_KEY],
        ['JWT', jwt],
      ] as const) {
        const registered = await register(gw, { id: `by-${who.replace(' ', '-').toLowerCase()}`, url: sessions.url }, key);
        const removed = await gw.gql(`mutation { removeMcpServer(id: "ours-sessions") }`, {}, key);
        const reconnected = await gw.gql(`mutation { reconnectMcpServer(id: "ours-sessions") { id } }`, {}, key);
        expect({ who, codes: [codeOf(registered), codeOf(removed), codeOf(reconnected)] }).toEqual({ who, codes: ['FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN'] });

        const sub = collect(gw.ws({ authorization: `Bearer ${key}` }), `subscription { mcpServerChanged { id status } }`);
        await sub.ended();
        expect(sub.results).toEqual([{ errors: [expect.objectContaining({ path: ['mcpServerChanged'], extensions: expect.objectContaining({ code: 'FORBIDDEN' }) })] }]);
      }
      const ids = (await gw.gql(SERVERS, {}, ADMIN_KEY)).body.data.mcpServers.map((s: { id: string }) => s.id);
      expect(ids).toContain('ours-sessions');
      expect(ids.filter((id: string) => id.startsWith('by-'))).toEqual([]);
      expect((await serverView(gw, 'ours-sessions')).status).toBe('CONNECTED');
    });
  });

  describe('what a user sees', () => {
    it('mcpServers shows a user only servers of agents visible to them; executeMcpTool works for those (all tools, or the one listed) and is NOT_FOUND otherwise', { timeout: SLOW }, async () => {
      await gw.reset();
      for (const id of ['vis-shared', 'vis-alice', 'vis-bob', 'vis-one']) await registerConnected(gw, { id, url: sessions.url });
      const create = (input: Record<string, unknown>) => gw.gql(`mutation($input: CreateAgentInput!) { createAgent(input: $input) { id } }`, { input }, ADMIN_KEY);
      for (const input of [
        { id: 'shared-agent', tools: ['vis-shared'] },
        { id: 'alice-agent', userId: 'alice', tools: ['vis-alice', 'vis-one/echo'] },
        { id: 'bob-agent', userId: 'bob', tools: ['vis-bob'] },
      ]) {
        expect((await create(input)).body.errors).toBeUndefined();
      }
      const alice = await jwtFor(gw, 'alice');
      const bob = await jwtFor(gw, 'bob');
      const visible = async (key: string) => ((await gw.gql(SERVERS, {}, key)).body.data.mcpServers as Array<{ id: string }>).map((s) => s.id).sort();

      expect(await visible(alice)).toEqual(['vis-alice', 'vis-one', 'vis-shared']);
      expect(await visible(bob)).toEqual(['vis-bob', 'vis-shared']);
      expect(await visible(USER_KEY)).toEqual(['vis-shared']);
      const aliceView = (await gw.gql(SERVERS, {}, alice)).body;
      expect(aliceView.data.mcpServers.find((s: { id: string }) => s.id === 'vis-alice')).toMatchObject({ status: 'CONNECTED', headerNames: [] });

      expect(await echo(gw, 'vis-alice', 'alice all tools', alice)).toBe('alice all tools');
      expect((await execute(gw, 'vis-alice', 'add', { a: 1, b: 2 }, alice)).body.data.executeMcpTool.structuredContent).toEqual({ sum: 3 });
      expect(await echo(gw, 'vis-one', 'alice one tool', alice)).toBe('alice one tool');
      expect(await echo(gw, 'vis-shared', 'alice shared', alice)).toBe('alice shared');
      expect(await echo(gw, 'vis-bob', 'bob own', bob)).toBe('bob own');

      const callsBefore = sessions.record.calls.length;
      for (const [server, tool, key, who] of [
        ['vis-one', 'add', alice, 'alice: a tool her agent does not list'],
        ['vis-bob', 'echo', alice, "alice: bob's server"],
        ['vis-alice', 'echo', bob, "bob: alice's server"],
        ['vis-alice', 'echo', USER_KEY, "unbound user key: alice's server"],
        ['ours-sessions', 'echo', alice, 'alice: a server no agent uses'],
      ] as const) {
        const response = await execute(gw, server, tool, tool === 'add' ? { a: 1, b: 2 } : { text: 'no' }, key);
        expect({ who, code: codeOf(response) }).toEqual({ who, code: 'NOT_FOUND' });
      }
      expect(codeOf(await gw.gql(TOOLS, { s: 'vis-bob' }, alice))).toBe('NOT_FOUND');
      expect(codeOf(await gw.gql(`{ mcpServer(id: "vis-bob") { id } }`, {}, alice))).toBe('NOT_FOUND');
      expect(await toolNames(gw, 'vis-alice', alice)).toEqual(expect.arrayContaining(OUR_TOOLS));
      expect(sessions.record.calls.length).toBe(callsBefore);
    });
  });

  describe('results', () => {
    it('image content, an embedded resource, structuredContent, and a failing tool as isError', { timeout: SLOW }, async () => {
      const image = await execute(gw, 'ours-stdio', 'image', {});
      expect(image.body.data.executeMcpTool).toEqual({ content: [{ type: 'image', mimeType: 'image/png', data: TINY_PNG_BASE64 }], text: '', structuredContent: null, isError: false });
      const resource = await execute(gw, 'ours-stdio', 'resource', {});
      expect(resource.body.data.executeMcpTool).toMatchObject({
        content: [{ type: 'resource', resource: { uri: TEST_RESOURCE_URI, mimeType: 'text/plain', text: TEST_RESOURCE_TEXT } }],
        isError: false,
      });
      const add = await execute(gw, 'ours-stdio', 'add', { a: 2, b: 40 });
      expect(add.body.data.executeMcpTool).toEqual({ content: [{ type: 'text', text: '42' }], text: '42', structuredContent: { sum: 42 }, isError: false });
      const fail = await execute(gw, 'ours-stdio', 'fail', { message: 'it broke on purpose' });
      expect(fail.body.errors).toBeUndefined();
      expect(fail.body.data.executeMcpTool).toMatchObject({ isError: true, text: 'it broke on purpose' });
    });

    it('a 10 MB result over stdio comes back whole, and the gateway keeps serving', { timeout: SLOW }, async () => {
      const bytes = 10 * 1024 * 1024;
      const response = await gw.gql(`mutation { executeMcpTool(serverId: "ours-stdio", toolName: "big", arguments: { bytes: ${bytes} }) { text isError } }`, {}, ADMIN_KEY);
      expect(response.body.errors).toBeUndefined();
      const { text, isError } = response.body.data.executeMcpTool;
      expect(isError).toBe(false);
      expect(text.length).toBe(bytes);
      expect(text.startsWith(BIG_PATTERN)).toBe(true);
      expect(text === bigText(bytes)).toBe(true);
      expect(await echo(gw, 'ours-stdio', 'after big')).toBe('after big');
      expect((await serverView(gw, 'ours-stdio')).status).toBe('CONNECTED');
    });
  });

  describe('a caller that goes away cancels its call', () => {
    const cases = [
      { id: 'ours-stdio', transport: 'stdio', notification: true },
      { id: 'ours-sessions', transport: 'sessions HTTP', notification: true },
      { id: 'ours-stateless', transport: 'stateless-strict HTTP', notification: false },
      { id: 'ours-sse', transport: 'HTTP+SSE', notification: true },
    ] as const;
    for (const { id, transport, notification } of cases) {
      it(`${transport}: aborting the executeMcpTool request makes the server abort sleep${notification ? ' (notifications/cancelled)' : ' (the request is dropped)'}`, { timeout: SLOW }, async () => {
        const record = () => (id === 'ours-stdio' ? stdioLog.read() : id === 'ours-sessions' ? sessions.record : id === 'ours-stateless' ? stateless.record : sseOnly.record);
        const ms = 60_000 + Math.floor(Math.random() * 1000);
        const controller = new AbortController();
        const request = fetch(gw.graphqlUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
          body: JSON.stringify({ query: EXECUTE, variables: { s: id, t: 'sleep', a: { ms } } }),
          signal: controller.signal,
        }).catch((error: unknown) => error);
        const call = await waitFor(() => record().calls.find((c) => c.tool === 'sleep' && (c.args as { ms: number }).ms === ms), 'the sleep call to reach the server');
        controller.abort();
        expect(((await request) as Error).name).toBe('AbortError');
        const abort = await waitFor(() => record().aborts.find((a) => a.tool === 'sleep' && a.requestId === call.requestId && (a.args as { ms: number }).ms === ms), 'the server to abort the sleep', 60_000);
        expect(abort).toBeDefined();
        if (notification) {
          await waitFor(() => record().cancellations.find((c) => c.requestId === call.requestId && c.tool === 'sleep'), 'notifications/cancelled', 30_000);
        }
        expect(record().finished.filter((f) => f.tool === 'sleep' && f.requestId === call.requestId && f.sessionId === call.sessionId)).toEqual([]);
        expect(await echo(gw, id, 'after the abort')).toBe('after the abort');
      });
    }
  });

  describe('tools refresh', () => {
    for (const id of ['ours-stdio', 'ours-sessions']) {
      it(`${id}: a tool added by add_tool shows in mcpTools and can be called`, { timeout: SLOW }, async () => {
        const name = `fresh_${id.replace('-', '_')}`;
        expect((await execute(gw, id, 'add_tool', { name })).body.data.executeMcpTool).toMatchObject({ text: 'added', isError: false });
        await waitFor(async () => (await toolNames(gw, id))?.includes(name), `mcpTools(${id}) to list ${name}`);
        expect((await gw.gql(TOOLS, { s: id }, ADMIN_KEY)).body.data.mcpTools).toContainEqual({ name, functionName: `${id}__${name}` });
        expect((await execute(gw, id, name, {})).body.data.executeMcpTool).toMatchObject({ text: `${name} called`, isError: false });
      });
    }
  });

  describe('removeMcpServer', () => {
    it('sessions HTTP: the server gets the session DELETE; the server and its tools are gone', { timeout: SLOW }, async () => {
      const before = new Set(sessions.record.openedSessions);
      await registerConnected(gw, { id: 'to-remove-http', url: sessions.url });
      const opened = sessions.record.openedSessions.filter((id) => !before.has(id));
      expect(opened).toHaveLength(1);
      const removed = await gw.gql(`mutation { removeMcpServer(id: "to-remove-http") }`, {}, ADMIN_KEY);
      expect(removed.body).toEqual({ data: { removeMcpServer: true } });
      expect(sessions.record.deletedSessions).toContain(opened[0]);
      expect(sessions.openSessions()).not.toContain(opened[0]);
      await expectGone('to-remove-http');
    });

    it('stdio: every process it started (server, grandchild, probe sibling) is gone; the server and its tools are gone', { timeout: SLOW }, async () => {
      const log = await createTestMcpLog();
      cleanups.push(() => log.dispose());
      await registerConnected(gw, stdioInput('to-remove-stdio', testMcpStdioCommand({ MCP_TEST_LOG: log.file, MCP_TEST_IGNORE_STDIN_EOF: '1', MCP_TEST_SPAWN_CHILD: '1' })));
      expect(await echo(gw, 'to-remove-stdio', 'before removal')).toBe('before removal');
      const pids = () => log.read().events.flatMap((e) => (e.type === 'pid' ? [e] : []));
      // The connection's server and its grandchild, and the probe sibling versionNegotiation started first.
      await waitFor(() => pids().filter((p) => p.role === 'server').length >= 2 && pids().filter((p) => p.role === 'child').length >= 2, 'the pids of both servers and their children');
      const serving = pids().filter((p) => p.role === 'server').at(-1)!.pid;
      expect(isProcessAlive(serving)).toBe(true);
      const all = pids().map((p) => p.pid);

      const removed = await gw.gql(`mutation { removeMcpServer(id: "to-remove-stdio") }`, {}, ADMIN_KEY);
      expect(removed.body).toEqual({ data: { removeMcpServer: true } });
      await waitFor(() => all.every((pid) => !isProcessAlive(pid)), `every logged pid (${all.join(', ')}) to be gone`, 10_000).catch(() => {
        throw new Error(`still alive after removeMcpServer: ${all.filter(isProcessAlive).join(', ')} of ${JSON.stringify(pids())}`);
      });
      await expectGone('to-remove-stdio');
    });

    async function expectGone(id: string) {
      const ids = (await gw.gql(SERVERS, {}, ADMIN_KEY)).body.data.mcpServers.map((s: { id: string }) => s.id);
      expect(ids).not.toContain(id);
      expect(codeOf(await gw.gql(TOOLS, { s: id }, ADMIN_KEY))).toBe('NOT_FOUND');
      expect(codeOf(await execute(gw, id, 'echo', { text: 'x' }))).toBe('NOT_FOUND');
      expect(codeOf(await gw.gql(`mutation { removeMcpServer(id: "${id}") }`, {}, ADMIN_KEY))).toBe('NOT_FOUND');
    }
  });

  describe('mcpServerChanged', () => {
    it('a sessions HTTP server going down is FAILED; back on the same port it is CONNECTED again (no call in flight)', { timeout: SLOW }, async () => {
      let flaky = await startTestMcpHttpServer({ mode: 'sessions' });
      const port = Number(new URL(flaky.url).port);
      cleanups.push(() => flaky.close());
      await registerConnected(gw, { id: 'flaky', url: flaky.url });
      const sub = await liveChanges(gw, 'id status error tools { name }', 'flaky');
      const events = () => sub.results.map((r) => r.data?.mcpServerChanged).filter((e) => e?.id === 'flaky');
      await waitFor(() => events().some((e) => e.status === 'CONNECTED'), 'the reconnect events');
      const seen = events().length;

      await flaky.close();
      // No executeMcpTool here: the gateway must notice on its own.
      const down = await waitFor(() => events().slice(seen).find((e) => e.status === 'FAILED'), 'a FAILED event after the server closed', 60_000);
      expect(down.error).toEqual(expect.stringMatching(/\S/));
      expect((await serverView(gw, 'flaky')).status).not.toBe('CONNECTED');
      expect(codeOf(await execute(gw, 'flaky', 'echo', { text: 'while down' }))).toBe('UPSTREAM_UNAVAILABLE');

      flaky = await startTestMcpHttpServer({ mode: 'sessions', port });
      const back = await waitFor(() => events().slice(seen).find((e, i, all) => e.status === 'CONNECTED' && all.slice(0, i).some((d) => d.status === 'FAILED')), 'CONNECTED after FAILED', 60_000);
      expect(back.error).toBeNull();
      expect(back.tools.map((t: { name: string }) => t.name)).toEqual(expect.arrayContaining(OUR_TOOLS));
      expect(events().slice(seen).every((e) => ['CONNECTING', 'FAILED', 'CONNECTED'].includes(e.status))).toBe(true);
      expect(await echo(gw, 'flaky', 'back again')).toBe('back again');
      sub.unsubscribe();
    });
  });

  it('after all of the above, no secret of the secrets test is in any log line', () => {
    const secrets = ['hdr-secret-6f1c2a9be0d74e35', 'hdr-secret-2-90ab17cc3d5e', 'env-secret-b83d5e0a71c94f62', 'env-secret-printed-4417ad93ce'];
    expect(gw.logs.filter((line) => secrets.some((secret) => line.includes(secret)))).toEqual([]);
  });
});

describe('tool timeouts (MCP_TOOL_TIMEOUT_MS=1500)', () => {
  let gw: TestGateway;
  let log: TestMcpLog;
  let sessions: TestMcpHttpServer;
  let stateless: TestMcpHttpServer;
  let sseOnly: TestMcpHttpServer;
  beforeAll(async () => {
    [log, sessions, stateless, sseOnly] = await Promise.all([
      createTestMcpLog(),
      startTestMcpHttpServer({ mode: 'sessions' }),
      startTestMcpHttpServer({ mode: 'stateless-strict' }),
      startTestMcpHttpServer({ mode: 'sse-only' }),
    ]);
    gw = await startTestGateway('pglite', { MCP_TOOL_TIMEOUT_MS: '1500' });
  }, SLOW);
  afterAll(async () => {
    await gw?.stop();
    await Promise.all([log?.dispose(), sessions?.close(), stateless?.close(), sseOnly?.close()]);
  }, SLOW);

  const cases = [
    { transport: 'stdio', notification: true },
    { transport: 'sessions', notification: true },
    { transport: 'stateless-strict', notification: false },
    { transport: 'sse-only', notification: true },
  ] as const;
  for (const { transport, notification } of cases) {
    it(`${transport}: 'never' is an isError result naming MCP_TOOL_TIMEOUT_MS, and the server aborted it${notification ? ' (notifications/cancelled)' : ''}`, { timeout: SLOW }, async () => {
      const id = `never-${transport}`;
      const record = () => (transport === 'stdio' ? log.read() : transport === 'sessions' ? sessions.record : transport === 'stateless-strict' ? stateless.record : sseOnly.record);
      const url = transport === 'sessions' ? sessions.url : transport === 'stateless-strict' ? stateless.url : sseOnly.url;
      await registerConnected(gw, transport === 'stdio' ? stdioInput(id, testMcpStdioCommand({ MCP_TEST_LOG: log.file })) : { id, url });
      const response = await execute(gw, id, 'never', {});
      expect(response.body.errors).toBeUndefined();
      const result = response.body.data.executeMcpTool;
      expect(result.isError).toBe(true);
      expect(result.text).toContain('MCP_TOOL_TIMEOUT_MS');
      const call = record().calls.find((c) => c.tool === 'never');
      expect(call).toBeDefined();
      await waitFor(() => record().aborts.find((a) => a.tool === 'never' && a.requestId === call!.requestId), 'the server to abort never', 30_000);
      if (notification) {
        await waitFor(() => record().cancellations.find((c) => c.tool === 'never' && c.requestId === call!.requestId), 'notifications/cancelled for never', 30_000);
      } else {
        expect(record().cancellations).toEqual([]);
      }
      // One timeout is not a hung server: it stays connected and answers.
      expect((await gw.gql(`{ mcpServer(id: "${id}") { status } }`, {}, ADMIN_KEY)).body.data.mcpServer.status).toBe('CONNECTED');
      expect(await echo(gw, id, 'after a timeout')).toBe('after a timeout');
    });
  }
});

describe('a server announcing list changes whose notification never arrives (MCP_TOOLS_REFRESH_MS=1000)', () => {
  let gw: TestGateway;
  let silent: TestMcpHttpServer;
  beforeAll(async () => {
    // A 2025-era sessions server offering no event stream: its list_changed reaches no client.
    silent = await startTestMcpHttpServer({ mode: 'sessions', noStandaloneStream: true });
    gw = await startTestGateway('pglite', { MCP_TOOLS_REFRESH_MS: '1000' });
  }, SLOW);
  afterAll(async () => {
    await gw?.stop();
    await silent?.close();
  }, SLOW);

  it('still re-lists its tools on the refresh interval: a tool added then is seen and callable', { timeout: SLOW }, async () => {
    await registerConnected(gw, { id: 'silent', url: silent.url });
    expect((await execute(gw, 'silent', 'add_tool', { name: 'late' })).body.data.executeMcpTool).toMatchObject({ text: 'added', isError: false });
    await waitFor(async () => (await toolNames(gw, 'silent'))?.includes('late'), 'mcpTools(silent) to list late');
    expect((await execute(gw, 'silent', 'late', {})).body.data.executeMcpTool).toMatchObject({ text: 'late called', isError: false });
  });
});

describe.each(storageBackendNames())('registrations across a restart on %s', (backendName) => {
  it('a stored server is back CONNECTED with its tools after a restart', { timeout: SLOW }, async () => {
    const backend = await createBackend(backendName);
    const http = await startTestMcpHttpServer({ mode: 'sessions' });
    const log = await createTestMcpLog();
    let first: TestGateway | undefined;
    let second: TestGateway | undefined;
    try {
      first = await startTestGateway(backend);
      await registerConnected(first, stdioInput('kept-stdio', testMcpStdioCommand({ MCP_TEST_LOG: log.file })));
      await registerConnected(first, { id: 'kept-http', url: http.url, headers: [{ name: 'Authorization', value: 'Bearer kept-secret' }] });
      await first.stop({ keepData: true });

      second = await startTestGateway(backend);
      const gw = second;
      const servers = await waitFor(async () => {
        const list = (await gw.gql(SERVERS, {}, ADMIN_KEY)).body.data.mcpServers as Array<{ id: string; status: string }>;
        return list.length === 2 && list.every((s) => s.status === 'CONNECTED') && list;
      }, 'both servers CONNECTED after the restart', 60_000);
      expect(servers).toMatchObject([
        { id: 'kept-stdio', transport: 'STDIO', command: process.execPath, envNames: ['MCP_TEST_LOG'] },
        { id: 'kept-http', transport: 'HTTP', url: http.url, headerNames: ['Authorization'] },
      ]);
      for (const server of servers as unknown as Array<{ tools: Array<{ name: string }> }>) expect(server.tools.map((t) => t.name)).toEqual(expect.arrayContaining(OUR_TOOLS));
      expect(await echo(second, 'kept-stdio', 'after restart')).toBe('after restart');
      expect(await echo(second, 'kept-http', 'after restart')).toBe('after restart');
      expect(JSON.stringify(servers)).not.toContain('kept-secret');
    } finally {
      await first?.stop({ keepData: true });
      await second?.stop();
      await backend.dispose();
      await http.close();
      await log.dispose();
    }
  });

  it('servers that are down or hang at start-up do not hold start-up back: health answers, they are FAILED / still CONNECTING; removeMcpServer and shutdown do not wait on them', { timeout: SLOW }, async () => {
    const backend = await createBackend(backendName);
    const hanging = await startHangingServer();
    const pidLog = await createTestMcpLog();
    const hangingPids = () => (existsSync(pidLog.file) ? readFileSync(pidLog.file, 'utf8').split('\n').filter(Boolean).map(Number) : []);
    let first: TestGateway | undefined;
    let second: TestGateway | undefined;
    try {
      // A short connect timeout lets the registrations answer (FAILED) quickly.
      first = await startTestGateway(backend, { MCP_CONNECT_TIMEOUT_MS: '1000' });
      const refused = await register(first, { id: 'down-at-start', url: `http://127.0.0.1:${await freePort()}/mcp` });
      expect(refused.body.data.registerMcpServer.status).toBe('FAILED');
      const hung = await register(first, { id: 'hangs-at-start', url: hanging.url });
      expect(hung.body.data.registerMcpServer.status).toBe('FAILED');
      // A stdio server that starts and never answers the handshake; each process it runs appends its pid.
      const silent = await register(first, { id: 'silent-at-start', command: '/bin/sh', args: ['-c', 'echo $$ >> "$0"; exec sleep 600', pidLog.file] });
      expect(silent.body.data.registerMcpServer.status).toBe('FAILED');
      await first.stop({ keepData: true });

      // Now a connect may take 10 minutes: had start-up waited for the hanging server, it would not be CONNECTING below.
      second = await startTestGateway(backend, { MCP_CONNECT_TIMEOUT_MS: '600000' });
      const gw = second;
      expect((await fetch(`${gw.url}/health`)).status).toBe(200);
      expect((await gw.gql('{ health { status } }')).body.data.health.status).toBe('OK');
      expect((await serverView(gw, 'hangs-at-start')).status).toBe('CONNECTING');
      expect((await serverView(gw, 'silent-at-start')).status).toBe('CONNECTING');
      const down = await waitFor(async () => {
        const view = await serverView(gw, 'down-at-start');
        return view.status === 'FAILED' && view;
      }, 'the unreachable server to be FAILED', 30_000);
      expect(down.error).toEqual(expect.stringMatching(/\S/));
      expect((await gw.gql(`mutation { createAgent(input: { id: "works" }) { id } }`, {}, ADMIN_KEY)).body.data).toEqual({ createAgent: { id: 'works' } });

      // Removing a server in the middle of its handshake ends the attempt: the hanging HTTP connection closes and
      // the silent stdio server's processes are gone (those of the first gateway's attempts too).
      // (The first gateway's attempts gave up after 1 s and closed their requests.)
      await waitFor(() => hanging.waitingRequests() > 0 && hangingPids().length > 0, 'the second gateway to reach both hanging servers');
      for (const id of ['hangs-at-start', 'silent-at-start']) {
        expect((await gw.gql(`mutation($id: ID!) { removeMcpServer(id: $id) }`, { id }, ADMIN_KEY)).body).toEqual({ data: { removeMcpServer: true } });
      }
      await waitFor(() => hanging.waitingRequests() === 0, 'the connection to the hanging HTTP server to close', 10_000);
      const pids = hangingPids();
      await waitFor(() => pids.every((pid) => !isProcessAlive(pid)), `the silent server's processes (${pids.join(', ')}) to be gone`, 10_000);
    } finally {
      // Ends within the test's timeout only if shutdown does not wait for the pending connect.
      await first?.stop({ keepData: true });
      await second?.stop();
      await backend.dispose();
      await hanging.close();
      await pidLog.dispose();
    }
  });
});
