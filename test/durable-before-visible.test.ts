import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createBackend, type StorageBackend } from './support/backends.js';
import { FakeOpenAI } from './support/fake-openai.js';
import { ADMIN_KEY, startTestGateway, type TestGateway } from './support/gateway.js';
import { collect } from './support/subscriptions.js';

const STREAM = `subscription { chatStream(input: { message: "side by side", agentId: "assistant" }) {
  __typename ... on TokenDelta { text } ... on MessageCompleted { content } } }`;

/** Polls until `done`; the waits here are for another process's work, not timings under test. */
async function until(done: () => boolean | Promise<boolean>, what: string) {
  const deadline = Date.now() + 10_000;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

// A second session holding a lock needs a database server: PGlite has one session.
describe.skipIf(!process.env.TEST_DATABASE_URL)('the user message is written beside the model request, durable before any token is seen', () => {
  let fake: FakeOpenAI;
  let backend: StorageBackend;
  let gw: TestGateway;
  let other: pg.Client;
  let schema: string;

  beforeAll(async () => {
    fake = await FakeOpenAI.start();
    backend = await createBackend('postgres');
    schema = backend.env().DATABASE_SCHEMA!;
    gw = await startTestGateway(backend, { OPENAI_BASE_URL: fake.url });
    other = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await other.connect();
  });
  afterAll(async () => {
    await other?.end();
    await gw?.stop();
    await fake?.close();
  });
  beforeEach(async () => {
    fake.reset();
    await gw.reset();
    await gw.gql(`mutation { createAgent(input: { id: "assistant" }) { id } }`, {}, ADMIN_KEY);
  });

  const rows = () => gw.database.db.selectFrom('messages').select(['role', 'content', 'status']).orderBy('ordinal').execute();
  /** Blocks every insert into messages until the returned function commits. */
  async function blockWrites(): Promise<() => Promise<void>> {
    await other.query('begin');
    await other.query(`lock table ${schema}.messages in exclusive mode`);
    return async () => {
      await other.query('commit');
    };
  }
  const blockedInserts = async () =>
    (await other.query(`select pid from pg_stat_activity where wait_event_type = 'Lock' and query ~* 'insert into "?messages'`)).rows.map((row) => row.pid as number);

  it('calls the model while the write waits, and shows nothing until the write is durable', async () => {
    fake.enqueue({ text: 'answered before stored' });
    const release = await blockWrites();
    const stream = collect(gw.ws({ authorization: `Bearer ${ADMIN_KEY}` }), STREAM);
    try {
      // The whole answer has reached the gateway, and the user message is still not stored...
      await until(() => fake.requests[0]?.completed === true, 'the upstream to finish its answer');
      await until(async () => (await blockedInserts()).length === 1, 'the insert to wait on the lock');
      // ...so the client has seen nothing: no event, no token.
      expect(stream.results).toEqual([]);
    } finally {
      await release();
    }
    await stream.ended();
    const events = stream.results.map((result) => (result.data as any).chatStream);
    expect(events.at(-1)).toEqual({ __typename: 'MessageCompleted', content: 'answered before stored' });
    expect(events.filter((event) => event.__typename === 'TokenDelta').map((event) => event.text).join('')).toBe('answered before stored');
    expect(await rows()).toEqual([
      { role: 'user', content: 'side by side', status: 'COMPLETE' },
      { role: 'assistant', content: 'answered before stored', status: 'COMPLETE' },
    ]);
  });

  it('aborts the model call when the write fails, stores nothing, and goes on serving', async () => {
    fake.enqueue({ text: 'never shown to anyone', hangAfterTokens: 1 });
    const release = await blockWrites();
    const stream = collect(gw.ws({ authorization: `Bearer ${ADMIN_KEY}` }), STREAM);
    try {
      await until(() => fake.requests.length === 1 && fake.requests[0]!.tokensWritten === 1, 'the model request to be streaming');
      await until(async () => (await blockedInserts()).length === 1, 'the insert to wait on the lock');
      // The write fails as a lost connection or a full disk would make it fail.
      await other.query('select pg_cancel_backend(pid) from unnest($1::int[]) as pid', [await blockedInserts()]);
      await stream.ended();
    } finally {
      await release();
    }
    expect(stream.results).toEqual([
      expect.objectContaining({ errors: [expect.objectContaining({ extensions: expect.objectContaining({ code: 'INTERNAL' }) })] }),
    ]);
    expect(JSON.stringify(stream.results)).not.toContain('never shown');
    await until(() => fake.requests[0]!.clientAborted, 'the model request to be aborted');
    expect(await rows()).toEqual([]);
    expect(await gw.database.db.selectFrom('conversations').select('id').execute()).toEqual([]);

    fake.enqueue({ text: 'still serving' });
    const next = await gw.gql(`mutation { chat(input: { message: "again", agentId: "assistant" }) { message { content status } } }`, {}, ADMIN_KEY);
    expect(next.body).toEqual({ data: { chat: { message: { content: 'still serving', status: 'COMPLETE' } } } });
  });
});
