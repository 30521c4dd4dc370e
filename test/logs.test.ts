import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createBackend } from './support/backends.js';
import { ADMIN_KEY, startTestGateway } from './support/gateway.js';
import { gatewayWithUpstream } from './support/gateway-with-upstream.js';
import { collect } from './support/subscriptions.js';

interface LogLine {
  level: number;
  msg: string;
  reqId?: string;
  operationId?: string;
  code?: string;
  err?: { stack?: string; message?: string };
}

const ERROR = 50;
const WARN = 40;
const world = gatewayWithUpstream({ LOG_LEVEL: 'debug', OPENAI_API_KEY: 'test-key', MODEL_MAX_RETRIES: '0' }, async ({ gw }) => {
  gw.logs.length = 0;
});
const lines = () => world.gw.logs.map((line) => JSON.parse(line) as LogLine);

describe('log lines', () => {
  it('logs a NOT_FOUND for a 100 KB id once, at debug, short, without a stack, with the request id', async () => {
    const id = 'x'.repeat(100_000);
    const response = await world.gw.gql(`query($id: ID!) { agent(id: $id) { id } }`, { id }, ADMIN_KEY);
    expect(response.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');

    const logged = lines();
    expect(Math.max(...world.gw.logs.map((line) => line.length))).toBeLessThan(4_000);
    expect(logged.filter((line) => line.level >= ERROR)).toEqual([]);
    const notFound = logged.filter((line) => line.code === 'NOT_FOUND');
    expect(notFound).toHaveLength(1);
    expect(notFound[0]).toMatchObject({ level: 20, reqId: expect.any(String) });
    expect(notFound[0]!.err).toBeUndefined();
    expect(notFound[0]!.msg.length).toBeLessThan(300);
    // Every line this request wrote carries its id.
    expect(logged.every((line) => line.reqId === notFound[0]!.reqId)).toBe(true);
  });

  it('logs an unauthenticated request at debug with its request id, not at error', async () => {
    const response = await world.gw.gql(`{ me { kind } }`, {}, 'not-a-valid-key-0123456789');
    expect(response.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const logged = lines();
    expect(logged.filter((line) => line.level >= ERROR)).toEqual([]);
    expect(logged.find((line) => line.code === 'UNAUTHENTICATED')).toMatchObject({ level: 20, reqId: expect.any(String) });
  });

  it('logs a client error over WebSocket at debug with the connection’s id', async () => {
    const sub = collect(world.gw.ws({ authorization: `Bearer ${ADMIN_KEY}` }), `query($id: ID!) { agent(id: $id) { id } }`, { id: 'y'.repeat(100_000) });
    await sub.ended();
    expect(sub.results[0]?.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const logged = lines();
    expect(Math.max(...world.gw.logs.map((line) => line.length))).toBeLessThan(4_000);
    expect(logged.filter((line) => line.level >= ERROR)).toEqual([]);
    // The connection's and the operation's loggers, made only when this line was written, carry both ids.
    expect(logged.find((line) => line.code === 'NOT_FOUND')).toMatchObject({ level: 20, reqId: expect.stringMatching(/^ws-/), operationId: expect.any(String) });
  });

  it('logs an unexpected fault at error, with its stack and the request id; the client sees INTERNAL', async () => {
    await world.gw.gql(`mutation { createAgent(input: { id: "assistant" }) { id } }`, {}, ADMIN_KEY);
    const remove = world.gw.orchestrator.registerHook('afterProcessMessage', () => {
      throw new TypeError('the hook exploded');
    });
    try {
      const response = await world.gw.gql(`mutation { chat(input: { message: "hi" }) { runId } }`, {}, ADMIN_KEY);
      expect(response.body.errors?.[0]?.extensions?.code).toBe('INTERNAL');
      expect(JSON.stringify(response.body)).not.toContain('the hook exploded');
    } finally {
      remove();
    }
    const errors = lines().filter((line) => line.level >= ERROR);
    const operation = errors.find((line) => line.code === 'INTERNAL');
    expect(operation).toMatchObject({ reqId: expect.any(String), err: { stack: expect.stringContaining('\n    at ') } });
    expect(errors.some((line) => line.err?.stack?.includes('the hook exploded'))).toBe(true);
  });
});

describe.skipIf(!process.env.TEST_DATABASE_URL)('log lines on a PostgreSQL server', () => {
  it('logs each idle connection the server drops once, at warn, without a stack', async () => {
    // The gateway's own connections are told apart by an application_name of their own (the server is shared).
    const applicationName = `muxgate_logs_${randomBytes(4).toString('hex')}`;
    const backend = await createBackend('postgres');
    const gw = await startTestGateway(backend, { LOG_LEVEL: 'debug', DATABASE_URL: withApplicationName(process.env.TEST_DATABASE_URL!, applicationName) });
    const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await admin.connect();
    try {
      // Several connections at once, then idle in the pool.
      await Promise.all(Array.from({ length: 3 }, () => gw.gql(`{ agents { id } health { database } }`, {}, ADMIN_KEY)));
      gw.logs.length = 0;
      const { rows } = await admin.query<{ terminated: boolean }>(
        `select pg_terminate_backend(pid) as terminated from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and application_name = $1`,
        [applicationName],
      );
      expect(rows.length).toBeGreaterThan(0);
      const dropped = () => gw.logs.map((line) => JSON.parse(line) as LogLine).filter((line) => /idle/i.test(line.msg));
      await waitUntil(() => dropped().length >= rows.length);
      // Still answering: the pool opens new connections.
      expect((await gw.gql(`{ health { database } }`, {}, ADMIN_KEY)).body.data).toEqual({ health: { database: 'UP' } });
      const logged = dropped();
      expect(logged).toHaveLength(rows.length);
      for (const line of logged) {
        expect(line.level).toBe(WARN);
        expect(line.err?.stack).toBeUndefined();
        expect(line.msg).toMatch(/terminating connection due to administrator command/);
      }
      expect(gw.logs.map((line) => JSON.parse(line) as LogLine).filter((line) => line.level >= ERROR)).toEqual([]);
    } finally {
      await admin.end();
      await gw.stop();
    }
  });
});

function withApplicationName(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('application_name', name);
  return parsed.toString();
}

async function waitUntil(check: () => boolean): Promise<void> {
  for (let i = 0; !check(); i++) {
    if (i > 300) throw new Error('timed out waiting for the log lines');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
