import { describe, expect, it } from 'vitest';
import { ADMIN_KEY } from './support/gateway.js';
import { gatewayWithUpstream } from './support/gateway-with-upstream.js';
import { collect, readEventStream } from './support/subscriptions.js';

const EVENTS = `__typename ... on ModelFallback { fromModel toModel reason } ... on TokenDelta { text } ... on MessageCompleted { content } ... on RunFailed { code retryable partialMessageId }`;
const CHAT_STREAM = `subscription { chatStream(input: { message: "hello" }) { ${EVENTS} } }`;

const world = gatewayWithUpstream({ MODEL_MAX_RETRIES: '0' }, async ({ gw }) => {
  const created = await gw.gql(`mutation { createAgent(input: { id: "sturdy", model: "main-model", fallbackModels: ["backup-model", "last-resort"] }) { fallbackModels } }`, {}, ADMIN_KEY);
  expect(created.body.data.createAgent.fallbackModels).toEqual(['backup-model', 'last-resort']);
});

const transports = {
  async ws() {
    const sub = collect(world.gw.ws({ authorization: `Bearer ${ADMIN_KEY}` }), CHAT_STREAM);
    await sub.ended();
    return sub.results.map((r: any) => r.data.chatStream);
  },
  async sse() {
    const response = await fetch(world.gw.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${ADMIN_KEY}` },
      body: JSON.stringify({ query: CHAT_STREAM }),
    });
    const events: any[] = [];
    for await (const { event, data } of readEventStream(response)) if (event === 'next') events.push(data.data.chatStream);
    return events;
  },
};

for (const [transport, stream] of Object.entries(transports)) {
  describe(`fallback models over ${transport}`, () => {
    it('answers with the next model when the first is unavailable before any token, and says so in the stream', async () => {
      world.fake.enqueue({ status: 503, errorMessage: 'overloaded: secret-internal-host-7' }, { status: 500 }, { text: 'from the last resort' });
      const events = await stream();
      expect(events.map((e) => e.__typename)).toEqual(['RunStarted', 'AgentSelected', 'ModelFallback', 'ModelFallback', 'TokenDelta', 'TokenDelta', 'TokenDelta', 'TokenDelta', 'MessageCompleted']);
      expect(events[2]).toMatchObject({ fromModel: 'main-model', toModel: 'backup-model' });
      expect(events[3]).toMatchObject({ fromModel: 'backup-model', toModel: 'last-resort' });
      expect(JSON.stringify(events)).not.toContain('secret-internal-host-7');
      expect(events.at(-1).content).toBe('from the last resort');
      expect(world.fake.requests.map((r) => r.body.model)).toEqual(['main-model', 'backup-model', 'last-resort']);
    });

    it('never splices two models: a failure after the first token ends the run, partial text kept', async () => {
      // A pause between tokens, so the first two have reached the client before the stream breaks.
      world.fake.enqueue({ text: 'half an answer that breaks', dropAfterTokens: 2, delayMs: 30 });
      const events = await stream();
      expect(events.map((e) => e.__typename)).toEqual(['RunStarted', 'AgentSelected', 'TokenDelta', 'TokenDelta', 'RunFailed']);
      expect(events.at(-1)).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retryable: true });
      expect(world.fake.requests).toHaveLength(1);
      const stored = await world.gw.database.db.selectFrom('messages').select(['content', 'status']).where('role', '=', 'assistant').execute();
      expect(stored).toEqual([{ content: 'half an', status: 'FAILED' }]);
    });

    it('fails with the last model’s error when every model is unavailable', async () => {
      world.fake.enqueue({ status: 500 }, { status: 502 }, { status: 503 });
      const events = await stream();
      expect(events.map((e) => e.__typename)).toEqual(['RunStarted', 'AgentSelected', 'ModelFallback', 'ModelFallback', 'RunFailed']);
      expect(events.at(-1)).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retryable: true });
      expect(world.fake.requests).toHaveLength(3);
    });
  });
}
