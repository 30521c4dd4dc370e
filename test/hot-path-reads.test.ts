import { describe, expect, it } from 'vitest';
import { ADMIN_KEY } from './support/gateway.js';
import { gatewayWithUpstream } from './support/gateway-with-upstream.js';
import { Samples } from './support/prometheus.js';

const world = gatewayWithUpstream({}, async ({ gw }) => {
  await gw.gql(`mutation { createAgent(input: { id: "assistant" }) { id } }`, {}, ADMIN_KEY);
});

/** Statements run so far on the tables every request would otherwise read, from /metrics. */
async function readsOfHotTables(): Promise<number> {
  const response = await fetch(`${world.gw.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  const samples = new Samples(await response.text());
  return samples
    .series('muxgate_db_query_duration_seconds_count')
    .filter(({ labels }) => /\b(agents|api_keys|revoked_tokens|settings)\b/.test(labels.statement ?? ''))
    .reduce((sum, { value }) => sum + value, 0);
}

/** The count once background renewals a warm-up may have started are done. */
async function settledReads(): Promise<number> {
  const deadline = Date.now() + 10_000;
  let last = await readsOfHotTables();
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const now = await readsOfHotTables();
    if (now === last) return now;
    if (Date.now() > deadline) throw new Error(`The database is still being read without any request (${last} -> ${now} statements)`);
    last = now;
  }
}

describe('the hot path answers from memory', () => {
  it('serves requests with a stored API key and with a JWT without reading agents, keys or revocations', async () => {
    const { gw } = world;
    const created = await gw.gql(`mutation { createApiKey(isAdmin: false, userId: "alice") { key } }`, {}, ADMIN_KEY);
    const storedKey = created.body.data.createApiKey.key as string;
    const issued = await gw.gql(`mutation { issueToken(userId: "alice") { accessToken } }`, {}, storedKey);
    const jwt = issued.body.data.issueToken.accessToken as string;
    const query = `{ agents { id } agent(id: "assistant") { id } }`;
    const expected = { data: { agents: [{ id: 'assistant' }], agent: { id: 'assistant' } } };

    // The first use of each credential and each read fills the memory.
    for (const credential of [storedKey, jwt]) expect((await gw.gql(query, {}, credential)).body).toEqual(expected);
    const before = await settledReads();
    for (let i = 0; i < 20; i++) {
      for (const credential of [storedKey, jwt]) expect((await gw.gql(query, {}, credential)).body).toEqual(expected);
    }
    expect(await readsOfHotTables()).toBe(before);
  });
});
