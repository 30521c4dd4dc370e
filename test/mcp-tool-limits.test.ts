import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startTestGateway, type TestGateway } from './support/gateway.js';
import { startTestMcpHttpServer, type TestMcpHttpServer, testMcpStdioCommand } from './support/mcp-servers.js';

/**
 * executeMcpTool within bounds: a result larger than MCP_TOOL_RESULT_MAX_BYTES is refused while it
 * is read (isError with a note, over streamable HTTP, HTTP+SSE and stdio) and the gateway goes on
 * serving; calls per minute and in flight are limited per caller, refused RATE_LIMITED (REST: 429
 * with Retry-After).
 */
const MAX_BYTES = 1024 * 1024;
const EXECUTE = `mutation($s: ID!, $t: String!, $a: JSON) { executeMcpTool(serverId: $s, toolName: $t, arguments: $a) { text isError } }`;
const REGISTER = `mutation($input: RegisterMcpServerInput!) { registerMcpServer(input: $input) { id status } }`;
const STATUS = `query($id: ID!) { mcpServer(id: $id) { status } }`;
const pairs = (map: Record<string, string>) => Object.entries(map).map(([name, value]) => ({ name, value }));

async function waitFor<T>(probe: () => T | Promise<T>, what: string): Promise<NonNullable<T>> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('MCP_TOOL_RESULT_MAX_BYTES', () => {
  let gw: TestGateway;
  let servers: TestMcpHttpServer[];
  beforeAll(async () => {
    servers = await Promise.all([startTestMcpHttpServer({ mode: 'sessions' }), startTestMcpHttpServer({ mode: 'stateless-strict' }), startTestMcpHttpServer({ mode: 'sse-only' })]);
    gw = await startTestGateway('pglite', { MCP_TOOL_RESULT_MAX_BYTES: String(MAX_BYTES), MCP_RECONNECT_MAX_MS: '1000' });
    const stdio = testMcpStdioCommand();
    const inputs = [
      { id: 'sessions', url: servers[0]!.url },
      { id: 'stateless', url: servers[1]!.url },
      { id: 'sse', url: servers[2]!.url },
      { id: 'stdio', command: stdio.command, args: stdio.args, env: pairs(stdio.env) },
    ];
    for (const input of inputs) {
      const response = await gw.gql(REGISTER, { input }, ADMIN_KEY);
      expect(response.body.data?.registerMcpServer, input.id).toEqual({ id: input.id, status: 'CONNECTED' });
    }
  }, 120_000);
  afterAll(async () => {
    await gw?.stop();
    await Promise.all((servers ?? []).map((server) => server.close()));
  });

  it.each(['sessions', 'stateless', 'sse', 'stdio'])('refuses a result over the limit with a note, and keeps serving (%s)', { timeout: 120_000 }, async (serverId) => {
    // The earlier cases take seconds; a legacy HTTP+SSE stream has been seen reconnecting meanwhile (cause not found): this case starts connected.
    await waitFor(async () => (await gw.gql(STATUS, { id: serverId }, ADMIN_KEY)).body.data?.mcpServer?.status === 'CONNECTED', `${serverId} connected`);
    const small = await gw.gql(EXECUTE, { s: serverId, t: 'big', a: { bytes: MAX_BYTES / 2 } }, ADMIN_KEY);
    expect(small.body.data.executeMcpTool.isError).toBe(false);
    expect(small.body.data.executeMcpTool.text.length).toBe(MAX_BYTES / 2);

    const response = await gw.gql(EXECUTE, { s: serverId, t: 'big', a: { bytes: 8 * MAX_BYTES } }, ADMIN_KEY);
    expect(response.body.errors).toBeUndefined();
    const { text, isError } = response.body.data.executeMcpTool;
    expect(isError).toBe(true);
    expect(text).toMatch(/larger than MCP_TOOL_RESULT_MAX_BYTES \(1,048,576 bytes\)/);
    expect(JSON.stringify(response.body).length).toBeLessThan(MAX_BYTES);

    // Still serving: this server (a stdio server is started again) and the gateway.
    await waitFor(async () => (await gw.gql(STATUS, { id: serverId }, ADMIN_KEY)).body.data?.mcpServer?.status === 'CONNECTED', `${serverId} connected`);
    const echo = await gw.gql(EXECUTE, { s: serverId, t: 'echo', a: { text: 'after' } }, ADMIN_KEY);
    expect(echo.body.data.executeMcpTool).toEqual({ text: 'after', isError: false });
  });
});

describe('tool call limits', () => {
  let gw: TestGateway;
  let server: TestMcpHttpServer;
  let restBase: string;
  beforeAll(async () => {
    server = await startTestMcpHttpServer({ mode: 'stateless-strict' });
    gw = await startTestGateway('pglite', { TOOL_RATE_LIMIT: '3', MAX_CONCURRENT_TOOL_CALLS_PER_USER: '1' });
    restBase = gw.graphqlUrl.replace(/\/graphql$/, '');
    const response = await gw.gql(REGISTER, { input: { id: 'ours', url: server.url } }, ADMIN_KEY);
    expect(response.body.data?.registerMcpServer).toEqual({ id: 'ours', status: 'CONNECTED' });
  }, 120_000);
  afterAll(async () => {
    await gw?.stop();
    await server?.close();
  });

  it('refuses a second call in flight (MAX_CONCURRENT_TOOL_CALLS_PER_USER), then TOOL_RATE_LIMIT per minute: RATE_LIMITED, 429 with Retry-After on REST', async () => {
    const caller = new AbortController();
    const hanging = fetch(gw.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
      body: JSON.stringify({ query: EXECUTE, variables: { s: 'ours', t: 'never', a: {} } }),
      signal: caller.signal,
    }).catch(() => undefined);
    await waitFor(() => server.record.calls.some((call) => call.tool === 'never'), 'the first call to reach the server');

    const busy = await gw.gql(EXECUTE, { s: 'ours', t: 'echo', a: { text: 'x' } }, ADMIN_KEY);
    expect(busy.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect(busy.body.errors?.[0]?.message).toMatch(/MAX_CONCURRENT_TOOL_CALLS_PER_USER/);
    const busyRest = await fetch(`${restBase}/mcp/servers/ours/tools/echo/execute`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
      body: JSON.stringify({ parameters: { text: 'x' } }),
    });
    expect(busyRest.status).toBe(429);
    expect(Number(busyRest.headers.get('retry-after'))).toBeGreaterThan(0);

    // The caller goes away: its slot is given back.
    caller.abort();
    await hanging;
    await waitFor(() => server.record.aborts.some((abort) => abort.tool === 'never'), 'the first call to be cancelled');
    // 'never' counted one of the minute's 3: two more pass, the next is refused.
    for (const text of ['one', 'two']) {
      const ok = await waitFor(async () => {
        const response = await gw.gql(EXECUTE, { s: 'ours', t: 'echo', a: { text } }, ADMIN_KEY);
        return response.body.errors?.[0]?.message?.includes('in flight') ? undefined : response;
      }, 'the slot to be given back');
      expect(ok.body.data?.executeMcpTool).toEqual({ text, isError: false });
    }
    const refused = await fetch(`${restBase}/mcp/servers/ours/tools/echo/execute`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
      body: JSON.stringify({ parameters: { text: 'three' } }),
    });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await refused.text()).toMatch(/TOOL_RATE_LIMIT/);
  });
});
