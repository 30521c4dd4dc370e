import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOpenAI } from './support/fake-openai.js';
import { ADMIN_KEY, startTestGateway, type TestGateway } from './support/gateway.js';
import { browserPath, horizontalOverflow, launchBrowser, openStudio, screenshot, seriousViolations } from './support/studio.js';

/** Every page in the navigation, by its link's name and path. */
const PAGES = [
  { name: 'Playground', path: '/', slug: 'playground' },
  { name: 'Agents', path: '/agents', slug: 'agents' },
  { name: 'Runs', path: '/runs', slug: 'runs' },
  { name: 'Conversations', path: '/conversations', slug: 'conversations' },
  { name: 'Memory', path: '/memory', slug: 'memory' },
  { name: 'MCP & remote agents', path: '/mcp', slug: 'mcp' },
  { name: 'Usage', path: '/usage', slug: 'usage' },
  { name: 'Metrics', path: '/metrics', slug: 'metrics' },
];

describe.skipIf(!browserPath)('Studio in Chromium', () => {
  let fake: FakeOpenAI;
  let gw: TestGateway;
  let browser: Browser;
  beforeAll(async () => {
    fake = await FakeOpenAI.start();
    gw = await startTestGateway('pglite', { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: 'test-key' });
    await gw.gql(`mutation { createAgent(input: { id: "assistant", description: "Answers anything" }) { id } }`, {}, ADMIN_KEY);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
    await fake?.close();
  });

  it('signs in with the admin key; every page renders with no console error, no serious accessibility violation, nothing from another host', async () => {
    const studio = await openStudio(browser, gw.url);
    const { page } = studio;
    await screenshot(page, 'sign-in');
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByLabel('API key or JWT').fill(ADMIN_KEY);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('navigation', { name: 'Pages' }).isVisible(), { timeout: 15_000 }).toBe(true);
    // Kept for this tab only: in sessionStorage, never in the address.
    expect(await page.evaluate(() => Object.values(sessionStorage))).toContain(ADMIN_KEY);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);

    for (const entry of PAGES) {
      await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: entry.name, exact: true }).click();
      await page.waitForURL(`${gw.url}/studio${entry.path}`);
      await page.getByRole('heading', { level: 1 }).waitFor();
      await page.waitForLoadState('networkidle');
      expect(await page.getByRole('link', { name: entry.name, exact: true }).getAttribute('aria-current'), entry.name).toBe('page');
      expect(await seriousViolations(page), entry.name).toEqual([]);
      await screenshot(page, `admin-${entry.slug}`);
    }
    expect(studio.consoleErrors).toEqual([]);
    expect(studio.requested.every((url) => !url.includes(ADMIN_KEY))).toBe(true);
    expect(studio.outside()).toEqual([]);
    await page.context().close();
  }, 120_000);

  it('refuses a wrong credential on the sign-in page, keeping nothing', async () => {
    const studio = await openStudio(browser, gw.url);
    const { page } = studio;
    await page.getByLabel('API key or JWT').fill('not-a-key-0123456789abcdef');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').innerText().catch(() => ''), { timeout: 10_000 }).toContain('That credential was not accepted.');
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    expect(await page.getByRole('navigation', { name: 'Pages' }).count()).toBe(0);
    // The refusal's 401 is the only thing the console reports.
    expect(studio.consoleErrors.filter((line) => !/status of 401/.test(line))).toEqual([]);
    await page.context().close();
  }, 60_000);

  it('works from the keyboard alone: sign in, skip to the content, move between pages, send a message with Enter', async () => {
    fake.enqueue({ text: 'Typed without a mouse.' });
    const studio = await openStudio(browser, gw.url);
    const { page } = studio;
    const focused = () => page.evaluate(() => {
      const element = document.activeElement;
      return element?.getAttribute('aria-label') || element?.id || element?.textContent?.trim() || '';
    });
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('credential');
    await page.keyboard.type(ADMIN_KEY);
    await page.keyboard.press('Enter');
    await page.getByRole('navigation', { name: 'Pages' }).waitFor();
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('Skip to content');
    // Tab on to the Agents link and follow it: focus lands on the new page's content.
    for (let i = 0; i < 20 && (await focused()) !== 'Agents'; i++) await page.keyboard.press('Tab');
    expect(await focused()).toBe('Agents');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${gw.url}/studio/agents`);
    await expect.poll(() => page.evaluate(() => document.activeElement?.id), { timeout: 10_000 }).toBe('main');
    // Back to the Playground, then a message sent with Enter.
    await page.goBack();
    await page.getByLabel('Message', { exact: true }).waitFor();
    await page.getByLabel('Agent', { exact: true }).focus();
    await page.keyboard.press('Tab');
    for (let i = 0; i < 10 && (await focused()) !== 'playground-message'; i++) await page.keyboard.press('Tab');
    expect(await focused()).toBe('playground-message');
    await page.keyboard.type('Hello by keyboard');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('li.turn-pair').last().getAttribute('data-status'), { timeout: 15_000 }).toBe('complete');
    expect(await page.locator('li.turn-pair').last().getByTestId('answer').innerText()).toContain('Typed without a mouse.');
    expect(studio.consoleErrors).toEqual([]);
    await page.context().close();
  }, 60_000);

  it('creates an agent from the form, edits it, makes it the default, routes a message with every candidate scored, deletes it', async () => {
    const studio = await openStudio(browser, gw.url, { credential: ADMIN_KEY, path: '/agents' });
    const { page } = studio;
    await page.getByRole('button', { name: 'New agent' }).click();
    const form = page.getByRole('form', { name: 'Create an agent' });
    await form.getByLabel('Id').fill('invoices');
    await form.getByLabel('Description').fill('Invoices, billing and refunds');
    await form.getByLabel('System message').fill('You handle invoices.');
    await form.getByRole('button', { name: 'Create agent' }).click();
    const card = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: /^invoices/ }) });
    await card.waitFor();
    expect(await card.innerText()).toContain('Invoices, billing and refunds');

    await card.getByRole('button', { name: 'Edit invoices' }).click();
    const edit = page.getByRole('form', { name: 'Edit agent invoices' });
    await edit.getByLabel('Temperature').fill('0.2');
    await edit.getByRole('button', { name: 'Save' }).click();
    await card.getByRole('button', { name: 'Make default: invoices' }).click();
    await card.getByText('default', { exact: true }).waitFor();
    const stored = await gw.gql(`{ agent(id: "invoices") { temperature systemMessage isDefault } }`, {}, ADMIN_KEY);
    expect(stored.body.data.agent).toEqual({ temperature: 0.2, systemMessage: 'You handle invoices.', isDefault: true });

    await page.getByLabel('Message', { exact: true }).fill('Where is my invoice refund?');
    await page.getByRole('button', { name: 'Route' }).click();
    const decision = page.getByTestId('routing-decision');
    await decision.waitFor({ timeout: 15_000 });
    const candidates = decision.getByRole('table');
    const rows = await candidates.getByRole('row').allInnerTexts();
    // A header, then both agents with a score each.
    expect(rows.slice(1).map((row) => row.split(/\s+/)[0])).toEqual(expect.arrayContaining(['invoices', 'assistant']));
    expect(rows.slice(1).every((row) => /\d\.\d{3}/.test(row))).toBe(true);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'admin-agents-routing');

    // "Chat" opens the Playground on a new conversation with this agent.
    await card.getByRole('button', { name: 'Chat with invoices' }).click();
    await page.getByRole('heading', { name: 'Playground' }).waitFor();
    expect(await page.getByLabel('Agent', { exact: true }).inputValue()).toBe('invoices');
    expect(await page.locator('li.turn-pair').count()).toBe(0);
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Agents', exact: true }).click();

    page.once('dialog', (dialog) => void dialog.accept());
    await card.getByRole('button', { name: 'Delete invoices' }).click();
    await card.waitFor({ state: 'detached' });
    expect((await gw.gql(`{ agents { id } }`, {}, ADMIN_KEY)).body.data.agents).toEqual([{ id: 'assistant' }]);
    expect(studio.consoleErrors).toEqual([]);
    await page.context().close();
  }, 120_000);

  it('is usable 375 px wide: no page scrolls sideways', async () => {
    const studio = await openStudio(browser, gw.url, { credential: ADMIN_KEY, width: 375 });
    const { page } = studio;
    for (const entry of PAGES) {
      await page.goto(`${gw.url}/studio${entry.path}`);
      await page.getByRole('heading', { level: 1 }).waitFor();
      await page.waitForLoadState('networkidle');
      expect(await horizontalOverflow(page), entry.name).toBe(0);
      await screenshot(page, `narrow-${entry.slug}`);
    }
    expect(studio.consoleErrors).toEqual([]);
    await page.context().close();
  }, 120_000);
});

if (!browserPath) console.warn('Studio browser tests skipped: no chromium at CHROMIUM_PATH or /usr/bin/chromium (CI installs it).');
