import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeOpenAI } from './support/fake-openai.js';
import { startTestGateway, type TestGateway, USER_KEY } from './support/gateway.js';
import { createAgent } from './support/memory.js';

/** MAX_MESSAGE_CHARS bounds every message a turn brings, not only the last. */
describe('MAX_MESSAGE_CHARS on /v1/chat/completions', () => {
  const LIMIT = 200;
  let fake: FakeOpenAI;
  let gw: TestGateway;
  beforeAll(async () => {
    fake = await FakeOpenAI.start();
    gw = await startTestGateway('pglite', { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: 'test-key', MODEL_MAX_RETRIES: '0', MAX_MESSAGE_CHARS: String(LIMIT) });
  });
  afterAll(async () => {
    await gw?.stop();
    await fake?.close();
  });
  beforeEach(async () => {
    await gw.reset();
    fake.reset();
    await createAgent(gw, { id: 'assistant' });
  });

  const complete = (messages: unknown[]) =>
    fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${USER_KEY}` },
      body: JSON.stringify({ model: 'assistant', messages }),
    });

  const turn = (long: number, length: number) =>
    [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hello.' },
      { role: 'assistant', content: 'Hi.' },
      { role: 'user', content: 'Go on.' },
    ].map((message, index) => (index === long ? { ...message, content: 'x'.repeat(length) } : message));

  it('refuses a history message over the limit with 400 naming messages[i].content; nothing reaches the model or the database', async () => {
    for (const long of [0, 1, 2]) {
      const response = await complete(turn(long, LIMIT + 1));
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({
        error: {
          message: `messages[${long}].content is ${LIMIT + 1} characters; the limit is ${LIMIT} (MAX_MESSAGE_CHARS)`,
          type: 'invalid_request_error',
          param: `messages[${long}].content`,
          code: null,
        },
      });
    }
    expect(fake.requests).toHaveLength(0);
    expect(await gw.database.db.selectFrom('conversations').select('id').execute()).toEqual([]);
  });

  it('still refuses the last message over the limit, and accepts every message at the limit', async () => {
    const last = await complete(turn(3, LIMIT + 1));
    expect(last.status).toBe(400);
    expect((await last.json()).error.param).toBe('messages');
    const atLimit = await complete(turn(1, LIMIT).map((message) => ({ ...message, content: message.content.padEnd(LIMIT, '.') })));
    expect(atLimit.status).toBe(200);
    expect(fake.requests[0]!.body.messages.slice(1).map((m: { content: string }) => m.content.length)).toEqual([LIMIT, LIMIT, LIMIT, LIMIT]);
  });
});
