import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOpenAI } from './support/fake-openai.js';
import { ADMIN_KEY, startTestGateway, type TestGateway } from './support/gateway.js';
import { collect } from './support/subscriptions.js';

// A real collection, so the test measures what the heap keeps, not what it has not cleaned yet.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

let fake: FakeOpenAI;
let gw: TestGateway;
beforeAll(async () => {
  fake = await FakeOpenAI.start();
  gw = await startTestGateway('pglite', { OPENAI_BASE_URL: fake.url, RUN_RETENTION_MS: '0' });
  await gw.gql(`mutation { createAgent(input: { id: "assistant" }) { id } }`, {}, ADMIN_KEY);
});
afterAll(async () => {
  await gw?.stop();
  await fake?.close();
});

describe('conversationEvents', () => {
  it('holds no finished run in memory while its watcher stays connected', async () => {
    const first = await gw.gql(`mutation { chat(input: { message: "start" }) { conversationId } }`, {}, ADMIN_KEY);
    const conversationId = first.body.data.chat.conversationId as string;
    const watcher = collect(gw.ws({ authorization: `Bearer ${ADMIN_KEY}` }), `subscription($id: ID!) { conversationEvents(conversationId: $id) { __typename } }`, { id: conversationId });
    // Let the subscription attach before the runs start.
    await new Promise((resolve) => setTimeout(resolve, 200));

    const runs: Array<WeakRef<object>> = [];
    const stopCounting = gw.orchestrator.runs.watch(conversationId, (run) => runs.push(new WeakRef(run)));
    const RUNS = 30;
    for (let i = 0; i < RUNS; i++) {
      const answer = await gw.gql(`mutation($c: ID!) { chat(input: { message: "again", conversationId: $c }) { message { status } } }`, { c: conversationId }, ADMIN_KEY);
      expect(answer.body.data.chat.message.status).toBe('COMPLETE');
    }
    stopCounting();
    const completed = () => watcher.results.filter((r: any) => r.data.conversationEvents.__typename === 'MessageCompleted').length;
    for (const deadline = Date.now() + 10_000; completed() < RUNS && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(completed()).toBe(RUNS);

    // Retention is 0: once collected, every finished run is gone unless something still holds it.
    await new Promise((resolve) => setTimeout(resolve, 50));
    for (let i = 0; i < 5; i++) {
      gc();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(runs).toHaveLength(RUNS);
    expect(runs.filter((ref) => ref.deref() !== undefined)).toHaveLength(0);
    expect(watcher.error).toBeUndefined();
    expect(watcher.completed).toBe(false);
  });
});
