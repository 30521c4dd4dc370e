// REUSE_PORT (docs/production.md, "Two processes on one machine"): gateways on one machine share PORT,
// the kernel spreading new connections between them. Node has server.listen({ reusePort }) from 22.12.
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, nodeHasReusePort } from '../src/config.js';
import { freePort } from './support/free-port.js';
import { ADMIN_KEY, startTestGateway, type TestGateway } from './support/gateway.js';
import { ADMIN } from './support/routing.js';

const supported = nodeHasReusePort(process.versions.node);

/** `{ agents { id } }` on a connection of its own (no keep-alive pool), so each request may reach either process. */
function agentsOnNewConnection(port: number): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const headers = { connection: 'close', 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` };
    const req = request({ host: '127.0.0.1', port, path: '/graphql', method: 'POST', agent: false, headers }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode!, body: JSON.parse(body) }));
    });
    req.once('error', reject);
    req.end(JSON.stringify({ query: '{ agents { id } }' }));
  });
}

describe('REUSE_PORT', () => {
  const gateways: TestGateway[] = [];
  afterEach(async () => {
    for (const gateway of gateways.splice(0)) await gateway.stop();
  });

  it('is a flag, off by default', () => {
    expect(loadConfig({}).reusePort).toBe(false);
    expect(() => loadConfig({ REUSE_PORT: 'sometimes' })).toThrow(ConfigError);
  });

  it('knows which Node versions have reusePort', () => {
    expect([nodeHasReusePort('20.19.0'), nodeHasReusePort('22.11.0'), nodeHasReusePort('22.12.0'), nodeHasReusePort('23.1.0'), nodeHasReusePort('24.0.0')]).toEqual([false, false, true, true, true]);
  });

  it.skipIf(supported)('is refused on a Node without reusePort, rather than failing on the second process', () => {
    expect(() => loadConfig({ REUSE_PORT: 'true' })).toThrow(/REUSE_PORT.*needs Node 22\.12/);
  });

  it.skipIf(!supported)('lets two gateways listen on one port, and both answer', async () => {
    const port = String(await freePort());
    gateways.push(await startTestGateway('pglite', { PORT: port, REUSE_PORT: 'true' }));
    gateways.push(await startTestGateway('pglite', { PORT: port, REUSE_PORT: 'true' }));
    expect(gateways.map((gateway) => gateway.port)).toEqual([Number(port), Number(port)]);
    // Each has a database of its own with one agent named after it: the answer says which process took the connection.
    await gateways[0]!.orchestrator.agents.create(ADMIN, { id: 'first' });
    await gateways[1]!.orchestrator.agents.create(ADMIN, { id: 'second' });
    const seen = new Set<string>();
    // 40 new connections: the kernel hashes each to one listener; all 40 on one would be a 1 in 2^39 chance.
    for (let i = 0; i < 40; i++) {
      const { status, body } = await agentsOnNewConnection(Number(port));
      expect(status).toBe(200);
      expect(body.data.agents).toHaveLength(1);
      seen.add(body.data.agents[0].id);
    }
    expect([...seen].sort()).toEqual(['first', 'second']);
    // Two embedded databases start here: slow on a busy machine.
  }, 120_000);

  it.skipIf(!supported)('without it, the second gateway on a taken port fails to start', async () => {
    const port = String(await freePort());
    gateways.push(await startTestGateway('pglite', { PORT: port }));
    await expect(startTestGateway('pglite', { PORT: port })).rejects.toThrow(/EADDRINUSE/);
  }, 120_000);
});
