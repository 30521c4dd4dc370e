import { chmod, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeDataDirPrivate } from '../src/db/private-data-dir.js';
import { ADMIN_KEY, startTestGateway } from './support/gateway.js';

const dirs: string[] = [];
let previousUmask: number;
beforeEach(() => {
  // What most machines run with: everything readable by every local user unless the gateway says otherwise.
  previousUmask = process.umask(0o022);
});
afterEach(() => {
  process.umask(previousUmask);
});
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

async function modes(root: string): Promise<Array<[string, number]>> {
  const found: Array<[string, number]> = [[root, (await stat(root)).mode & 0o777]];
  for (const entry of await readdir(root, { recursive: true })) {
    const path = join(root, entry);
    found.push([path, (await stat(path)).mode & 0o777]);
  }
  return found;
}

const openToOthers = (found: Array<[string, number]>) => found.filter(([, mode]) => (mode & 0o077) !== 0);

describe('the embedded database folder', () => {
  it('is created 0700 with files 0600, the JWT secret in it unreadable by other users', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'muxgate-private-'));
    dirs.push(parent);
    const dataDir = join(parent, 'data');
    const gw = await startTestGateway({ name: 'pglite', env: () => ({ DATA_DIR: dataDir }), dispose: async () => {} }, { SECRET_KEY: '' });
    try {
      await gw.gql(`mutation { createAgent(input: { id: "assistant" }) { id } }`, {}, ADMIN_KEY);
      const found = await modes(dataDir);
      expect(found.length).toBeGreaterThan(50);
      expect(openToOthers(found)).toEqual([]);
      expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
    } finally {
      await gw.stop();
    }
  });

  it('is tightened at start-up when an older version left it open, and says how much it changed', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'muxgate-open-'));
    dirs.push(dataDir);
    await mkdir(join(dataDir, 'base', '1'), { recursive: true });
    await writeFile(join(dataDir, 'base', '1', 'table'), 'rows');
    await writeFile(join(dataDir, 'pg_wal'), 'the secret');
    await chmod(dataDir, 0o755);
    await chmod(join(dataDir, 'pg_wal'), 0o644);
    expect(openToOthers(await modes(dataDir))).toHaveLength(5);

    expect(await makeDataDirPrivate(dataDir)).toEqual({ tightened: 5 });
    expect(openToOthers(await modes(dataDir))).toEqual([]);
    expect(await makeDataDirPrivate(dataDir)).toEqual({ tightened: 0 });
  });
});
