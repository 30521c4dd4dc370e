// The real MCP servers the gateway's tests and bench use (test/support/mcp-servers.ts), each reached by the client
// the gateway uses: @modelcontextprotocol/client 2.x with versionNegotiation 'auto'. Nothing is mocked. Besides
// proving the servers work, these tests pin down what the client does that the gateway depends on: which era each
// server gets, how a cancel reaches the server on each transport, list_changed delivery, how a legacy HTTP+SSE
// server looks to the streamable HTTP transport, and that closing a client does not end an HTTP session.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  Client,
  type ClientOptions,
  SdkError,
  SdkErrorCode,
  SdkHttpError,
  SSEClientTransport,
  StreamableHTTPClientTransport,
  type Transport,
} from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as StreamableHTTPClientTransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BIG_PATTERN, TEST_RESOURCE_TEXT, TEST_RESOURCE_URI, TINY_PNG_BASE64 } from './fixtures/mcp/test-server.js';
import {
  createTestMcpLog,
  type EverythingHttpServer,
  everythingStdioCommand,
  isProcessAlive,
  startEverythingHttp,
  startTestMcpHttpServer,
  type TestMcpHttpServer,
  type TestMcpLog,
  type TestMcpRecord,
  testMcpStdioCommand,
} from './support/mcp-servers.js';

const SLOW = 120_000;
const OUR_TOOLS = ['echo', 'add', 'sleep', 'never', 'big', 'image', 'resource', 'fail', 'crash', 'add_tool'];

/** Polls until `check` holds (generous deadline: this is a wait, not a timing assertion). */
async function waitFor(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

interface Connected {
  client: Client;
  /** Tool lists delivered to listChanged.tools.onChanged. */
  toolLists: string[][];
  errors: Error[];
  closed: () => boolean;
}

async function connect(transport: Transport, options: ClientOptions = {}): Promise<Connected> {
  const toolLists: string[][] = [];
  const errors: Error[] = [];
  let closed = false;
  const client = new Client(
    { name: 'muxgate-test', version: '1.0.0' },
    {
      versionNegotiation: { mode: 'auto' },
      listChanged: { tools: { onChanged: (error, tools) => (error ? errors.push(error) : toolLists.push((tools ?? []).map((t) => t.name))) } },
      ...options,
    },
  );
  client.onerror = (error) => errors.push(error);
  client.onclose = () => (closed = true);
  await client.connect(transport, { timeout: 60_000 });
  return { client, toolLists, errors, closed: () => closed };
}

function textOf(result: Awaited<ReturnType<Client['callTool']>>): string {
  const first = result.content[0];
  if (first?.type !== 'text') throw new Error(`expected text content, got ${JSON.stringify(result.content)}`);
  return first.text;
}

/** The calls every transport of our server must serve. */
async function exerciseOurTools(client: Client): Promise<void> {
  const { tools } = await client.listTools();
  expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(OUR_TOOLS));
  expect(tools.find((t) => t.name === 'add')?.outputSchema).toBeDefined();

  expect(textOf(await client.callTool({ name: 'echo', arguments: { text: 'hello' } }))).toBe('hello');
  const sum = await client.callTool({ name: 'add', arguments: { a: 2, b: 40 } });
  expect(textOf(sum)).toBe('42');
  expect(sum.structuredContent).toEqual({ sum: 42 });
  expect(textOf(await client.callTool({ name: 'sleep', arguments: { ms: 10 } }))).toBe('slept 10');
  const big = textOf(await client.callTool({ name: 'big', arguments: { bytes: 100_003 } }));
  expect(big.length).toBe(100_003);
  expect(big.startsWith(BIG_PATTERN)).toBe(true);
  expect((await client.callTool({ name: 'image', arguments: {} })).content).toEqual([{ type: 'image', data: TINY_PNG_BASE64, mimeType: 'image/png' }]);
  expect((await client.callTool({ name: 'resource', arguments: {} })).content).toEqual([
    { type: 'resource', resource: { uri: TEST_RESOURCE_URI, mimeType: 'text/plain', text: TEST_RESOURCE_TEXT } },
  ]);
  const failed = await client.callTool({ name: 'fail', arguments: { message: 'it broke' } });
  expect(failed.isError).toBe(true);
  expect(textOf(failed)).toBe('it broke');
}

/** Aborts a 'never' call through its signal; resolves with the error callTool rejected with. */
async function abortNever(client: Client, record: () => TestMcpRecord): Promise<unknown> {
  const before = record().calls.length;
  const controller = new AbortController();
  const call = client.callTool({ name: 'never', arguments: {} }, { signal: controller.signal, timeout: 60_000 });
  await waitFor(() => record().calls.length > before, 'the never call to reach the server');
  controller.abort('caller gave up');
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  await waitFor(() => record().aborts.some((a) => a.tool === 'never'), "the server to abort the 'never' tool");
  return error;
}

/**
 * A streamable HTTP transport whose fetch tells when the standalone GET event stream is open. On a 2025-era session
 * the client opens that stream only after connect() has returned, without awaiting it, and the server drops a
 * notification sent while no such stream is open: a test must wait for it before making the server notify.
 */
function streamableHttpNotingStream(url: string): { transport: StreamableHTTPClientTransport; standaloneStreamOpened: Promise<void> } {
  let opened!: () => void;
  const standaloneStreamOpened = new Promise<void>((resolve) => (opened = resolve));
  const fetchNotingStream: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    // The server registers the stream before it answers the GET, so its headers mean notifications will reach us.
    if (init?.method === 'GET' && response.ok && response.headers.get('content-type')?.startsWith('text/event-stream')) opened();
    return response;
  };
  return { transport: new StreamableHTTPClientTransport(new URL(url), { fetch: fetchNotingStream }), standaloneStreamOpened };
}

/** add_tool on the server; resolves once listChanged.tools.onChanged delivered a list with the new tool. */
async function addToolAndWaitForListChanged(connected: Connected, name: string): Promise<void> {
  expect(textOf(await connected.client.callTool({ name: 'add_tool', arguments: { name } }))).toBe('added');
  await waitFor(() => connected.toolLists.some((list) => list.includes(name)), `listChanged to deliver ${name}`);
  expect(textOf(await connected.client.callTool({ name, arguments: {} }))).toBe(`${name} called`);
}

function expectCallerAbortError(error: unknown): void {
  // Surprise: a caller's abort rejects with the same code as a timeout (SdkError REQUEST_TIMEOUT, message = the
  // abort reason), not an AbortError: the caller tells the two apart by its own signal.
  expect(error).toBeInstanceOf(SdkError);
  expect((error as SdkError).code).toBe(SdkErrorCode.RequestTimeout);
  expect((error as SdkError).message).toBe('caller gave up');
}

describe('our test server over stdio', () => {
  let log: TestMcpLog;
  let connected: Connected | undefined;
  beforeAll(async () => {
    log = await createTestMcpLog();
  });
  afterEach(async () => {
    await connected?.client.close();
    connected = undefined;
  });
  afterAll(() => log.dispose());

  it('negotiates the 2026-07-28 era and serves every tool', { timeout: SLOW }, async () => {
    connected = await connect(new StdioClientTransport({ ...testMcpStdioCommand({ MCP_TEST_LOG: log.file }), stderr: 'ignore' }));
    expect(connected.client.getProtocolEra()).toBe('modern');
    expect(connected.client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
    await exerciseOurTools(connected.client);
    // versionNegotiation 'auto' probes on a sibling process: two servers started for one connection.
    expect(log.read().events.filter((e) => e.type === 'pid' && e.role === 'server').length).toBeGreaterThanOrEqual(2);
  });

  it('receives notifications/cancelled when the caller aborts, and listChanged fires after add_tool', { timeout: SLOW }, async () => {
    connected = await connect(new StdioClientTransport({ ...testMcpStdioCommand({ MCP_TEST_LOG: log.file }), stderr: 'ignore' }));
    const error = await abortNever(connected.client, () => log.read());
    expectCallerAbortError(error);
    await waitFor(() => log.read().cancellations.some((c) => c.tool === 'never'), 'notifications/cancelled in the log');
    expect(log.read().cancellations.find((c) => c.tool === 'never')?.reason).toBe('caller gave up');

    await addToolAndWaitForListChanged(connected, 'stdio_extra');
  });

  it('a request timeout also sends notifications/cancelled', { timeout: SLOW }, async () => {
    const local = await createTestMcpLog();
    try {
      connected = await connect(new StdioClientTransport({ ...testMcpStdioCommand({ MCP_TEST_LOG: local.file }), stderr: 'ignore' }));
      const error = await connected.client.callTool({ name: 'never', arguments: {} }, { timeout: 1_000 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(SdkError);
      expect((error as SdkError).code).toBe(SdkErrorCode.RequestTimeout);
      expect((error as SdkError).data).toEqual({ timeout: 1_000 });
      await waitFor(() => local.read().cancellations.length === 1 && local.read().aborts.length === 1, 'the cancel to reach the server');
    } finally {
      await connected?.client.close();
      connected = undefined;
      await local.dispose();
    }
  });

  it('crash: the call rejects with CONNECTION_CLOSED, onclose fires, later calls fail', { timeout: SLOW }, async () => {
    connected = await connect(new StdioClientTransport({ ...testMcpStdioCommand({ MCP_TEST_LOG: log.file }), stderr: 'ignore' }));
    const error = await connected.client.callTool({ name: 'crash', arguments: {} }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SdkError);
    expect((error as SdkError).code).toBe(SdkErrorCode.ConnectionClosed);
    await waitFor(connected.closed, 'onclose');
    await expect(connected.client.callTool({ name: 'echo', arguments: { text: 'x' } })).rejects.toThrow(/Not connected/);
  });

  it('MCP_TEST_IGNORE_STDIN_EOF, MCP_TEST_IGNORE_SIGTERM and MCP_TEST_SPAWN_CHILD: alive after EOF and SIGTERM, gone with its group on SIGKILL', { timeout: SLOW }, async () => {
    const local = await createTestMcpLog();
    const command = testMcpStdioCommand({ MCP_TEST_LOG: local.file, MCP_TEST_IGNORE_STDIN_EOF: '1', MCP_TEST_IGNORE_SIGTERM: '1', MCP_TEST_SPAWN_CHILD: '1' });
    const server = spawn(command.command, command.args, {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...command.env },
      stdio: ['pipe', 'ignore', 'ignore'],
      detached: true, // its own process group, as the gateway will spawn stdio servers
    });
    const exited = once(server, 'exit');
    try {
      await waitFor(() => local.read().events.some((e) => e.type === 'pid' && e.role === 'child'), 'the pids in the log');
      const pids = local.read().events.flatMap((e) => (e.type === 'pid' ? [e] : []));
      expect(pids.find((p) => p.role === 'server')?.pid).toBe(server.pid);
      const child = pids.find((p) => p.role === 'child')!.pid;

      server.stdin!.end();
      await waitFor(() => local.read().events.some((e) => e.type === 'stdin-end'), 'stdin-end in the log');
      expect(isProcessAlive(server.pid!)).toBe(true);

      process.kill(-server.pid!, 'SIGTERM');
      await waitFor(() => !isProcessAlive(child), 'the grandchild to die of SIGTERM');
      expect(server.exitCode).toBe(null);
      expect(isProcessAlive(server.pid!)).toBe(true);

      process.kill(-server.pid!, 'SIGKILL');
      await exited;
      await waitFor(() => !isProcessAlive(server.pid!) && !isProcessAlive(child), 'the whole group to be gone');
    } finally {
      if (server.exitCode === null && server.signalCode === null) process.kill(-server.pid!, 'SIGKILL');
      await local.dispose();
    }
  });
});

describe.each(['sessions', 'stateless-strict'] as const)('our test server over streamable HTTP (%s)', (mode) => {
  let server: TestMcpHttpServer;
  let connected: Connected | undefined;
  const serverErrors: Error[] = [];
  beforeAll(async () => {
    server = await startTestMcpHttpServer({ mode, onerror: (error) => serverErrors.push(error) });
  });
  afterEach(async () => {
    await connected?.client.close();
    connected = undefined;
  });
  afterAll(() => server?.close());

  it('binds 127.0.0.1 and serves every tool', { timeout: SLOW }, async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    connected = await connect(new StreamableHTTPClientTransport(new URL(server.url)));
    if (mode === 'sessions') {
      expect(connected.client.getProtocolEra()).toBe('legacy');
      expect(connected.client.getNegotiatedProtocolVersion()).toBe('2025-11-25');
    } else {
      expect(connected.client.getProtocolEra()).toBe('modern');
      expect(connected.client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
    }
    await exerciseOurTools(connected.client);
  });

  it('cancelling a call reaches the tool', { timeout: SLOW }, async () => {
    connected = await connect(new StreamableHTTPClientTransport(new URL(server.url)));
    const cancelledBefore = server.record.cancellations.length;
    expectCallerAbortError(await abortNever(connected.client, () => server.record));
    const abort = server.record.aborts.at(-1)!;
    if (mode === 'sessions') {
      // 2025 era: the client POSTs notifications/cancelled on the session.
      await waitFor(() => server.record.cancellations.length > cancelledBefore, 'notifications/cancelled');
      expect(server.record.cancellations.at(-1)).toMatchObject({ tool: 'never', reason: 'caller gave up' });
      expect(abort.reason).toBe('caller gave up');
    } else {
      // 2026-07-28 over HTTP: no notifications/cancelled; the client aborts the request's HTTP exchange and the
      // server's handler sees the connection close.
      expect(server.record.cancellations.length).toBe(cancelledBefore);
      expect(abort.reason).toMatch(/Connection closed/);
    }
  });

  it('listChanged fires after add_tool', { timeout: SLOW }, async () => {
    const { transport, standaloneStreamOpened } = streamableHttpNotingStream(server.url);
    connected = await connect(transport);
    // 2025 era: list_changed travels on the standalone GET stream, opened in the background after connect().
    // The 2026-07-28 era needs no wait: connect() awaits the server's ack of its subscriptions/listen stream.
    if (mode === 'sessions') await standaloneStreamOpened;
    await addToolAndWaitForListChanged(connected, `http_extra_${mode.replace('-', '_')}`);
  });

  if (mode === 'sessions') {
    it('terminateSession() sends the DELETE; client.close() alone does not', { timeout: SLOW }, async () => {
      const transport = new StreamableHTTPClientTransport(new URL(server.url));
      const first = await connect(transport);
      const sessionId = transport.sessionId!;
      expect(server.openSessions()).toContain(sessionId);
      await transport.terminateSession();
      expect(server.record.deletedSessions).toContain(sessionId);
      expect(server.openSessions()).not.toContain(sessionId);
      await first.client.close();

      const other = new StreamableHTTPClientTransport(new URL(server.url));
      const second = await connect(other);
      const kept = other.sessionId!;
      await second.client.close();
      // Give a DELETE every chance to arrive: a round trip on a fresh connection after the close.
      const probe = await connect(new StreamableHTTPClientTransport(new URL(server.url)));
      await probe.client.close();
      expect(server.record.deletedSessions).not.toContain(kept);
      expect(server.openSessions()).toContain(kept);
    });
  }

  if (mode === 'stateless-strict') {
    it('refuses a 2025-era client (@modelcontextprotocol/sdk 1.x) with -32022 Unsupported protocol version', { timeout: SLOW }, async () => {
      const client = new ClientV1({ name: 'v1-client', version: '1.0.0' });
      const error = await client.connect(new StreamableHTTPClientTransportV1(new URL(server.url))).then(
        () => undefined,
        (e: unknown) => e,
      );
      // The 1.x transport throws a StreamableHTTPError for the HTTP 400 whose body is the JSON-RPC error.
      expect((error as Error).constructor.name).toBe('StreamableHTTPError');
      expect((error as { code?: unknown }).code).toBe(400);
      expect((error as Error).message).toContain('"code":-32022');
      expect((error as Error).message).toContain('Unsupported protocol version: 2025-11-25');
      expect((error as Error).message).toContain('"supported":["2026-07-28"]');
      expect(serverErrors.map((e) => e.message)).toContainEqual(expect.stringMatching(/^Rejected 2025-era request on a modern-only endpoint .*Unsupported protocol version: 2025-11-25/));
      await client.close();
    });
  }

  it('crash drops the connection: the call rejects with a fetch TypeError and onclose does not fire', { timeout: SLOW }, async () => {
    const own = await startTestMcpHttpServer({ mode });
    try {
      connected = await connect(new StreamableHTTPClientTransport(new URL(own.url)));
      const error = await connected.client.callTool({ name: 'crash', arguments: {} }, { timeout: 30_000 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(own.crashed()).toBe(true);
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toBe('fetch failed');
      expect(connected.closed()).toBe(false);
    } finally {
      await connected?.client.close();
      connected = undefined;
      await own.close();
    }
  });

  it('saw no server-side errors but the expected rejection', () => {
    // createMcpHandler reports each request it rejects through onerror: the 1.x client's initialize above.
    const unexpected = serverErrors.filter((error) => !/^Rejected 2025-era request on a modern-only endpoint/.test(error.message));
    expect(unexpected).toEqual([]);
  });
});

describe('our test server over legacy HTTP+SSE only', () => {
  let server: TestMcpHttpServer;
  let connected: Connected | undefined;
  beforeAll(async () => {
    server = await startTestMcpHttpServer({ mode: 'sse-only' });
  });
  afterEach(async () => {
    await connected?.client.close();
    connected = undefined;
  });
  afterAll(() => server?.close());

  it('StreamableHTTPClientTransport fails with SdkHttpError status 404: the sign to fall back', { timeout: SLOW }, async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/sse$/);
    const client = new Client({ name: 'muxgate-test', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
    const error = await client.connect(new StreamableHTTPClientTransport(new URL(server.url))).then(
      () => undefined,
      (e: unknown) => e,
    );
    // The server/discover probe's 404 reads as "legacy"; the initialize POST's 404 is then thrown.
    expect(error).toBeInstanceOf(SdkHttpError);
    expect((error as SdkHttpError).code).toBe(SdkErrorCode.ClientHttpNotImplemented);
    expect((error as SdkHttpError).data).toMatchObject({ status: 404 });
    await client.close();
    expect(server.openSessions()).toEqual([]);
  });

  it('SSEClientTransport reaches it (2025 era) and serves every tool', { timeout: SLOW }, async () => {
    connected = await connect(new SSEClientTransport(new URL(server.url)));
    expect(connected.client.getProtocolEra()).toBe('legacy');
    expect(server.openSessions()).toHaveLength(1);
    await exerciseOurTools(connected.client);
  });

  it('cancelling a call sends notifications/cancelled; listChanged fires after add_tool', { timeout: SLOW }, async () => {
    connected = await connect(new SSEClientTransport(new URL(server.url)));
    expectCallerAbortError(await abortNever(connected.client, () => server.record));
    await waitFor(() => server.record.cancellations.some((c) => c.tool === 'never'), 'notifications/cancelled');
    expect(server.record.aborts.at(-1)?.reason).toBe('caller gave up');
    await addToolAndWaitForListChanged(connected, 'sse_extra');
  });

  it('crash: the SSE stream drops but the pending call is not failed; it ends by its own timeout', { timeout: SLOW }, async () => {
    const own = await startTestMcpHttpServer({ mode: 'sse-only' });
    try {
      connected = await connect(new SSEClientTransport(new URL(own.url)));
      const error = await connected.client.callTool({ name: 'crash', arguments: {} }, { timeout: 3_000 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(own.crashed()).toBe(true);
      expect(error).toBeInstanceOf(SdkError);
      expect((error as SdkError).code).toBe(SdkErrorCode.RequestTimeout);
      expect(connected.errors.some((e) => e.constructor.name === 'SseError')).toBe(true);
      expect(connected.closed()).toBe(false);
    } finally {
      await connected?.client.close();
      connected = undefined;
      await own.close();
    }
  });
});

describe('@modelcontextprotocol/server-everything', () => {
  let everything: EverythingHttpServer | undefined;
  let connected: Connected | undefined;
  afterEach(async () => {
    await connected?.client.close();
    connected = undefined;
  });
  afterAll(() => everything?.close());

  it('over stdio: 2025 era (it is built on sdk 1.x), echo answers "Echo: <message>"', { timeout: SLOW }, async () => {
    connected = await connect(new StdioClientTransport({ ...everythingStdioCommand(), stderr: 'ignore' }));
    expect(connected.client.getProtocolEra()).toBe('legacy');
    const { tools } = await connected.client.listTools();
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['echo', 'get-sum']));
    expect(textOf(await connected.client.callTool({ name: 'echo', arguments: { message: 'hi' } }))).toBe('Echo: hi');
  });

  it('over streamable HTTP on 127.0.0.1; close() leaves no process behind', { timeout: SLOW }, async () => {
    everything = await startEverythingHttp();
    expect(everything.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    const transport = new StreamableHTTPClientTransport(new URL(everything.url));
    connected = await connect(transport);
    expect(connected.client.getProtocolEra()).toBe('legacy');
    expect(transport.sessionId).toBeDefined();
    const { tools } = await connected.client.listTools();
    expect(tools.map((t) => t.name)).toContain('echo');
    expect(textOf(await connected.client.callTool({ name: 'echo', arguments: { message: 'over http' } }))).toBe('Echo: over http');
    const sum = await connected.client.callTool({ name: 'get-sum', arguments: { a: 1, b: 2 } });
    expect(textOf(sum)).toContain('3');
    await transport.terminateSession();
    await connected.client.close();
    connected = undefined;

    const pid = everything.pid;
    await everything.close();
    everything = undefined;
    expect(isProcessAlive(pid)).toBe(false);
  });
});

describe('the cost of versionNegotiation auto on stdio', () => {
  it('logs connect and first-listTools times, auto vs legacy (no assertion on time)', { timeout: SLOW }, async () => {
    const rows: string[] = [];
    for (const [name, command] of [
      ['ours', testMcpStdioCommand()],
      ['server-everything', everythingStdioCommand()],
    ] as const) {
      for (const mode of ['auto', 'legacy'] as const) {
        const started = performance.now();
        const { client } = await connect(new StdioClientTransport({ ...command, stderr: 'ignore' }), { versionNegotiation: { mode } });
        const connectedMs = performance.now() - started;
        await client.listTools();
        const readyMs = performance.now() - started;
        rows.push(`${name} ${mode} (${client.getProtocolEra()}): connect ${connectedMs.toFixed(0)} ms, connect+listTools ${readyMs.toFixed(0)} ms`);
        await client.close();
      }
    }
    console.info(`versionNegotiation on stdio:\n  ${rows.join('\n  ')}`);
    expect(rows).toHaveLength(4);
  });
});
