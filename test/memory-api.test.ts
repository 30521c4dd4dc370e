import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { storageBackendNames } from './support/backends.js';
import { FakeOpenAI } from './support/fake-openai.js';
import { ADMIN_KEY, type GraphQLResponse, startTestGateway, type TestGateway } from './support/gateway.js';

/**
 * The memory API as a client sees it: GraphQL over HTTP against a real gateway, on every storage
 * backend, the local upstream giving embeddings (PGlite has pgvector; the PostgreSQL server here
 * may not, and then memory runs on full text alone).
 */

const MEMORY = 'id userId agentId content metadata importance source embedded createdAt updatedAt';
const HIT = 'id source content score matchedBy metadata createdAt conversationId role agentId';
const ADD = `mutation($input: AddLongTermMemoryInput!) { addLongTermMemory(input: $input) { ${MEMORY} } }`;
const UPDATE = `mutation($input: UpdateMemoryInput!, $userId: ID) { updateMemory(input: $input, userId: $userId) { ${MEMORY} } }`;
const DELETE = `mutation($id: ID!, $userId: ID) { deleteMemory(id: $id, userId: $userId) }`;
const GET = `query($id: ID!, $userId: ID) { memory(id: $id, userId: $userId) { ${MEMORY} } }`;
const SEARCH = `query($query: String!, $k: Int, $useLongTerm: Boolean, $agentId: ID, $conversationId: ID, $userId: ID, $metadata: JSON, $createdAfter: DateTime, $createdBefore: DateTime) {
  searchMemory(query: $query, k: $k, useLongTerm: $useLongTerm, agentId: $agentId, conversationId: $conversationId, userId: $userId, metadata: $metadata, createdAfter: $createdAfter, createdBefore: $createdBefore) { ${HIT} } }`;
const LIST = `query($first: Int, $after: String, $agentId: ID, $userId: ID) {
  memories(first: $first, after: $after, agentId: $agentId, userId: $userId) { edges { cursor node { ${MEMORY} } } pageInfo { hasNextPage endCursor } } }`;
const ADD_BUFFER = `mutation($input: AddBufferMemoryInput!) { addBufferMemory(input: $input) { id conversationId role content status } }`;
const RECEIPT = 'conversations messages memories userContextFacts agents apiKeys runs cachedAnswers routingDecisions';
const CLEAR = `mutation($agentId: ID, $conversationId: ID, $userId: ID) { clearMemory(agentId: $agentId, conversationId: $conversationId, userId: $userId) { ${RECEIPT} } }`;
const FACT = 'path key value importance source confidence sourceMessageId updatedAt';
const CONTEXT = `query($userId: ID) { userContext(userId: $userId) { userId knowledge facts { ${FACT} } } }`;
const ADD_CONTEXT = `mutation($input: AddUserContextInput!) { addUserContext(input: $input) { userId knowledge facts { ${FACT} } } }`;
const UPDATE_FACT = `mutation($input: UpdateUserContextFactInput!) { updateUserContextFact(input: $input) { ${FACT} } }`;
const DELETE_FACT = `mutation($path: [String!]!, $userId: ID) { deleteUserContextFact(path: $path, userId: $userId) }`;

const MAX_CHARS = 100;

let fake: FakeOpenAI;
let gw: TestGateway;
let alice: string;
let bob: string;
let vectors: boolean;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const codeOf = (response: GraphQLResponse) => response.body.errors?.[0]?.extensions?.code;

/** The operation's data, failing the test with the errors when there are any. */
function dataOf(response: GraphQLResponse) {
  expect(response.body.errors).toBeUndefined();
  return response.body.data;
}

const add = async (input: Record<string, unknown>, credential: string) => dataOf(await gw.gql(ADD, { input }, credential)).addLongTermMemory;
const search = async (vars: Record<string, unknown>, credential: string): Promise<any[]> => dataOf(await gw.gql(SEARCH, vars, credential)).searchMemory;
const idsOf = (hits: Array<{ id: string }>) => hits.map((hit) => hit.id);
const list = async (vars: Record<string, unknown>, credential: string) => dataOf(await gw.gql(LIST, vars, credential)).memories;
const addBuffer = async (input: Record<string, unknown>, credential: string) => dataOf(await gw.gql(ADD_BUFFER, { input }, credential)).addBufferMemory;

/** Every memory a listing reaches, following the cursors page by page. */
async function listAll(credential: string, vars: Record<string, unknown> = {}, first = 100): Promise<any[]> {
  const nodes = [];
  let after: string | undefined;
  for (let page = 0; page < 1_000; page++) {
    const connection = await list({ ...vars, first, after }, credential);
    nodes.push(...connection.edges.map((edge: any) => edge.node));
    if (!connection.pageInfo.hasNextPage) return nodes;
    after = connection.pageInfo.endCursor;
  }
  throw new Error('the listing never ended');
}

const db = () => gw.database.db;
const countMemories = async (where: { userId?: string | null; agentId?: string | null } = {}) => {
  let query = db().selectFrom('memories').select((eb) => eb.fn.countAll<string>().as('n'));
  if (where.userId !== undefined) query = where.userId === null ? query.where('user_id', 'is', null) : query.where('user_id', '=', where.userId);
  if (where.agentId !== undefined) query = where.agentId === null ? query.where('agent_id', 'is', null) : query.where('agent_id', '=', where.agentId);
  return Number((await query.executeTakeFirstOrThrow()).n);
};
const countMessages = async (conversationId: string) =>
  Number((await db().selectFrom('messages').select((eb) => eb.fn.countAll<string>().as('n')).where('conversation_id', '=', conversationId).executeTakeFirstOrThrow()).n);

describe.each(storageBackendNames())('the memory API on %s', (backend) => {
  beforeAll(async () => {
    fake = await FakeOpenAI.start();
    gw = await startTestGateway(backend, { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: 'test-key', MEMORY_MAX_CHARS: String(MAX_CHARS) });
    const issue = async (userId: string) => dataOf(await gw.gql(`mutation($u: ID!) { issueToken(userId: $u) { accessToken } }`, { u: userId }, ADMIN_KEY)).issueToken.accessToken;
    alice = await issue('alice');
    bob = await issue('bob');
    vectors = dataOf(await gw.gql(`{ health { vectorSearch } }`, {}, ADMIN_KEY)).health.vectorSearch === 'AVAILABLE';
  });
  afterAll(async () => {
    await gw?.stop();
    await fake?.close();
  });
  beforeEach(async () => {
    fake.reset();
    await gw.reset();
    await db().deleteFrom('memories').execute();
    await db().deleteFrom('user_context_facts').execute();
    for (const id of ['planner', 'coder']) {
      dataOf(await gw.gql(`mutation($input: CreateAgentInput!) { createAgent(input: $input) { id } }`, { input: { id, description: `The ${id}` } }, ADMIN_KEY));
    }
  });

  it('runs vector search on PGlite (the local upstream embeds); the server without pgvector runs full text alone', () => {
    if (backend === 'pglite') expect(vectors).toBe(true);
  });

  describe('long-term memories: add, search, list, read', () => {
    it('adds a MANUAL memory that searchMemory finds as LONG_TERM with a positive score', async () => {
      const memory = await add({ content: 'Alice prefers window seats on long flights', metadata: { topic: 'travel' }, importance: 0.8 }, alice);
      expect(memory).toMatchObject({ userId: 'alice', agentId: null, content: 'Alice prefers window seats on long flights', metadata: { topic: 'travel' }, importance: 0.8, source: 'MANUAL' });
      // Embedded before the mutation answers when vector search is on.
      expect(memory.embedded).toBe(vectors);
      const row = await db().selectFrom('memories').selectAll().where('id', '=', memory.id).executeTakeFirstOrThrow();
      expect(row).toMatchObject({ user_id: 'alice', content: 'Alice prefers window seats on long flights', source: 'MANUAL' });

      const hits = await search({ query: 'window seats' }, alice);
      expect(hits[0]).toMatchObject({ id: memory.id, source: 'LONG_TERM', content: memory.content, metadata: { topic: 'travel' }, agentId: null, conversationId: null, role: null });
      expect(hits[0].score).toBeGreaterThan(0);
      if (vectors) expect(fake.embeddingRequests.length).toBeGreaterThan(0);
    });

    it('marks each hit with the searches that found it: FULL_TEXT, VECTOR or both', async () => {
      const memory = await add({ content: 'Alice collects vintage typewriters' }, alice);
      const [same] = await search({ query: 'vintage typewriters', useLongTerm: true }, alice);
      expect(same).toMatchObject({ id: memory.id, matchedBy: vectors ? ['FULL_TEXT', 'VECTOR'] : ['FULL_TEXT'] });
      // Another form of a word: full text stems it; the (bag-of-words) embedding shares nothing with it.
      const [stemmed] = await search({ query: 'collecting' }, alice);
      expect(stemmed).toMatchObject({ id: memory.id, matchedBy: ['FULL_TEXT'] });
    });

    it('matches words of another form (stemming): "preferring" finds "prefers", and an unrelated memory stays out', async () => {
      const prefers = await add({ content: 'Alice prefers green tea in the morning' }, alice);
      const unrelated = await add({ content: 'The garage door code changed last winter' }, alice);
      const hits = await search({ query: 'preferring' }, alice);
      expect(idsOf(hits)).toContain(prefers.id);
      expect(hits[0].id).toBe(prefers.id);
      expect(idsOf(hits)).not.toContain(unrelated.id);
    });

    it('finds nothing for words no memory shares (vector neighbours of unrelated text are not matches)', async () => {
      await add({ content: 'Alice prefers green tea in the morning' }, alice);
      await add({ content: 'Alice keeps her bicycle in the garage' }, alice);
      expect(await search({ query: 'submarine volcano' }, alice)).toEqual([]);
    });

    it('filters by agentId: that agent’s memories and those of no agent', async () => {
      const planner = await add({ content: 'itinerary note: museums first', agentId: 'planner' }, alice);
      const coder = await add({ content: 'itinerary note: code review first', agentId: 'coder' }, alice);
      const anyAgent = await add({ content: 'itinerary note: coffee always', metadata: {} }, alice);
      const hits = await search({ query: 'itinerary note', agentId: 'planner' }, alice);
      expect(new Set(idsOf(hits))).toEqual(new Set([planner.id, anyAgent.id]));
      expect(idsOf(hits)).not.toContain(coder.id);
      const unfiltered = await search({ query: 'itinerary note' }, alice);
      expect(new Set(idsOf(unfiltered))).toEqual(new Set([planner.id, coder.id, anyAgent.id]));
      // An agent this user cannot see is NOT_FOUND when writing to it.
      expect(codeOf(await gw.gql(ADD, { input: { content: 'itinerary note', agentId: 'nobody-has-this' } }, alice))).toBe('NOT_FOUND');
    });

    it('filters by metadata containment', async () => {
      const lisbon = await add({ content: 'trip budget is modest', metadata: { trip: { city: 'Lisbon', year: 2025 }, tags: ['a', 'b'] } }, alice);
      const porto = await add({ content: 'trip budget is generous', metadata: { trip: { city: 'Porto', year: 2025 } } }, alice);
      const none = await add({ content: 'trip budget unknown' }, alice);
      expect(idsOf(await search({ query: 'trip budget', metadata: { trip: { city: 'Lisbon' } } }, alice))).toEqual([lisbon.id]);
      expect(new Set(idsOf(await search({ query: 'trip budget', metadata: { trip: { year: 2025 } } }, alice)))).toEqual(new Set([lisbon.id, porto.id]));
      expect(idsOf(await search({ query: 'trip budget', metadata: { tags: ['b'] } }, alice))).toEqual([lisbon.id]);
      expect(await search({ query: 'trip budget', metadata: { trip: { city: 'Faro' } } }, alice)).toEqual([]);
      expect(new Set(idsOf(await search({ query: 'trip budget', metadata: {} }, alice)))).toEqual(new Set([lisbon.id, porto.id, none.id]));
    });

    it('filters by createdAfter (inclusive) and createdBefore (exclusive)', async () => {
      const first = await add({ content: 'garden plan: tomatoes' }, alice);
      await sleep(25);
      const second = await add({ content: 'garden plan: peppers' }, alice);
      await sleep(25);
      const third = await add({ content: 'garden plan: basil' }, alice);
      expect(new Set(idsOf(await search({ query: 'garden plan', createdAfter: second.createdAt }, alice)))).toEqual(new Set([second.id, third.id]));
      expect(idsOf(await search({ query: 'garden plan', createdBefore: second.createdAt }, alice))).toEqual([first.id]);
      expect(idsOf(await search({ query: 'garden plan', createdAfter: second.createdAt, createdBefore: third.createdAt }, alice))).toEqual([second.id]);
      expect(await search({ query: 'garden plan', createdAfter: new Date(Date.now() + 60_000).toISOString() }, alice)).toEqual([]);
    });

    it('honours k', async () => {
      for (let i = 0; i < 4; i++) await add({ content: `shopping list item ${i}` }, alice);
      expect(await search({ query: 'shopping list', k: 2 }, alice)).toHaveLength(2);
      expect(await search({ query: 'shopping list', k: 100 }, alice)).toHaveLength(4);
    });

    it('lists memories newest first as a connection with cursors (first/after, hasNextPage), and reads one by id', async () => {
      const added = [];
      for (let i = 1; i <= 5; i++) {
        added.push(await add({ content: `note number ${i}` }, alice));
        await sleep(5);
      }
      const newestFirst = [...added].reverse().map((m) => m.id);
      const page1 = await list({ first: 2 }, alice);
      expect(page1.edges.map((e: any) => e.node.id)).toEqual(newestFirst.slice(0, 2));
      expect(page1.pageInfo).toEqual({ hasNextPage: true, endCursor: page1.edges[1].cursor });
      const page2 = await list({ first: 2, after: page1.pageInfo.endCursor }, alice);
      expect(page2.edges.map((e: any) => e.node.id)).toEqual(newestFirst.slice(2, 4));
      expect(page2.pageInfo.hasNextPage).toBe(true);
      const page3 = await list({ first: 2, after: page2.pageInfo.endCursor }, alice);
      expect(page3.edges.map((e: any) => e.node.id)).toEqual(newestFirst.slice(4));
      expect(page3.pageInfo).toEqual({ hasNextPage: false, endCursor: page3.edges[0].cursor });
      const all = await list({ first: 5 }, alice);
      expect(all.pageInfo.hasNextPage).toBe(false);
      expect(all.edges.map((e: any) => e.node.id)).toEqual(newestFirst);

      expect(dataOf(await gw.gql(GET, { id: added[2].id }, alice)).memory).toEqual(added[2]);
      expect(codeOf(await gw.gql(LIST, { after: 'not-a-cursor' }, alice))).toBe('BAD_USER_INPUT');
      expect(codeOf(await gw.gql(LIST, { first: -1 }, alice))).toBe('BAD_USER_INPUT');
      expect(codeOf(await gw.gql(LIST, { first: 101 }, alice))).toBe('BAD_USER_INPUT');
    });

    it('pages through memories added at the same moment exactly once each', async () => {
      // Added concurrently, several share a millisecond: the cursor must still tell them apart.
      const added = await Promise.all(Array.from({ length: 24 }, (_, i) => add({ content: `burst memory ${i}` }, alice)));
      const paged = await listAll(alice, {}, 1);
      expect(paged.map((m) => m.id).sort()).toEqual(added.map((m) => m.id).sort());
      expect(new Set(paged.map((m) => m.id)).size).toBe(paged.length);
    });
  });

  describe('updateMemory and deleteMemory', () => {
    it('updates content: found by its new words, no longer by its old ones; metadata and importance change', async () => {
      const memory = await add({ content: 'Alice drives a red scooter', metadata: { kind: 'vehicle' }, importance: 0.3 }, alice);
      const other = await add({ content: 'Alice studies astronomy at night' }, alice);
      const updated = dataOf(await gw.gql(UPDATE, { input: { id: memory.id, content: 'Alice rides a blue bicycle', importance: 0.9, metadata: { kind: 'bike' } } }, alice)).updateMemory;
      expect(updated).toMatchObject({ id: memory.id, content: 'Alice rides a blue bicycle', importance: 0.9, metadata: { kind: 'bike' }, embedded: vectors });
      expect(new Date(updated.updatedAt).getTime()).toBeGreaterThanOrEqual(new Date(memory.updatedAt).getTime());
      expect(idsOf(await search({ query: 'bicycle' }, alice))[0]).toBe(memory.id);
      expect(idsOf(await search({ query: 'scooter' }, alice))).not.toContain(memory.id);
      expect(idsOf(await search({ query: 'astronomy' }, alice))[0]).toBe(other.id);
      expect(dataOf(await gw.gql(GET, { id: memory.id }, alice)).memory).toMatchObject({ content: 'Alice rides a blue bicycle' });

      // Only importance: content and metadata stay.
      const partial = dataOf(await gw.gql(UPDATE, { input: { id: memory.id, importance: 0.1 } }, alice)).updateMemory;
      expect(partial).toMatchObject({ content: 'Alice rides a blue bicycle', metadata: { kind: 'bike' }, importance: 0.1 });
    });

    it('deletes a memory: gone from search, listing and reads', async () => {
      const memory = await add({ content: 'Alice collects vintage postcards' }, alice);
      const kept = await add({ content: 'Alice collects sea shells' }, alice);
      expect(dataOf(await gw.gql(DELETE, { id: memory.id }, alice))).toEqual({ deleteMemory: true });
      expect(idsOf(await search({ query: 'collects postcards' }, alice))).toEqual([kept.id]);
      expect((await listAll(alice)).map((m) => m.id)).toEqual([kept.id]);
      expect(codeOf(await gw.gql(GET, { id: memory.id }, alice))).toBe('NOT_FOUND');
      expect(codeOf(await gw.gql(DELETE, { id: memory.id }, alice))).toBe('NOT_FOUND');
      expect(await countMemories({ userId: 'alice' })).toBe(1);
    });
  });

  describe('bad input', () => {
    it.each([
      ['empty content', { content: '' }],
      ['whitespace content', { content: ' \n\t ' }],
      [`content over MEMORY_MAX_CHARS (${MAX_CHARS})`, { content: 'x'.repeat(MAX_CHARS + 1) }],
      ['importance 2', { content: 'fine', importance: 2 }],
      ['importance -0.1', { content: 'fine', importance: -0.1 }],
      ['metadata a string', { content: 'fine', metadata: 'not an object' }],
      ['metadata an array', { content: 'fine', metadata: [1, 2] }],
      ['metadata a number', { content: 'fine', metadata: 7 }],
    ])('addLongTermMemory refuses %s with BAD_USER_INPUT and stores nothing', async (_, input) => {
      const response = await gw.gql(ADD, { input }, alice);
      expect(codeOf(response)).toBe('BAD_USER_INPUT');
      expect(response.body.data?.addLongTermMemory ?? null).toBeNull();
      expect(await countMemories()).toBe(0);
    });

    it(`accepts content of exactly MEMORY_MAX_CHARS (${MAX_CHARS}) characters`, async () => {
      expect((await add({ content: 'y'.repeat(MAX_CHARS) }, alice)).content).toHaveLength(MAX_CHARS);
    });

    it('updateMemory refuses the same bad values', async () => {
      const memory = await add({ content: 'a fine memory' }, alice);
      for (const input of [{ content: '' }, { content: '   ' }, { content: 'z'.repeat(MAX_CHARS + 1) }, { importance: 2 }, { metadata: 'text' }, { metadata: [1] }]) {
        expect(codeOf(await gw.gql(UPDATE, { input: { id: memory.id, ...input } }, alice)), JSON.stringify(input)).toBe('BAD_USER_INPUT');
      }
      expect(dataOf(await gw.gql(GET, { id: memory.id }, alice)).memory).toMatchObject({ content: 'a fine memory', importance: 0.5, metadata: {} });
    });

    it.each([0, 101, -1])('searchMemory refuses k = %i with BAD_USER_INPUT', async (k) => {
      expect(codeOf(await gw.gql(SEARCH, { query: 'anything', k }, alice))).toBe('BAD_USER_INPUT');
    });

    it('searchMemory refuses an empty query and metadata that is not an object', async () => {
      expect(codeOf(await gw.gql(SEARCH, { query: '  ' }, alice))).toBe('BAD_USER_INPUT');
      expect(codeOf(await gw.gql(SEARCH, { query: 'x', metadata: ['a'] }, alice))).toBe('BAD_USER_INPUT');
    });

    it('an unknown memory id is NOT_FOUND for memory, updateMemory and deleteMemory', async () => {
      const id = '00000000-0000-4000-8000-000000000000';
      expect(codeOf(await gw.gql(GET, { id }, alice))).toBe('NOT_FOUND');
      expect(codeOf(await gw.gql(UPDATE, { input: { id, content: 'new' } }, alice))).toBe('NOT_FOUND');
      expect(codeOf(await gw.gql(DELETE, { id }, alice))).toBe('NOT_FOUND');
      expect(codeOf(await gw.gql(GET, { id }, ADMIN_KEY))).toBe('NOT_FOUND');
    });

    it.each([
      ['PASSWORD', 'my password is hunter2'],
      ['PAYMENT_CARD', 'my card is 4242 4242 4242 4242'],
      ['API_KEY', 'the key sk-proj-AbCdEfGhIjKlMnOpQrStUv12'],
    ])('refuses what looks like a secret (%s) unless confirmSensitive: true', async (kind, content) => {
      const refused = await gw.gql(ADD, { input: { content } }, alice);
      expect(codeOf(refused)).toBe('BAD_USER_INPUT');
      expect(refused.body.errors?.[0]?.extensions?.sensitiveKinds).toContain(kind);
      expect(refused.body.errors?.[0]?.message).toContain(kind);
      expect(await countMemories()).toBe(0);

      const kept = await add({ content, confirmSensitive: true }, alice);
      expect(kept.content).toBe(content);
      expect(await db().selectFrom('memories').select('content').where('id', '=', kept.id).executeTakeFirstOrThrow()).toEqual({ content });

      // Changing a memory into a secret is refused the same way.
      const plain = await add({ content: 'nothing secret here' }, alice);
      const update = await gw.gql(UPDATE, { input: { id: plain.id, content } }, alice);
      expect(codeOf(update)).toBe('BAD_USER_INPUT');
      expect(update.body.errors?.[0]?.extensions?.sensitiveKinds).toContain(kind);
      expect(dataOf(await gw.gql(UPDATE, { input: { id: plain.id, content, confirmSensitive: true } }, alice)).updateMemory.content).toBe(content);
    });

    it('does not take an ordinary number for a card (fails the Luhn check)', async () => {
      expect((await add({ content: 'order 4242 4242 4242 4241 shipped' }, alice)).content).toBe('order 4242 4242 4242 4241 shipped');
    });

    it('addUserContext refuses a secret (by value or by its key) unless confirmSensitive: true', async () => {
      for (const knowledge of [{ note: 'my password is hunter2' }, { accounts: { password: 'hunter2' } }, { card: '4242 4242 4242 4242' }]) {
        const refused = await gw.gql(ADD_CONTEXT, { input: { knowledge } }, alice);
        expect(codeOf(refused), JSON.stringify(knowledge)).toBe('BAD_USER_INPUT');
        expect(refused.body.errors?.[0]?.extensions?.sensitiveKinds?.length).toBeGreaterThan(0);
      }
      expect(await db().selectFrom('user_context_facts').selectAll().execute()).toEqual([]);
      const kept = dataOf(await gw.gql(ADD_CONTEXT, { input: { knowledge: { accounts: { password: 'hunter2' } }, confirmSensitive: true } }, alice)).addUserContext;
      expect(kept.knowledge).toEqual({ accounts: { password: 'hunter2' } });
      // updateUserContextFact checks the new value too.
      const update = await gw.gql(UPDATE_FACT, { input: { path: ['accounts', 'password'], value: 'my password is swordfish' } }, alice);
      expect(codeOf(update)).toBe('BAD_USER_INPUT');
    });
  });

  describe('isolation between users', () => {
    it('shows each user only their own memories, even with the same words; another’s id is NOT_FOUND', async () => {
      const alices = [await add({ content: 'favourite colour is teal', agentId: 'planner' }, alice), await add({ content: 'favourite food is ramen' }, alice)];
      const bobs = [await add({ content: 'favourite colour is teal', agentId: 'planner' }, bob), await add({ content: 'favourite food is ramen' }, bob)];
      const alicesIds = idsOf(alices);
      const bobsIds = idsOf(bobs);

      for (const [who, token, own, other] of [
        ['alice', alice, alicesIds, bobsIds],
        ['bob', bob, bobsIds, alicesIds],
      ] as const) {
        for (const vars of [{ query: 'favourite colour teal' }, { query: 'favourite', k: 100 }, { query: 'teal', agentId: 'planner' }, { query: 'ramen', metadata: {} }]) {
          const hits = await search(vars, token);
          expect(hits.length, `${who} ${JSON.stringify(vars)}`).toBeGreaterThan(0);
          for (const id of idsOf(hits)) {
            expect(other, `${who} saw another user's memory`).not.toContain(id);
            expect(own).toContain(id);
          }
        }
        const listed = await listAll(token);
        expect(new Set(listed.map((m) => m.id))).toEqual(new Set(own));
        expect(listed.every((m) => m.userId === who)).toBe(true);
        // That agent's and those of no agent.
        expect(new Set((await listAll(token, { agentId: 'planner' })).map((m) => m.id))).toEqual(new Set(own));
        expect((await listAll(token, { agentId: 'coder' })).map((m) => m.id)).toEqual([own[1]]);
      }

      const alicesMemory = alicesIds[0]!;
      expect(codeOf(await gw.gql(GET, { id: alicesMemory }, bob))).toBe('NOT_FOUND');
      expect(codeOf(await gw.gql(UPDATE, { input: { id: alicesMemory, content: 'bob was here' } }, bob))).toBe('NOT_FOUND');
      expect(codeOf(await gw.gql(DELETE, { id: alicesMemory }, bob))).toBe('NOT_FOUND');
      // Nothing changed.
      expect(dataOf(await gw.gql(GET, { id: alicesMemory }, alice)).memory.content).toBe('favourite colour is teal');
      expect(await countMemories({ userId: 'alice' })).toBe(2);
    });

    it('refuses a JWT naming another user with FORBIDDEN', async () => {
      const bobs = await add({ content: 'bob’s private plan' }, bob);
      expect(codeOf(await gw.gql(SEARCH, { query: 'plan', userId: 'bob' }, alice))).toBe('FORBIDDEN');
      expect(codeOf(await gw.gql(LIST, { userId: 'bob' }, alice))).toBe('FORBIDDEN');
      expect(codeOf(await gw.gql(GET, { id: bobs.id, userId: 'bob' }, alice))).toBe('FORBIDDEN');
      expect(codeOf(await gw.gql(UPDATE, { input: { id: bobs.id, content: 'x' }, userId: 'bob' }, alice))).toBe('FORBIDDEN');
      expect(codeOf(await gw.gql(DELETE, { id: bobs.id, userId: 'bob' }, alice))).toBe('FORBIDDEN');
      expect(codeOf(await gw.gql(ADD, { input: { content: 'planted', userId: 'bob' } }, alice))).toBe('FORBIDDEN');
      expect(codeOf(await gw.gql(CLEAR, { agentId: 'planner', userId: 'bob' }, alice))).toBe('FORBIDDEN');
      expect(codeOf(await gw.gql(CONTEXT, { userId: 'bob' }, alice))).toBe('FORBIDDEN');
      expect(codeOf(await gw.gql(ADD_CONTEXT, { input: { userId: 'bob', knowledge: { a: 1 } } }, alice))).toBe('FORBIDDEN');
      expect(await countMemories({ userId: 'bob' })).toBe(1);
      expect(await countMemories({ userId: 'alice' })).toBe(0);
      // Naming oneself is fine.
      expect(idsOf(await search({ query: 'plan', userId: 'bob' }, bob))).toEqual([bobs.id]);
    });

    it('lets an admin see everyone’s memories, or one user’s with userId', async () => {
      const a = await add({ content: 'shared words here' }, alice);
      const b = await add({ content: 'shared words here' }, bob);
      const forAlice = await add({ content: 'shared words written by the admin', userId: 'alice' }, ADMIN_KEY);
      expect(forAlice.userId).toBe('alice');
      expect(new Set(idsOf(await search({ query: 'shared words' }, ADMIN_KEY)))).toEqual(new Set([a.id, b.id, forAlice.id]));
      expect(new Set(idsOf(await search({ query: 'shared words', userId: 'alice' }, ADMIN_KEY)))).toEqual(new Set([a.id, forAlice.id]));
      expect(idsOf(await search({ query: 'shared words', userId: 'bob' }, ADMIN_KEY))).toEqual([b.id]);
      expect(new Set((await listAll(ADMIN_KEY)).map((m) => m.id))).toEqual(new Set([a.id, b.id, forAlice.id]));
      expect((await listAll(ADMIN_KEY, { userId: 'bob' })).map((m) => m.id)).toEqual([b.id]);
      expect(dataOf(await gw.gql(GET, { id: a.id }, ADMIN_KEY)).memory.userId).toBe('alice');
      // With userId the admin acts for that user: another's memory is NOT_FOUND.
      expect(codeOf(await gw.gql(GET, { id: a.id, userId: 'bob' }, ADMIN_KEY))).toBe('NOT_FOUND');
    });
  });

  describe('buffer memory', () => {
    it('adds messages to a new and to an existing conversation; searchMemory(conversationId) returns them as BUFFER hits', async () => {
      const first = await addBuffer({ message: 'We talked about sourdough starters' }, alice);
      expect(first).toMatchObject({ role: 'USER', content: 'We talked about sourdough starters', status: 'COMPLETE' });
      const conversationId = first.conversationId;
      const second = await addBuffer({ message: 'Feed the sourdough starter daily', role: 'ASSISTANT', conversationId }, alice);
      expect(second).toMatchObject({ conversationId, role: 'ASSISTANT' });
      const elsewhere = await addBuffer({ message: 'Sourdough is also good toasted' }, alice);
      expect(elsewhere.conversationId).not.toBe(conversationId);
      const conversation = await db().selectFrom('conversations').selectAll().where('id', '=', conversationId).executeTakeFirstOrThrow();
      expect(conversation.user_id).toBe('alice');

      const hits = await search({ query: 'sourdough starter', conversationId, useLongTerm: false }, alice);
      expect(hits.map((h) => [h.source, h.id, h.conversationId])).toEqual(
        expect.arrayContaining([
          ['BUFFER', first.id, conversationId],
          ['BUFFER', second.id, conversationId],
        ]),
      );
      expect(hits).toHaveLength(2);
      expect(hits.find((h) => h.id === first.id)).toMatchObject({ role: 'USER', content: 'We talked about sourdough starters' });
      expect(hits.find((h) => h.id === second.id)).toMatchObject({ role: 'ASSISTANT', content: 'Feed the sourdough starter daily' });
      expect(hits.every((h) => h.score > 0)).toBe(true);

      // Without a conversation: every conversation of hers.
      const everywhere = await search({ query: 'sourdough', useLongTerm: false }, alice);
      expect(new Set(idsOf(everywhere))).toEqual(new Set([first.id, second.id, elsewhere.id]));
    });

    it('refuses a message that looks like a secret, however spelled, unless confirmSensitive: true', async () => {
      const before = await db().selectFrom('messages').select('id').execute();
      for (const message of ['Mein Passwort ist geheim123', 'card 4111.1111.1111.1111', `card ${'４１１１ １１１１ １１１１ １１１１'}`, 'p a s s w o r d: hunter2']) {
        const refused = await gw.gql(ADD_BUFFER, { input: { message } }, alice);
        expect(codeOf(refused)).toBe('BAD_USER_INPUT');
        expect(refused.body.errors?.[0]?.message).toContain('confirmSensitive');
      }
      expect(await db().selectFrom('messages').select('id').execute()).toEqual(before);
      const kept = await addBuffer({ message: 'Mein Passwort ist geheim123', confirmSensitive: true }, alice);
      expect(await db().selectFrom('messages').select('content').where('id', '=', kept.id).executeTakeFirstOrThrow()).toEqual({ content: 'Mein Passwort ist geheim123' });
    });

    it('keeps another user’s conversation NOT_FOUND for addBufferMemory and searchMemory', async () => {
      const alices = await addBuffer({ message: 'a private conversation about kites' }, alice);
      expect(codeOf(await gw.gql(ADD_BUFFER, { input: { message: 'intrusion', conversationId: alices.conversationId } }, bob))).toBe('NOT_FOUND');
      expect(codeOf(await gw.gql(SEARCH, { query: 'kites', conversationId: alices.conversationId }, bob))).toBe('NOT_FOUND');
      expect(await search({ query: 'kites' }, bob)).toEqual([]);
      expect(await countMessages(alices.conversationId)).toBe(1);
      expect(codeOf(await gw.gql(ADD_BUFFER, { input: { message: 'x', conversationId: 'no-such-conversation' } }, alice))).toBe('NOT_FOUND');
    });
  });

  describe('clearMemory removes exactly what it names', () => {
    async function world() {
      const a1 = await addBuffer({ message: 'conversation one, message one' }, alice);
      await addBuffer({ message: 'conversation one, message two', role: 'ASSISTANT', conversationId: a1.conversationId }, alice);
      await addBuffer({ message: 'conversation one, message three', conversationId: a1.conversationId }, alice);
      const a2 = await addBuffer({ message: 'conversation two, message one' }, alice);
      await addBuffer({ message: 'conversation two, message two', role: 'ASSISTANT', conversationId: a2.conversationId }, alice);
      const b1 = await addBuffer({ message: 'bob’s conversation' }, bob);
      const memories = {
        alicePlanner: [await add({ content: 'planner memory one', agentId: 'planner' }, alice), await add({ content: 'planner memory two', agentId: 'planner' }, alice)],
        aliceCoder: await add({ content: 'coder memory', agentId: 'coder' }, alice),
        aliceNoAgent: await add({ content: 'memory of no agent' }, alice),
        bobPlanner: await add({ content: 'bob’s planner memory', agentId: 'planner' }, bob),
      };
      return { a1: a1.conversationId, a2: a2.conversationId, b1: b1.conversationId, memories };
    }

    it('clearMemory(conversationId) deletes that conversation’s messages only; every long-term memory stays', async () => {
      const { a1, a2, b1 } = await world();
      const memoriesBefore = await countMemories();
      const receipt = dataOf(await gw.gql(CLEAR, { conversationId: a1 }, alice)).clearMemory;
      expect(receipt).toEqual({ conversations: 0, messages: 3, memories: 0, userContextFacts: 0, agents: 0, apiKeys: 0, runs: 0, cachedAnswers: 0, routingDecisions: 0 });
      expect(await countMessages(a1)).toBe(0);
      expect(await countMessages(a2)).toBe(2);
      expect(await countMessages(b1)).toBe(1);
      expect(await countMemories()).toBe(memoriesBefore);
      expect(await search({ query: 'conversation one', conversationId: a1, useLongTerm: false }, alice)).toEqual([]);
    });

    it('clearMemory(agentId) deletes that agent’s memories of the caller only: no-agent and other agents’ memories stay, and other users’', async () => {
      const { a1, a2, memories } = await world();
      const receipt = dataOf(await gw.gql(CLEAR, { agentId: 'planner' }, alice)).clearMemory;
      expect(receipt).toMatchObject({ memories: 2, messages: 0, conversations: 0 });
      expect(await countMemories({ userId: 'alice', agentId: 'planner' })).toBe(0);
      expect(await countMemories({ userId: 'alice', agentId: 'coder' })).toBe(1);
      expect(await countMemories({ userId: 'alice', agentId: null })).toBe(1);
      expect(await countMemories({ userId: 'bob', agentId: 'planner' })).toBe(1);
      expect(await countMessages(a1)).toBe(3);
      expect(await countMessages(a2)).toBe(2);
      expect(new Set((await listAll(alice)).map((m) => m.id))).toEqual(new Set([memories.aliceCoder.id, memories.aliceNoAgent.id]));
      // Again: nothing left to remove.
      expect(dataOf(await gw.gql(CLEAR, { agentId: 'planner' }, alice)).clearMemory.memories).toBe(0);
    });

    it('clearMemory with both names removes both; with neither is BAD_USER_INPUT; another’s conversation is NOT_FOUND', async () => {
      const { a1, a2, b1 } = await world();
      const before = await countMemories();
      expect(codeOf(await gw.gql(CLEAR, {}, alice))).toBe('BAD_USER_INPUT');
      expect(codeOf(await gw.gql(CLEAR, { userId: 'alice' }, ADMIN_KEY))).toBe('BAD_USER_INPUT');
      expect(codeOf(await gw.gql(CLEAR, { conversationId: b1 }, alice))).toBe('NOT_FOUND');
      expect(await countMessages(b1)).toBe(1);
      expect(await countMemories()).toBe(before);
      const receipt = dataOf(await gw.gql(CLEAR, { conversationId: a2, agentId: 'coder' }, alice)).clearMemory;
      expect(receipt).toMatchObject({ messages: 2, memories: 1 });
      expect(await countMessages(a2)).toBe(0);
      expect(await countMessages(a1)).toBe(3);
      expect(await countMemories()).toBe(before - 1);
    });
  });

  describe('user context', () => {
    it('deep-merges knowledge across calls, each leaf a MANUAL fact with its importance', async () => {
      const first = dataOf(await gw.gql(ADD_CONTEXT, { input: { knowledge: { name: 'Alice', preferences: { seat: 'window', drinks: ['tea'] } }, importance: 0.7 } }, alice)).addUserContext;
      expect(first).toMatchObject({ userId: 'alice', knowledge: { name: 'Alice', preferences: { seat: 'window', drinks: ['tea'] } } });
      const second = dataOf(await gw.gql(ADD_CONTEXT, { input: { knowledge: { preferences: { meal: 'vegetarian', seat: 'aisle' }, city: 'Lisbon' } } }, alice)).addUserContext;
      expect(second.knowledge).toEqual({ name: 'Alice', preferences: { seat: 'aisle', drinks: ['tea'], meal: 'vegetarian' }, city: 'Lisbon' });
      const facts = Object.fromEntries(second.facts.map((f: any) => [f.key, f]));
      expect(Object.keys(facts).sort()).toEqual(['city', 'name', 'preferences.drinks', 'preferences.meal', 'preferences.seat']);
      expect(facts.name).toMatchObject({ path: ['name'], value: 'Alice', importance: 0.7, source: 'MANUAL', confidence: 1, sourceMessageId: null });
      expect(facts['preferences.drinks']).toMatchObject({ value: ['tea'], importance: 0.7 });
      expect(facts['preferences.seat']).toMatchObject({ path: ['preferences', 'seat'], value: 'aisle', importance: 0.5, source: 'MANUAL' });
      expect(facts.city).toMatchObject({ value: 'Lisbon', importance: 0.5 });

      // A JWT reads its own user's; the admin names the user; bob sees nothing of hers.
      expect(dataOf(await gw.gql(CONTEXT, {}, alice)).userContext).toEqual(second);
      expect(dataOf(await gw.gql(CONTEXT, { userId: 'alice' }, ADMIN_KEY)).userContext).toEqual(second);
      expect(dataOf(await gw.gql(CONTEXT, {}, bob)).userContext).toEqual({ userId: 'bob', knowledge: {}, facts: [] });
      const rows = await db().selectFrom('user_context_facts').select(['user_id', 'path']).execute();
      expect(rows.every((row) => row.user_id === 'alice')).toBe(true);
      expect(rows).toHaveLength(5);
    });

    it('updates and deletes facts: a leaf, a subtree; an unknown path is NOT_FOUND', async () => {
      dataOf(await gw.gql(ADD_CONTEXT, { input: { knowledge: { name: 'Alice', preferences: { seat: 'window', meal: 'vegetarian' }, city: 'Lisbon' } } }, alice));
      const updated = dataOf(await gw.gql(UPDATE_FACT, { input: { path: ['preferences', 'seat'], value: 'aisle', importance: 0.9 } }, alice)).updateUserContextFact;
      expect(updated).toMatchObject({ path: ['preferences', 'seat'], key: 'preferences.seat', value: 'aisle', importance: 0.9, source: 'MANUAL' });
      expect(dataOf(await gw.gql(CONTEXT, {}, alice)).userContext.knowledge).toEqual({ name: 'Alice', preferences: { seat: 'aisle', meal: 'vegetarian' }, city: 'Lisbon' });

      expect(codeOf(await gw.gql(UPDATE_FACT, { input: { path: ['preferences', 'colour'], value: 'teal' } }, alice))).toBe('NOT_FOUND');
      expect(codeOf(await gw.gql(UPDATE_FACT, { input: { path: ['preferences'], value: 'flat' } }, alice))).toBe('NOT_FOUND');
      expect(dataOf(await gw.gql(DELETE_FACT, { path: ['city'] }, alice))).toEqual({ deleteUserContextFact: 1 });
      expect(dataOf(await gw.gql(DELETE_FACT, { path: ['preferences'] }, alice))).toEqual({ deleteUserContextFact: 2 });
      expect(codeOf(await gw.gql(DELETE_FACT, { path: ['preferences'] }, alice))).toBe('NOT_FOUND');
      expect(codeOf(await gw.gql(DELETE_FACT, { path: ['nothing', 'here'] }, alice))).toBe('NOT_FOUND');
      expect(dataOf(await gw.gql(CONTEXT, {}, alice)).userContext.knowledge).toEqual({ name: 'Alice' });
      // Bob cannot reach her facts: his own context has none at that path.
      expect(codeOf(await gw.gql(DELETE_FACT, { path: ['name'] }, bob))).toBe('NOT_FOUND');
      expect(await db().selectFrom('user_context_facts').select(['user_id', 'value']).execute()).toEqual([{ user_id: 'alice', value: 'Alice' }]);
    });

    it('needs a userId from an admin key, which acts for no user', async () => {
      expect(codeOf(await gw.gql(CONTEXT, {}, ADMIN_KEY))).toBe('BAD_USER_INPUT');
      expect(codeOf(await gw.gql(ADD_CONTEXT, { input: { knowledge: { a: 1 } } }, ADMIN_KEY))).toBe('BAD_USER_INPUT');
      expect(codeOf(await gw.gql(DELETE_FACT, { path: ['a'] }, ADMIN_KEY))).toBe('BAD_USER_INPUT');
      const written = dataOf(await gw.gql(ADD_CONTEXT, { input: { userId: 'alice', knowledge: { a: 1 } } }, ADMIN_KEY)).addUserContext;
      expect(written).toMatchObject({ userId: 'alice', knowledge: { a: 1 } });
      expect(dataOf(await gw.gql(CONTEXT, {}, alice)).userContext.knowledge).toEqual({ a: 1 });
    });

    it('refuses knowledge that is not an object with at least one value', async () => {
      for (const knowledge of ['text', [1, 2], 3, {}, { empty: {} }]) {
        expect(codeOf(await gw.gql(ADD_CONTEXT, { input: { knowledge } }, alice)), JSON.stringify(knowledge)).toBe('BAD_USER_INPUT');
      }
      expect(codeOf(await gw.gql(ADD_CONTEXT, { input: { knowledge: { a: 1 }, importance: 2 } }, alice))).toBe('BAD_USER_INPUT');
    });
  });
});
