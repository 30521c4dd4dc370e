import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOpenAI } from './support/fake-openai.js';
import { ADMIN_KEY, startTestGateway, type TestGateway } from './support/gateway.js';
import { browserPath, horizontalOverflow, launchBrowser, openStudio, screenshot, seriousViolations } from './support/studio.js';

const PRICES = JSON.stringify({ 'gpt-4o-mini': { input: 0.15, output: 0.6, cached: 0.075 } });
const TOTALS = `query($groupBy: [UsageDimension!]) { usage(groupBy: $groupBy) {
  totals { calls inputTokens outputTokens cachedTokens reasoningTokens totalTokens costUsd unpricedCalls }
  groups { userId keyId agentId model bucketStart calls inputTokens outputTokens totalTokens costUsd unpricedCalls }
  unpricedModels } }`;

/** Money and counts as the page writes them (en-US). */
const usd = (value: number) =>
  value === 0
    ? '$0.00'
    : value >= 1
      ? `$${value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`
      : value >= 0.01
        ? `$${value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 4 })}`
        : `$${value.toLocaleString('en-US', { maximumSignificantDigits: 3 })}`;
const count = (value: number) => value.toLocaleString('en-US');

interface Group {
  userId: string | null;
  agentId: string | null;
  model: string | null;
  calls: number;
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  costUsd: number;
  unpricedCalls: number;
}

/** A sums table's rows as shown: name, cost (with unpriced calls), tokens, in / out, calls. */
const shownRows = (groups: Group[], name: (group: Group) => string) =>
  groups.map((group) => [
    name(group),
    `${usd(group.costUsd)}${group.unpricedCalls ? `\n${group.unpricedCalls} unpriced` : ''}`,
    count(group.totalTokens),
    `${count(group.inputTokens)} / ${count(group.outputTokens)}`,
    count(group.calls),
  ]);

const tableRows = (page: Page, testId: string) =>
  page.getByTestId(testId).locator('tbody tr').evaluateAll((rows) => rows.map((row) => [...row.children].map((cell) => (cell as HTMLElement).innerText.trim())));

const totalsShown = (page: Page) =>
  page.getByTestId('usage-totals').locator('div').evaluateAll((items) => Object.fromEntries(items.map((item) => [item.querySelector('dt')!.textContent, item.querySelector('dd')!.textContent])));

describe.skipIf(!browserPath)('Studio Usage page in Chromium', () => {
  let fake: FakeOpenAI;
  let gw: TestGateway;
  let browser: Browser;
  let aliceKey: string;
  let aliceKeyId: string;
  const api = async (credential: string, groupBy: string[] = []) => {
    const { body } = await gw.gql(TOTALS, { groupBy }, credential);
    expect(body.errors).toBeUndefined();
    return body.data.usage as { totals: Group & { cachedTokens: number; reasoningTokens: number }; groups: Group[]; unpricedModels: string[] };
  };

  /** The budgets the API lists for this credential, as the page's table shows them (`keyName`: a key's name on the page). */
  const budgetRows = async (credential: string, keyName: (id: string) => string) => {
    const { body } = await gw.gql(`{ budgets { scope keyId userId metric period limit spent remaining resetsAt hard exceeded } }`, {}, credential);
    expect(body.errors).toBeUndefined();
    type Shown = { scope: string; keyId: string; userId: string; metric: string; period: string; limit: number; spent: number; remaining: number; resetsAt: string; hard: boolean; exceeded: boolean };
    const amount = (budget: Shown, value: number) => (budget.metric === 'COST' ? usd(value) : `${count(value)} tokens`);
    return (body.data.budgets as Shown[]).map((budget) => [
      `${budget.scope === 'USER' ? `user ${budget.userId}` : `key ${keyName(budget.keyId)}`}${budget.hard ? '' : ' soft'}${budget.exceeded ? ' exceeded' : ''}`,
      budget.period.toLowerCase(),
      `${amount(budget, budget.spent)} of ${amount(budget, budget.limit)}`,
      amount(budget, budget.remaining),
      `${budget.resetsAt.replace('T', ' ').slice(0, 16)} UTC`,
    ]);
  };

  beforeAll(async () => {
    fake = await FakeOpenAI.start();
    gw = await startTestGateway('pglite', { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: 'test-key', MODEL_PRICES: PRICES, ENABLE_EMBEDDINGS: 'false' });
    for (const [id, model] of [['assistant', 'gpt-4o-mini'], ['coder', 'local-llama']]) {
      await gw.gql(`mutation($id: ID!, $model: String!) { createAgent(input: { id: $id, model: $model }) { id } }`, { id, model }, ADMIN_KEY);
    }
    const keyFor = async (user: string) => (await gw.gql(`mutation($u: ID!, $label: String) { createApiKey(isAdmin: false, userId: $u, label: $label) { key } }`, { u: user, label: user }, ADMIN_KEY)).body.data.createApiKey.key as string;
    aliceKey = await keyFor('alice');
    const bobKey = await keyFor('bob');
    const carolKey = await keyFor('carol');
    const chats = [
      { credential: aliceKey, agentId: 'assistant', usage: { prompt_tokens: 1000, completion_tokens: 200, total_tokens: 1200, prompt_tokens_details: { cached_tokens: 400 }, completion_tokens_details: { reasoning_tokens: 50 } } },
      { credential: aliceKey, agentId: 'coder', usage: { prompt_tokens: 300, completion_tokens: 100, total_tokens: 400 } },
      { credential: bobKey, agentId: 'assistant', usage: { prompt_tokens: 5000, completion_tokens: 2000, total_tokens: 7000 } },
      // Carol's calls have no price: her chart shows tokens until a cost is asked for.
      { credential: carolKey, agentId: 'coder', usage: { prompt_tokens: 40, completion_tokens: 2, total_tokens: 42 } },
    ];
    for (const chat of chats) {
      fake.enqueue({ text: 'fine', usage: chat.usage });
      const { body } = await gw.gql(`mutation($input: ChatInput!) { chat(input: $input) { runId } }`, { input: { message: 'hi', agentId: chat.agentId } }, chat.credential);
      expect(body.errors).toBeUndefined();
    }
    // Budgets: alice's and bob's (dollars a day), and a soft token budget a month on alice's key.
    const keys = (await gw.gql(`{ apiKeys { id label } }`, {}, ADMIN_KEY)).body.data.apiKeys as Array<{ id: string; label: string }>;
    aliceKeyId = keys.find((key) => key.label === 'alice')!.id;
    for (const input of [
      { userId: 'alice', period: 'DAY', costUsd: 1 },
      { userId: 'bob', period: 'DAY', costUsd: 0.001 },
      { keyId: aliceKeyId, period: 'MONTH', tokens: 100_000, hard: false },
    ]) {
      const { body } = await gw.gql(`mutation($input: BudgetInput!) { setBudget(input: $input) { id } }`, { input }, ADMIN_KEY);
      expect(body.errors).toBeUndefined();
    }
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
    await fake?.close();
  });

  it('shows an admin everyone’s spend and tokens: totals, by user, key, agent and model, per day, as the API has them', async () => {
    const studio = await openStudio(browser, gw.url, { credential: ADMIN_KEY, path: '/usage' });
    const { page } = studio;
    await page.getByTestId('usage-by-model').waitFor();
    const all = await api(ADMIN_KEY);
    expect(all.totals.calls).toBe(4);
    expect(await totalsShown(page)).toEqual({
      Cost: usd(all.totals.costUsd),
      Tokens: count(all.totals.totalTokens),
      'In / out': `${count(all.totals.inputTokens)} / ${count(all.totals.outputTokens)}`,
      'Cached / reasoning': `${count(all.totals.cachedTokens)} / ${count(all.totals.reasoningTokens)}`,
      Calls: count(all.totals.calls),
    });
    expect(await page.getByTestId('usage-unpriced').innerText()).toContain('local-llama');
    expect(await tableRows(page, 'usage-by-user')).toEqual(shownRows((await api(ADMIN_KEY, ['USER'])).groups, (group) => group.userId ?? 'no user'));
    expect(await tableRows(page, 'usage-by-agent')).toEqual(shownRows((await api(ADMIN_KEY, ['AGENT'])).groups, (group) => group.agentId ?? 'no agent'));
    expect(await tableRows(page, 'usage-by-model')).toEqual(shownRows((await api(ADMIN_KEY, ['MODEL'])).groups, (group) => group.model ?? '—'));
    // Keys by their labels.
    expect((await tableRows(page, 'usage-by-key')).map((row) => row[0]!.split(' ')[0])).toEqual(['bob', 'alice', 'carol']);
    // Today's bar, and the same figure in the table beside the chart.
    expect(await page.getByTestId('usage-chart').locator('canvas').count()).toBeGreaterThan(0);
    await page.getByText('Show as a table').click();
    const days = (await api(ADMIN_KEY, ['DAY'])).groups as Array<Group & { bucketStart: string }>;
    expect(await tableRows(page, 'usage-over-time')).toEqual(days.map((day) => [day.bucketStart.slice(0, 10), usd(day.costUsd)]));
    // Every budget, with what is spent and left as the API counts it: bob's is exceeded, alice's key's is soft and named by its label.
    const adminBudgets = await budgetRows(ADMIN_KEY, (id) => `alice (${id.slice(0, 8)})`);
    expect(adminBudgets).toHaveLength(3);
    expect(await tableRows(page, 'budgets')).toEqual(adminBudgets);
    expect(adminBudgets.map((row) => row[0])).toEqual(expect.arrayContaining(['user alice', 'user bob exceeded', `key alice (${aliceKeyId.slice(0, 8)}) soft`]));
    expect(adminBudgets.find((row) => row[0] === 'user alice')![2]).toBe(`${usd((await api(ADMIN_KEY, ['USER'])).groups.find((group) => group.userId === 'alice')!.costUsd)} of $1.00`);
    expect(adminBudgets.find((row) => row[0]!.startsWith('key '))!.slice(2, 4)).toEqual([`${count(1600)} tokens of ${count(100_000)} tokens`, `${count(98_400)} tokens`]);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'usage-admin');

    // One user, chosen by the admin.
    await page.getByRole('textbox', { name: 'User' }).fill('bob');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => tableRows(page, 'usage-by-user')).toEqual([['bob', usd(5000 * 0.15e-6 + 2000 * 0.6e-6), count(7000), `${count(5000)} / ${count(2000)}`, '1']]);
    expect(await page.getByLabel('Chart', { exact: true }).inputValue()).toBe('cost');
    // Nothing of carol's has a price: her chart is of tokens, not of zero dollars; cost when asked for.
    await page.getByRole('textbox', { name: 'User' }).fill('carol');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => tableRows(page, 'usage-by-user')).toEqual([['carol', '$0.00\n1 unpriced', '42', '40 / 2', '1']]);
    expect(await page.getByLabel('Chart', { exact: true }).inputValue()).toBe('tokens');
    expect(await page.getByRole('figure').getByText('Tokens per day (UTC)').count()).toBe(1);
    await page.getByLabel('Chart', { exact: true }).selectOption('cost');
    await page.getByRole('figure').getByText('Cost per day (UTC)').waitFor();
    expect(studio.consoleErrors).toEqual([]);
    expect(studio.outside()).toEqual([]);
    await page.context().close();
  }, 120_000);

  it('shows a user their own spend only, per hour in tokens on request, and fits 375 px', async () => {
    const studio = await openStudio(browser, gw.url, { credential: aliceKey, path: '/usage', width: 375 });
    const { page } = studio;
    await page.getByTestId('usage-by-model').waitFor();
    const own = await api(aliceKey);
    expect(own.totals.calls).toBe(2);
    expect(await totalsShown(page)).toMatchObject({ Cost: usd(own.totals.costUsd), Tokens: count(own.totals.totalTokens), Calls: '2' });
    expect(await page.getByTestId('usage-range').innerText()).toContain('your calls only');
    // No table of users, and nothing of bob's anywhere.
    expect(await page.getByTestId('usage-by-user').count()).toBe(0);
    expect(await tableRows(page, 'usage-by-agent')).toEqual(shownRows((await api(aliceKey, ['AGENT'])).groups, (group) => group.agentId ?? 'no agent'));
    expect(await page.locator('main').innerText()).not.toContain(count(7000));
    expect(await page.getByRole('textbox', { name: 'User' }).count()).toBe(0);

    // Her own budgets (hers and her key's), with what is left of them; not bob's.
    const ownBudgets = await budgetRows(aliceKey, (id) => id);
    expect(ownBudgets.map((row) => row[0]).sort()).toEqual([`key ${aliceKeyId} soft`, 'user alice']);
    expect(await tableRows(page, 'budgets')).toEqual(ownBudgets);
    expect(await page.getByTestId('budgets').innerText()).not.toContain('bob');

    await page.getByLabel('Range', { exact: true }).selectOption('24h');
    await page.getByLabel('Per', { exact: true }).selectOption('HOUR');
    await page.getByLabel('Chart', { exact: true }).selectOption('tokens');
    await page.getByText('Show as a table').click();
    const hours = (await api(aliceKey, ['HOUR'])).groups as Array<Group & { bucketStart: string }>;
    await expect
      .poll(() => tableRows(page, 'usage-over-time'))
      .toEqual(hours.map((hour) => [`${hour.bucketStart.slice(0, 13).replace('T', ' ')}:00`, count(hour.totalTokens)]));
    expect(await page.getByRole('figure').getByText('Tokens per hour (UTC)').count()).toBe(1);

    await page.waitForLoadState('networkidle');
    expect(await horizontalOverflow(page)).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'usage-user-narrow');
    expect(studio.consoleErrors).toEqual([]);
    await page.context().close();
  }, 120_000);
});

if (!browserPath) console.warn('Studio Usage browser test skipped: no chromium at CHROMIUM_PATH or /usr/bin/chromium (CI installs it).');
