import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startTestGateway, type TestGateway } from './support/gateway.js';
import { rawSocket } from './support/raw-socket.js';

let gw: TestGateway;
beforeAll(async () => {
  // TRUST_PROXY: each test claims its own client address through X-Forwarded-For.
  gw = await startTestGateway('pglite', {
    TRUST_PROXY: 'true',
    WS_MAX_PAYLOAD_BYTES: '4096',
    WS_CONNECTION_INIT_TIMEOUT_MS: '1000',
    WS_ANONYMOUS_IDLE_TIMEOUT_MS: '1500',
    WS_MAX_CONNECTIONS_PER_ADDRESS: '2',
    WS_MAX_CONNECTIONS: '3',
  });
});
afterAll(() => gw?.stop());

const from = (address: string) => rawSocket(gw.wsUrl, { 'x-forwarded-for': address });

describe('frames and handshakes', () => {
  it('closes a socket that sends a frame over WS_MAX_PAYLOAD_BYTES with 1009, before authentication', async () => {
    const socket = from('203.0.113.1');
    expect(await socket.init({ padding: 'x'.repeat(10_000) })).toMatchObject({ code: 1009 });
    // A frame under the limit is fine.
    const fine = from('203.0.113.1');
    expect(await fine.init({ apiKey: ADMIN_KEY, padding: 'x'.repeat(2_000) })).toBe('ack');
    await fine.close();
  });

  it('closes a socket that sends no connection_init within WS_CONNECTION_INIT_TIMEOUT_MS with 4408', async () => {
    const socket = from('203.0.113.2');
    expect(await socket.opened).toBe('open');
    expect(await socket.closed).toEqual({ code: 4408, reason: 'Connection initialisation timeout' });
  });
});

describe('anonymous sockets', () => {
  it('may ask for health and nothing else: other operations get UNAUTHENTICATED', async () => {
    const socket = from('203.0.113.3');
    expect(await socket.init({})).toBe('ack');
    expect((await socket.run('h', `{ health { status } }`))[0].payload).toEqual({ data: { health: { status: 'OK' } } });
    for (const [id, query] of [
      ['me', `{ me { kind } }`],
      ['agents', `{ agents { id } }`],
      ['chat', `mutation { chat(input: { message: "hi" }) { runId } }`],
      ['chatStream', `subscription { chatStream(input: { message: "hi" }) { __typename } }`],
      ['agentChanged', `subscription { agentChanged { kind } }`],
    ] as const) {
      const messages = await socket.run(id, query);
      expect(messages[0].payload.errors?.[0]?.extensions?.code, id).toBe('UNAUTHENTICATED');
    }
    await socket.close();
  });

  it('closes an anonymous socket with nothing in flight after WS_ANONYMOUS_IDLE_TIMEOUT_MS (4401), never an authenticated one', async () => {
    const authenticated = from('203.0.113.4');
    expect(await authenticated.init({ apiKey: ADMIN_KEY })).toBe('ack');
    const anonymous = from('203.0.113.5');
    expect(await anonymous.init({})).toBe('ack');
    expect(await anonymous.closed).toEqual({ code: 4401, reason: 'Anonymous socket idle: authenticate to stay connected' });
    expect(authenticated.isOpen).toBe(true);
    expect((await authenticated.run('me', `{ me { kind } }`))[0].payload).toEqual({ data: { me: { kind: 'ADMIN' } } });
    await authenticated.close();
  });
});

describe('connection limits', () => {
  it('refuses an upgrade beyond WS_MAX_CONNECTIONS_PER_ADDRESS or WS_MAX_CONNECTIONS with 429, and frees the slot on close', async () => {
    const first = from('203.0.113.6');
    const second = from('203.0.113.6');
    expect(await first.init({ apiKey: ADMIN_KEY })).toBe('ack');
    expect(await second.init({ apiKey: ADMIN_KEY })).toBe('ack');
    const third = from('203.0.113.6');
    expect(await third.closed).toEqual({ code: -1, reason: 'HTTP 429' });

    // Another address may connect, up to the total of 3.
    const elsewhere = from('203.0.113.7');
    expect(await elsewhere.init({ apiKey: ADMIN_KEY })).toBe('ack');
    const overTotal = from('203.0.113.8');
    expect(await overTotal.closed).toEqual({ code: -1, reason: 'HTTP 429' });

    await first.close();
    const again = from('203.0.113.6');
    expect(await again.init({ apiKey: ADMIN_KEY })).toBe('ack');
    await Promise.all([second.close(), elsewhere.close(), again.close()]);
  });
});
