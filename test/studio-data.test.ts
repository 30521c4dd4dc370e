import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOpenAI } from './support/fake-openai.js';
import { ADMIN_KEY, startTestGateway, type TestGateway } from './support/gateway.js';
import { startTestA2aServer, type TestA2aServer } from './support/a2a-servers.js';
import { startTestMcpHttpServer, type TestMcpHttpServer } from './support/mcp-servers.js';
import { issueTokens } from './support/memory.js';
import { browserPath, launchBrowser, openStudio, screenshot, seriousViolations, type StudioPage } from './support/studio.js';

/** Words only alice's data contains: none may reach bob's pages, nor any response bob's browser gets. */
const ALICE_SECRETS = ['zebra-question', 'zebra-answer', 'zebra-memory', 'zebra-tea', 'alice-private-agent'];

const PAGE_PATHS = ['/', '/agents', '/runs', '/conversations', '/memory', '/mcp', '/usage', '/metrics'];

describe.skipIf(!browserPath)('Studio with data, in Chromium', () => {
  let fake: FakeOpenAI;
  let gw: TestGateway;
  let mcp: TestMcpHttpServer;
  let remote: TestA2aServer;
  let browser: Browser;
  let alice: string;
  let bob: string;
  let aliceConversation: string;
  let aliceMemory: string;

  const ok = async (query: string, variables: Record<string, unknown>, credential: string) => {
    const response = await gw.gql(query, variables, credential);
    expect(response.body.errors, query).toBeUndefined();
    return response.body.data;
  };

  beforeAll(async () => {
    fake = await FakeOpenAI.start();
    mcp = await startTestMcpHttpServer({ mode: 'sessions' });
    remote = await startTestA2aServer({ name: 'Forecaster', skills: [{ id: 'forecast', name: 'Forecast', description: 'Tomorrow’s weather' }] });
    gw = await startTestGateway('pglite', { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: 'test-key', MODEL_MAX_RETRIES: '0', ENABLE_EMBEDDINGS: 'false' });
    await ok(`mutation { createAgent(input: { id: "assistant", description: "Answers anything", setAsDefault: true }) { id } }`, {}, ADMIN_KEY);
    ({ alice, bob } = await issueTokens(gw));
    // Alice's data: a conversation, a long-term memory, a user-context fact, a private agent.
    fake.enqueue({ text: 'Here is your zebra-answer.' }, { text: 'Bob gets a plain answer.' });
    aliceConversation = (await ok(`mutation { chat(input: { agentId: "assistant", message: "A zebra-question for you" }) { conversationId } }`, {}, alice)).chat.conversationId;
    aliceMemory = (await ok(`mutation { addLongTermMemory(input: { content: "Alice keeps a zebra-memory about tea" }) { id } }`, {}, alice)).addLongTermMemory.id;
    await ok(`mutation { addUserContext(input: { knowledge: { drinks: { favourite: "zebra-tea" } } }) { userId } }`, {}, alice);
    await ok(`mutation { createAgent(input: { id: "alice-private-agent", description: "Alice's own", userId: "alice" }) { id userId } }`, {}, ADMIN_KEY);
    // Bob's own conversation.
    await ok(`mutation { chat(input: { agentId: "assistant", message: "Bob asks something" }) { conversationId } }`, {}, bob);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
    await mcp?.close();
    await remote?.close();
    await fake?.close();
  });

  /** Every GraphQL response body and WebSocket message the page received, as text. */
  function recordTraffic(studio: StudioPage): string[] {
    const seen: string[] = [];
    studio.page.on('response', async (response) => {
      if (new URL(response.url()).pathname === '/graphql') seen.push(await response.text().catch(() => ''));
    });
    studio.page.on('websocket', (socket) => socket.on('framereceived', (frame) => seen.push(String(frame.payload))));
    return seen;
  }

  async function settle(page: Page) {
    await page.getByRole('heading', { level: 1 }).waitFor();
    await page.waitForLoadState('networkidle');
  }

  it('a user sees none of another user’s data on any page', async () => {
    const studio = await openStudio(browser, gw.url, { credential: bob });
    const traffic = recordTraffic(studio);
    const { page } = studio;
    for (const path of PAGE_PATHS) {
      await page.goto(`${gw.url}/studio${path}`);
      await settle(page);
      const text = await page.locator('body').innerText();
      for (const secret of ALICE_SECRETS) expect(text, `${path} shows ${secret}`).not.toContain(secret);
      expect(await seriousViolations(page), path).toEqual([]);
      await screenshot(page, `user-${path.slice(1) || 'playground'}`);
    }
    // Bob's own conversation is listed; alice's is not, and opening it by id is NOT_FOUND.
    await page.goto(`${gw.url}/studio/conversations`);
    await page.getByRole('link', { name: 'Bob asks something' }).waitFor();
    await page.goto(`${gw.url}/studio/conversations/${aliceConversation}`);
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').innerText()).toContain('NOT_FOUND');
    // Memory search for alice's words finds nothing; the ledger and the context tree are bob's (empty).
    await page.goto(`${gw.url}/studio/memory`);
    await settle(page);
    await page.getByLabel('Search memory').fill('zebra');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByText('Nothing found.').waitFor();
    expect(await page.getByText('No long-term memory.').isVisible()).toBe(true);
    expect(await page.getByText('Nothing known about this user yet.').isVisible()).toBe(true);
    // A user acts for no one else: no user field to fill.
    expect(await page.getByLabel('User', { exact: true }).count()).toBe(0);

    await page.waitForLoadState('networkidle');
    const all = traffic.join('\n');
    for (const secret of ALICE_SECRETS) expect(all, secret).not.toContain(secret);
    // Opening alice's conversation by id is answered NOT_FOUND: the browser logs that response's status, nothing else.
    expect(studio.consoleErrors.filter((line) => !/^Failed to load resource: the server responded with a status of 404/.test(line))).toEqual([]);
    expect(studio.outside()).toEqual([]);
    await page.context().close();
  }, 120_000);

  it('the user’s own pages: the conversation with its messages, memory search, the ledger, the context tree', async () => {
    const studio = await openStudio(browser, gw.url, { credential: alice });
    const { page } = studio;
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Conversations' }).click();
    await page.getByRole('link', { name: 'A zebra-question for you' }).click();
    await page.waitForURL(`${gw.url}/studio/conversations/${aliceConversation}`);
    const conversation = page.getByRole('article', { name: 'Conversation' });
    await conversation.getByText('Here is your zebra-answer.').waitFor();
    expect(await conversation.innerText()).toContain('A zebra-question for you');
    await screenshot(page, 'user-conversation');

    // Continued from the Playground: the next message goes into the same conversation.
    fake.enqueue({ text: 'Continued right here.' });
    await conversation.getByRole('button', { name: 'Continue in the Playground' }).click();
    await page.getByLabel('Agent', { exact: true }).selectOption('assistant');
    await page.getByLabel('Message', { exact: true }).fill('One more zebra-question');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await expect.poll(() => page.locator('li.turn-pair').last().getAttribute('data-status'), { timeout: 15_000 }).toBe('complete');
    const continued = await ok(`query($id: ID!) { conversation(id: $id) { messages { content } } }`, { id: aliceConversation }, alice);
    expect(continued.conversation.messages.map((message: { content: string }) => message.content)).toEqual([
      'A zebra-question for you',
      'Here is your zebra-answer.',
      'One more zebra-question',
      'Continued right here.',
    ]);

    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Memory' }).click();
    await settle(page);
    await page.getByLabel('Search memory').fill('zebra');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    const hits = page.getByRole('table', { name: 'Search hits' });
    await hits.waitFor();
    const hitText = await hits.innerText();
    expect(hitText).toContain('Alice keeps a zebra-memory about tea');
    expect(hitText).toContain('long-term');
    expect(hitText).toContain('A zebra-question for you');
    expect(hitText).toContain('message');
    // Marked with the search that found each (embeddings are off here: full text alone).
    expect(hitText).toContain('full text');
    expect(hitText).not.toContain('vector');
    const ledger = page.getByRole('list', { name: 'Long-term memories' });
    await ledger.getByText('Alice keeps a zebra-memory about tea', { exact: true }).waitFor();
    expect(await ledger.innerText()).toContain('valid');
    expect(await page.getByRole('list', { name: 'User context tree' }).innerText()).toContain('zebra-tea');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'user-memory');

    // Edit the fact: stored, and shown after a reload.
    await page.getByRole('button', { name: /^Edit memory: Alice keeps/ }).click();
    await page.getByLabel('Content').fill('Alice keeps a zebra-memory about green tea');
    await page.getByRole('button', { name: 'Save' }).click();
    await ledger.getByText('Alice keeps a zebra-memory about green tea', { exact: true }).waitFor();
    const stored = await ok(`query($id: ID!) { memory(id: $id) { content } }`, { id: aliceMemory }, alice);
    expect(stored.memory.content).toBe('Alice keeps a zebra-memory about green tea');

    // Delete it (the page asks first).
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: /^Delete memory: Alice keeps/ }).click();
    await page.getByText('No long-term memory.').waitFor();
    expect((await gw.gql(`query($id: ID!) { memory(id: $id) { id } }`, { id: aliceMemory }, alice)).body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(studio.consoleErrors).toEqual([]);
    expect(studio.outside()).toEqual([]);
    await page.context().close();
  }, 120_000);

  it('MCP: a server registered while the page is open appears live; its tool runs from the form generated from its schema', async () => {
    const studio = await openStudio(browser, gw.url, { credential: ADMIN_KEY, path: '/mcp' });
    const { page } = studio;
    await page.getByText('No MCP server registered.').waitFor();
    await page.waitForLoadState('networkidle');
    // Registered elsewhere (this test's own client): the page learns it from mcpServerChanged.
    await ok(`mutation($input: RegisterMcpServerInput!) { registerMcpServer(input: $input) { id status } }`, { input: { id: 'tools', url: mcp.url } }, ADMIN_KEY);
    const card = page.locator('[data-server-id="tools"]');
    await expect.poll(() => card.getByTestId('server-status').innerText().catch(() => ''), { timeout: 20_000 }).toBe('connected');

    await card.getByText('add', { exact: true }).click();
    await card.getByLabel('a (required)').fill('2');
    await card.getByLabel('b (required)').fill('40');
    await card.getByRole('button', { name: 'Run add' }).click();
    const result = card.getByRole('status', { name: 'Result of add' });
    await result.waitFor();
    expect(await result.innerText()).toContain('42');
    expect(mcp.record.calls.map((call) => [call.tool, call.args])).toContainEqual(['add', { a: 2, b: 40 }]);

    // A field the schema types is checked before anything is sent.
    await card.getByText('echo', { exact: true }).click();
    await card.getByLabel('text (required)').fill('hello from the form');
    await card.getByRole('button', { name: 'Run echo' }).click();
    expect(await card.getByRole('status', { name: 'Result of echo' }).innerText()).toContain('hello from the form');

    // A remote agent registered from the page's form: its card's name and skills are shown.
    await page.getByText('Register a remote agent').click();
    await page.getByLabel('Id', { exact: true }).last().fill('forecaster');
    await page.getByLabel('Agent card URL').fill(remote.url);
    await page.getByRole('button', { name: 'Register' }).last().click();
    const remotes = page.getByRole('list', { name: 'Remote agents' });
    await remotes.getByRole('heading', { name: 'Forecaster connected' }).waitFor({ timeout: 20_000 });
    expect(await remotes.innerText()).toContain('Tomorrow’s weather');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'admin-mcp-tool');
    expect(studio.consoleErrors).toEqual([]);
    expect(studio.outside()).toEqual([]);
    await page.context().close();
  }, 120_000);

  it('forgetting a user shows the receipt, and their data is gone', async () => {
    const studio = await openStudio(browser, gw.url, { credential: ADMIN_KEY, path: '/memory' });
    const { page } = studio;
    await settle(page);
    await page.getByLabel('User id').fill('alice');
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Forget this user' }).click();
    const receipt = page.getByTestId('forget-receipt');
    await receipt.waitFor();
    const text = await receipt.innerText();
    expect(text).toMatch(/conversations\s+1/);
    expect(text).toMatch(/agents\s+1/);
    const left = await ok(`{ conversations(userId: "alice") { edges { node { id } } } }`, {}, ADMIN_KEY);
    expect(left.conversations.edges).toEqual([]);
    await screenshot(page, 'admin-forget-receipt');
    expect(studio.consoleErrors).toEqual([]);
    await page.context().close();
  }, 120_000);
});
