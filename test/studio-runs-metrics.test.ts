import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeOpenAI } from './support/fake-openai.js';
import { ADMIN_KEY, startTestGateway, type TestGateway } from './support/gateway.js';
import { issueTokens } from './support/memory.js';
import { until } from './support/replica-streams.js';
import { emptyLiveRuns, withChange, withList } from '../studio/src/live-runs.js';
import { browserPath, horizontalOverflow, launchBrowser, openStudio, screenshot, seriousViolations, type StudioPage } from './support/studio.js';

/** A promise and the function that settles it: holds the fake model mid-answer until the test says. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

const CHAT = `mutation { chat(input: { message: "count to four" }) { runId status } }`;

describe('the Runs page’s live list', () => {
  const run = (id: string, startedAt: string, fields: Record<string, unknown> = {}) => ({ id, status: 'RUNNING', agentId: 'a', conversationId: 'c', startedAt, ...fields });
  it('applies the changes that came before the list on top of it, newest first; an ended run stays ended', () => {
    let state = emptyLiveRuns();
    state = withChange(state, { kind: 'STARTED', run: run('new', '2026-01-01T00:00:02Z') });
    state = withChange(state, { kind: 'ENDED', run: run('old', '2026-01-01T00:00:01Z', { status: 'COMPLETE' }) });
    expect(state.inFlight).toEqual([]);
    state = withList(state, [run('old', '2026-01-01T00:00:01Z'), run('other', '2026-01-01T00:00:00Z')]);
    expect(state.inFlight.map((r) => r.id)).toEqual(['new', 'other']);
    expect(state.ended.map((r) => [r.id, r.status])).toEqual([['old', 'COMPLETE']]);
    state = withChange(state, { kind: 'PROGRESSED', run: run('other', '2026-01-01T00:00:00Z', { tokens: 5 }) });
    expect(state.inFlight.find((r) => r.id === 'other')?.tokens).toBe(5);
    // A late progress of a run seen ending (another replica's, say) does not bring it back.
    state = withChange(state, { kind: 'PROGRESSED', run: run('old', '2026-01-01T00:00:01Z', { tokens: 9 }) });
    expect(state.inFlight.map((r) => r.id)).toEqual(['new', 'other']);
  });
});

describe.skipIf(!browserPath)('Studio Runs and Metrics in Chromium', () => {
  let fake: FakeOpenAI;
  let gw: TestGateway;
  let browser: Browser;
  let alice: string;
  let bob: string;
  const opened: StudioPage[] = [];

  beforeAll(async () => {
    fake = await FakeOpenAI.start();
    // A metrics point every 200 ms, so the charts have points within the test.
    gw = await startTestGateway('pglite', { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: 'test-key', MODEL_MAX_RETRIES: '0', ENABLE_EMBEDDINGS: 'false', METRICS_SAMPLE_MS: '200' });
    const created = await gw.gql(`mutation { createAgent(input: { id: "assistant", description: "Answers anything", setAsDefault: true }) { id } }`, {}, ADMIN_KEY);
    expect(created.body.errors).toBeUndefined();
    ({ alice, bob } = await issueTokens(gw));
    browser = await launchBrowser();
  });
  beforeEach(() => fake.reset());
  afterEach(async () => {
    // Whatever a page did, it logged no error and asked nothing of any other host.
    for (const studio of opened.splice(0)) {
      expect(studio.consoleErrors).toEqual([]);
      expect(studio.outside()).toEqual([]);
      await studio.page.context().close();
    }
    // Their subscriptions are gone before the next test counts its own.
    await until(() => gw.orchestrator.liveRuns.subscriberCount === 0, 'the closed pages’ subscriptions to end');
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
    await fake?.close();
  });

  async function open(credential: string, path: string, width?: number): Promise<Page> {
    const studio = await openStudio(browser, gw.url, { credential, path, ...(width ? { width } : {}) });
    opened.push(studio);
    return studio.page;
  }

  /** The Runs page of `credential`, its feed open on the gateway (so no run of the test starts before it listens). */
  async function runsPage(credential: string, width?: number): Promise<Page> {
    const before = gw.orchestrator.liveRuns.subscriberCount;
    const page = await open(credential, '/runs', width);
    await until(() => gw.orchestrator.liveRuns.subscriberCount > before, 'the page’s runsChanged subscription');
    await page.getByTestId('runs-connection').filter({ hasText: 'live' }).waitFor();
    return page;
  }

  /** A run of `credential`'s held after three tokens; `release` lets it finish, `result` is the chat mutation's answer. */
  function heldRun(credential: string) {
    const held = gate();
    fake.enqueue({ tokens: ['One', ' two', ' three', ' four'], waitAfterTokens: { tokens: 3, until: held.opened } });
    const result = gw.gql(CHAT, {}, credential);
    return { release: held.open, result };
  }

  const rowsOf = (page: Page, table: string) => page.getByTestId(table).locator('tbody tr');

  it('shows a run in flight live, with its tokens; its timeline replays from the start; Cancel stops it', async () => {
    const page = await runsPage(alice);
    await expect.poll(() => page.getByText('No run in flight.').count()).toBe(1);
    const run = heldRun(alice);
    const row = rowsOf(page, 'runs-in-flight').first();
    await row.waitFor();
    const runId = (await row.getAttribute('data-run-id'))!;
    // Its tokens so far arrive with its progress (told at most once a second).
    await expect.poll(() => row.getByTestId('run-tokens').innerText(), { timeout: 15_000 }).toBe('3');
    expect(await row.getByTestId('run-status').innerText()).toBe('running');
    expect(await row.innerText()).toContain('alice');

    // Its timeline, replayed from seq 1 while it runs.
    await page.getByRole('link', { name: `Timeline of run ${runId}` }).click();
    const timeline = page.getByTestId('run-timeline');
    await expect.poll(() => timeline.getByTestId('timeline-answer').innerText().catch(() => ''), { timeout: 15_000 }).toBe('One two three');
    const items = await timeline.locator('.timeline-item').allInnerTexts();
    expect(items[0]).toMatch(/^1\s+RunStarted/);
    expect(items[1]).toMatch(/^2\s+AgentSelected/);
    expect(items[2]).toMatch(/^3–5\s+TokenDelta × 3/);
    expect(page.url()).toBe(`${gw.url}/studio/runs/${runId}`);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'runs-live');

    // Cancel (the timeline's button): the run ends CANCELLED, the timeline shows its end, the row moves to the ended table.
    await timeline.getByRole('button', { name: `Cancel run ${runId}` }).click();
    // The click only sends the cancel: the upstream stays held until the run has ended (else it could complete first).
    const cancelled = await run.result;
    run.release();
    expect(cancelled.body.data.chat.status).toBe('CANCELLED');
    await timeline.getByText('RunFailed').waitFor();
    expect(await timeline.innerText()).toContain('CANCELLED');
    await expect.poll(() => page.getByTestId('timeline-state').innerText()).toMatch(/^Ended after/);
    const ended = rowsOf(page, 'runs-ended').first();
    await ended.waitFor();
    expect(await ended.getAttribute('data-run-id')).toBe(runId);
    expect(await ended.getByTestId('run-status').innerText()).toBe('cancelled');
    expect(await page.getByText('No run in flight.').count()).toBe(1);
    await screenshot(page, 'runs-cancelled');

    // A reload replays the finished run's timeline whole (runEvents after: 0).
    await page.reload();
    await expect.poll(() => page.getByTestId('run-timeline').getByTestId('timeline-answer').innerText().catch(() => ''), { timeout: 15_000 }).toBe('One two three');
    await page.getByTestId('run-timeline').getByText('RunFailed').waitFor();
  });

  it('a user sees only their own runs; an admin sees everyone’s', async () => {
    const bobsPage = await runsPage(bob);
    const adminsPage = await runsPage(ADMIN_KEY);
    const run = heldRun(alice);
    const adminRow = rowsOf(adminsPage, 'runs-in-flight').first();
    await adminRow.waitFor();
    const runId = (await adminRow.getAttribute('data-run-id'))!;
    expect(await adminRow.innerText()).toContain('alice');
    await expect.poll(() => adminRow.getByTestId('run-tokens').innerText(), { timeout: 15_000 }).toBe('3');

    // Bob's own run reaches his page; alice's never did.
    fake.enqueue({ text: 'Hi bob' });
    const bobsRun = (await gw.gql(CHAT, {}, bob)).body.data.chat.runId as string;
    await rowsOf(bobsPage, 'runs-ended').first().waitFor();
    expect(await rowsOf(bobsPage, 'runs-ended').first().getAttribute('data-run-id')).toBe(bobsRun);
    expect(await bobsPage.getByText('No run in flight.').count()).toBe(1);
    expect(await bobsPage.content()).not.toContain(runId);
    expect(await seriousViolations(bobsPage)).toEqual([]);

    // The admin cancels it from the table.
    await adminRow.getByRole('button', { name: `Cancel run ${runId}` }).click();
    const cancelled = await run.result;
    run.release();
    expect(cancelled.body.data.chat.status).toBe('CANCELLED');
    await expect.poll(() => adminsPage.getByTestId('runs-ended').locator(`tr[data-run-id="${runId}"]`).count()).toBe(1);
    expect(await adminsPage.getByText('No run in flight.').count()).toBe(1);
  });

  it('usable at 375 px: the runs table scrolls in its own box', async () => {
    const page = await runsPage(alice, 375);
    const run = heldRun(alice);
    await rowsOf(page, 'runs-in-flight').first().waitFor();
    expect(await horizontalOverflow(page)).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'runs-375');
    const runId = (await rowsOf(page, 'runs-in-flight').first().getAttribute('data-run-id'))!;
    await page.getByRole('button', { name: `Cancel run ${runId}` }).click();
    const cancelled = await run.result;
    run.release();
    expect(cancelled.body.data.chat.status).toBe('CANCELLED');
  });

  it('Metrics charts runs, time to first token, tokens, failures by code and subscriptions, with no console error', async () => {
    fake.enqueue({ text: 'one two three', usage: { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 } });
    expect((await gw.gql(CHAT, {}, alice)).body.data.chat.status).toBe('COMPLETE');
    fake.enqueue({ status: 500, errorMessage: 'upstream broke' });
    expect((await gw.gql(CHAT, {}, alice)).body.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');

    const page = await open(ADMIN_KEY, '/metrics');
    for (const id of ['runs', 'ttft', 'tokens', 'failures', 'subscriptions']) await page.getByTestId(`chart-${id}`).locator('canvas').first().waitFor();
    // The failure's code is a series of its own once a point holds it (the page polls every interval).
    await page.getByTestId('chart-failures').getByText('UPSTREAM_UNAVAILABLE').waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('metrics-about').innerText()).toContain(gw.orchestrator.replicaId);
    expect(await page.getByTestId('chart-ttft').locator('.legend li').first().innerText()).toMatch(/p50: \d/);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'metrics');

    const narrow = await open(ADMIN_KEY, '/metrics', 375);
    await narrow.getByTestId('chart-subscriptions').locator('canvas').first().waitFor();
    expect(await horizontalOverflow(narrow)).toBe(0);
    await screenshot(narrow, 'metrics-375');

    // A user is told the page is for admins.
    const usersPage = await open(alice, '/metrics');
    await usersPage.getByText('Metrics are for admins').waitFor();
    expect(await seriousViolations(usersPage)).toEqual([]);
  });
});
