import { existsSync } from 'node:fs';
import { get } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOpenAI } from './support/fake-openai.js';
import { ADMIN_KEY, startTestGateway, type TestGateway } from './support/gateway.js';

/** GETs a URL as a browser asks for a page, keeping the bytes as sent (fetch would decompress them). */
function getRaw(url: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    get(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

const browserPath = [process.env.CHROMIUM_PATH, '/usr/bin/chromium'].find((path): path is string => !!path && existsSync(path));
const HTML = 'text/html,application/xhtml+xml';
/** Monaco renders spaces as no-break spaces. */
const textOf = async (locator: { innerText(): Promise<string> }) => (await locator.innerText()).replace(/\u00a0/g, ' ');

describe('GraphiQL', () => {
  let fake: FakeOpenAI;
  let gw: TestGateway;
  beforeAll(async () => {
    fake = await FakeOpenAI.start();
    gw = await startTestGateway('pglite', { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: 'test-key' });
    await gw.gql(`mutation { createAgent(input: { id: "assistant" }) { id } }`, {}, ADMIN_KEY);
  });
  afterAll(async () => {
    await gw?.stop();
    await fake?.close();
  });

  it('serves the page gzip-compressed to a client that accepts gzip', async () => {
    const plain = await getRaw(gw.graphqlUrl, { accept: HTML });
    expect(plain.headers['content-type']).toContain('text/html');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString()).toContain('<title>muxgate</title>');

    const gzipped = await getRaw(gw.graphqlUrl, { accept: HTML, 'accept-encoding': 'gzip, deflate' });
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(gzipped.headers.vary).toContain('accept-encoding');
    expect(gunzipSync(gzipped.body).equals(plain.body)).toBe(true);
    expect(gzipped.body.length).toBeLessThan(plain.body.length / 3);
  });

  it('prefers brotli when the client accepts it', async () => {
    const plain = await getRaw(gw.graphqlUrl, { accept: HTML });
    const compressed = await getRaw(gw.graphqlUrl, { accept: HTML, 'accept-encoding': 'gzip, deflate, br' });
    expect(compressed.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(compressed.body).equals(plain.body)).toBe(true);
  });

  it('still answers operations over GET, uncompressed', async () => {
    const response = await getRaw(`${gw.graphqlUrl}?query=${encodeURIComponent('{ health { status } }')}`, { accept: 'application/json', 'accept-encoding': 'gzip' });
    expect(response.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(response.body.toString())).toEqual({ data: { health: { status: 'OK' } } });
  });

  describe.skipIf(!browserPath)('in Chromium', () => {
    it('streams a chatStream subscription with the headers typed into the Headers tab, loading nothing from outside', async () => {
      fake.setDefault({ tokens: ['Hello', ' from', ' tokenzebra'], hangAfterTokens: 3 });
      const browser = await chromium.launch({ executablePath: browserPath!, args: ['--no-sandbox'] });
      try {
        const page = await browser.newPage();
        const requested: string[] = [];
        page.on('request', (request) => requested.push(request.url()));
        await page.goto(gw.graphqlUrl);

        const queryEditor = page.locator('.graphiql-query-editor');
        await expect.poll(() => textOf(queryEditor), { timeout: 20_000 }).toContain('Headers tab');

        await page.getByRole('button', { name: /^headers$/i }).click();
        await page.locator('.graphiql-editor-tool .graphiql-editor:not(.hidden)').click();
        await page.keyboard.press('ControlOrMeta+A');
        await page.keyboard.insertText(JSON.stringify({ authorization: `Bearer ${ADMIN_KEY}` }));

        await queryEditor.click();
        await page.keyboard.press('ControlOrMeta+A');
        await page.keyboard.insertText('subscription Chat { chatStream(input: { message: "Hi" }) { __typename ... on TokenDelta { text index } ... on RunFailed { code message } } }');
        await expect.poll(() => textOf(queryEditor)).toContain('subscription Chat');

        // GraphiQL reads the operation name from the editor after a debounce: a click that comes first
        // runs the previous operation ("Cannot infer operation Me") — then the next click runs this one.
        const response = page.locator('.graphiql-response');
        const deadline = Date.now() + 30_000;
        for (;;) {
          await page.locator('.graphiql-execute-button').click();
          await expect.poll(() => textOf(response), { timeout: 20_000 }).toMatch(/tokenzebra|Cannot infer operation/);
          if ((await textOf(response)).includes('tokenzebra') || Date.now() > deadline) break;
          await page.waitForTimeout(300);
        }
        expect(await textOf(response)).toContain('tokenzebra');
        const shown = await textOf(response);
        expect(shown).toContain('TokenDelta');
        expect(shown).not.toContain('UNAUTHENTICATED');

        const outside = requested.filter((url) => {
          const { protocol, hostname } = new URL(url);
          if (protocol === 'data:' || protocol === 'blob:') return false;
          return !['127.0.0.1', 'localhost'].includes(hostname);
        });
        expect(requested).toContain(`${gw.graphqlUrl}`);
        expect(outside).toEqual([]);
      } finally {
        await browser.close();
      }
    }, 90_000); // a browser start and a 9 MB page on a shared machine
  });
});

describe('GraphiQL turned off', () => {
  it('answers a GET for HTML as an operation, not with the IDE', async () => {
    const gw = await startTestGateway('pglite', { GRAPHIQL: 'false' });
    try {
      const response = await getRaw(gw.graphqlUrl, { accept: HTML, 'accept-encoding': 'gzip' });
      expect(response.headers['content-type'] ?? '').not.toContain('text/html');
      expect(response.body.toString()).not.toMatch(/graphiql/i);
    } finally {
      await gw.stop();
    }
  });
});

if (!browserPath) console.warn('GraphiQL browser test skipped: no chromium at CHROMIUM_PATH or /usr/bin/chromium (CI installs it).');
