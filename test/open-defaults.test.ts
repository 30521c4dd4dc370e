import { describe, expect, it } from 'vitest';
import { ADMIN_KEY, startTestGateway } from './support/gateway.js';
import { gatewayWithUpstream } from './support/gateway-with-upstream.js';
import { collect } from './support/subscriptions.js';

const preflight = (url: string, origin: string) =>
  fetch(url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' } });
const crossOriginPost = (url: string, origin: string) =>
  fetch(url, { method: 'POST', headers: { origin, 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ health { status } }' }) });

describe('CORS', () => {
  it('allows the origins CORS_ORIGINS lists, and only those', async () => {
    const gw = await startTestGateway('pglite', { CORS_ORIGINS: 'https://app.example, https://admin.example' });
    try {
      const allowed = await preflight(gw.graphqlUrl, 'https://admin.example');
      expect(allowed.headers.get('access-control-allow-origin')).toBe('https://admin.example');
      expect((await crossOriginPost(gw.graphqlUrl, 'https://app.example')).headers.get('access-control-allow-origin')).toBe('https://app.example');
      expect((await preflight(gw.graphqlUrl, 'https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
      expect((await crossOriginPost(gw.graphqlUrl, 'https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await gw.stop();
    }
  });

  it('opens to any origin with CORS_ORIGINS=*', async () => {
    const gw = await startTestGateway('pglite', { CORS_ORIGINS: '*' });
    try {
      expect((await crossOriginPost(gw.graphqlUrl, 'https://anyone.example')).headers.get('access-control-allow-origin')).toBe('*');
    } finally {
      await gw.stop();
    }
  });
});

describe('a gateway without CORS_ORIGINS, before a failing model provider', () => {
  const SECRET = 'upstream-secret sk-live-ABCDEF0123456789 internal-host db-7.corp';
  const world = gatewayWithUpstream({ LOG_LEVEL: 'info', OPENAI_API_KEY: 'test-key', MODEL_MAX_RETRIES: '0' }, async ({ gw }) => {
    await gw.gql(`mutation { createAgent(input: { id: "assistant" }) { id } }`, {}, ADMIN_KEY);
    gw.logs.length = 0;
  });

  it('allows no cross-origin access when CORS_ORIGINS is unset', async () => {
    for (const response of [await preflight(world.gw.graphqlUrl, 'https://evil.example'), await crossOriginPost(world.gw.graphqlUrl, 'https://evil.example')]) {
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      expect(response.headers.get('access-control-allow-headers')).toBeNull();
    }
  });

  it.each([500, 400])('keeps an upstream %i’s text from the chat mutation’s caller and logs it', async (status) => {
    world.fake.setDefault({ status, errorMessage: SECRET });
    const response = await world.gw.gql(`mutation { chat(input: { message: "hi" }) { runId } }`, {}, ADMIN_KEY);
    expect(response.body.errors?.[0]).toMatchObject({ message: `The model provider answered ${status}`, extensions: { code: 'UPSTREAM_UNAVAILABLE' } });
    expect(JSON.stringify(response.body)).not.toContain('sk-live');
    // Logged for the operator, on a line carrying the request's id and the run's.
    const logged = world.gw.logs.find((line) => line.includes('sk-live-ABCDEF0123456789'));
    expect(logged).toBeDefined();
    expect(JSON.parse(logged!)).toMatchObject({ level: 40, reqId: expect.any(String), runId: expect.any(String) });
  });

  it('keeps an upstream 500’s text from chatStream’s RunFailed and logs it', async () => {
    world.fake.setDefault({ status: 500, errorMessage: SECRET });
    const sub = collect(world.gw.ws({ authorization: `Bearer ${ADMIN_KEY}` }), `subscription { chatStream(input: { message: "hi" }) { __typename ... on RunFailed { code message } } }`);
    await sub.ended();
    expect(sub.results.at(-1)?.data).toEqual({ chatStream: { __typename: 'RunFailed', code: 'UPSTREAM_UNAVAILABLE', message: 'The model provider answered 500' } });
    expect(JSON.stringify(sub.results)).not.toContain('sk-live');
    // Logged for the operator, on a line carrying the request's id and the run's.
    const logged = world.gw.logs.find((line) => line.includes('sk-live-ABCDEF0123456789'));
    expect(logged).toBeDefined();
    expect(JSON.parse(logged!)).toMatchObject({ level: 40, reqId: expect.any(String), runId: expect.any(String) });
  });
});
