import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createBackend, type StorageBackend } from './support/backends.js';
import { FakeOpenAI } from './support/fake-openai.js';
import { ADMIN_KEY, startTestGateway, type TestGateway } from './support/gateway.js';
import { postGraphQL, runGateway } from './support/process.js';
import { collect, readEventStream } from './support/subscriptions.js';

const EVENTS = `__typename ... on RunEventFields { seq } ... on TokenDelta { text } ... on MessageCompleted { content } ... on RunFailed { code message retryable partialMessageId }`;
const CHAT_STREAM = `subscription($message: String!) { chatStream(input: { message: $message }) { ${EVENTS} } }`;

let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await FakeOpenAI.start();
});
afterAll(() => fake?.close());
beforeEach(() => fake.reset());

async function sseChat(url: string, message: string, credential = ADMIN_KEY) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${credential}` },
    body: JSON.stringify({ query: CHAT_STREAM, variables: { message } }),
  });
  const events: any[] = [];
  let ended = false;
  const reading = (async () => {
    for await (const { event, data } of readEventStream(response)) if (event === 'next') events.push(data.data.chatStream);
    ended = true;
  })();
  return { events, reading, ended: () => ended };
}

async function until(condition: () => boolean, what: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const tokens = (events: any[]) => events.filter((e) => e.__typename === 'TokenDelta').length;

describe('graceful shutdown', () => {
  let backend: StorageBackend;
  let gw: TestGateway;
  afterAll(async () => {
    await gw?.stop();
  });

  it('sends every live run a terminal event over SSE and WebSocket, stores the text, then closes sockets with 1001', async () => {
    backend = await createBackend('pglite');
    gw = await startTestGateway(backend, { OPENAI_BASE_URL: fake.url, SHUTDOWN_GRACE_MS: '100' });
    await gw.gql(`mutation { createAgent(input: { id: "assistant" }) { id } }`, {}, ADMIN_KEY);
    fake.setDefault({ text: 'one two three four five', hangAfterTokens: 3 });

    const sse = await sseChat(gw.url, 'over sse');
    const client = gw.ws({ authorization: `Bearer ${ADMIN_KEY}` });
    let closeCode: number | undefined;
    client.on('closed', (event) => (closeCode = (event as { code: number }).code));
    const ws = collect(client, CHAT_STREAM, { message: 'over ws' });
    await until(() => tokens(sse.events) === 3 && ws.results.filter((r: any) => r.data?.chatStream.__typename === 'TokenDelta').length === 3, 'three tokens on each');

    await gw.close();
    await sse.reading;
    await ws.ended();
    await until(() => closeCode !== undefined, 'the socket to close');

    const shutdownFailure = { __typename: 'RunFailed', code: 'CANCELLED', message: expect.stringContaining('shutting down'), retryable: true };
    expect(sse.events.at(-1)).toMatchObject(shutdownFailure);
    expect(sse.ended()).toBe(true);
    expect(ws.results.at(-1)!.data!.chatStream).toMatchObject(shutdownFailure);
    expect(closeCode).toBe(1001);

    // What each client saw is what was stored.
    gw = await startTestGateway(backend);
    const rows = await gw.database.db.selectFrom('messages').select(['role', 'content', 'status', 'error_code']).where('role', '=', 'assistant').execute();
    expect(rows).toEqual([
      { role: 'assistant', content: 'one two three', status: 'CANCELLED', error_code: 'CANCELLED' },
      { role: 'assistant', content: 'one two three', status: 'CANCELLED', error_code: 'CANCELLED' },
    ]);
  });

  it('lets an answer finish within SHUTDOWN_GRACE_MS, reports DRAINING and refuses new runs meanwhile', async () => {
    await gw?.stop();
    gw = await startTestGateway('pglite', { OPENAI_BASE_URL: fake.url, SHUTDOWN_GRACE_MS: '10000' });
    await gw.gql(`mutation { createAgent(input: { id: "assistant" }) { id } }`, {}, ADMIN_KEY);
    fake.enqueue({ text: 'a patient answer of eight words in all', delayMs: 30 });
    const sse = await sseChat(gw.url, 'take your time');
    await until(() => tokens(sse.events) >= 1, 'the first token');

    const closing = gw.close();
    await until(() => gw.orchestrator.chat.isDraining, 'draining');
    expect((await gw.orchestrator.health()).status).toBe('DRAINING');
    const { principal: admin } = await gw.orchestrator.auth.authenticate(ADMIN_KEY);
    await expect(gw.orchestrator.chat.start(admin, { message: 'too late' })).rejects.toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      message: expect.stringContaining('shutting down'),
    });
    await closing;
    await sse.reading;
    expect(sse.events.at(-1)).toEqual({ __typename: 'MessageCompleted', seq: expect.any(Number), content: 'a patient answer of eight words in all' });
  });
});

// `npm start` as a supervisor runs it: npm builds, then execs node, so SIGTERM reaches the server.
describe('SIGTERM to npm start', { timeout: 120_000 }, () => {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  it('ends the live answer with a terminal event, exits 0, frees the port and the data folder', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'muxgate-sigterm-'));
    dirs.push(dataDir);
    const env = { DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', ADMIN_API_KEY: ADMIN_KEY, OPENAI_BASE_URL: fake.url, SHUTDOWN_GRACE_MS: '100', LOG_LEVEL: 'warn' };
    const npm = spawn('npm', ['start', '--silent'], {
      cwd: new URL('..', import.meta.url).pathname,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    npm.stdout.on('data', (chunk) => (out += chunk));
    npm.stderr.on('data', (chunk) => (out += chunk));
    const exited = once(npm, 'exit').then(([code]) => code as number | null);
    // npm builds first (prestart), then the gateway starts PGlite: allow for a slow machine.
    await until(() => /listening on http:\/\/\S+/.test(out), 'the gateway to listen', 90_000);
    const url = out.match(/listening on (http:\/\/\S+)/)![1]!;

    await postGraphQL(url, 'mutation { createAgent(input: { id: "assistant" }) { id } }', { authorization: `Bearer ${ADMIN_KEY}` });
    fake.enqueue({ text: 'never finished answer', hangAfterTokens: 2 });
    const sse = await sseChat(url, 'hello');
    await until(() => tokens(sse.events) === 2, 'two tokens');

    npm.kill('SIGTERM');
    await sse.reading;
    expect(sse.events.at(-1)).toMatchObject({ __typename: 'RunFailed', code: 'CANCELLED', retryable: true });
    expect(await exited).toBe(0);
    await expect(fetch(`${url}/health`)).rejects.toThrow();
    // The lock went with the process: the next start is not told the folder is in use.
    const next = runGateway({ ...env, LOG_LEVEL: 'warn' });
    await next.waitFor(/listening on/);
    next.child.kill('SIGTERM');
    expect(await next.exited).toBe(0);
  });
});
