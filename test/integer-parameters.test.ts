import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway, USER_KEY } from './support/gateway.js';

/** Integers in query strings and headers are decimal digits: `?after=0x10` is not 16 but a refusal naming `after`. */
let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway('pglite');
});
afterAll(() => gw?.stop());

const get = async (path: string, headers: Record<string, string> = {}) => {
  const response = await fetch(`${gw.url}${path}`, { headers: { authorization: `Bearer ${USER_KEY}`, ...headers } });
  const body = await response.text();
  return { status: response.status, body: JSON.parse(body) };
};

const NOT_DECIMAL = ['0x10', '1e1', '0b1', '0o7', '16.0', '+16', 'Infinity'];

describe('integer parameters', () => {
  it('refuses ?after= written other than in decimal digits with 400 naming it; decimal digits go through', async () => {
    const run = randomUUID();
    for (const after of NOT_DECIMAL) {
      const refused = await get(`/runs/${run}/events?after=${encodeURIComponent(after)}`);
      expect(refused.status, after).toBe(400);
      expect(refused.body.error).toMatchObject({ code: 'BAD_USER_INPUT', message: 'Invalid input: after must be written in decimal digits' });
    }
    // Read as 16, validation passes: the run is then not found.
    const decimal = await get(`/runs/${run}/events?after=16`);
    expect(decimal.status).toBe(404);
    expect(decimal.body.error.code).toBe('NOT_FOUND');
  });

  it('refuses Last-Event-ID written other than in decimal digits with 400 naming it', async () => {
    const run = randomUUID();
    for (const id of ['0x10', '1e1']) {
      const refused = await get(`/runs/${run}/events`, { 'last-event-id': id });
      expect(refused.status, id).toBe(400);
      expect(refused.body.error.code).toBe('BAD_USER_INPUT');
      expect(refused.body.error.message).toContain('last-event-id');
    }
    expect((await get(`/runs/${run}/events`, { 'last-event-id': '16' })).status).toBe(404);
  });

  it('refuses ?first= in hexadecimal or exponent form on a page; ?first=10 is a page', async () => {
    for (const first of ['0xA', '1e1']) {
      const refused = await get(`/conversations?first=${first}`);
      expect(refused.status, first).toBe(400);
      expect(refused.body.error.message).toBe('Invalid input: first must be written in decimal digits');
    }
    const page = await get('/conversations?first=10');
    expect(page.status).toBe(200);
  });
});
