import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../src/core/auth/principal.js';
import { emptyReceipt } from '../src/core/memory/memory.js';
import { agentJson, chatJson, conversationJson, mcpServerJson, mcpToolJson, memoryJson, messageJson, receiptJson, tokenJson, userContextJson } from '../src/server/rest/wire.js';
import { FakeOpenAI } from './support/fake-openai.js';
import { ADMIN_KEY, startTestGateway, type TestGateway } from './support/gateway.js';
import { startTestMcpHttpServer, type TestMcpHttpServer } from './support/mcp-servers.js';
import { dataUrl, png } from './support/images.js';
import { rest, type RestRequest, type RestResponse } from './support/rest.js';

const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv2020) => void;

/**
 * Every REST route called for real, each answer checked against the schema /openapi.json gives for
 * its status and media type: what a generated client (openapi-typescript) is typed from. The
 * schemas require every field, so an answer missing one (or a document missing a status) fails here.
 * Fastify's serializer drops what a schema does not name, so answers are also compared with what the
 * handler's mapper makes of the same core object: a field left out of a schema fails too.
 */

let fake: FakeOpenAI;
let mcpServer: TestMcpHttpServer;
let gw: TestGateway;
let doc: any;
let ajv: Ajv2020;
/** The admin key's principal, to read through the core what a route read. */
let ADMIN: Principal;
/** "METHOD /path/{param}" of every operation an answer was checked against. */
const covered = new Set<string>();

beforeAll(async () => {
  fake = await FakeOpenAI.start();
  mcpServer = await startTestMcpHttpServer({ mode: 'sessions' });
  gw = await startTestGateway('pglite', { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: 'test-key', MODEL_MAX_RETRIES: '0' });
  doc = await (await fetch(`${gw.url}/openapi.json`)).json();
  ADMIN = (await gw.orchestrator.auth.authenticate(ADMIN_KEY)).principal;
  // A tool of the gateway's own, for an agent whose calls need approval.
  gw.orchestrator.registerTool({ name: 'clock', description: 'The time', parameters: { type: 'object', properties: {} }, execute: async () => '12:00' });
  // OpenAPI 3.1's schemas are JSON Schema 2020-12; the document is one schema whose parts are addressed by pointer.
  ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(doc, 'openapi');
});
afterAll(async () => {
  await gw?.stop();
  await mcpServer?.close();
  await fake?.close();
});

/** What a handler hands the serializer, as JSON: the answer must be all of it (the serializer drops what the schema does not name). */
const asJson = (value: unknown) => JSON.parse(JSON.stringify(value));
/** The keys of every object in `value`, by path: for answers whose values differ call to call (a new token). */
const shape = (value: unknown, at = '$'): string[] =>
  Array.isArray(value)
    ? value.flatMap((item, i) => shape(item, `${at}[${i}]`))
    : value && typeof value === 'object'
      ? Object.entries(value).flatMap(([key, inner]) => [`${at}.${key}`, ...shape(inner, `${at}.${key}`)])
      : [];

const pointer = (...parts: string[]) => parts.map((part) => part.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');

/** Calls the route and checks the answer against the document; `template` is the documented path. */
async function call(method: string, template: string, path: string, request: RestRequest = {}): Promise<RestResponse> {
  const response = await rest(gw, method, path, request);
  const route = `${method} ${template}`;
  const documented = doc.paths[template]?.[method.toLowerCase()]?.responses?.[String(response.status)];
  expect(documented, `${route} answered ${response.status}, which the document does not list: ${response.text}`).toBeDefined();
  covered.add(route);
  if (!documented.content) {
    expect(response.text, route).toBe('');
    return response;
  }
  const media = response.headers.get('content-type')?.split(';')[0] ?? '';
  // One media type per answer, or (GET /files/{file_id}) the one the stored image has of those listed.
  expect(Object.keys(documented.content), route).toContain(media);
  for (const header of Object.keys(documented.headers ?? {})) expect(response.headers.get(header), `${route} ${header}`).toBeTruthy();
  const validate = ajv.getSchema(`openapi#/${pointer('paths', template, method.toLowerCase(), 'responses', String(response.status), 'content', media, 'schema')}`)!;
  const body = media === 'application/json' ? response.body : response.text;
  expect(validate(body) ? [] : validate.errors, `${route} ${response.status}`).toEqual([]);
  return response;
}

describe('every REST answer validates against the schema /openapi.json gives for it', () => {
  it('over every documented operation, successes and refusals', async () => {
    expect((await call('GET', '/health', '/health')).status).toBe(200);

    const token = await call('POST', '/auth/token', '/auth/token', { key: ADMIN_KEY, body: { user_id: 'alice' } });
    const alice = token.body.access_token as string;
    expect((await call('POST', '/agents', '/agents', { key: ADMIN_KEY, body: { agent_id: 'assistant', description: 'General help' } })).status).toBe(201);
    await call('POST', '/agents', '/agents', { key: ADMIN_KEY, body: { agent_id: 'mine', user_id: 'alice', temperature: 0.2, max_tokens: 100 } });
    expect((await call('GET', '/agents', '/agents', { key: alice })).body.agents).toHaveLength(2);
    const mine = await call('GET', '/agents/{agent_id}', '/agents/mine', { key: alice });
    expect(mine.body).toEqual(asJson(agentJson(await gw.orchestrator.agents.get(ADMIN, 'mine'))));
    expect((await call('GET', '/agents/{agent_id}', '/agents/nope', { key: alice })).status).toBe(404);
    expect((await call('POST', '/agents', '/agents', { key: alice, body: { agent_id: 'x' } })).status).toBe(403);
    expect((await call('GET', '/agents', '/agents')).status).toBe(401);

    const chat = await call('POST', '/chat', '/chat', { key: alice, body: { message: 'Capital of France?', metadata: { client: 'rest' } } });
    expect(chat.status).toBe(200);
    const conversationId = chat.body.conversation_id as string;
    expect(chat.body).toMatchObject({ response: expect.any(String), usage: expect.any(Object), routing: expect.any(Object) });
    await call('POST', '/chat/{agent_name}', '/chat/mine', { key: alice, body: { message: 'Again', conversation_id: conversationId } });
    expect((await call('POST', '/chat', '/chat', { key: alice, body: { text: 'no message' } })).status).toBe(400);

    const started = await call('POST', '/runs', '/runs', { key: alice, body: { message: 'Stream it', agent_id: 'assistant' } });
    expect(started.status).toBe(200);
    expect(started.text).toContain('event: MessageCompleted');
    const runId = started.headers.get('x-run-id')!;
    const replayed = await call('GET', '/runs/{run_id}/events', `/runs/${runId}/events?after=0`, { key: alice });
    expect(replayed.text).toContain('event: MessageCompleted');
    expect((await call('POST', '/runs/{run_id}/cancel', `/runs/${runId}/cancel`, { key: alice })).body).toEqual({ cancelled: false });

    const conversations = await call('GET', '/conversations', '/conversations', { key: alice });
    expect(conversations.body.conversations.length).toBeGreaterThan(0);
    const conversation = await call('GET', '/conversations/{conversation_id}', `/conversations/${conversationId}`, { key: alice });
    expect(conversation.body.messages).toHaveLength(4);
    const messages = await gw.orchestrator.conversations.messages(conversationId);
    expect(conversation.body).toEqual(asJson({ conversation: conversationJson(await gw.orchestrator.conversations.get(ADMIN, conversationId)), messages: messages.map(messageJson) }));
    const answer = messages.find((message) => message.runId === chat.body.run_id && message.role === 'assistant')!;
    expect(chat.body).toEqual(asJson(chatJson({ runId: answer.runId!, conversationId, agentId: answer.agentId!, message: answer, usage: answer.usage, status: 'COMPLETE', pendingToolCalls: [] })));

    // Images: a chat carrying one (stored), its message's parts, and the stored file itself.
    await call('POST', '/chat', '/chat', { key: alice, body: { message: 'And this?', conversation_id: conversationId, images: [{ data_url: dataUrl(png()) }, { url: 'https://example.com/a.gif' }] } });
    const withParts = await call('GET', '/conversations/{conversation_id}', `/conversations/${conversationId}`, { key: alice });
    const imagePart = withParts.body.messages.at(-2).parts[1];
    expect(imagePart).toMatchObject({ type: 'image', media_type: 'image/png' });
    const file = await call('GET', '/files/{file_id}', `/files/${imagePart.file_id}`, { key: alice });
    expect(file.headers.get('content-type')).toBe('image/png');
    expect((await call('GET', '/files/{file_id}', '/files/nope', { key: alice })).status).toBe(404);

    await call('POST', '/memory/buffer', '/memory/buffer', { key: alice, body: { message: 'I like green tea', conversation_id: conversationId } });
    const memory = await call('POST', '/memory/long_term', '/memory/long_term', { key: alice, body: { content: 'Likes green tea', metadata: { topic: 'drinks' }, agent_id: 'mine' } });
    const memoryId = memory.body.memory_id as string;
    expect((await call('GET', '/memory/long_term', '/memory/long_term', { key: alice })).body.memories).toHaveLength(1);
    const stored = await call('GET', '/memory/long_term/{memory_id}', `/memory/long_term/${memoryId}`, { key: alice });
    expect(stored.body).toEqual(asJson(memoryJson(await gw.orchestrator.memories.get(ADMIN, memoryId))));
    const search = await call('POST', '/memory/search', '/memory/search', { key: alice, body: { query: 'green tea' } });
    expect(new Set(search.body.results.map((hit: { source: string }) => hit.source))).toEqual(new Set(['BUFFER', 'LONG_TERM']));
    await call('POST', '/memory/user_context', '/memory/user_context', { key: alice, body: { knowledge: { preferences: { drink: 'tea' } } } });
    const context = await call('GET', '/memory/user_context', '/memory/user_context', { key: alice });
    expect(context.body.facts).toHaveLength(1);
    expect(context.body).toEqual(asJson(userContextJson(await gw.orchestrator.userContexts.get(ADMIN, 'alice'))));
    expect((await call('DELETE', '/memory/long_term/{memory_id}', `/memory/long_term/${memoryId}`, { key: alice })).status).toBe(204);
    expect((await call('POST', '/memory/clear', '/memory/clear', { key: alice, body: { conversation_id: conversationId } })).body.messages).toBeGreaterThan(0);

    const registered = await call('POST', '/mcp/servers', '/mcp/servers', { key: ADMIN_KEY, body: { server_id: 'tools', url: mcpServer.url, headers: { 'X-Secret': 'hunter2' } } });
    expect(registered.body.status).toBe('CONNECTED');
    await call('GET', '/mcp/servers', '/mcp/servers', { key: ADMIN_KEY });
    const server = await call('GET', '/mcp/servers/{server_id}', '/mcp/servers/tools', { key: ADMIN_KEY });
    expect(server.body).toEqual(asJson(mcpServerJson(await gw.orchestrator.mcp.get(ADMIN, 'tools'))));
    const tools = await call('GET', '/mcp/servers/{server_id}/tools', '/mcp/servers/tools/tools', { key: ADMIN_KEY });
    expect(tools.body).toEqual(asJson({ tools: (await gw.orchestrator.mcp.tools(ADMIN, 'tools')).map(mcpToolJson) }));
    const sum = await call('POST', '/mcp/servers/{server_id}/tools/{tool_name}/execute', '/mcp/servers/tools/tools/add/execute', { key: ADMIN_KEY, body: { parameters: { a: 2, b: 3 } } });
    expect(sum.body).toMatchObject({ text: '5', is_error: false });
    expect((await call('DELETE', '/mcp/servers/{server_id}', '/mcp/servers/tools', { key: ADMIN_KEY })).status).toBe(204);

    // Runs that wait for their client: a JSON chat that pauses, the run as stored, the decisions answered like a chat.
    fake.enqueue({ toolCalls: [{ id: 'call_l', name: 'locate', arguments: { precise: true } }] }, { text: 'Oslo.' });
    const waiting = await call('POST', '/chat/{agent_name}', '/chat/mine', { key: alice, body: { message: 'Where am I?', client_tools: [{ name: 'locate', parameters: { type: 'object' } }] } });
    expect(waiting.body).toMatchObject({ status: 'WAITING', pending_tool_calls: [{ call_id: 'call_l', kind: 'CLIENT_TOOL', tool: 'locate', server_id: null, arguments: { precise: true } }] });
    const pausedRun = waiting.body.run_id as string;
    const asStored = await call('GET', '/runs/{run_id}', `/runs/${pausedRun}`, { key: alice });
    expect(asStored.body).toEqual(asJson(chatJson(await gw.orchestrator.chat.runAnswer(ADMIN, pausedRun))));
    const pausedConversation = await call('GET', '/conversations/{conversation_id}', `/conversations/${waiting.body.conversation_id}`, { key: alice });
    expect(pausedConversation.body.messages[1]).toMatchObject({ status: 'WAITING', pending_tool_calls: [{ call_id: 'call_l' }] });
    expect(pausedConversation.body.messages).toEqual(asJson((await gw.orchestrator.conversations.messages(waiting.body.conversation_id)).map(messageJson)));
    expect((await call('GET', '/runs/{run_id}', '/runs/nope', { key: alice })).status).toBe(404);
    expect((await call('POST', '/runs/{run_id}/tool_results', `/runs/${pausedRun}/tool_results`, { key: alice, body: { results: [{ call_id: 'nope', output: 'x' }] } })).status).toBe(400);
    expect((await call('POST', '/runs/{run_id}/tool_results', '/runs/nope/tool_results', { key: alice, body: { results: [{ call_id: 'call_l', output: 'x' }] } })).status).toBe(404);
    const resumed = await call('POST', '/runs/{run_id}/tool_results', `/runs/${pausedRun}/tool_results`, { key: alice, body: { results: [{ call_id: 'call_l', output: 'Oslo' }] } });
    expect(resumed.body).toMatchObject({ status: 'COMPLETE', pending_tool_calls: [], response: 'Oslo.' });

    const guarded = await call('POST', '/agents', '/agents', { key: ADMIN_KEY, body: { agent_id: 'guarded', tools: ['clock'], require_approval: ['*'] } });
    expect(guarded.body).toEqual(asJson(agentJson(await gw.orchestrator.agents.get(ADMIN, 'guarded'))));
    expect(guarded.body.require_approval).toEqual(['*']);
    fake.enqueue({ toolCalls: [{ id: 'call_t', name: 'clock', arguments: {} }] }, { text: 'I may not look.' });
    const asking = await call('POST', '/chat/{agent_name}', '/chat/guarded', { key: alice, body: { message: 'Time?' } });
    expect(asking.body).toMatchObject({ status: 'WAITING', pending_tool_calls: [{ call_id: 'call_t', kind: 'APPROVAL', tool: 'clock' }] });
    expect((await call('POST', '/runs/{run_id}/approvals', `/runs/${asking.body.run_id}/approvals`, { key: alice, body: { call_id: 'call_t' } })).status).toBe(400);
    expect((await call('POST', '/runs/{run_id}/approvals', '/runs/nope/approvals', { key: alice, body: { call_id: 'call_t', approved: true } })).status).toBe(404);
    const refused = await call('POST', '/runs/{run_id}/approvals', `/runs/${asking.body.run_id}/approvals`, { key: alice, body: { call_id: 'call_t', approved: false, reason: 'no' } });
    expect(refused.body).toMatchObject({ status: 'COMPLETE', response: 'I may not look.' });

    // A remote agent whose card cannot be fetched is refused, nothing stored; the routes that read them answer empty and 404.
    const remote = await call('POST', '/remote_agents', '/remote_agents', { key: ADMIN_KEY, body: { agent_id: 'faraway', url: 'http://127.0.0.1:9/', headers: { 'X-Secret': 'hunter2' } } });
    expect(remote.status).toBe(503);
    expect(remote.text).not.toContain('hunter2');
    expect((await call('GET', '/remote_agents', '/remote_agents', { key: ADMIN_KEY })).body.remote_agents).toEqual([]);
    expect((await call('GET', '/remote_agents/{agent_id}', '/remote_agents/faraway', { key: ADMIN_KEY })).status).toBe(404);
    expect((await call('DELETE', '/remote_agents/{agent_id}', '/remote_agents/faraway', { key: ADMIN_KEY })).status).toBe(404);

    // Usage and budgets: alice's own spend from the ledger; a budget set on her, listed, removed; the refusals.
    // The chats' background work (extraction, indexing embeddings) adds to her spend: let it finish so the budget's figures hold still.
    await gw.orchestrator.extractor?.settle();
    await gw.orchestrator.memoryIndexer.settle();
    await gw.orchestrator.extractor?.settle();
    const spent = await call('GET', '/usage', '/usage?group_by=model,purpose', { key: alice });
    expect(spent.body.totals.calls).toBeGreaterThan(0);
    expect(spent.body.groups.length).toBeGreaterThan(0);
    expect((await call('GET', '/usage', '/usage?group_by=weekday', { key: alice })).status).toBe(400);
    expect((await call('GET', '/usage', '/usage')).status).toBe(401);
    const budget = await call('POST', '/budgets', '/budgets', { key: ADMIN_KEY, body: { user_id: 'alice', tokens: 100000, period: 'DAY' } });
    expect(budget.body).toMatchObject({ user_id: 'alice', key_id: null, metric: 'TOKENS', period: 'DAY' });
    expect((await call('POST', '/budgets', '/budgets', { key: ADMIN_KEY, body: { user_id: 'nobody-at-all', tokens: 10, period: 'DAY' } })).status).toBe(404);
    expect((await call('POST', '/budgets', '/budgets', { key: alice, body: { user_id: 'alice', tokens: 10, period: 'DAY' } })).status).toBe(403);
    expect((await call('GET', '/budgets', '/budgets', { key: alice })).body.budgets).toEqual([budget.body]);
    expect((await call('DELETE', '/budgets/{budget_id}', `/budgets/${budget.body.id}`, { key: ADMIN_KEY })).status).toBe(204);
    expect((await call('DELETE', '/budgets/{budget_id}', `/budgets/${budget.body.id}`, { key: ADMIN_KEY })).status).toBe(404);

    expect((await call('DELETE', '/agents/{agent_id}', '/agents/assistant', { key: ADMIN_KEY })).status).toBe(204);
    const erased = await call('DELETE', '/users/{user_id}', '/users/alice', { key: ADMIN_KEY });
    // Two conversations of chats and runs, two of the runs that waited.
    expect(erased.body.conversations).toBe(4);
    expect(shape(erased.body)).toEqual(shape(receiptJson(emptyReceipt())));
    expect(shape(token.body)).toEqual(shape(asJson(tokenJson(await gw.orchestrator.auth.issueToken(ADMIN, 'bob')))));

    const documented = Object.entries(doc.paths as Record<string, object>).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`));
    expect([...covered].sort()).toEqual(documented.sort());
  });
});
