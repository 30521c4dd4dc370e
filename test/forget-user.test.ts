import { type RawBuilder, sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { storageBackendNames } from './support/backends.js';
import { type Behaviour, FakeOpenAI, type RecordedRequest } from './support/fake-openai.js';
import { keywordRouter } from './support/fake-routing.js';
import { ADMIN_KEY, type GraphQLResponse, startTestGateway, type TestGateway } from './support/gateway.js';

/**
 * forgetUser as a client sees it, and as the database shows it afterwards: a user's data is built
 * up through every part of the API (chats, memory, user context, a private agent, a key, a revoked
 * token, and what the model and routing caches hold), then erased, then searched for in every table.
 * Every text she writes carries her marker, so "nothing of hers is left" is a query.
 */

const RECEIPT = 'conversations messages memories userContextFacts agents apiKeys runs cachedAnswers routingDecisions';
const FORGET = `mutation($userId: ID!) { forgetUser(userId: $userId) { ${RECEIPT} } }`;
const CHAT = `mutation($input: ChatInput!) { chat(input: $input) { conversationId agentId message { content routing { strategy cached } } } }`;
const ADD_MEMORY = `mutation($input: AddLongTermMemoryInput!) { addLongTermMemory(input: $input) { id } }`;
const ADD_CONTEXT = `mutation($input: AddUserContextInput!) { addUserContext(input: $input) { knowledge } }`;
const ADD_BUFFER = `mutation($input: AddBufferMemoryInput!) { addBufferMemory(input: $input) { id } }`;
const CREATE_AGENT = `mutation($input: CreateAgentInput!) { createAgent(input: $input) { id userId } }`;

/** Global agents the router chooses between; temperature 0, so the model cache keeps their answers. */
const AGENTS = [
  { id: 'travel', description: 'Travel planning: flights, hotels, trains and itineraries', temperature: 0 },
  { id: 'code', description: 'Programming help: debugging code, writing functions, code review, Python and TypeScript', temperature: 0 },
];

const systemOf = (request: RecordedRequest) => String(request.body.messages?.[0]?.content ?? '');
const isRouting = (request: RecordedRequest) => systemOf(request).startsWith('You route a user message');
const isExtraction = (request: RecordedRequest) => systemOf(request).startsWith('You extract durable facts');
const mentions = (request: RecordedRequest, text: string) => JSON.stringify(request.body.messages ?? []).includes(text);

/** A test's own answer to some requests (undefined: the usual one). */
let override: ((request: RecordedRequest) => Behaviour | undefined) | undefined;

/** Routing requests get the keyword router; fact extraction finds nothing; answers echo the question. */
const upstream = (request: RecordedRequest): Behaviour => {
  const special = override?.(request);
  if (special) return special;
  if (isRouting(request)) return keywordRouter(request);
  if (isExtraction(request)) return { text: '{"facts":[]}' };
  const last = [...(request.body.messages ?? [])].reverse().find((m: { role: string }) => m.role === 'user');
  return { text: `echo: ${last?.content ?? ''}` };
};

let fake: FakeOpenAI;
let gw: TestGateway;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const answerRequests = () => fake.requests.filter((request) => !isRouting(request) && !isExtraction(request)).length;
const codeOf = (response: GraphQLResponse) => response.body.errors?.[0]?.extensions?.code;

function dataOf(response: GraphQLResponse) {
  expect(response.body.errors).toBeUndefined();
  return response.body.data;
}

const issueToken = async (userId: string) =>
  dataOf(await gw.gql(`mutation($u: ID!) { issueToken(userId: $u) { accessToken } }`, { u: userId }, ADMIN_KEY)).issueToken.accessToken as string;

const count = async (query: RawBuilder<unknown>) => Number(((await query.execute(gw.database.db)).rows[0] as { n: number }).n);

/** What is stored about a user, by kind, counted in the database. */
async function storedFor(userId: string) {
  return {
    conversations: await count(sql`select count(*)::int as n from conversations where user_id = ${userId}`),
    messages: await count(sql`select count(*)::int as n from messages m join conversations c on c.id = m.conversation_id where c.user_id = ${userId}`),
    memories: await count(sql`select count(*)::int as n from memories where user_id = ${userId}`),
    userContextFacts: await count(sql`select count(*)::int as n from user_context_facts where user_id = ${userId}`),
    agents: await count(sql`select count(*)::int as n from agents where user_id = ${userId}`),
    apiKeys: await count(sql`select count(*)::int as n from api_keys where user_id = ${userId} and revoked_at is null`),
  };
}

/** Every table of the gateway's schema, and in each the rows whose text holds `marker`. */
async function rowsHolding(marker: string): Promise<Record<string, number>> {
  const { rows: tables } = await sql<{ table_name: string }>`
    select table_name from information_schema.tables
    where table_schema = current_schema() and table_type = 'BASE TABLE'
    order by table_name`.execute(gw.database.db);
  const found: Record<string, number> = {};
  for (const { table_name: table } of tables) {
    found[table] = await count(sql`select count(*)::int as n from ${sql.id(table)} as t where t::text ilike ${`%${marker}%`}`);
  }
  return found;
}

/** The rows of a user that must survive another user's erasure, in a stable order and without columns the indexer fills later. */
async function snapshotOf(userId: string) {
  const db = gw.database.db;
  return {
    conversations: await db.selectFrom('conversations').select(['id', 'title', 'user_id']).where('user_id', '=', userId).orderBy('id').execute(),
    messages: await db
      .selectFrom('messages')
      .innerJoin('conversations', 'conversations.id', 'messages.conversation_id')
      .select(['messages.id', 'messages.conversation_id', 'messages.role', 'messages.content', 'messages.status', 'messages.agent_id'])
      .where('conversations.user_id', '=', userId)
      .orderBy('messages.id')
      .execute(),
    memories: await db.selectFrom('memories').select(['id', 'content', 'agent_id', 'metadata']).where('user_id', '=', userId).orderBy('id').execute(),
    facts: await db.selectFrom('user_context_facts').select(['path', 'value']).where('user_id', '=', userId).orderBy('path').execute(),
    agents: await db.selectFrom('agents').select(['id', 'description']).where('user_id', '=', userId).orderBy('id').execute(),
  };
}

interface BuiltUser {
  userId: string;
  token: string;
  /** Her first question: asked again later, the model cache would answer it. */
  firstQuestion: string;
  /** Chats she ran (each a run kept for replay). */
  chats: number;
  apiKey: string;
  revokedToken: string;
}

/**
 * A user with data everywhere: routed chats in several conversations (answers cached by the model
 * cache, routing decisions by the routing cache), a chat with her private agent, long-term
 * memories (through her JWT and her API key), buffer memory, user context, a user-bound key and a
 * revoked JWT. Every text she writes holds her id, `userId`.
 */
async function buildUser(userId: string): Promise<BuiltUser> {
  const token = await issueToken(userId);
  let chats = 0;
  const chat = async (input: Record<string, unknown>, credential = token) => {
    chats++;
    return dataOf(await gw.gql(CHAT, { input }, credential)).chat;
  };

  const firstQuestion = `${userId} needs flights and a hotel for the Lisbon itinerary`;
  const first = await chat({ message: firstQuestion });
  expect(first.agentId).toBe('travel');
  expect(first.message.content).toBe(`echo: ${firstQuestion}`);
  expect(first.message.routing.strategy).not.toBe('FALLBACK');
  await chat({ message: `${userId} also wants trains from Lisbon to Porto and a hotel there`, conversationId: first.conversationId });
  const second = await chat({ message: `${userId} asks to debug a Python function and review the code` });
  expect(second.agentId).toBe('code');
  await chat({ message: `${userId} writes TypeScript functions that need a code review`, conversationId: second.conversationId });

  // The same first question in a new conversation: the routing cache and the model cache answer it.
  const before = answerRequests();
  const again = await chat({ message: firstQuestion });
  expect(again.conversationId).not.toBe(first.conversationId);
  expect(again.message.content).toBe(`echo: ${firstQuestion}`);
  expect(again.message.routing).toMatchObject({ strategy: 'ROUTING_CACHE', cached: true });
  expect(answerRequests()).toBe(before);

  const agent = dataOf(
    await gw.gql(CREATE_AGENT, { input: { id: `${userId}-helper`, description: `${userId}'s own garden helper`, systemMessage: `You help ${userId} with the garden.`, temperature: 0, userId } }, ADMIN_KEY),
  ).createAgent;
  expect(agent.userId).toBe(userId);
  const garden = await chat({ message: `${userId} wonders when to plant tomatoes`, agentId: agent.id });
  dataOf(await gw.gql(ADD_BUFFER, { input: { message: `${userId} noted: tomatoes by May`, conversationId: garden.conversationId } }, token));

  for (const input of [
    { content: `${userId} prefers window seats`, metadata: { about: userId } },
    { content: `${userId} grows tomatoes and basil`, agentId: agent.id },
    { content: `${userId} is allergic to peanuts`, importance: 0.9 },
  ]) {
    dataOf(await gw.gql(ADD_MEMORY, { input }, token));
  }
  dataOf(await gw.gql(ADD_CONTEXT, { input: { knowledge: { name: userId, preferences: { seat: 'window', city: `${userId} lives in Lisbon` } } } }, token));
  dataOf(await gw.gql(ADD_CONTEXT, { input: { knowledge: { preferences: { meal: `${userId} eats vegetarian` }, pets: ['a cat'] } } }, token));

  // A key bound to her, used once; a JWT of hers, revoked.
  const created = dataOf(await gw.gql(`mutation($u: ID!, $label: String) { createApiKey(isAdmin: false, userId: $u, label: $label) { key userId } }`, { u: userId, label: `${userId}'s laptop` }, ADMIN_KEY)).createApiKey;
  expect(created.userId).toBe(userId);
  dataOf(await gw.gql(ADD_MEMORY, { input: { content: `${userId} wrote this with her key` } }, created.key));
  await chat({ message: `${userId} asks with her key about flights to Madrid` }, created.key);
  const revokedToken = await issueToken(userId);
  expect(dataOf(await gw.gql(`mutation($t: String) { revokeToken(token: $t) }`, { t: revokedToken }, revokedToken))).toEqual({ revokeToken: true });
  expect(codeOf(await gw.gql(`{ me { userId } }`, {}, revokedToken))).toBe('UNAUTHENTICATED');

  return { userId, token, firstQuestion, chats, apiKey: created.key, revokedToken };
}

/** Bob's data, beside hers: his own chats, memory and context. */
async function buildBob(userId: string) {
  const token = await issueToken(userId);
  const first = dataOf(await gw.gql(CHAT, { input: { message: `${userId} needs a train ticket and a hotel in Rome` } }, token)).chat;
  dataOf(await gw.gql(CHAT, { input: { message: `${userId} wants the itinerary for Rome`, conversationId: first.conversationId } }, token));
  dataOf(await gw.gql(CHAT, { input: { message: `${userId} has a Python function to debug` } }, token));
  dataOf(await gw.gql(ADD_MEMORY, { input: { content: `${userId} prefers aisle seats` } }, token));
  dataOf(await gw.gql(ADD_MEMORY, { input: { content: `${userId} plays chess`, agentId: 'code' } }, token));
  dataOf(await gw.gql(ADD_CONTEXT, { input: { knowledge: { name: userId, preferences: { seat: 'aisle' } } } }, token));
  return { token };
}

describe.each(storageBackendNames())('forgetUser on %s', (backend) => {
  beforeAll(async () => {
    fake = await FakeOpenAI.start();
    gw = await startTestGateway(backend, {
      OPENAI_BASE_URL: fake.url,
      OPENAI_API_KEY: 'test-key',
      ENABLE_MODEL_CACHE: 'true',
      MODEL_MAX_RETRIES: '0',
      // Facts learned from her chats are hers too; the extraction runs after each answer.
      AUTO_EXTRACT_USER_INFO: 'true',
    });
  });
  afterAll(async () => {
    await gw?.stop();
    await fake?.close();
  });
  beforeEach(async () => {
    override = undefined;
    fake.reset();
    fake.setDefault(upstream);
    await gw.reset();
    await gw.database.db.deleteFrom('memories').execute();
    await gw.database.db.deleteFrom('user_context_facts').execute();
    await gw.database.db.deleteFrom('revoked_tokens').execute();
    for (const agent of AGENTS) dataOf(await gw.gql(CREATE_AGENT, { input: agent }, ADMIN_KEY));
  });

  it('erases everything of hers when an admin asks: the receipt counts it, no table holds her text, bob keeps his, and the caches no longer answer for her', async () => {
    const marker = 'alice-7f3a';
    const alice = await buildUser(marker);
    const bobId = 'bob-2c9d';
    const bob = await buildBob(bobId);

    const stored = await storedFor(marker);
    // Four conversations of routed chats, one with her agent; every kind has something to erase.
    expect(stored).toMatchObject({ conversations: 5, memories: 4, userContextFacts: 5, agents: 1, apiKeys: 1 });
    expect(stored.messages).toBe(2 * alice.chats + 1);
    // The search below sees her text wherever it is stored.
    const holding = await rowsHolding(marker);
    for (const table of ['agents', 'api_keys', 'conversations', 'memories', 'messages', 'revoked_tokens', 'user_context_facts']) {
      expect(holding[table], table).toBeGreaterThan(0);
    }
    const bobBefore = await snapshotOf(bobId);
    expect(bobBefore.conversations).toHaveLength(2);
    expect(bobBefore.messages).toHaveLength(6);
    expect(bobBefore.memories).toHaveLength(2);
    expect(bobBefore.facts).toHaveLength(2);

    const receipt = dataOf(await gw.gql(FORGET, { userId: marker }, ADMIN_KEY)).forgetUser;
    expect(receipt).toMatchObject({ ...stored, runs: alice.chats });
    expect(receipt.cachedAnswers).toBeGreaterThanOrEqual(1);
    expect(receipt.cachedAnswers).toBeLessThanOrEqual(alice.chats);
    expect(receipt.routingDecisions).toBeGreaterThanOrEqual(1);
    expect(receipt.routingDecisions).toBeLessThanOrEqual(alice.chats);

    // Nothing of hers in any table.
    const left = await rowsHolding(marker);
    expect(Object.keys(left)).toEqual(expect.arrayContaining(['agents', 'api_keys', 'conversations', 'memories', 'messages', 'revoked_tokens', 'settings', 'user_context_facts']));
    expect(left).toEqual(Object.fromEntries(Object.keys(left).map((table) => [table, 0])));
    expect(await storedFor(marker)).toEqual({ conversations: 0, messages: 0, memories: 0, userContextFacts: 0, agents: 0, apiKeys: 0 });

    // Bob's data is as it was, in the tables and through the API.
    expect(await snapshotOf(bobId)).toEqual(bobBefore);
    const bobsView = dataOf(
      await gw.gql(`{ conversations { edges { node { id } } } memories { edges { node { id } } } userContext { knowledge } }`, {}, bob.token),
    );
    expect(bobsView.conversations.edges).toHaveLength(2);
    expect(bobsView.memories.edges).toHaveLength(2);
    expect(bobsView.userContext.knowledge).toEqual({ name: bobId, preferences: { seat: 'aisle' } });
    expect(dataOf(await gw.gql(`{ agents { id } }`, {}, bob.token)).agents.map((a: any) => a.id).sort()).toEqual(['code', 'travel']);

    // Her revoked token stays refused; her key no longer works.
    expect(codeOf(await gw.gql(`{ me { userId } }`, {}, alice.revokedToken))).toBe('UNAUTHENTICATED');
    expect(codeOf(await gw.gql(`{ me { userId } }`, {}, alice.apiKey))).toBe('UNAUTHENTICATED');
    expect(codeOf(await gw.gql(ADD_MEMORY, { input: { content: 'after' } }, alice.apiKey))).toBe('UNAUTHENTICATED');

    // A fresh token of hers finds nothing, and her first question goes to the model again.
    const fresh = await issueToken(marker);
    const hers = dataOf(await gw.gql(`{ conversations { edges { node { id } } } memories { edges { node { id } } } userContext { knowledge } agents { id } }`, {}, fresh));
    expect(hers).toMatchObject({ conversations: { edges: [] }, memories: { edges: [] }, userContext: { knowledge: {} } });
    expect(hers.agents.map((a: any) => a.id).sort()).toEqual(['code', 'travel']);
    const before = answerRequests();
    const asked = dataOf(await gw.gql(CHAT, { input: { message: alice.firstQuestion } }, fresh)).chat;
    expect(asked.message.content).toBe(`echo: ${alice.firstQuestion}`);
    expect(answerRequests()).toBe(before + 1);
    expect(asked.message.routing.cached).toBe(false);
    expect(asked.message.routing.strategy).not.toBe('ROUTING_CACHE');
  });

  it('lets a user forget herself with her own JWT; another user is FORBIDDEN and changes nothing', async () => {
    const marker = 'alice-9e2b';
    const alice = await buildUser(marker);
    const bobId = 'bob-5d1c';
    const bob = await buildBob(bobId);
    const stored = await storedFor(marker);

    const refused = await gw.gql(FORGET, { userId: marker }, bob.token);
    expect(codeOf(refused)).toBe('FORBIDDEN');
    expect(refused.body.data?.forgetUser ?? null).toBeNull();
    expect(await storedFor(marker)).toEqual(stored);
    // Her key cannot forget bob either.
    expect(codeOf(await gw.gql(FORGET, { userId: bobId }, alice.apiKey))).toBe('FORBIDDEN');
    expect(codeOf(await gw.gql(FORGET, { userId: bobId }, alice.token))).toBe('FORBIDDEN');
    expect(codeOf(await gw.gql(FORGET, { userId: marker }))).toBe('UNAUTHENTICATED');
    expect((await snapshotOf(bobId)).memories).toHaveLength(2);

    const bobBefore = await snapshotOf(bobId);
    const receipt = dataOf(await gw.gql(FORGET, { userId: marker }, alice.token)).forgetUser;
    expect(receipt).toMatchObject({ ...stored, runs: alice.chats });
    expect(receipt.cachedAnswers).toBeGreaterThanOrEqual(1);
    expect(receipt.routingDecisions).toBeGreaterThanOrEqual(1);
    const left = await rowsHolding(marker);
    expect(left).toEqual(Object.fromEntries(Object.keys(left).map((table) => [table, 0])));
    expect(await snapshotOf(bobId)).toEqual(bobBefore);

    // Forgetting again finds nothing more.
    expect(dataOf(await gw.gql(FORGET, { userId: marker }, ADMIN_KEY)).forgetUser).toEqual({
      conversations: 0, messages: 0, memories: 0, userContextFacts: 0, agents: 0, apiKeys: 0, runs: 0, cachedAnswers: 0, routingDecisions: 0,
    });
  });
  it('cancels her run in flight, and nothing of it is written back after the erasure', async () => {
    const marker = 'alice-c3d7';
    const token = await issueToken(marker);
    override = (request) => (!isRouting(request) && !isExtraction(request) && mentions(request, marker) ? { text: `${marker} is answered slowly and at length`, hangAfterTokens: 2 } : undefined);
    const pending = gw.gql(CHAT, { input: { message: `${marker} asks about flights to Lisbon`, agentId: 'travel' } }, token);
    await fake.waitFor(() => fake.requests.some((r) => mentions(r, marker) && r.tokensWritten >= 2), 'her answer to be streaming');
    // The turn's rows are written beside the model request, not before it: wait until they are.
    await vi.waitFor(async () => expect(await storedFor(marker)).toMatchObject({ conversations: 1, messages: 2 }), { timeout: 10_000, interval: 50 });

    const receipt = dataOf(await gw.gql(FORGET, { userId: marker }, ADMIN_KEY)).forgetUser;
    expect(receipt).toMatchObject({ conversations: 1, messages: 2, runs: 1 });
    const answered = await pending;
    // The chat ends (cancelled, or an error saying so) rather than hanging; the upstream request is aborted.
    expect(answered.status).toBeLessThan(500);
    await fake.waitFor(() => fake.requests.some((r) => mentions(r, marker) && r.clientAborted), 'the upstream request to be aborted');
    // Past an answer checkpoint and the indexer: nothing of hers came back.
    await sleep(1_200);
    await gw.orchestrator.extractor?.settle();
    const left = await rowsHolding(marker);
    expect(left).toEqual(Object.fromEntries(Object.keys(left).map((table) => [table, 0])));
  });

  it('leaves nothing of hers from a fact extraction still running when she is forgotten', async () => {
    const marker = 'alice-e5f6';
    const token = await issueToken(marker);
    const facts = (value: string) => JSON.stringify({ facts: [{ key: 'garden.crop', value, confidence: 0.95, importance: 0.6 }] });
    // First, an extraction that completes: it stores the fact (so the path is live).
    override = (request) => (isExtraction(request) && mentions(request, marker) ? { text: facts(`${marker} grows tomatoes`) } : undefined);
    dataOf(await gw.gql(CHAT, { input: { message: `${marker} grows tomatoes`, agentId: 'travel' } }, token));
    await gw.orchestrator.extractor!.settle();
    expect(dataOf(await gw.gql(`{ userContext { knowledge } }`, {}, token)).userContext.knowledge).toEqual({ garden: { crop: `${marker} grows tomatoes` } });
    expect((await storedFor(marker)).memories).toBe(1);

    // Then one still waiting for the model when the erasure runs.
    override = (request) => (isExtraction(request) && mentions(request, marker) ? { text: facts(`${marker} grows peppers now`), delayMs: 1_000 } : undefined);
    const extractionsBefore = fake.requests.filter(isExtraction).length;
    dataOf(await gw.gql(CHAT, { input: { message: `${marker} grows peppers now`, agentId: 'travel' } }, token));
    await fake.waitFor(() => fake.requests.filter(isExtraction).length > extractionsBefore, 'the extraction request');
    const receipt = dataOf(await gw.gql(FORGET, { userId: marker }, ADMIN_KEY)).forgetUser;
    expect(receipt).toMatchObject({ conversations: 2, messages: 4, memories: 1, userContextFacts: 1 });
    await fake.waitFor(() => fake.requests.filter(isExtraction).every((r) => r.completed || r.clientAborted), 'the extraction to end', 10_000);
    await gw.orchestrator.extractor!.settle();

    const left = await rowsHolding(marker);
    expect(left).toEqual(Object.fromEntries(Object.keys(left).map((table) => [table, 0])));
    expect(await storedFor(marker)).toEqual({ conversations: 0, messages: 0, memories: 0, userContextFacts: 0, agents: 0, apiKeys: 0 });
  });
});
