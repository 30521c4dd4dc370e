import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { ModelPrices } from '../src/core/usage/model-prices.js';
import { NO_ACCOUNT } from '../src/core/usage/usage-entry.js';
import { UsageLedger } from '../src/core/usage/usage-ledger.js';
import { UsageStore } from '../src/core/usage/usage-store.js';
import { FakeOpenAI } from './support/fake-openai.js';
import { ADMIN_KEY, startTestGateway, type TestGateway, USER_KEY } from './support/gateway.js';
import { storageBackendNames } from './support/backends.js';

const CHAT = `mutation($input: ChatInput!) { chat(input: $input) { runId usage { totalTokens } } }`;
const PRICES = JSON.stringify({ 'gpt-4o-mini': { input: 0.15, output: 0.6, cached: 0.075 } });

describe.each(storageBackendNames())('usage ledger on %s', (backend) => {
    let fake: FakeOpenAI;
    let gw: TestGateway;
    beforeAll(async () => {
      fake = await FakeOpenAI.start();
      gw = await startTestGateway(backend, { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: 'test-key', MODEL_PRICES: PRICES });
    });
    afterAll(async () => {
      await gw?.stop();
      await fake?.close();
    });
    beforeEach(async () => {
      await gw.reset();
      await gw.gql(`mutation { createAgent(input: { id: "assistant", model: "gpt-4o-mini" }) { id } }`, {}, ADMIN_KEY);
    });

    it('records an answer with its owner, credential, agent, model, run, tokens and price', async () => {
      fake.enqueue({ text: 'hello there', usage: { prompt_tokens: 1000, completion_tokens: 200, total_tokens: 1200, prompt_tokens_details: { cached_tokens: 400 }, completion_tokens_details: { reasoning_tokens: 50 } } });
      const { body } = await gw.gql(CHAT, { input: { message: 'hi', agentId: 'assistant', userId: 'alice' } }, USER_KEY);
      expect(body.errors).toBeUndefined();
      await gw.orchestrator.usage.flush();
      const rows = await gw.database.db.selectFrom('usage_entries').selectAll().execute();
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ user_id: 'alice', key_id: expect.stringMatching(/^env:[0-9a-f]{16}$/), agent_id: 'assistant', model: 'gpt-4o-mini', run_id: body.data.chat.runId, purpose: 'ANSWER', input_tokens: 1000, output_tokens: 200, cached_tokens: 400, reasoning_tokens: 50 });
      // 600 × 0.15 + 400 × 0.075 + 200 × 0.6, per million.
      expect(rows[0]!.cost_usd).toBeCloseTo((600 * 0.15 + 400 * 0.075 + 200 * 0.6) / 1e6, 12);
    });

    it('forgets a user in the calls of a batch being written when forgetUser is called, should the database refuse that write', async () => {
      const ledger = new UsageLedger(new UsageStore(gw.database.db), new ModelPrices({}), { flushIntervalMs: 60_000, maxBatch: 100, maxPending: 100 });
      const tokens = { inputTokens: 10, outputTokens: 5, cachedTokens: 0, reasoningTokens: 0 };
      await sql`alter table usage_entries add constraint refuse_writes check (false) not valid`.execute(gw.database.db);
      try {
        ledger.record({ ...NO_ACCOUNT, userId: 'alice', agentId: 'alices-agent' }, 'gpt-4o-mini', 'ANSWER', tokens);
        const writing = ledger.flush();
        // One turn of the microtask queue: the batch has left the queue and is being written.
        await null;
        await ledger.forgetUser('alice', ['alices-agent']);
        await writing;
      } finally {
        await sql`alter table usage_entries drop constraint refuse_writes`.execute(gw.database.db);
      }
      await ledger.close();
      expect(await gw.database.db.selectFrom('usage_entries').select(['user_id', 'agent_id', 'input_tokens']).execute()).toEqual([{ user_id: null, agent_id: null, input_tokens: 10 }]);
    });

    it('prices a model by its own name only: one named like an Object method is unpriced, not NaN dollars', () => {
      const prices = new ModelPrices(JSON.parse(PRICES));
      const tokens = { inputTokens: 1000, outputTokens: 0, cachedTokens: 0, reasoningTokens: 0 };
      for (const model of ['constructor', 'toString', 'openai:hasOwnProperty', '__proto__']) expect(prices.costOf(model, tokens), model).toBeNull();
      expect(prices.costOf('openai:gpt-4o-mini', tokens)).toBeCloseTo(0.00015, 12);
    });

    it('keeps calls queued while the database refuses writes, retrying on its timer (one error reported), and stores each once after', async () => {
      const errors: unknown[] = [];
      const ledger = new UsageLedger(new UsageStore(gw.database.db), new ModelPrices({}), { flushIntervalMs: 60_000, maxBatch: 2, maxPending: 100 }, (error) => errors.push(error));
      const tokens = { inputTokens: 10, outputTokens: 5, cachedTokens: 0, reasoningTokens: 0 };
      await sql`alter table usage_entries add constraint refuse_writes check (false) not valid`.execute(gw.database.db);
      try {
        for (let i = 0; i < 10; i++) ledger.record({ ...NO_ACCOUNT, userId: 'alice' }, 'gpt-4o-mini', 'ANSWER', tokens);
        await ledger.flush();
        // The first full batch tried and failed; the calls after it wait for the retry instead of each trying again.
        expect(errors).toHaveLength(1);
        expect(await gw.database.db.selectFrom('usage_entries').selectAll().execute()).toEqual([]);
      } finally {
        await sql`alter table usage_entries drop constraint refuse_writes`.execute(gw.database.db);
      }
      await ledger.close();
      const rows = await gw.database.db.selectFrom('usage_entries').select(['user_id', 'input_tokens']).execute();
      expect(rows).toHaveLength(10);
      expect(ledger.dropped).toBe(0);
    });
});
