import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { OpenAIEmbeddingModel } from '../src/core/models/openai-embedding-model.js';
import { createOrchestrator } from '../src/core/orchestrator.js';
import { openDatabase } from '../src/db/database.js';
import { bagOfWordsVector, keywordRouter } from './support/fake-routing.js';
import { ADMIN, ALICE, promptedIds, type RoutingWorld, startRoutingWorld } from './support/routing.js';

let world: RoutingWorld;
beforeAll(async () => {
  world = await startRoutingWorld();
});
afterAll(() => world?.close());
beforeEach(() => world.reset());

const HYBRID = { method: 'hybrid' as const };

describe('OpenAIEmbeddingModel', () => {
  it('sends model and dimensions, batches, embeds identical texts once and keeps the order', async () => {
    const model = new OpenAIEmbeddingModel({ baseURL: world.fake.url, timeoutMs: 5_000, maxRetries: 0, model: 'text-embedding-3-small', dimensions: 32, batchSize: 2 });
    const vectors = await model.embed(['alpha', 'beta', 'alpha', 'gamma', 'delta']);
    expect(world.fake.embeddingRequests.map((r) => r.body.input)).toEqual([['alpha', 'beta'], ['gamma', 'delta']]);
    expect(world.fake.embeddingRequests[0]!.body).toMatchObject({ model: 'text-embedding-3-small', dimensions: 32 });
    expect(vectors).toHaveLength(5);
    expect(vectors[2]).toEqual(vectors[0]);
    // float32 on the wire: equal to the fake's vector to float32 precision.
    vectors[3]!.forEach((x, i) => expect(x).toBeCloseTo(bagOfWordsVector('gamma', 32)[i]!, 6));
  });

  it('reads an answer the server compressed though nobody asked it to', async () => {
    world.fake.enqueueEmbeddings({ gzip: true });
    const model = new OpenAIEmbeddingModel({ baseURL: world.fake.url, timeoutMs: 5_000, maxRetries: 0, model: 'text-embedding-3-small', dimensions: 32 });
    const [vector] = await model.embed(['gamma']);
    vector!.forEach((x, i) => expect(x).toBeCloseTo(bagOfWordsVector('gamma', 32)[i]!, 6));
    expect(world.fake.embeddingRequests[0]!.headers['accept-encoding']).toBeUndefined();
  });
});

describe('hybrid routing', () => {
  beforeEach(() => world.addAgents());

  it('decides by embeddings alone when the best candidate leads clearly: no routing-model request', async () => {
    const decision = await world.router(HYBRID, { embeddings: true }).selectAgent(ALICE, 'I need a refund for a duplicate invoice payment');
    expect(decision).toMatchObject({ agentId: 'billing', strategy: 'ROUTING_EMBEDDING', cached: false });
    expect(decision.reason).toMatch(/^embeddings favour "billing" over "\S+" by 0\.\d{3} \(at least ROUTING_EMBEDDING_MARGIN 0\.05\)$/);
    expect(decision.confidence).toBeGreaterThanOrEqual(0.6);
    expect(decision.confidence).toBeLessThanOrEqual(0.95);
    const scores = decision.candidates.map((c) => c.score!);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(world.fake.requests).toHaveLength(0);
  });

  it('asks the routing model about the closest three when embeddings are too close to call', async () => {
    await world.addAgents([{ id: 'roses', description: 'Gardening: pruning and watering' }, { id: 'tulips', description: 'Gardening: pruning and watering' }]);
    world.fake.setDefault(keywordRouter);
    // "roses" and "tulips" tie on the embeddings; the model settles it.
    const decision = await world.router(HYBRID, { embeddings: true }).selectAgent(ALICE, 'pruning and watering in my garden, gardening tips');
    expect(decision.strategy).toBe('ROUTING_MODEL');
    expect(decision.reason).toMatch(/embeddings were too close to call \(margin 0\.\d{3}\), so the model chose among the closest 3$/);
    expect(world.fake.requests).toHaveLength(1);
    const prompted = promptedIds(world.fake.requests[0]!.body);
    expect(prompted).toHaveLength(3);
    expect(prompted).toEqual(decision.candidates.slice(0, 3).map((c) => c.agentId));
  });

  it('embeds each description once, and again only when it changes', async () => {
    const router = world.router(HYBRID, { embeddings: true });
    await router.selectAgent(ALICE, 'refund my invoice payment please now');
    await router.selectAgent(ALICE, 'book flights and hotels for my trip');
    await world.agents.update(ADMIN, 'travel', { description: 'Trips: flights and hotels' });
    await router.selectAgent(ALICE, 'book flights and hotels for my next trip');
    expect(world.fake.embeddingRequests.map((r) => r.body.input.length)).toEqual([5, 1, 2]);
    expect(world.fake.embeddingRequests[2]!.body.input[1]).toBe('travel: Trips: flights and hotels');
    expect(router.stats().embeddedDescriptions).toBe(5);
  });

  it('routes by the model, saying so, when the embedding upstream fails', async () => {
    world.fake.setEmbeddingDefault({ status: 500 });
    world.fake.enqueue({ text: 'travel' });
    const decision = await world.router(HYBRID, { embeddings: true }).selectAgent(ALICE, 'Find me a cheap flight to Lisbon');
    expect(decision).toMatchObject({ agentId: 'travel', strategy: 'ROUTING_MODEL' });
    expect(decision.reason).toBe('the routing model chose "travel"; the embedding model failed (The model provider answered 500), so the routing model decided');
    expect(promptedIds(world.fake.requests[0]!.body)).toHaveLength(4);
  });
});

describe('conversations stick', () => {
  beforeEach(() => world.addAgents());

  it('keeps a short follow-up with the agent that answered last, with no upstream request under the model method', async () => {
    const conversationId = await world.conversationAnsweredBy('travel');
    const decision = await world.router({ method: 'model' }).selectAgent(ALICE, 'yes, the cheaper one', { conversationId });
    expect(decision).toMatchObject({ agentId: 'travel', strategy: 'STICKY', reason: 'a short follow-up: stayed with "travel", which answered last in this conversation' });
    expect(world.fake.requests).toHaveLength(0);
  });

  it('leaves the conversation\'s agent only when embeddings are clearly confident in another', async () => {
    const conversationId = await world.conversationAnsweredBy('travel');
    const router = world.router(HYBRID, { embeddings: true });
    const vague = await router.selectAgent(ALICE, 'ok, thanks!', { conversationId });
    expect(vague).toMatchObject({ agentId: 'travel', strategy: 'STICKY' });
    expect(vague.reason).toMatch(/\(embeddings showed no clearly better agent\)$/);
    const clear = await router.selectAgent(ALICE, 'refund invoice payment', { conversationId });
    expect(clear).toMatchObject({ agentId: 'billing', strategy: 'ROUTING_EMBEDDING' });
    expect(clear.reason).toMatch(/^a short follow-up, but embeddings clearly favour "billing" .* left "travel", which answered last$/);
    expect(world.fake.requests).toHaveLength(0);
  });

  it('stays with the conversation\'s agent when routing a longer message fails, rather than the default', async () => {
    const conversationId = await world.conversationAnsweredBy('code');
    world.fake.enqueue({ status: 500 });
    const decision = await world.router({ method: 'model' }).selectAgent(ALICE, 'and now could you also explain how the garbage collector handles this case in detail', { conversationId });
    expect(decision).toMatchObject({ agentId: 'code', strategy: 'STICKY' });
    expect(decision.reason).toMatch(/^routing failed \(the routing model failed: The model provider answered 500\): stayed with "code"/);
  });

  it('never sticks to an agent the caller cannot see (another user\'s, or removed)', async () => {
    await world.addAgents([{ id: 'bob-private', description: 'Bob only', userId: 'bob' }]);
    world.fake.setDefault({ text: 'assistant' });
    const router = world.router({ method: 'model' });
    const bobs = await world.conversationAnsweredBy('bob-private');
    expect(await router.selectAgent(ALICE, 'yes', { conversationId: bobs })).toMatchObject({ agentId: 'assistant', strategy: 'ROUTING_MODEL' });
    const removed = await world.conversationAnsweredBy('travel');
    await world.agents.remove(ADMIN, 'travel');
    expect(await router.selectAgent(ALICE, 'and back?', { conversationId: removed })).toMatchObject({ agentId: 'assistant', strategy: 'ROUTING_MODEL' });
  });
});

describe('the orchestrator', () => {
  it('builds a hybrid router from the configuration when an OpenAI-compatible provider is set', async () => {
    const config = loadConfig({ DATA_DIR: 'memory://', OPENAI_BASE_URL: world.fake.url, EMBEDDING_DIMENSIONS: '128', SECRET_KEY: 'x'.repeat(32), ADMIN_API_KEY: 'routing-admin-key-0123456789' });
    const database = await openDatabase({ dataDir: 'memory://', onLockLost: () => {} });
    const orchestrator = await createOrchestrator({ database, config, reportError: () => {} });
    try {
      for (const agent of [{ id: 'billing', description: 'invoices refunds payments' }, { id: 'travel', description: 'flights hotels trains' }]) await orchestrator.agents.create(ADMIN, agent);
      const decision = await orchestrator.router.selectAgent(ALICE, 'cheap flights and a hotel');
      expect(decision).toMatchObject({ agentId: 'travel', strategy: 'ROUTING_EMBEDDING' });
      expect(world.fake.embeddingRequests[0]!.body).toMatchObject({ model: 'text-embedding-3-small', dimensions: 128 });
    } finally {
      await orchestrator.close();
      await database.close();
    }
  });
});
