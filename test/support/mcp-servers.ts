// Real MCP servers for the tests and the bench: ours (test/fixtures/mcp/test-server.ts) over stdio and HTTP, and
// @modelcontextprotocol/server-everything over stdio and streamable HTTP. Everything binds 127.0.0.1 on a free port.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { serveTestMcpHttp, type TestMcpHttpMode, type TestMcpHttpOptions, type TestMcpHttpServer } from '../fixtures/mcp/http-hosts.js';
import { TestMcpRecord, type TestMcpEvent } from '../fixtures/mcp/test-server.js';

export type { TestMcpHttpMode, TestMcpHttpServer } from '../fixtures/mcp/http-hosts.js';
export { TestMcpRecord, type TestMcpEvent } from '../fixtures/mcp/test-server.js';

const require = createRequire(import.meta.url);
const FIXTURES = fileURLToPath(new URL('../fixtures/mcp/', import.meta.url));
/** Absolute path of our test server's entry. */
export const TEST_SERVER_PATH = join(FIXTURES, 'test-server.ts');
/** tsx's loader as a file: URL, so `node --import <it>` works from any working directory. */
const TSX_LOADER = pathToFileURL(require.resolve('tsx')).href;
const LOOPBACK_PRELOAD = pathToFileURL(join(FIXTURES, 'loopback-listen.mjs')).href;
/** Absolute path of server-everything's CLI (dist/index.js). */
export const EVERYTHING_PATH = join(dirname(require.resolve('@modelcontextprotocol/server-everything/package.json')), 'dist', 'index.js');

/** What a stdio MCP server is registered with: spawn `command` with `args`, adding `env` to the environment. */
export interface StdioServerCommand {
  command: string;
  args: string[];
  env: Record<string, string>;
}

/**
 * Our test server over HTTP on 127.0.0.1 (see test/fixtures/mcp/http-hosts.ts for the modes). `record` holds what it
 * saw: calls, cancellations (notifications/cancelled on the wire), aborts (a tool's signal fired), sessions opened and
 * deleted (sessions mode records each HTTP DELETE of a session).
 */
export function startTestMcpHttpServer(options: TestMcpHttpOptions): Promise<TestMcpHttpServer> {
  return serveTestMcpHttp(options);
}

/**
 * How to start our test server over stdio: `node --import <tsx> <abs test-server.ts> stdio`. `env` is passed
 * through (MCP_TEST_LOG, MCP_TEST_IGNORE_STDIN_EOF, MCP_TEST_IGNORE_SIGTERM, MCP_TEST_SPAWN_CHILD: see the server).
 */
export function testMcpStdioCommand(env: Record<string, string> = {}): StdioServerCommand {
  return { command: process.execPath, args: ['--import', TSX_LOADER, TEST_SERVER_PATH, 'stdio'], env: { ...env } };
}

/** server-everything over stdio (it inherits nothing it needs from the environment). */
export function everythingStdioCommand(): StdioServerCommand {
  return { command: process.execPath, args: [EVERYTHING_PATH, 'stdio'], env: {} };
}

/** A fresh MCP_TEST_LOG file for a stdio test server, and a reader for what the server(s) using it recorded. */
export interface TestMcpLog {
  file: string;
  /** Every event recorded so far (from every process that used this file: a probe sibling's pid line included). */
  read(): TestMcpRecord;
  dispose(): Promise<void>;
}

export async function createTestMcpLog(): Promise<TestMcpLog> {
  const dir = await mkdtemp(join(tmpdir(), 'muxgate-mcp-'));
  const file = join(dir, 'events.jsonl');
  return { file, read: () => readTestMcpLog(file), dispose: () => rm(dir, { recursive: true, force: true }) };
}

/** Reads an MCP_TEST_LOG file (JSON lines) into a record; a missing file is an empty record. */
export function readTestMcpLog(file: string): TestMcpRecord {
  const record = new TestMcpRecord();
  if (!existsSync(file)) return record;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim()) record.events.push(JSON.parse(line) as TestMcpEvent);
  }
  return record;
}

/** Whether a process with this pid is running (a zombie, dead but not yet reaped, counts as gone). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // /proc/<pid>/stat: "pid (comm) state …"; comm may hold spaces and parentheses, so read after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return !existsSync('/proc/self/stat'); // no /proc (not Linux): kill(0) said it exists
  }
}

/** Stops a child: SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
export async function stopChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}

export interface EverythingHttpServer {
  /** http://127.0.0.1:<port>/mcp */
  url: string;
  pid: number;
  /** What it printed on stderr so far (its request log goes to stdout and is dropped). */
  stderr(): string;
  /** Kills it and waits for it to exit. */
  close(): Promise<void>;
}

/**
 * Spawns server-everything in streamable HTTP mode (`dist/index.js streamableHttp`, port from PORT) on a free
 * 127.0.0.1 port and waits until it listens. It would bind every interface on its own; a preload
 * (test/fixtures/mcp/loopback-listen.mjs) makes it bind 127.0.0.1 and print the port it got.
 */
export async function startEverythingHttp(timeoutMs = 60_000): Promise<EverythingHttpServer> {
  const child = spawn(process.execPath, ['--import', LOOPBACK_PRELOAD, EVERYTHING_PATH, 'streamableHttp'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`server-everything did not listen within ${timeoutMs} ms; stderr: ${stderr}`)), timeoutMs);
    const onData = (chunk: string) => {
      stderr += chunk;
      const match = /MCP_TEST_LISTENING \S+ (\d+)/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        child.off('exit', onExit);
        resolve(Number(match[1]));
      }
    };
    const onExit = (code: number | null, signal: string | null) =>
      fail(new Error(`server-everything exited (${code ?? signal}) before listening; stderr: ${stderr}`));
    function fail(error: Error) {
      clearTimeout(timer);
      child.stderr!.off('data', onData);
      child.off('exit', onExit);
      child.kill('SIGKILL');
      reject(error);
    }
    child.stderr!.on('data', onData);
    child.once('exit', onExit);
  });
  child.stderr!.on('data', (chunk: string) => {
    if (stderr.length < 64 * 1024) stderr += chunk;
  });
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    pid: child.pid!,
    stderr: () => stderr,
    close: () => stopChild(child),
  };
}
