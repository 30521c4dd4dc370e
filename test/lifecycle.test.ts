import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createBackend, storageBackendNames } from './support/backends.js';
import { ADMIN_KEY, startTestGateway } from './support/gateway.js';
import { postGraphQL, runGateway } from './support/process.js';

// Starting a gateway on a fresh PGlite folder runs initdb: seconds, over 20 s on a loaded 2-core machine; this starts two.
describe.each(storageBackendNames())('restart on %s', { timeout: 120_000 }, (backendName) => {
  it('keeps agents, the default and API keys across a restart', async () => {
    const backend = await createBackend(backendName);
    const first = await startTestGateway(backend);
    await first.gql(`mutation { createAgent(input: { id: "keeper", description: "stays" }) { id } }`, {}, ADMIN_KEY);
    await first.gql(`mutation { createAgent(input: { id: "second" }) { id } }`, {}, ADMIN_KEY);
    await first.gql(`mutation { setDefaultAgent(id: "second") { id } }`, {}, ADMIN_KEY);
    const key = (await first.gql(`mutation { createApiKey(isAdmin: false, userId: "u1") { key } }`, {}, ADMIN_KEY)).body.data.createApiKey.key;
    await first.stop({ keepData: true });

    const second = await startTestGateway(backend);
    try {
      const after = await second.gql(`{ agents { id description isDefault } me { kind userId } }`, {}, key);
      expect(after.body.data).toEqual({
        agents: [
          { id: 'keeper', description: 'stays', isDefault: false },
          { id: 'second', description: null, isDefault: true },
        ],
        me: { kind: 'USER', userId: 'u1' },
      });
    } finally {
      await second.stop();
    }
  });
});

describe('health when the database stops answering', { timeout: 120_000 }, () => {
  it('answers GET /health with 503 and the GraphQL health as DEGRADED', async () => {
    const gw = await startTestGateway('pglite');
    try {
      expect((await fetch(`${gw.url}/health`)).status).toBe(200);
      await gw.database.close();
      // Health is cached for a second: ask until the cached OK has expired.
      let response = await fetch(`${gw.url}/health`);
      for (let tries = 0; response.status === 200 && tries < 50; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        response = await fetch(`${gw.url}/health`);
      }
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ status: 'degraded', database: 'down' });
      const graphql = await gw.gql(`{ health { status database } }`);
      expect(graphql.body.data).toEqual({ health: { status: 'DEGRADED', database: 'DOWN' } });
    } finally {
      await gw.stop();
    }
  });
});

// Each test starts gateway processes on PGlite (seconds each) and one waits out a stale lock: room to spare.
describe('npm start on a fresh data folder', { timeout: 120_000 }, () => {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  it('generates and prints API keys once, keeps only their hashes, and serves with them (and its tokens) after a restart', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'muxgate-start-'));
    dirs.push(dataDir);
    const env = { DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1' };

    const first = runGateway(env);
    const [, url] = await first.waitFor(/listening on (http:\/\/\S+)/);
    const adminKey = first.stdout().match(/ADMIN_API_KEY=(\S+)/)?.[1];
    const userKey = first.stdout().match(/USER_API_KEY=(\S+)/)?.[1];
    expect(adminKey).toMatch(/^mxg_/);
    expect(userKey).toMatch(/^mxg_/);
    const asAdmin = { authorization: `Bearer ${adminKey}` };
    expect(await postGraphQL(url!, '{ me { kind } apiKeys { label isAdmin } }', asAdmin)).toEqual({
      data: {
        me: { kind: 'ADMIN' },
        apiKeys: [
          { label: 'bootstrap admin key', isAdmin: true },
          { label: 'bootstrap user key', isAdmin: false },
        ],
      },
    });
    // No SECRET_KEY in the environment: the generated one is kept, so tokens outlive a restart.
    const issued = (await postGraphQL(url!, 'mutation { issueToken(userId: "alice") { accessToken } }', asAdmin)) as any;
    const token = issued.data.issueToken.accessToken as string;
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    const second = runGateway(env);
    const [, url2] = await second.waitFor(/listening on (http:\/\/\S+)/);
    expect(second.stdout()).not.toContain('API_KEY=');
    expect(await postGraphQL(url2!, '{ me { kind } }', { 'x-api-key': userKey! })).toEqual({ data: { me: { kind: 'USER' } } });
    expect(await postGraphQL(url2!, '{ me { kind userId } }', { authorization: `Bearer ${token}` })).toEqual({ data: { me: { kind: 'USER', userId: 'alice' } } });
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });

  it('refuses a second gateway on the same DATA_DIR, and takes the folder over after its owner crashed', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'muxgate-lock-'));
    dirs.push(dataDir);
    const env = { DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', ADMIN_API_KEY: 'lock-test-admin-key-0123456789' };
    const me = (url: string) => postGraphQL(url, '{ me { kind } }', { authorization: `Bearer ${env.ADMIN_API_KEY}` });

    const owner = runGateway(env);
    const [, url] = await owner.waitFor(/listening on (http:\/\/\S+)/);
    const intruder = runGateway(env);
    expect(await intruder.exited).toBe(1);
    expect(intruder.stderr()).toContain(`DATA_DIR ${dataDir} is in use by another muxgate process`);
    expect(await me(url!)).toEqual({ data: { me: { kind: 'ADMIN' } } });

    owner.child.kill('SIGKILL');
    await owner.exited;
    const successor = runGateway(env);
    const [, url2] = await successor.waitFor(/listening on (http:\/\/\S+)/);
    expect(await me(url2!)).toEqual({ data: { me: { kind: 'ADMIN' } } });
    successor.child.kill('SIGTERM');
    expect(await successor.exited).toBe(0);
  });
});
