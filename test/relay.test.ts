import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storageBackendNames } from './support/backends.js';
import { FakeOpenAI } from './support/fake-openai.js';
import { ADMIN_KEY, type GraphQLResponse, startTestGateway, type TestGateway } from './support/gateway.js';
import { testMcpStdioCommand } from './support/mcp-servers.js';
import { rest } from './support/rest.js';

/**
 * Relay as a client sees it, over the real HTTP API on every storage backend: connection cursors,
 * `first: 0`, global object identification (`node`, `nodes`) with each type's visibility, the one
 * id namespace of agents and MCP servers, and MessageRole's GraphQL values.
 */

const PAGE_INFO = 'pageInfo { hasNextPage hasPreviousPage startCursor endCursor }';
const CONVERSATIONS = `query($first: Int, $after: String) { conversations(first: $first, after: $after) { edges { cursor node { id } } ${PAGE_INFO} } }`;
const MEMORIES = `query($first: Int, $after: String) { memories(first: $first, after: $after) { edges { cursor node { id } } ${PAGE_INFO} } }`;
const ADD_BUFFER = `mutation($input: AddBufferMemoryInput!) { addBufferMemory(input: $input) { id conversationId role } }`;
const ADD_MEMORY = `mutation($input: AddLongTermMemoryInput!) { addLongTermMemory(input: $input) { id } }`;
const CREATE_AGENT = `mutation($input: CreateAgentInput!) { createAgent(input: $input) { id } }`;
const REGISTER = `mutation($input: RegisterMcpServerInput!) { registerMcpServer(input: $input) { id status } }`;
const NODE_FIELDS = '__typename id ... on Agent { userId } ... on Conversation { userId } ... on Message { conversationId role } ... on Memory { userId } ... on McpServer { transport }';
const NODE = `query($id: ID!) { node(id: $id) { ${NODE_FIELDS} } }`;
const NODES = `query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }`;

let fake: FakeOpenAI;
let gw: TestGateway;

const codeOf = (response: GraphQLResponse) => response.body.errors?.[0]?.extensions?.code;
function dataOf(response: GraphQLResponse) {
  expect(response.body.errors).toBeUndefined();
  return response.body.data;
}
/** The response body as sent, to compare bytes. */
async function nodeBytes(id: string, credential: string): Promise<string> {
  const response = await fetch(gw.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${credential}` },
    body: JSON.stringify({ query: NODE, variables: { id } }),
  });
  expect(response.status).toBe(200);
  return response.text();
}
const issue = async (userId: string): Promise<string> =>
  dataOf(await gw.gql(`mutation($u: ID!) { issueToken(userId: $u) { accessToken } }`, { u: userId }, ADMIN_KEY)).issueToken.accessToken;

describe.each(storageBackendNames())('Relay on %s', (backend) => {
  beforeAll(async () => {
    fake = await FakeOpenAI.start();
    gw = await startTestGateway(backend, { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: 'test-key' });
  });
  afterAll(async () => {
    await gw?.stop();
    await fake?.close();
  });

  it('conversations and memories: startCursor is the first edge’s cursor, endCursor the last; first: 0 gives no edges', async () => {
    const carol = await issue('carol');
    const dave = await issue('dave');
    for (const message of ['one', 'two', 'three']) {
      dataOf(await gw.gql(ADD_BUFFER, { input: { message } }, carol));
      dataOf(await gw.gql(ADD_MEMORY, { input: { content: `memory ${message}` } }, carol));
    }

    for (const [query, field] of [[CONVERSATIONS, 'conversations'], [MEMORIES, 'memories']] as const) {
      const page1 = dataOf(await gw.gql(query, { first: 2 }, carol))[field];
      expect(page1.edges).toHaveLength(2);
      expect(page1.pageInfo).toEqual({ hasNextPage: true, hasPreviousPage: false, startCursor: page1.edges[0].cursor, endCursor: page1.edges[1].cursor });
      const page2 = dataOf(await gw.gql(query, { first: 2, after: page1.pageInfo.endCursor }, carol))[field];
      expect(page2.edges).toHaveLength(1);
      expect(page2.pageInfo).toEqual({ hasNextPage: false, hasPreviousPage: false, startCursor: page2.edges[0].cursor, endCursor: page2.edges[0].cursor });

      // first: 0 answers whether there is anything, without edges.
      expect(dataOf(await gw.gql(query, { first: 0 }, carol))[field]).toEqual({
        edges: [],
        pageInfo: { hasNextPage: true, hasPreviousPage: false, startCursor: null, endCursor: null },
      });
      expect(dataOf(await gw.gql(query, { first: 0, after: page1.pageInfo.startCursor }, carol))[field].pageInfo.hasNextPage).toBe(true);
      expect(dataOf(await gw.gql(query, { first: 0, after: page2.pageInfo.endCursor }, carol))[field].pageInfo.hasNextPage).toBe(false);
      expect(dataOf(await gw.gql(query, { first: 0 }, dave))[field]).toEqual({
        edges: [],
        pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null },
      });
      expect(codeOf(await gw.gql(query, { first: -1 }, carol))).toBe('BAD_USER_INPUT');
    }
  });

  describe('node(id) and nodes(ids)', () => {
    let alice: string;
    let bob: string;
    let bobs: { conversationId: string; messageId: string; memoryId: string };

    beforeAll(async () => {
      alice = await issue('alice');
      bob = await issue('bob');
      dataOf(await gw.gql(CREATE_AGENT, { input: { id: 'planner' } }, ADMIN_KEY));
      // Bob's own agent uses the MCP server, so Bob sees the server and Alice does not.
      dataOf(await gw.gql(CREATE_AGENT, { input: { id: 'bobs-agent', userId: 'bob', tools: ['notes'] } }, ADMIN_KEY));
      const command = testMcpStdioCommand();
      const registered = dataOf(await gw.gql(REGISTER, { input: { id: 'notes', command: command.command, args: command.args } }, ADMIN_KEY));
      expect(registered.registerMcpServer).toEqual({ id: 'notes', status: 'CONNECTED' });
      const message = dataOf(await gw.gql(ADD_BUFFER, { input: { message: 'bob wrote this' } }, bob)).addBufferMemory;
      const memory = dataOf(await gw.gql(ADD_MEMORY, { input: { content: 'bob likes tea' } }, bob)).addLongTermMemory;
      bobs = { conversationId: message.conversationId, messageId: message.id, memoryId: memory.id };
    });

    it('gives each of the five types to whoever may see it, as its own query does', async () => {
      const node = async (id: string, credential: string) => dataOf(await gw.gql(NODE, { id }, credential)).node;
      for (const credential of [bob, ADMIN_KEY]) {
        expect(await node('planner', credential)).toEqual({ __typename: 'Agent', id: 'planner', userId: null });
        expect(await node('bobs-agent', credential)).toEqual({ __typename: 'Agent', id: 'bobs-agent', userId: 'bob' });
        expect(await node('notes', credential)).toEqual({ __typename: 'McpServer', id: 'notes', transport: 'STDIO' });
        expect(await node(bobs.conversationId, credential)).toEqual({ __typename: 'Conversation', id: bobs.conversationId, userId: 'bob' });
        expect(await node(bobs.messageId, credential)).toEqual({ __typename: 'Message', id: bobs.messageId, conversationId: bobs.conversationId, role: 'USER' });
        expect(await node(bobs.memoryId, credential)).toEqual({ __typename: 'Memory', id: bobs.memoryId, userId: 'bob' });
      }
      expect(await node('planner', alice)).toEqual({ __typename: 'Agent', id: 'planner', userId: null });
    });

    it('answers another user’s object exactly as one that does not exist: null, no error', async () => {
      const missing = await nodeBytes(randomUUID(), alice);
      expect(JSON.parse(missing)).toEqual({ data: { node: null } });
      expect(await nodeBytes('no-such-thing', alice)).toBe(missing);
      for (const id of [bobs.conversationId, bobs.messageId, bobs.memoryId, 'bobs-agent', 'notes']) expect(await nodeBytes(id, alice)).toBe(missing);

      const ids = ['planner', 'bobs-agent', 'notes', bobs.conversationId, bobs.messageId, bobs.memoryId, 'no-such-thing'];
      expect(dataOf(await gw.gql(NODES, { ids }, alice)).nodes).toEqual([{ __typename: 'Agent', id: 'planner' }, null, null, null, null, null, null]);
      expect(dataOf(await gw.gql(NODES, { ids }, bob)).nodes.map((found: any) => found?.__typename ?? null)).toEqual([
        'Agent', 'Agent', 'McpServer', 'Conversation', 'Message', 'Memory', null,
      ]);
      expect(codeOf(await gw.gql(NODES, { ids: Array.from({ length: 101 }, () => 'planner') }, alice))).toBe('BAD_USER_INPUT');
      expect(codeOf(await gw.gql(NODE, { id: 'planner' }))).toBe('UNAUTHENTICATED');
    });

    it('nodes looks up a batch per table with each type’s visibility; ids repeat and match exactly', async () => {
      const own = dataOf(await gw.gql(ADD_BUFFER, { input: { message: 'alice wrote this' } }, alice)).addBufferMemory;
      const ownMemory = dataOf(await gw.gql(ADD_MEMORY, { input: { content: 'alice likes coffee' } }, alice)).addLongTermMemory;
      const ids = [
        bobs.memoryId, own.conversationId, bobs.messageId, own.id, own.id.toUpperCase(), ownMemory.id, bobs.conversationId, randomUUID(), 'planner', own.conversationId,
      ];
      expect(dataOf(await gw.gql(NODES, { ids }, alice)).nodes).toEqual([
        null,
        { __typename: 'Conversation', id: own.conversationId },
        null,
        { __typename: 'Message', id: own.id },
        null,
        { __typename: 'Memory', id: ownMemory.id },
        null,
        null,
        { __typename: 'Agent', id: 'planner' },
        { __typename: 'Conversation', id: own.conversationId },
      ]);
      expect(dataOf(await gw.gql(NODES, { ids }, bob)).nodes.map((found: any) => found?.__typename ?? null)).toEqual([
        'Memory', null, 'Message', null, null, null, 'Conversation', null, 'Agent', null,
      ]);
    });

    it('counts every node and nodes field of one operation against one budget of 100 ids', async () => {
      const twice = `query($a: [ID!]!, $b: [ID!]!) { a: nodes(ids: $a) { id } b: nodes(ids: $b) { id } }`;
      const uuids = (count: number) => Array.from({ length: count }, () => randomUUID());
      const within = dataOf(await gw.gql(twice, { a: uuids(50), b: uuids(50) }, alice));
      expect([within.a.length, within.b.length]).toEqual([50, 50]);

      const over = await gw.gql(twice, { a: uuids(60), b: uuids(60) }, alice);
      expect(codeOf(over)).toBe('BAD_USER_INPUT');
      expect(over.body.errors?.[0]?.message).toContain('at most 100 ids in one operation');

      // Single node fields count too: 99 ids in nodes plus two node aliases is 101.
      const mixed = `query($ids: [ID!]!, $id: ID!) { nodes(ids: $ids) { id } x: node(id: $id) { id } y: node(id: $id) { id } }`;
      const refused = await gw.gql(mixed, { ids: uuids(99), id: randomUUID() }, alice);
      expect(codeOf(refused)).toBe('BAD_USER_INPUT');
      expect(refused.body.errors?.[0]?.message).toContain('at most 100 ids in one operation');
      // The budget is per operation: the next request starts again.
      expect(dataOf(await gw.gql(mixed, { ids: uuids(98), id: randomUUID() }, alice))).toEqual({ nodes: Array(98).fill(null), x: null, y: null });
    });

    it('agents and MCP servers share one id namespace, on GraphQL and REST; no name looks like a UUID', async () => {
      const command = testMcpStdioCommand();
      expect(codeOf(await gw.gql(CREATE_AGENT, { input: { id: 'notes' } }, ADMIN_KEY))).toBe('BAD_USER_INPUT');
      expect(codeOf(await gw.gql(REGISTER, { input: { id: 'planner', command: command.command, args: command.args } }, ADMIN_KEY))).toBe('BAD_USER_INPUT');
      expect((await rest(gw, 'POST', '/agents', { key: ADMIN_KEY, body: { agent_id: 'notes' } })).status).toBe(400);
      const restRegister = await rest(gw, 'POST', '/mcp/servers', { key: ADMIN_KEY, body: { server_id: 'planner', command: command.command, args: command.args } });
      expect(restRegister.status).toBe(400);
      expect(restRegister.text).toContain('share one id namespace');

      const uuid = randomUUID();
      expect(codeOf(await gw.gql(CREATE_AGENT, { input: { id: uuid } }, ADMIN_KEY))).toBe('BAD_USER_INPUT');
      expect(codeOf(await gw.gql(REGISTER, { input: { id: uuid, command: command.command, args: command.args } }, ADMIN_KEY))).toBe('BAD_USER_INPUT');

      const db = gw.database.db;
      expect(await db.selectFrom('agents').select('id').where('id', 'in', ['notes', uuid]).execute()).toEqual([]);
      expect(await db.selectFrom('mcp_servers').select('id').where('id', 'in', ['planner', uuid]).execute()).toEqual([]);
    });
  });

  it('MessageRole is USER / ASSISTANT in GraphQL; REST and the database keep user / assistant', async () => {
    const erin = await issue('erin');
    const question = dataOf(await gw.gql(ADD_BUFFER, { input: { message: 'a question' } }, erin)).addBufferMemory;
    const answer = dataOf(await gw.gql(ADD_BUFFER, { input: { message: 'an answer', role: 'ASSISTANT', conversationId: question.conversationId } }, erin)).addBufferMemory;
    expect([question.role, answer.role]).toEqual(['USER', 'ASSISTANT']);
    const read = dataOf(await gw.gql(`query($id: ID!) { conversation(id: $id) { messages { role } } }`, { id: question.conversationId }, erin));
    expect(read.conversation.messages).toEqual([{ role: 'USER' }, { role: 'ASSISTANT' }]);
    expect(codeOf(await gw.gql(ADD_BUFFER, { input: { message: 'lower case', role: 'assistant' } }, erin))).toBe('BAD_USER_INPUT');

    const restRead = await rest(gw, 'GET', `/conversations/${question.conversationId}`, { key: erin });
    expect(restRead.status).toBe(200);
    expect(restRead.body.messages.map((message: { role: string }) => message.role)).toEqual(['user', 'assistant']);
    const rows = await gw.database.db.selectFrom('messages').select('role').where('conversation_id', '=', question.conversationId).orderBy('ordinal').execute();
    expect(rows).toEqual([{ role: 'user' }, { role: 'assistant' }]);
  });
});
