import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeOpenAI } from './support/fake-openai.js';
import { ADMIN_KEY, startTestGateway, type TestGateway } from './support/gateway.js';
import { issueTokens } from './support/memory.js';
import { browserPath, horizontalOverflow, launchBrowser, openStudio, screenshot, seriousViolations, type StudioPage } from './support/studio.js';
import { weatherTool } from './support/tools.js';

/** A promise and the function that settles it: holds the fake model mid-answer until the test says. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe.skipIf(!browserPath)('Studio Playground in Chromium', () => {
  let fake: FakeOpenAI;
  let gw: TestGateway;
  let browser: Browser;
  let alice: string;
  const weatherCalls: unknown[] = [];
  let studio: StudioPage | undefined;

  beforeAll(async () => {
    fake = await FakeOpenAI.start();
    gw = await startTestGateway('pglite', { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: 'test-key', MODEL_MAX_RETRIES: '0', ENABLE_EMBEDDINGS: 'false' });
    gw.orchestrator.registerTool(weatherTool(weatherCalls));
    for (const input of [
      { id: 'assistant', description: 'Answers anything', tools: ['weather'], setAsDefault: true },
      { id: 'careful', description: 'Checks the weather only when allowed', tools: ['weather'], requireApproval: ['weather'] },
    ]) {
      const created = await gw.gql(`mutation($input: CreateAgentInput!) { createAgent(input: $input) { id } }`, { input }, ADMIN_KEY);
      expect(created.body.errors).toBeUndefined();
    }
    ({ alice } = await issueTokens(gw));
    browser = await launchBrowser();
  });
  beforeEach(() => {
    fake.reset();
    weatherCalls.length = 0;
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
    await fake?.close();
  });

  /** Alice in the Playground, talking to `agent`. */
  async function playground(agent = 'assistant', options: { refuseWebSockets?: boolean } = {}): Promise<Page> {
    await studio?.page.context().close();
    studio = await openStudio(browser, gw.url, { credential: alice, ...options });
    const { page } = studio;
    await page.getByLabel('Agent', { exact: true }).selectOption(agent);
    return page;
  }

  async function send(page: Page, message: string) {
    await page.getByLabel('Message', { exact: true }).fill(message);
    await page.getByRole('button', { name: 'Send', exact: true }).click();
  }

  const lastTurn = (page: Page) => page.locator('li.turn-pair').last();
  const answerOf = (page: Page) => lastTurn(page).getByTestId('answer');
  const statusOf = (page: Page) => lastTurn(page).getAttribute('data-status');

  afterAll(() => {
    // Whatever a page did, it asked nothing of any other host and logged no error.
    if (studio) expect(studio.outside()).toEqual([]);
  });

  it('streams an answer token by token, then shows the routing decision and the usage', async () => {
    const held = gate();
    fake.enqueue({ tokens: ['Hello', ' from', ' the', ' studio'], waitAfterTokens: { tokens: 2, until: held.opened }, usage: { prompt_tokens: 11, completion_tokens: 4, total_tokens: 15 } });
    const page = await playground();
    await send(page, 'Say hello');
    // The first two tokens are on the page while the model still holds the rest: streamed, not waited for.
    await expect.poll(() => answerOf(page).innerText(), { timeout: 15_000 }).toContain('Hello from');
    expect(await statusOf(page)).toBe('streaming');
    await screenshot(page, 'playground-streaming');
    held.open();
    await expect.poll(() => statusOf(page), { timeout: 15_000 }).toBe('complete');
    expect((await answerOf(page).innerText()).trim()).toBe('Hello from the studio');
    expect(await lastTurn(page).getByTestId('usage').innerText()).toContain('11 prompt + 4 completion = 15 tokens');
    await lastTurn(page).getByText(/^Routing: explicit/).click();
    expect(await lastTurn(page).locator('.routing-details').innerText()).toContain('assistant');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'playground-answered');

    // The answer is alice's, stored: the same text in her conversation.
    const conversations = await gw.gql(`{ conversations { edges { node { userId messages { role content } } } } }`, {}, alice);
    expect(conversations.body.data.conversations.edges[0].node).toEqual({
      userId: 'alice',
      messages: [
        { role: 'USER', content: 'Say hello' },
        { role: 'ASSISTANT', content: 'Hello from the studio' },
      ],
    });
    expect(studio!.consoleErrors).toEqual([]);
  }, 60_000);

  it('shows a tool call unfold in place: arguments, then the result', async () => {
    fake.enqueue({ toolCalls: [{ id: 'call_w', name: 'weather', arguments: { city: 'Oslo' } }] }, { text: 'It is -3 °C in Oslo.' });
    const page = await playground();
    await send(page, 'Weather in Oslo?');
    await expect.poll(() => statusOf(page), { timeout: 15_000 }).toBe('complete');
    const call = lastTurn(page).locator('details.tool');
    expect(await call.locator('summary').innerText()).toMatch(/Tool weather: done \(\d+ ms\)/);
    await call.locator('summary').click();
    await call.evaluate((element) => ((element as HTMLDetailsElement).open = true));
    expect(await call.getByLabel('Arguments of weather').innerText()).toContain('"city": "Oslo"');
    expect(await call.getByLabel('Result of weather').innerText()).toContain('"celsius": -3');
    expect(await answerOf(page).innerText()).toContain('It is -3 °C in Oslo.');
    expect(weatherCalls).toEqual([{ city: 'Oslo' }]);
    await screenshot(page, 'playground-tool-call');
    expect(studio!.consoleErrors).toEqual([]);
  }, 60_000);

  it('answers a client tool call from the page: the run waits, then goes on with the result', async () => {
    fake.enqueue({ toolCalls: [{ id: 'call_loc', name: 'get_location', arguments: { precision: 'city' } }] }, { text: 'You are in Bergen.' });
    const page = await playground();
    await page.getByText('Client tools', { exact: true }).click();
    await page.getByRole('button', { name: 'Use an example tool' }).click();
    await send(page, 'Where am I?');
    const result = lastTurn(page).getByLabel('Result for get_location (JSON or text)');
    await result.waitFor({ timeout: 15_000 });
    expect(await statusOf(page)).toBe('paused');
    expect(await lastTurn(page).getByLabel('Arguments of get_location').first().innerText()).toContain('"precision": "city"');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'playground-client-tool');
    // The same at 375 px: the request, its arguments and the form fit without sideways scrolling.
    await page.setViewportSize({ width: 375, height: 800 });
    expect(await horizontalOverflow(page)).toBe(0);
    await screenshot(page, 'narrow-playground-client-tool');
    await page.setViewportSize({ width: 1280, height: 900 });
    await result.fill('"Bergen"');
    await lastTurn(page).getByRole('button', { name: 'Send result' }).click();
    await expect.poll(() => statusOf(page), { timeout: 15_000 }).toBe('complete');
    expect(await answerOf(page).innerText()).toContain('You are in Bergen.');
    // The model got the page's result (JSON: a string, given as its text) as the tool's answer.
    expect(fake.requests[1]!.body.messages.at(-1)).toEqual({ role: 'tool', tool_call_id: 'call_loc', content: 'Bergen' });
    expect(studio!.consoleErrors).toEqual([]);
  }, 60_000);

  it('gives an approval from the page: the held call runs, stored as approved by alice', async () => {
    fake.enqueue({ toolCalls: [{ id: 'call_r', name: 'weather', arguments: { city: 'Rome' } }] }, { text: 'Rome: -3 °C.' });
    const page = await playground('careful');
    await send(page, 'Weather in Rome?');
    const approve = lastTurn(page).getByRole('button', { name: 'Approve' });
    await approve.waitFor({ timeout: 15_000 });
    expect(weatherCalls).toEqual([]);
    await lastTurn(page).getByLabel('Reason (optional)').fill('looks fine');
    await screenshot(page, 'playground-approval');
    await approve.click();
    await expect.poll(() => statusOf(page), { timeout: 15_000 }).toBe('complete');
    expect(weatherCalls).toEqual([{ city: 'Rome' }]);
    expect(await lastTurn(page).getByRole('group', { name: 'Approval for weather' }).innerText()).toContain('approved (looks fine)');
    expect(await answerOf(page).innerText()).toContain('Rome: -3 °C.');
    const stored = await gw.gql(`{ conversations { edges { node { messages { toolCalls { callId approval { approved reason decidedBy { userId } } } } } } } }`, {}, alice);
    const calls = stored.body.data.conversations.edges[0].node.messages[1].toolCalls;
    expect(calls).toEqual([{ callId: 'call_r', approval: { approved: true, reason: 'looks fine', decidedBy: { userId: 'alice' } } }]);
    expect(studio!.consoleErrors).toEqual([]);
  }, 60_000);

  it('resumes an answer after a reload mid-answer (runEvents after the last seq): no gap, nothing twice', async () => {
    const held = gate();
    fake.enqueue({ tokens: ['One', ' two', ' three', ' four'], waitAfterTokens: { tokens: 2, until: held.opened } });
    const page = await playground();
    const subscriptions: string[] = [];
    page.on('websocket', (socket) => socket.on('framesent', (frame) => subscriptions.push(String(frame.payload))));
    await send(page, 'Count to four');
    await expect.poll(() => answerOf(page).innerText(), { timeout: 15_000 }).toContain('One two');
    await page.reload();
    // Back from sessionStorage, then followed again.
    await expect.poll(() => answerOf(page).innerText(), { timeout: 15_000 }).toContain('One two');
    await expect.poll(() => subscriptions.some((frame) => frame.includes('runEvents')), { timeout: 15_000 }).toBe(true);
    const resume = JSON.parse(subscriptions.find((frame) => frame.includes('runEvents'))!);
    expect(resume.payload.variables.after).toBeGreaterThan(0);
    held.open();
    await expect.poll(() => statusOf(page), { timeout: 15_000 }).toBe('complete');
    expect((await answerOf(page).innerText()).trim()).toBe('One two three four');
    expect(fake.requests).toHaveLength(1);
    expect(studio!.consoleErrors).toEqual([]);
  }, 60_000);

  it('keeps the answer going while the user watches its run on the Runs page, and shows it whole back in the Playground', async () => {
    const held = gate();
    fake.enqueue({ tokens: ['Watched', ' while', ' it', ' runs'], waitAfterTokens: { tokens: 2, until: held.opened } });
    const page = await playground();
    await send(page, 'Take your time');
    await expect.poll(() => answerOf(page).innerText(), { timeout: 15_000 }).toContain('Watched while');
    const runId = (await lastTurn(page).getAttribute('data-run-id'))!;
    // The run's id links to its timeline; leaving the Playground does not stop the answer (chatStream's unsubscribe would).
    await lastTurn(page).getByRole('link', { name: `Watch run ${runId} on the Runs page` }).click();
    await page.getByRole('heading', { name: `Run ${runId}` }).waitFor();
    await expect.poll(() => page.locator('main').innerText(), { timeout: 15_000 }).toContain('Watched while');
    const status = async () => (await gw.gql(`query($id: ID!) { run(id: $id) { status } }`, { id: runId }, alice)).body.data.run.status;
    expect(await status()).toBe('RUNNING');
    held.open();
    await expect.poll(status, { timeout: 15_000 }).toBe('COMPLETE');
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Playground' }).click();
    await expect.poll(() => statusOf(page), { timeout: 15_000 }).toBe('complete');
    expect((await answerOf(page).innerText()).trim()).toBe('Watched while it runs');
    expect(fake.requests).toHaveLength(1);
    expect(studio!.consoleErrors).toEqual([]);
  }, 60_000);

  it('follows the run again when the WebSocket drops mid-answer, from the last seq it showed', async () => {
    const held = gate();
    fake.enqueue({ tokens: ['Still', ' here', ' after', ' the', ' drop'], waitAfterTokens: { tokens: 2, until: held.opened } });
    const page = await playground();
    // Every socket passes through the test, which can cut it.
    const sockets: Array<{ close(): Promise<void> }> = [];
    await page.context().routeWebSocket(/\/graphql$/, (socket) => {
      socket.connectToServer();
      sockets.push(socket);
    });
    await send(page, 'Keep going');
    await expect.poll(() => answerOf(page).innerText(), { timeout: 15_000 }).toContain('Still here');
    await sockets[0]!.close();
    await expect.poll(() => sockets.length, { timeout: 15_000 }).toBe(2);
    held.open();
    await expect.poll(() => statusOf(page), { timeout: 15_000 }).toBe('complete');
    expect((await answerOf(page).innerText()).trim()).toBe('Still here after the drop');
    expect(fake.requests).toHaveLength(1);
  }, 60_000);

  it('streams over graphql-sse when a WebSocket cannot connect (a proxy that drops upgrades)', async () => {
    const held = gate();
    fake.enqueue({ tokens: ['Over', ' server-sent', ' events'], waitAfterTokens: { tokens: 1, until: held.opened } });
    const page = await playground('assistant', { refuseWebSockets: true });
    const streams: string[] = [];
    page.on('request', (request) => {
      if ((request.headers().accept ?? '').includes('text/event-stream')) streams.push(request.method());
    });
    await send(page, 'Which transport?');
    await expect.poll(() => answerOf(page).innerText(), { timeout: 15_000 }).toContain('Over');
    expect(await statusOf(page)).toBe('streaming');
    held.open();
    await expect.poll(() => statusOf(page), { timeout: 15_000 }).toBe('complete');
    expect((await answerOf(page).innerText()).trim()).toBe('Over server-sent events');
    expect(streams).toEqual(['POST']);
    expect(studio!.consoleErrors.filter((line) => !line.includes('WebSocket'))).toEqual([]);
  }, 60_000);

  it('stops an answer: the run is cancelled and the page says so', async () => {
    fake.enqueue({ tokens: ['Partial', ' answer'], hangAfterTokens: 1 });
    const page = await playground();
    await send(page, 'Go on and on');
    await expect.poll(() => answerOf(page).innerText(), { timeout: 15_000 }).toContain('Partial');
    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    await expect.poll(() => statusOf(page), { timeout: 15_000 }).toBe('cancelled');
    const runId = await lastTurn(page).getAttribute('data-run-id');
    const run = await gw.gql(`query($id: ID!) { run(id: $id) { status } }`, { id: runId }, alice);
    expect(run.body.data.run.status).toBe('CANCELLED');
    expect(studio!.consoleErrors).toEqual([]);
  }, 60_000);
});
