// Portkey's open-source gateway (npm @portkey-ai/gateway, pinned), the reference the issue-20 goals
// compare a chat with: a pass-through that stores nothing. Installed on demand into bench/.tools/portkey
// (git-ignored, not a project dependency), started as its README says (`npx @portkey-ai/gateway`, here
// `node build/start-server.js --port=<free> --headless`), and called with the openai SDK exactly as the
// SDK calls the upstream directly, the headers routing it there: x-portkey-provider: openai and
// x-portkey-custom-host: the bench's upstream (127.0.0.1 is one of Portkey's default trusted custom hosts).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ROOT, sleep, stop } from './processes.js';

export const PORTKEY_VERSION = '1.15.2';
const PREFIX = join(ROOT, 'bench/.tools/portkey');
const ENTRY = join(PREFIX, 'node_modules/@portkey-ai/gateway/build/start-server.js');

export interface Portkey {
  child: ChildProcess;
  /** The base URL the openai SDK is given (`…/v1`). */
  url: string;
  /** The headers that make Portkey forward to the bench's upstream. */
  headers: Record<string, string>;
  version: string;
}

/** Installs the pinned version once (npm's own client, into the private prefix); later runs reuse it. */
function install() {
  const installed = existsSync(ENTRY) && JSON.parse(execFileSync('node', ['-p', `JSON.stringify(require('${PREFIX}/node_modules/@portkey-ai/gateway/package.json').version)`], { encoding: 'utf8' })) === PORTKEY_VERSION;
  if (installed) return;
  console.log(`== installing @portkey-ai/gateway@${PORTKEY_VERSION} into bench/.tools/portkey (once)`);
  // --ignore-scripts: its postinstall runs patch-package for its own development tree, which the published package does not ship.
  execFileSync('npm', ['install', '--prefix', PREFIX, '--no-audit', '--no-fund', '--ignore-scripts', '--no-save', `@portkey-ai/gateway@${PORTKEY_VERSION}`], { cwd: ROOT, stdio: 'inherit' });
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

/** Starts Portkey forwarding to `upstreamUrl` (an OpenAI-compatible `…/v1`); resolves once it answers. */
export async function startPortkey(upstreamUrl: string): Promise<Portkey> {
  install();
  const port = await freePort();
  // NODE_ENV=production: no log UI; its stdout (a spinner, a banner) is not read.
  const child = spawn(process.execPath, [ENTRY, `--port=${port}`, '--headless'], { cwd: PREFIX, env: { ...process.env, NODE_ENV: 'production' }, stdio: ['ignore', 'ignore', 'inherit'] });
  // The bench's stopAll does not know this child: end it with the bench however the bench ends.
  process.once('exit', () => child.kill('SIGTERM'));
  const base = `http://127.0.0.1:${port}`;
  for (let waited = 0; ; waited += 100) {
    if (child.exitCode !== null) throw new Error(`Portkey exited with ${child.exitCode} before it answered`);
    const up = await fetch(base).then((r) => r.ok, () => false);
    if (up) break;
    if (waited > 30_000) {
      await stop(child);
      throw new Error('Portkey did not answer within 30 s');
    }
    await sleep(100);
  }
  return { child, url: `${base}/v1`, headers: { 'x-portkey-provider': 'openai', 'x-portkey-custom-host': upstreamUrl }, version: PORTKEY_VERSION };
}
