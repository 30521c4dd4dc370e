import { beforeAll, describe, expect, it } from 'vitest';
import { storageBackendNames } from './support/backends.js';
import type { Behaviour, RecordedRequest } from './support/fake-openai.js';
import { keywordRouter } from './support/fake-routing.js';
import { ADMIN_KEY } from './support/gateway.js';
import { upstreamWorld } from './support/gateway-with-upstream.js';
import { createAgent, isExtraction } from './support/memory.js';
import { weatherTool } from './support/tools.js';
import { splitTokens } from '../src/core/usage/embedding-usage.js';

/**
 * Every model call in the usage ledger with whom it is charged to: routing (its model and its
 * embeddings), answers and tool rounds, the turn's embeddings (split by owner when turns share a
 * request), fact extraction, delegations, memory added by an API caller; a run's usage with its
 * auxiliary calls; retention; forgetUser; a cancelled run; a paused run revived after a restart.
 */

const U = (prompt: number, completion: number) => ({ prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion });
const ROUTING_USAGE = U(50, 1);
const EXTRACTION_USAGE = U(40, 5);
const ANSWER_USAGE = U(100, 10);
const PRICES = JSON.stringify({ 'gpt-4o-mini': { input: 0.15, output: 0.6 }, 'text-embedding-3-small': { input: 0.02, output: 0 } });
const EMBEDDING_MODEL = 'text-embedding-3-small';

const CHAT = `mutation($input: ChatInput!) { chat(input: $input) { runId status message { content } usage { promptTokens completionTokens totalTokens } } }`;
const RUN_USAGE = `query($id: ID!) { run(id: $id) { runId usage { promptTokens completionTokens totalTokens auxiliaryTokens costUsd
  byPurpose { purpose calls inputTokens outputTokens cachedTokens reasoningTokens costUsd } } children { runId } } }`;
const LOCATE = { name: 'locate', description: 'The user’s position, from the browser', parameters: { type: 'object', properties: {} } };

const isRouting = (request: RecordedRequest) => String(request.body.messages?.[0]?.content ?? '').startsWith('You route a user message');
const lastUser = (request: RecordedRequest) => String(request.body.messages.filter((m: any) => m.role === 'user').at(-1)?.content ?? '');
const toolResults = (request: RecordedRequest) => request.body.messages.filter((m: any) => m.role === 'tool').map((m: any) => String(m.content));
const systemOf = (request: RecordedRequest) => String(request.body.messages?.[0]?.content ?? '');

describe.each(storageBackendNames())('usage attribution on %s', (backend) => {
  /** What the answering model does in the current test (routing and extraction answer for themselves). */
  let answer: (request: RecordedRequest) => Behaviour;
  let extraction: Behaviour;
  const world = upstreamWorld(
    backend,
    // Turns wait to be indexed until the test settles the indexer: two chats share one embeddings request.
    { AUTO_EXTRACT_USER_INFO: 'true', MEMORY_INDEX_DELAY_MS: '3600000', MODEL_PRICES: PRICES, ROUTING_LLM_MODEL: 'gpt-4o-mini' },
    async ({ fake, gw }) => {
      answer = (request) => ({ text: `echo: ${lastUser(request)}`, usage: ANSWER_USAGE });
      extraction = { text: JSON.stringify({ facts: [] }), usage: EXTRACTION_USAGE };
      fake.setDefault((request) => (isRouting(request) ? { ...keywordRouter(request), usage: ROUTING_USAGE } : isExtraction(request) ? extraction : answer(request)));
      await createAgent(gw, { id: 'assistant', model: 'gpt-4o-mini', systemMessage: 'You are assistant.' });
    },
    (started) => started.orchestrator.registerTool(weatherTool()),
  );
  let alice: string, bob: string;
  beforeAll(() => {
    ({ alice, bob } = world);
  });
  const gw = () => world.gw;
  /** Memory's embeddings need pgvector (PGlite has it; a PostgreSQL server may not): without it memory embeds nothing, routing still does. */
  const memoryVectors = () => gw().orchestrator.memoryIndexer.vectors;

  const ok = async (query: string, variables: Record<string, unknown>, credential: string) => {
    const { body } = await gw().gql(query, variables, credential);
    expect(body.errors).toBeUndefined();
    return body.data;
  };
  const chat = async (input: Record<string, unknown>, credential = alice) => (await ok(CHAT, { input }, credential)).chat;
  /** Background work done and the ledger written: every call of what came before is in the table. */
  const settled = async () => {
    await gw().orchestrator.extractor?.settle();
    await gw().orchestrator.memoryIndexer.settle();
    await gw().orchestrator.extractor?.settle();
    await gw().orchestrator.usage.flush();
  };
  const rows = async () => {
    await settled();
    return gw().database.db.selectFrom('usage_entries').selectAll().orderBy('id').execute();
  };
  const ofRun = async (runId: string) => (await rows()).filter((row) => row.run_id === runId);
  const keyOf = async (credential: string) => {
    // The credential a chat records: its answer row's key_id.
    const { runId } = await chat({ message: 'who am I', agentId: 'assistant' }, credential);
    const key = (await ofRun(runId)).find((row) => row.purpose === 'ANSWER')!.key_id;
    expect(key).toEqual(expect.any(String));
    await gw().database.db.deleteFrom('usage_entries').execute();
    return key;
  };

  it('a routed chat records its routing embeddings and routing model, the answer, the turn’s embedding and the extraction, all under its run', async () => {
    // Two agents nothing in the message tells apart: hybrid routing embeds, finds no margin, and asks the model.
    await createAgent(gw(), { id: 'helper', model: 'gpt-4o-mini', description: 'Answers questions', systemMessage: 'You are helper.' });
    await createAgent(gw(), { id: 'aide', model: 'gpt-4o-mini', description: 'Answers questions', systemMessage: 'You are aide.' });
    const embeddingsBefore = world.fake.embeddingRequests.length;
    const { runId } = await chat({ message: 'hello there friend' });
    const answered = (await ofRun(runId)).find((row) => row.purpose === 'ANSWER')!;
    const charged = await ofRun(runId);
    const key = answered.key_id;
    expect(key).toEqual(expect.any(String));
    // Every call is alice's, made with her token, for this run.
    for (const row of charged) expect(row).toMatchObject({ user_id: 'alice', key_id: key, run_id: runId });
    // In the order they were made: routing, the answer, then in the background extraction and (once the indexer drains) the turn's embedding.
    expect(charged.map((row) => row.purpose)).toEqual(['EMBEDDING', 'ROUTING', 'ANSWER', 'EXTRACTION', ...(memoryVectors() ? ['EMBEDDING'] : [])]);
    const [routingEmbedding, routing] = charged as [any, any];
    // Routing is not an agent's: it picked one.
    expect(routing).toMatchObject({ agent_id: null, model: 'gpt-4o-mini', input_tokens: 50, output_tokens: 1 });
    expect(routing.cost_usd).toBeCloseTo((50 * 0.15 + 1 * 0.6) / 1e6, 12);
    // The message and both descriptions in one request; tokens as the upstream counted them.
    const [routingRequest, indexingRequest, ...none] = world.fake.embeddingRequests.slice(embeddingsBefore);
    expect(none).toEqual([]);
    const words = (inputs: string[]) => inputs.reduce((n, text) => n + text.split(/\s+/).length, 0);
    expect(routingRequest!.body.input[0]).toBe('hello there friend');
    expect(routingEmbedding).toMatchObject({ agent_id: null, model: EMBEDDING_MODEL, input_tokens: words(routingRequest!.body.input), output_tokens: 0 });
    // The answer is embedded after the turn (the question's vector is routing's, reused), charged to the agent that answered.
    if (memoryVectors()) {
      expect(indexingRequest!.body.input).toEqual(['echo: hello there friend']);
      expect(charged[4]).toMatchObject({ agent_id: answered.agent_id, model: EMBEDDING_MODEL, input_tokens: 4 });
    } else expect(indexingRequest).toBeUndefined();
    expect(charged.find((row) => row.purpose === 'EXTRACTION')).toMatchObject({ agent_id: answered.agent_id, model: 'gpt-4o-mini', input_tokens: 40, output_tokens: 5 });

    // The run's usage: the answer's tokens as before, and its auxiliary calls from the ledger.
    const { run } = await ok(RUN_USAGE, { id: runId }, alice);
    const sum = (purposes: string[]) => charged.filter((row) => purposes.includes(row.purpose)).reduce((n, row) => n + row.input_tokens + row.output_tokens, 0);
    expect(run.usage).toMatchObject({ promptTokens: 100, completionTokens: 10, totalTokens: 110, auxiliaryTokens: sum(['ROUTING', 'EMBEDDING', 'EXTRACTION']) });
    expect(run.usage.costUsd).toBeCloseTo(charged.reduce((n, row) => n + row.cost_usd!, 0), 12);
    expect(run.usage.byPurpose.map((p: any) => `${p.purpose}:${p.calls}:${p.inputTokens}:${p.outputTokens}`)).toEqual([
      'ANSWER:1:100:10',
      'ROUTING:1:50:1',
      'EXTRACTION:1:40:5',
      memoryVectors() ? `EMBEDDING:2:${routingEmbedding.input_tokens + 4}:0` : `EMBEDDING:1:${routingEmbedding.input_tokens}:0`,
    ]);

    // selectAgent decides outside any run: charged to the caller, no run.
    await gw().database.db.deleteFrom('usage_entries').execute();
    await ok(`query { selectAgent(message: "good morning to you") { agentId } }`, {}, alice);
    expect((await rows()).map((row) => [row.purpose, row.user_id, row.key_id, row.run_id])).toEqual([
      ['EMBEDDING', 'alice', key, null],
      ['ROUTING', 'alice', key, null],
    ]);
  });

  it('a tool round is recorded as TOOL_ROUND after the step that called the tool (ANSWER)', async () => {
    await createAgent(gw(), { id: 'forecaster', model: 'gpt-4o-mini', tools: ['weather'], systemMessage: 'You are forecaster.' });
    answer = (request) => (toolResults(request).length ? { text: 'It is -3 °C', usage: U(120, 6) } : { toolCalls: [{ name: 'weather', arguments: { city: 'Oslo' } }], finishReason: 'tool_calls', usage: U(80, 9) });
    const { runId } = await chat({ message: 'weather in Oslo?', agentId: 'forecaster' });
    const steps = (await ofRun(runId)).filter((row) => row.purpose === 'ANSWER' || row.purpose === 'TOOL_ROUND');
    expect(steps.map((row) => [row.purpose, row.agent_id, row.input_tokens, row.output_tokens])).toEqual([
      ['ANSWER', 'forecaster', 80, 9],
      ['TOOL_ROUND', 'forecaster', 120, 6],
    ]);
  });

  it('fact extraction is charged to the turn’s run, and so is the embedding of the fact it kept', async () => {
    extraction = { text: JSON.stringify({ facts: [{ key: 'preferences.theme', value: 'dark', confidence: 0.9, importance: 0.8 }] }), usage: EXTRACTION_USAGE };
    const { runId } = await chat({ message: 'I prefer dark mode', agentId: 'assistant' });
    const charged = await ofRun(runId);
    expect(charged.find((row) => row.purpose === 'EXTRACTION')).toMatchObject({ user_id: 'alice', agent_id: 'assistant', model: 'gpt-4o-mini', input_tokens: 40, output_tokens: 5 });
    // Two embeddings: the turn's two messages, and the fact "preferences theme: dark" (3 words).
    const embeddings = charged.filter((row) => row.purpose === 'EMBEDDING').map((row) => row.input_tokens).sort();
    expect(embeddings).toEqual(memoryVectors() ? [3, 'I prefer dark mode'.split(' ').length + 'echo: I prefer dark mode'.split(' ').length].sort() : []);
  });

  it('turns of two users indexed in one embeddings request: one row per run, the reported tokens split by their texts’ length', async () => {
    extraction = { text: JSON.stringify({ facts: [] }) };
    const before = world.fake.embeddingRequests.length;
    const first = await chat({ message: 'the quick brown fox jumps over the lazy dog', agentId: 'assistant' }, alice);
    const second = await chat({ message: 'hi', agentId: 'assistant' }, bob);
    await settled();
    const requests = world.fake.embeddingRequests.slice(before);
    if (!memoryVectors()) {
      expect(requests).toEqual([]);
      return;
    }
    expect(requests.map((r) => r.body.input.length)).toEqual([4]);
    const reported = requests[0]!.body.input.reduce((n: number, text: string) => n + text.split(/\s+/).length, 0);
    const embeddings = (await rows()).filter((row) => row.purpose === 'EMBEDDING');
    expect(embeddings.map((row) => [row.run_id, row.user_id, row.agent_id, row.model])).toEqual([
      [first.runId, 'alice', 'assistant', EMBEDDING_MODEL],
      [second.runId, 'bob', 'assistant', EMBEDDING_MODEL],
    ]);
    // Exactly what the provider reported, shared by characters (alice's texts are the longer).
    expect(embeddings[0]!.input_tokens + embeddings[1]!.input_tokens).toBe(reported);
    const aliceChars = 2 * 'the quick brown fox jumps over the lazy dog'.length + 'echo: '.length;
    const bobChars = 2 * 'hi'.length + 'echo: '.length;
    expect(Math.abs(embeddings[0]!.input_tokens - (reported * aliceChars) / (aliceChars + bobChars))).toBeLessThan(1);
  });

  it('a delegation records the child’s steps as DELEGATION under the child run, with the parent’s user and credential; the parent’s usage counts them', async () => {
    await createAgent(gw(), { id: 'billing', model: 'gpt-4o-mini', description: 'The billing desk', systemMessage: 'You are billing.' });
    await createAgent(gw(), { id: 'triage', model: 'gpt-4o-mini', delegates: ['billing'], systemMessage: 'You are triage.' });
    answer = (request) => {
      if (systemOf(request).startsWith('You are billing.')) return { text: 'Refund approved', usage: U(30, 3) };
      const results = toolResults(request);
      if (results.length === 0) return { toolCalls: [{ id: 'call_b', name: 'ask_billing', arguments: { question: 'Is the refund approved?' } }], finishReason: 'tool_calls', usage: U(70, 7) };
      return { text: `Billing says: ${results[0]}`, usage: U(90, 8) };
    };
    const key = await keyOf(alice);
    const { runId } = await chat({ message: 'my refund?', agentId: 'triage' });
    const { run } = await ok(RUN_USAGE, { id: runId }, alice);
    const [child] = run.children as Array<{ runId: string }>;
    const all = await rows();
    const delegated = all.filter((row) => row.purpose === 'DELEGATION');
    expect(delegated.map((row) => [row.run_id, row.user_id, row.key_id, row.agent_id, row.input_tokens, row.output_tokens])).toEqual([[child!.runId, 'alice', key, 'billing', 30, 3]]);
    // The child's turn is indexed too (its question and answer), under the child run.
    expect(all.filter((row) => row.run_id === child!.runId).map((row) => row.purpose).sort()).toEqual(memoryVectors() ? ['DELEGATION', 'EMBEDDING'] : ['DELEGATION']);
    const { run: after } = await ok(RUN_USAGE, { id: runId }, alice);
    expect(after.usage.promptTokens).toBe(70 + 90 + 30);
    expect(after.usage.byPurpose.find((p: any) => p.purpose === 'DELEGATION')).toMatchObject({ calls: 1, inputTokens: 30, outputTokens: 3 });
    const childEmbedding = all.find((row) => row.run_id === child!.runId && row.purpose === 'EMBEDDING') ?? { input_tokens: 0 };
    const parentAuxiliary = all.filter((row) => row.run_id === runId && ['EMBEDDING', 'EXTRACTION', 'ROUTING'].includes(row.purpose)).reduce((n, row) => n + row.input_tokens + row.output_tokens, 0);
    expect(after.usage.auxiliaryTokens).toBe(parentAuxiliary + childEmbedding.input_tokens);
  });

  it('/v1/chat/completions and /v1/responses go through the same pipeline: their calls carry the caller’s credential and the run', async () => {
    const key = await keyOf(alice);
    const asAlice = { 'content-type': 'application/json', authorization: `Bearer ${alice}` };
    const completion = await fetch(`${gw().url}/v1/chat/completions`, { method: 'POST', headers: asAlice, body: JSON.stringify({ model: 'assistant', messages: [{ role: 'user', content: 'over v1' }] }) });
    expect(completion.status).toBe(200);
    const response = await fetch(`${gw().url}/v1/responses`, { method: 'POST', headers: asAlice, body: JSON.stringify({ model: 'assistant', input: 'over responses' }) });
    expect(response.status).toBe(200);
    const answers = (await rows()).filter((row) => row.purpose === 'ANSWER');
    expect(answers.map((row) => [row.user_id, row.key_id, row.agent_id])).toEqual([
      ['alice', key, 'assistant'],
      ['alice', key, 'assistant'],
    ]);
    const runs = await gw().database.db.selectFrom('messages').select('run_id').where('role', '=', 'assistant').where('content', 'in', ['echo: over v1', 'echo: over responses']).execute();
    expect(new Set(answers.map((row) => row.run_id))).toEqual(new Set(runs.map((row) => row.run_id)));
  });

  it('a memory an API caller adds, and a memory search, are charged to the caller, outside any run', async () => {
    const key = await keyOf(alice);
    await ok(`mutation { addLongTermMemory(input: { content: "Alice keeps bees in Lyon" }) { id } }`, {}, alice);
    await ok(`query { searchMemory(query: "bees") { id } }`, {}, alice);
    const embeddings = (await rows()).filter((row) => row.purpose === 'EMBEDDING');
    expect(embeddings.map((row) => [row.user_id, row.key_id, row.run_id, row.input_tokens])).toEqual(
      memoryVectors()
        ? [
            ['alice', key, null, 5],
            ['alice', key, null, 1],
          ]
        : [],
    );
  });

  it('a cancelled run keeps the steps that completed before it was cancelled', async () => {
    await createAgent(gw(), { id: 'forecaster', model: 'gpt-4o-mini', tools: ['weather'], systemMessage: 'You are forecaster.' });
    answer = (request) =>
      toolResults(request).length
        ? { text: 'It is cold and it goes on and on', delayMs: 60_000, usage: U(120, 6) }
        : { toolCalls: [{ name: 'weather', arguments: { city: 'Oslo' } }], finishReason: 'tool_calls', usage: U(80, 9) };
    const asked = gw().gql(CHAT, { input: { message: 'weather in Oslo?', agentId: 'forecaster' } }, alice);
    // The first step ended (recorded); the second has been asked for and hangs.
    for (;;) {
      await gw().orchestrator.usage.flush();
      const [first] = await gw().database.db.selectFrom('usage_entries').selectAll().where('purpose', '=', 'ANSWER').execute();
      if (first && world.fake.requests.filter((r) => toolResults(r).length > 0).length > 0) {
        expect(await ok(`mutation($id: ID!) { cancelRun(runId: $id) }`, { id: first.run_id }, alice)).toEqual({ cancelRun: true });
        break;
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    const { body } = await asked;
    expect(body.data.chat.status).toBe('CANCELLED');
    const steps = (await ofRun(body.data.chat.runId)).filter((row) => row.purpose === 'ANSWER' || row.purpose === 'TOOL_ROUND');
    expect(steps.map((row) => [row.purpose, row.input_tokens, row.output_tokens])).toEqual([['ANSWER', 80, 9]]);
  });

  it('ledger rows older than USAGE_RETENTION_DAYS (400 by default) go in a sweep; newer ones stay', async () => {
    const day = 86_400_000;
    const row = (daysAgo: number, model: string) => ({
      at: new Date(Date.now() - daysAgo * day),
      model,
      purpose: 'ANSWER',
      input_tokens: 1,
      output_tokens: 1,
      cached_tokens: 0,
      reasoning_tokens: 0,
      user_id: 'alice',
      key_id: null,
      agent_id: null,
      run_id: null,
      cost_usd: null,
    });
    await gw().database.db.insertInto('usage_entries').values([row(401, 'old'), row(399, 'kept'), row(0, 'today')]).execute();
    expect(await gw().orchestrator.usageRetention.sweep()).toBe(1);
    const left = await gw().database.db.selectFrom('usage_entries').select('model').orderBy('model').execute();
    expect(left.map((r) => r.model)).toEqual(['kept', 'today']);
    // A second sweep (another replica's) finds nothing.
    expect(await gw().orchestrator.usageRetention.sweep()).toBe(0);
  });

  it('forgetUser keeps the user’s ledger rows (tokens, cost, credential, run) without their user id or their private agents’ ids; other users’ rows are untouched', async () => {
    await createAgent(gw(), { id: 'alice-desk', model: 'gpt-4o-mini', userId: 'alice', systemMessage: 'You are alice-desk.' });
    const theirs = await chat({ message: 'remember nothing', agentId: 'assistant' }, alice);
    const private_ = await chat({ message: 'my own desk', agentId: 'alice-desk' }, alice);
    const others = await chat({ message: 'remember me', agentId: 'assistant' }, bob);
    const before = await rows();
    expect(before.filter((row) => row.agent_id === 'alice-desk').length).toBeGreaterThan(0);
    await ok(`mutation { forgetUser(userId: "alice") { conversations agents } }`, {}, ADMIN_KEY);
    const after = await rows();
    const hers = new Set([theirs.runId, private_.runId]);
    // Only the user id (and her private agent's id) changed: same rows, same tokens, cost, credential and run.
    expect(after).toEqual(before.map((row) => (hers.has(row.run_id!) ? { ...row, user_id: null, agent_id: row.agent_id === 'alice-desk' ? null : row.agent_id } : row)));
    expect(after.filter((row) => row.run_id === others.runId).every((row) => row.user_id === 'bob')).toBe(true);
    expect(after.some((row) => row.user_id === 'alice' || row.agent_id === 'alice-desk')).toBe(false);
  });

  it('a paused run revived after a restart is still charged to the credential that started it, whoever decides', async () => {
    answer = (request) => (toolResults(request).length ? { text: 'You are in Lyon', usage: U(60, 4) } : { toolCalls: [{ id: 'call_l', name: 'locate', arguments: {} }], finishReason: 'tool_calls', usage: U(50, 5) });
    const key = await keyOf(alice);
    const paused = await chat({ message: 'where am I?', agentId: 'assistant', clientTools: [LOCATE] });
    expect(paused.status).toBe('WAITING');
    await world.restart();
    const SUBMIT = `mutation($runId: ID!) { submitToolResults(runId: $runId, results: [{ callId: "call_l", output: "Lyon" }]) { status } }`;
    // An admin answers for her: the decision is the admin's, the run (and its spend) still hers.
    expect(await ok(SUBMIT, { runId: paused.runId }, ADMIN_KEY)).toEqual({ submitToolResults: { status: 'COMPLETE' } });
    const steps = (await ofRun(paused.runId)).filter((row) => row.purpose === 'ANSWER' || row.purpose === 'TOOL_ROUND');
    expect(steps.map((row) => [row.purpose, row.user_id, row.key_id, row.input_tokens])).toEqual([
      ['ANSWER', 'alice', key, 50],
      ['TOOL_ROUND', 'alice', key, 60],
    ]);
  });
});

describe('splitTokens', () => {
  it('shares tokens by weight in whole numbers that add up exactly (largest remainder, earliest first on a tie)', () => {
    expect(splitTokens(10, [1, 1, 1])).toEqual([4, 3, 3]);
    expect(splitTokens(7, [94, 10])).toEqual([6, 1]);
    expect(splitTokens(100, [3, 0, 1])).toEqual([75, 0, 25]);
    expect(splitTokens(5, [0, 0])).toEqual([3, 2]);
    expect(splitTokens(0, [5, 5])).toEqual([0, 0]);
    expect(splitTokens(1, [])).toEqual([]);
  });
});
