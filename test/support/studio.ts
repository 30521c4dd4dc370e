import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';

/** Debian's chromium (CI installs it), or CHROMIUM_PATH; the browser tests skip without one. */
export const browserPath = [process.env.CHROMIUM_PATH, '/usr/bin/chromium'].find((path): path is string => !!path && existsSync(path));

/** Where each page's screenshot goes; CI keeps this folder with its output. */
export const SCREENSHOTS_DIR = process.env.STUDIO_SCREENSHOTS_DIR ?? fileURLToPath(new URL('../../test-results/studio/', import.meta.url));

const AXE_PATH = fileURLToPath(new URL('../../node_modules/axe-core/axe.min.js', import.meta.url));

/** GETs a URL keeping the bytes as sent (fetch would decompress them). */
export function getRaw(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    get(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

export const launchBrowser = (): Promise<Browser> => chromium.launch({ executablePath: browserPath!, args: ['--no-sandbox'] });

export interface StudioPage {
  page: Page;
  /** Console errors and uncaught exceptions seen so far. */
  consoleErrors: string[];
  /** Every URL the page requested (documents, scripts, fetches, WebSockets). */
  requested: string[];
  /** Requests to any origin but the gateway's. */
  outside(): string[];
}

/**
 * A page of the console in a fresh browser context (its own sessionStorage), recording console
 * errors and every request; signed in with `credential` when given.
 */
export async function openStudio(browser: Browser, baseUrl: string, options: { credential?: string; path?: string; width?: number; refuseWebSockets?: boolean } = {}): Promise<StudioPage> {
  const context = await browser.newContext({ viewport: { width: options.width ?? 1280, height: 900 } });
  // As a proxy that drops upgrades would: every WebSocket closes before it opens.
  if (options.refuseWebSockets) await context.routeWebSocket(/.*/, (socket) => void socket.close({ code: 1001, reason: 'refused by the test' }));
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  const requested: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(`uncaught: ${error.message}`));
  page.on('request', (request) => requested.push(request.url()));
  page.on('websocket', (socket) => requested.push(socket.url()));
  const origin = new URL(baseUrl).host;
  await page.goto(`${baseUrl}/studio${options.path ?? '/'}`);
  if (options.credential) await signIn(page, options.credential);
  return {
    page,
    consoleErrors,
    requested,
    outside: () =>
      requested.filter((url) => {
        const parsed = new URL(url);
        if (parsed.protocol === 'data:' || parsed.protocol === 'blob:') return false;
        return parsed.host !== origin;
      }),
  };
}

export async function signIn(page: Page, credential: string): Promise<void> {
  await page.getByLabel('API key or JWT').fill(credential);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

/** axe-core's serious and critical violations on the page as it is now (none expected). */
export async function seriousViolations(page: Page): Promise<Array<{ id: string; impact: string; help: string; targets: string[] }>> {
  // Evaluated through the DevTools protocol: the page's CSP (script-src 'self') refuses a script tag, rightly.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(readFileSync(AXE_PATH, 'utf8'));
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: Array<{ id: string; impact: string; help: string; nodes: Array<{ target: string[] }> }> }> } }).axe;
    const results = await axe.run(document, { resultTypes: ['violations'] });
    return results.violations
      .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
      .map((violation) => ({ id: violation.id, impact: violation.impact, help: violation.help, targets: violation.nodes.map((node) => node.target.join(' ')) }));
  });
}

/** How far the document is wider than the viewport (0: no horizontal scrolling). */
export const horizontalOverflow = (page: Page): Promise<number> => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS_DIR, `${name}.png`), fullPage: true });
}
