import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_STUDIO_DIR } from '../src/server/studio.js';
import { startTestGateway, type TestGateway } from './support/gateway.js';
import { getRaw } from './support/studio.js';

const HTML = 'text/html,application/xhtml+xml';

describe('Studio files at /studio', () => {
  let gw: TestGateway;
  let script: string;
  let stylesheet: string;
  beforeAll(async () => {
    gw = await startTestGateway('pglite');
    const index = (await getRaw(`${gw.url}/studio/`, { accept: HTML })).body.toString();
    script = index.match(/src="(\/studio\/assets\/[^"]+\.js)"/)![1]!;
    stylesheet = index.match(/href="(\/studio\/assets\/[^"]+\.css)"/)![1]!;
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it('serves index.html, revalidated on every load, with a policy that allows only its own origin', async () => {
    const response = await getRaw(`${gw.url}/studio/`, { accept: HTML });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toContain('text/html');
    expect(response.headers['cache-control']).toBe('no-cache');
    const host = new URL(gw.url).host;
    expect(response.headers['content-security-policy']).toBe(
      `default-src 'self'; connect-src 'self' ws://${host} wss://${host}; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`,
    );
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    const body = response.body.toString();
    expect(body).toContain('<title>muxgate Studio</title>');
    // No inline code (script-src 'self'), nothing from another host.
    expect(body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(body).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  it('serves each hashed asset precompressed (brotli first, then gzip) and cached for a year', async () => {
    for (const path of [script, stylesheet]) {
      const plain = await getRaw(`${gw.url}${path}`);
      expect(plain.status).toBe(200);
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(plain.headers.vary).toContain('accept-encoding');

      const br = await getRaw(`${gw.url}${path}`, { 'accept-encoding': 'gzip, deflate, br' });
      expect(br.headers['content-encoding']).toBe('br');
      expect(br.headers['content-type']).toBe(plain.headers['content-type']);
      expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(brotliDecompressSync(br.body).equals(plain.body)).toBe(true);
      expect(br.body.length).toBeLessThan(plain.body.length / 2);

      const gzip = await getRaw(`${gw.url}${path}`, { 'accept-encoding': 'gzip' });
      expect(gzip.headers['content-encoding']).toBe('gzip');
      expect(gunzipSync(gzip.body).equals(plain.body)).toBe(true);
    }
    expect((await getRaw(`${gw.url}${script}`)).headers['content-type']).toContain('javascript');
    expect((await getRaw(`${gw.url}${stylesheet}`)).headers['content-type']).toContain('text/css');
  });

  it('compressed every file once at build time: a .br and a .gz beside each', () => {
    const assets = readdirSync(join(DEFAULT_STUDIO_DIR, 'assets'));
    const originals = assets.filter((name) => !/\.(br|gz)$/.test(name));
    expect(originals.length).toBeGreaterThan(1);
    for (const name of originals) expect(assets).toEqual(expect.arrayContaining([`${name}.br`, `${name}.gz`]));
  });

  it('answers every page of the app with index.html (its own router), and /studio too', async () => {
    const index = (await getRaw(`${gw.url}/studio/`, { accept: HTML, 'accept-encoding': 'br' })).body;
    for (const path of ['/studio', '/studio/agents', '/studio/conversations/abc', '/studio/no-such-page']) {
      const response = await getRaw(`${gw.url}${path}`, { accept: HTML, 'accept-encoding': 'br' });
      expect(response.status, path).toBe(200);
      expect(response.headers['content-encoding'], path).toBe('br');
      expect(response.headers['cache-control'], path).toBe('no-cache');
      expect(response.body.equals(index), path).toBe(true);
    }
  });

  it('answers 404 for an asset that does not exist, and refuses paths out of its folder', async () => {
    expect((await getRaw(`${gw.url}/studio/assets/missing-abc123.js`)).status).toBe(404);
    expect((await getRaw(`${gw.url}/studio/assets/..%2f..%2fpackage.json`)).status).toBeGreaterThanOrEqual(400);
    expect((await getRaw(`${gw.url}/studio/%2e%2e/%2e%2e/package.json`)).body.toString()).not.toContain('"muxgate"');
  });
});

describe('Studio turned off or not built', () => {
  it('STUDIO=false: /studio is not served at all (404)', async () => {
    const gw = await startTestGateway('pglite', { STUDIO: 'false' });
    try {
      for (const path of ['/studio', '/studio/', '/studio/agents']) {
        const response = await getRaw(`${gw.url}${path}`, { accept: HTML });
        expect(response.status, path).toBe(404);
        expect(response.body.toString()).not.toContain('muxgate Studio');
      }
    } finally {
      await gw.stop();
    }
  });

  it('STUDIO_DIR may be relative to the working directory', async () => {
    const gw = await startTestGateway('pglite', { STUDIO_DIR: relative(process.cwd(), DEFAULT_STUDIO_DIR) });
    try {
      const response = await getRaw(`${gw.url}/studio/`, { accept: HTML });
      expect(response.status).toBe(200);
      expect(response.body.toString()).toContain('<title>muxgate Studio</title>');
    } finally {
      await gw.stop();
    }
  });

  it('a gateway started without the built console says how to build it', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'studio-missing-'));
    const gw = await startTestGateway('pglite', { STUDIO_DIR: empty });
    try {
      const response = await getRaw(`${gw.url}/studio/agents`, { accept: HTML });
      expect(response.status).toBe(503);
      expect(response.body.toString()).toContain('npm run build');
      // Where the server's files are is no business of an anonymous visitor.
      expect(response.body.toString()).not.toContain(empty);
      expect((await gw.gql('{ health { status } }')).body.data.health.status).toBe('OK');
    } finally {
      await gw.stop();
      rmSync(empty, { recursive: true });
    }
  });
});
