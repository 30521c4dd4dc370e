import { describe, expect, it } from 'vitest';
import { ADMIN_KEY } from './support/gateway.js';
import { gatewayWithUpstream } from './support/gateway-with-upstream.js';
import { collect } from './support/subscriptions.js';

interface LogLine {
  level: number;
  msg: string;
  reqId?: string;
  code?: string;
  err?: { stack?: string; message?: string };
}

const ERROR = 50;
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
    expect(logged.find((line) => line.code === 'NOT_FOUND')).toMatchObject({ level: 20, reqId: expect.stringMatching(/^ws-/) });
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
