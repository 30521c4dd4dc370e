import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type StorageBackend } from './support/backends.js';
import { FakeOpenAI } from './support/fake-openai.js';
import { ADMIN_KEY, startTestGateway, type TestGateway } from './support/gateway.js';
import { collect } from './support/subscriptions.js';

// Two replicas need a database server; the embedded database belongs to one process.
describe.skipIf(!process.env.TEST_DATABASE_URL)('answers of replicas sharing a PostgreSQL server', () => {
  let fake: FakeOpenAI;
  let backend: StorageBackend;
  let a: TestGateway;
  let b: TestGateway | undefined;
  // Leases of 4 s (10 checkpoints): a loaded machine can stall a process for a second, not for four.
  const env = () => ({ OPENAI_BASE_URL: fake.url, ANSWER_CHECKPOINT_MS: '400' });

  beforeAll(async () => {
    fake = await FakeOpenAI.start();
    backend = await createBackend('postgres');
    a = await startTestGateway({ ...backend, dispose: async () => {} }, env());
    await a.gql(`mutation { createAgent(input: { id: "assistant" }) { id } }`, {}, ADMIN_KEY);
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
    await backend?.dispose();
    await fake?.close();
  });

  const answers = () => a.database.db.selectFrom('messages').select(['id', 'content', 'status', 'error_code']).where('role', '=', 'assistant').orderBy('ordinal').execute();

  it("a replica starting, and sweeping, leaves another replica's live answer alone, and interrupts one whose replica went silent", async () => {
    fake.enqueue({ text: 'still going strong', hangAfterTokens: 2 });
    const live = collect(a.ws({ authorization: `Bearer ${ADMIN_KEY}` }), `subscription { chatStream(input: { message: "long one" }) { __typename ... on RunStarted { runId conversationId } } }`);
    await live.next(4);
    const { runId, conversationId } = (live.results[0]!.data as any).chatStream;

    // A dead replica's answer: STREAMING, its lease last renewed long ago.
    const orphanId = randomUUID();
    await a.database.db
      .insertInto('messages')
      .values({ id: orphanId, conversation_id: conversationId, role: 'assistant', content: 'cut off here', status: 'STREAMING', checkpointed_at: new Date(Date.now() - 60_000) })
      .execute();

    b = await startTestGateway({ ...backend, dispose: async () => {} }, env());
    // B sweeps as it starts and again after one lease (10 intervals): replica A keeps renewing its answer all along.
    await new Promise((resolve) => setTimeout(resolve, 4_500));
    const rows = await answers();
    expect(rows.find((row) => row.id === orphanId)).toMatchObject({ content: 'cut off here', status: 'FAILED', error_code: 'INTERRUPTED' });
    expect(rows.filter((row) => row.id !== orphanId)).toEqual([expect.objectContaining({ content: 'still going', status: 'STREAMING' })]);

    // The live answer ends as its run says, not as a sweep guessed.
    expect((await a.gql(`mutation($r: ID!) { cancelRun(runId: $r) }`, { r: runId }, ADMIN_KEY)).body).toEqual({ data: { cancelRun: true } });
    await live.ended();
    expect((await answers()).filter((row) => row.id !== orphanId)).toEqual([expect.objectContaining({ content: 'still going', status: 'CANCELLED' })]);
  });
});
