// The bench's processes: the gateway as `npm start` runs it, the bare Fastify + Yoga reference, the
// upstream and the clients, each a process of its own on 127.0.0.1.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export const ROOT = new URL('..', import.meta.url).pathname;
export const ADMIN_KEY = 'bench-admin-key-0123456789';
export const USER_KEY = 'bench-user-key-0123456789';
const children: ChildProcess[] = [];

export interface Started {
  child: ChildProcess;
  match: RegExpMatchArray;
  /** From spawn to the `ready` line. */
  startupMs: number;
}

/** Starts `node <args>` and resolves with the first stdout line matching `ready`. */
function start(args: string[], env: Record<string, string>, ready: RegExp): Promise<Started> {
  const spawned = performance.now();
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const match = line.match(ready);
      if (match) resolve({ child, match, startupMs: performance.now() - spawned });
    });
    // 'close', not 'exit': a long last line may still be in the pipe when the process has exited.
    child.once('close', (code) => reject(new Error(`${args.join(' ')} exited with ${code} before it was ready`)));
  });
}

/** A bench script run from source (clients, upstream, routing): their own cost is not what is measured. */
export const startTsx = (args: string[], env: Record<string, string> = {}, ready: RegExp = /^(\{.*\})$/) => start(['--import', 'tsx', ...args], env, ready);

/** Runs one client scenario (bench/client.ts) in its own process and returns its JSON result. */
export async function client(scenario: string, options: object): Promise<any> {
  const { match } = await startTsx(['bench/client.ts', scenario, JSON.stringify(options)]);
  return JSON.parse(match[1]!);
}

/** Compiles what the measured processes run: the gateway (`npm run build`, as `npm start` does) and bench/dist. */
export function build() {
  for (const script of ['build', 'bench:build']) execFileSync('npm', ['run', '--silent', script], { cwd: ROOT, stdio: 'inherit' });
}

/**
 * `npm start`'s command from package.json, split into its environment, node flags and script, so
 * the bench starts the gateway exactly as production does, whatever that command becomes.
 */
export function productionCommand(root = ROOT): { env: Record<string, string>; nodeFlags: string[]; script: string } {
  const command: string = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts.start;
  const words = command.split(/\s+/).filter(Boolean);
  const env: Record<string, string> = {};
  for (let word = words[0]; word === 'exec' || /^\w+=/.test(word ?? ''); word = words[0]) {
    words.shift();
    if (word !== 'exec') env[word!.slice(0, word!.indexOf('='))] = word!.slice(word!.indexOf('=') + 1);
  }
  const script = words.pop();
  if (words.shift() !== 'node' || !script?.endsWith('.js')) throw new Error(`bench: npm start runs "${command}"; expected "node [flags] <script>.js"`);
  return { env, nodeFlags: words, script };
}

/**
 * Starts compiled JavaScript with `npm start`'s node flags, plus the memory probe (bench/gateway-probe.ts,
 * compiled): a SIGUSR2 handler and `--expose-gc`, which cost nothing until the signal comes.
 */
function startCompiled(script: string, args: string[], env: Record<string, string>, ready: RegExp, extraFlags: string[] = []) {
  const production = productionCommand();
  return start(['--expose-gc', '--import', './bench/dist/gateway-probe.js', ...production.nodeFlags, ...extraFlags, script, ...args], { ...production.env, ...env }, ready);
}

export type Database = { kind: 'pglite'; dataDir: string } | { kind: 'postgres'; url: string; schema: string };

export interface Server extends Started {
  graphqlUrl: string;
}

/** The environment every bench gateway runs with: its database, the bench's keys and upstream, and limits lifted. */
export function gatewayEnv(database: Database, upstreamUrl: string): Record<string, string> {
  return {
    HOST: '127.0.0.1',
    PORT: '0',
    ...(database.kind === 'pglite' ? { DATA_DIR: database.dataDir } : { DATABASE_URL: database.url, DATABASE_SCHEMA: database.schema }),
    ADMIN_API_KEY: ADMIN_KEY,
    USER_API_KEY: USER_KEY,
    OPENAI_BASE_URL: upstreamUrl,
    OPENAI_API_KEY: 'bench',
    LOG_LEVEL: 'warn',
    // The bench is one user on one address measuring throughput, not the limits that protect a
    // gateway from one user: 60 chats a minute, 8 runs in flight, 100 sockets an address.
    CHAT_RATE_LIMIT: '1000000',
    MAX_CONCURRENT_RUNS_PER_USER: '10000',
    WS_MAX_CONNECTIONS_PER_ADDRESS: '1000000',
    WS_MAX_CONNECTIONS: '1000000',
  };
}

/**
 * The gateway as `npm start` runs it, on `database`, answering from `upstreamUrl`; `env` adds to (or overrides)
 * its environment (REDIS_URL, say); `nodeFlags` adds node flags (`--cpu-prof`, say) to BENCH_GATEWAY_NODE_FLAGS's.
 */
export async function startGateway(database: Database, upstreamUrl: string, env: Record<string, string> = {}, nodeFlags: string[] = []): Promise<Server> {
  const started = await startCompiled(
    productionCommand().script,
    [],
    { ...gatewayEnv(database, upstreamUrl), ...env },
    /listening on (http:\/\/\S+)/,
    // BENCH_GATEWAY_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the gateway (NODE_OPTIONS refuses those flags).
    [...(process.env.BENCH_GATEWAY_NODE_FLAGS?.split(/\s+/).filter(Boolean) ?? []), ...nodeFlags],
  );
  return { ...started, graphqlUrl: `${started.match[1]}/graphql`.replace('localhost', '127.0.0.1') };
}

/** The reference: plain Fastify + graphql-yoga serving `agentIds` as `{ agents { id } }` (bench/bare-stack.ts). */
export async function startBareStack(agentIds: string[]): Promise<Server> {
  const started = await startCompiled('bench/dist/bare-stack.js', [JSON.stringify(agentIds)], {}, /listening on (http:\/\/\S+)/);
  return { ...started, graphqlUrl: `${started.match[1]}/graphql` };
}

/** The bare pass-through (bench/pass-through.ts): graphql-ws frames straight from the upstream's SSE, `reader` the SDK or node:http. */
export async function startPassThrough(reader: 'sdk' | 'http', upstreamUrl: string): Promise<Server> {
  const started = await startCompiled('bench/dist/pass-through.js', [reader], { OPENAI_BASE_URL: upstreamUrl }, /listening on (http:\/\/\S+)/);
  return { ...started, graphqlUrl: `${started.match[1]}/graphql` };
}

/** The server's memory right after a full collection (see bench/gateway-probe.ts). */
export function memoryAfterGc(child: ChildProcess): Promise<NodeJS.MemoryUsage> {
  return new Promise((resolve) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (!line.startsWith('{"memory"')) return;
      lines.close();
      resolve(JSON.parse(line).memory);
    });
    child.kill('SIGUSR2');
  });
}

export async function stop(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** Ends every process the bench started that is still running. */
export function stopAll() {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
}

/** POSTs one GraphQL operation and returns its data, throwing on errors. */
export async function graphql(url: string, key: string, query: string, variables?: object): Promise<any> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: unknown; errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
