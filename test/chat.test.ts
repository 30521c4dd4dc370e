import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { storageBackendNames } from './support/backends.js';
import { FakeOpenAI, splitWords } from './support/fake-openai.js';
import { ADMIN_KEY, startTestGateway, type TestGateway, USER_KEY } from './support/gateway.js';
import { collect, readEventStream } from './support/subscriptions.js';

const EVENT_FIELDS = `
  __typename
  ... on RunEventFields { runId seq }
  ... on RunStarted { conversationId agentId }
  ... on AgentSelected { agentId strategy reason }
  ... on TokenDelta { text index }
  ... on ToolCallStarted { callId serverId tool arguments }
  ... on ToolCallCompleted { callId result isError durationMs }
  ... on MessageCompleted { messageId content finishReason usage { promptTokens completionTokens totalTokens } }
  ... on RunFailed { code message retryable partialMessageId }`;
const CHAT_STREAM = `subscription($input: ChatInput!) { chatStream(input: $input) { ${EVENT_FIELDS} } }`;
const RUN_EVENTS = `subscription($runId: ID!, $after: Int) { runEvents(runId: $runId, after: $after) { ${EVENT_FIELDS} } }`;
const CHAT = `mutation($input: ChatInput!) { chat(input: $input) { runId conversationId agentId usage { totalTokens } message { id role content status agentId runId usage { promptTokens completionTokens totalTokens } } } }`;

let fake: FakeOpenAI;
let gw: TestGateway;
let alice: string;
let bob: string;

const messagesRows = () => gw.database.db.selectFrom('messages').selectAll().orderBy('ordinal').execute();
const textOf = (events: any[]) => events.filter((e) => e.__typename === 'TokenDelta').map((e) => e.text).join('');
const eventsOf = (sub: ReturnType<typeof collect>) => sub.results.map((r: any) => r.data?.chatStream ?? r.data?.runEvents ?? r.data?.conversationEvents);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(storageBackendNames())('chat on %s', (backend) => {
  beforeAll(async () => {
    fake = await FakeOpenAI.start();
    gw = await startTestGateway(backend, {
      OPENAI_BASE_URL: fake.url,
      OPENAI_API_KEY: 'test-key',
      MODEL_MAX_RETRIES: '2',
      RUN_ORPHAN_GRACE_MS: '600',
      BUFFER_SIZE: '4',
      MAX_MESSAGE_CHARS: '200',
      ENABLE_MODEL_CACHE: 'true',
      HOOKS_MODULE: 'test/fixtures/hooks.ts',
    });
    alice = (await gw.gql(`mutation { issueToken(userId: "alice") { accessToken } }`, {}, ADMIN_KEY)).body.data.issueToken.accessToken;
    bob = (await gw.gql(`mutation { issueToken(userId: "bob") { accessToken } }`, {}, ADMIN_KEY)).body.data.issueToken.accessToken;
  });
  afterAll(async () => {
    await gw?.stop();
    await fake?.close();
  });
  beforeEach(async () => {
    fake.reset();
    await gw.reset();
    await gw.gql(`mutation { createAgent(input: { id: "assistant", systemMessage: "You are terse." }) { id } }`, {}, ADMIN_KEY);
  });


  describe('chatStream over graphql-ws', () => {
    it('streams every token in order, then the stored message; seq counts 1, 2, 3 …', async () => {
      const answer = 'The quick brown fox jumps over the lazy dog';
      fake.enqueue({ text: answer, delayMs: 5 });
      const sub = collect(gw.ws({ authorization: `Bearer ${alice}` }), CHAT_STREAM, { input: { message: 'Tell me about foxes' } });
      await sub.ended();
      expect(sub.error).toBeUndefined();
      const events = eventsOf(sub);
      const types = events.map((e) => e.__typename);
      expect(types).toEqual(['RunStarted', 'AgentSelected', ...splitWords(answer).map(() => 'TokenDelta'), 'MessageCompleted']);
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
      expect(new Set(events.map((e) => e.runId)).size).toBe(1);
      expect(events.filter((e) => e.__typename === 'TokenDelta').map((e) => e.text)).toEqual(splitWords(answer));
      expect(events.filter((e) => e.__typename === 'TokenDelta').map((e) => e.index)).toEqual(splitWords(answer).map((_, i) => i));
      expect(events[1]).toMatchObject({ agentId: 'assistant', strategy: 'SINGLE', reason: 'the only agent available' });
      const completed = events.at(-1);
      expect(completed.content).toBe(answer);
      expect(textOf(events)).toBe(completed.content);
      expect(completed.usage).toEqual({ promptTokens: 10, completionTokens: 9, totalTokens: 19 });

      const rows = await messagesRows();
      expect(rows.map((r) => [r.role, r.content, r.status, r.run_id])).toEqual([
        ['user', 'Tell me about foxes', 'COMPLETE', events[0].runId],
        ['assistant', answer, 'COMPLETE', events[0].runId],
      ]);
      expect(rows[1]).toMatchObject({ id: completed.messageId, agent_id: 'assistant', total_tokens: 19, finish_reason: 'stop' });
      const conversation = await gw.database.db.selectFrom('conversations').selectAll().executeTakeFirstOrThrow();
      expect(conversation).toMatchObject({ id: events[0].conversationId, user_id: 'alice', title: 'Tell me about foxes' });

      // What the model was sent: the agent's system message, then the user's message.
      expect(fake.requests[0]!.body).toMatchObject({
        model: 'gpt-4o',
        stream: true,
        messages: [
          { role: 'system', content: 'You are terse.' },
          { role: 'user', content: 'Tell me about foxes' },
        ],
      });
    });

    it('takes arguments written inline as well as in variables', async () => {
      const sub = collect(gw.ws({ authorization: `Bearer ${alice}` }), `subscription { chatStream(input: { message: "inline words", agentId: "assistant" }) { ${EVENT_FIELDS} } }`);
      await sub.ended();
      expect(eventsOf(sub).at(-1)).toMatchObject({ __typename: 'MessageCompleted', content: 'echo: inline words' });
    });

    it('stores the user message and an empty STREAMING answer before the first token reaches the client', async () => {
      fake.enqueue({ text: 'slow answer', hangAfterTokens: 1 });
      const sub = collect(gw.ws({ apiKey: USER_KEY }), CHAT_STREAM, { input: { message: 'first words' } });
      // Durable before visible, not before the model is called (the write and the request run side by side).
      await sub.until(() => sub.results.some((r) => (r.data as any)?.chatStream?.__typename === 'TokenDelta'), 'the first token at the client');
      const rows = await messagesRows();
      expect(rows.map((r) => [r.role, r.status])).toEqual([['user', 'COMPLETE'], ['assistant', 'STREAMING']]);
      expect(rows[0]!.content).toBe('first words');
      // The model saw the question alone: an answer still being written is no part of any context.
      expect(fake.requests[0]!.body.messages.map((m: any) => m.role)).toEqual(['system', 'user']);
      sub.unsubscribe();
      await fake.waitFor(() => fake.requests[0]!.clientAborted, 'the abort');
    });

    it('sends the same events over SSE', async () => {
      fake.enqueue({ text: 'Served over event stream', delayMs: 2 });
      const response = await fetch(gw.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${alice}` },
        body: JSON.stringify({ query: CHAT_STREAM, variables: { input: { message: 'sse please' } } }),
      });
      expect(response.headers.get('content-type')).toContain('text/event-stream');
      const events = [];
      for await (const event of readEventStream(response)) {
        if (event.event === 'complete') break;
        events.push(event.data.data.chatStream);
      }
      expect(events.map((e) => e.__typename)).toEqual(['RunStarted', 'AgentSelected', 'TokenDelta', 'TokenDelta', 'TokenDelta', 'TokenDelta', 'MessageCompleted']);
      expect(textOf(events)).toBe('Served over event stream');
      expect(events.at(-1).content).toBe('Served over event stream');
    });
  });

  describe('the chat mutation and conversations', () => {
    it('answers with the stored message and continues a conversation with its history', async () => {
      const first = await gw.gql(CHAT, { input: { message: 'My name is Alice.' } }, alice);
      expect(first.body.errors).toBeUndefined();
      const result = first.body.data.chat;
      expect(result.message).toMatchObject({ role: 'ASSISTANT', content: 'echo: My name is Alice.', status: 'COMPLETE', agentId: 'assistant', runId: result.runId });
      expect(result.message.usage.totalTokens).toBe(result.usage.totalTokens);

      fake.enqueue({ text: 'Your name is Alice.' });
      const second = await gw.gql(CHAT, { input: { message: 'What is my name?', conversationId: result.conversationId } }, alice);
      expect(second.body.data.chat.conversationId).toBe(result.conversationId);
      expect(fake.requests[1]!.body.messages).toEqual([
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'My name is Alice.' },
        { role: 'assistant', content: 'echo: My name is Alice.' },
        { role: 'user', content: 'What is my name?' },
      ]);

      const read = await gw.gql(`query($id: ID!) { conversation(id: $id) { id title userId messages { role content status } } }`, { id: result.conversationId }, alice);
      expect(read.body.data.conversation).toEqual({
        id: result.conversationId,
        title: 'My name is Alice.',
        userId: 'alice',
        messages: [
          { role: 'USER', content: 'My name is Alice.', status: 'COMPLETE' },
          { role: 'ASSISTANT', content: 'echo: My name is Alice.', status: 'COMPLETE' },
          { role: 'USER', content: 'What is my name?', status: 'COMPLETE' },
          { role: 'ASSISTANT', content: 'Your name is Alice.', status: 'COMPLETE' },
        ],
      });
    });

    it('honours per-request sampling (temperature, maxTokens, stop) over the agent’s, and names a bad value', async () => {
      const ok = await gw.gql(
        `mutation($input: ChatInput!) { chat(input: $input) { message { content } } }`,
        { input: { message: 'Sample me', sampling: { temperature: 0.2, maxTokens: 7, stop: ['END'] } } },
        alice,
      );
      expect(ok.body.errors).toBeUndefined();
      expect(fake.requests[0]!.body).toMatchObject({ temperature: 0.2, max_tokens: 7, stop: ['END'] });
      const bad = await gw.gql(`mutation($input: ChatInput!) { chat(input: $input) { message { content } } }`, { input: { message: 'Too hot', sampling: { temperature: 3 } } }, alice);
      expect(bad.body.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
      expect(bad.body.errors?.[0]?.message).toMatch(/sampling\.temperature must be between 0 and 2/);
      expect(fake.requests).toHaveLength(1);
    });

    it('sends the model only the last BUFFER_SIZE messages after the system message', async () => {
      let conversationId: string | undefined;
      for (const message of ['one', 'two', 'three']) {
        const response = await gw.gql(CHAT, { input: { message, conversationId } }, alice);
        conversationId = response.body.data.chat.conversationId;
      }
      // BUFFER_SIZE=4: of the five messages so far, "one" has aged out.
      expect(fake.requests.at(-1)!.body.messages).toEqual([
        { role: 'system', content: 'You are terse.' },
        { role: 'assistant', content: 'echo: one' },
        { role: 'user', content: 'two' },
        { role: 'assistant', content: 'echo: two' },
        { role: 'user', content: 'three' },
      ]);
    });

    it('lists a user’s conversations newest first, as a Relay connection with cursors', async () => {
      for (const message of ['c1', 'c2', 'c3']) await gw.gql(CHAT, { input: { message } }, alice);
      await gw.gql(CHAT, { input: { message: 'bob’s' } }, bob);
      const page1 = await gw.gql(`{ conversations(first: 2) { edges { cursor node { title } } pageInfo { hasNextPage endCursor } } }`, {}, alice);
      const connection = page1.body.data.conversations;
      expect(connection.edges.map((e: any) => e.node.title)).toEqual(['c3', 'c2']);
      expect(connection.pageInfo).toMatchObject({ hasNextPage: true, endCursor: connection.edges[1].cursor });
      const page2 = await gw.gql(`query($after: String) { conversations(first: 2, after: $after) { edges { node { title } } pageInfo { hasNextPage } } }`, { after: connection.pageInfo.endCursor }, alice);
      expect(page2.body.data.conversations).toEqual({ edges: [{ node: { title: 'c1' } }], pageInfo: { hasNextPage: false } });
      const bad = await gw.gql(`{ conversations(after: "garbage") { edges { cursor } } }`, {}, alice);
      expect(bad.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    });

    it('hides another user’s conversation: reading or continuing it is NOT_FOUND', async () => {
      const mine = (await gw.gql(CHAT, { input: { message: 'private' } }, alice)).body.data.chat.conversationId;
      const read = await gw.gql(`query($id: ID!) { conversation(id: $id) { id } }`, { id: mine }, bob);
      expect(read.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      const requestsBefore = fake.requests.length;
      const rowsBefore = (await messagesRows()).length;
      const continued = await gw.gql(CHAT, { input: { message: 'let me in', conversationId: mine } }, bob);
      expect(continued.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      expect(continued.body.errors?.[0]?.message).not.toContain('alice');
      expect(fake.requests.length).toBe(requestsBefore);
      expect((await messagesRows()).length).toBe(rowsBefore);
    });
  });

  describe('bad input', () => {
    it('rejects a message over MAX_MESSAGE_CHARS, an empty one, an unknown agent or conversation, and stores nothing', async () => {
      const cases: Array<[Record<string, unknown>, string, string]> = [
        [{ message: 'x'.repeat(201) }, 'BAD_USER_INPUT', 'MAX_MESSAGE_CHARS'],
        [{ message: '   ' }, 'BAD_USER_INPUT', 'message'],
        [{ message: 'hi', agentId: 'ghost' }, 'NOT_FOUND', 'ghost'],
        [{ message: 'hi', conversationId: 'no-such-conversation' }, 'NOT_FOUND', 'no-such-conversation'],
      ];
      for (const [input, code, mentions] of cases) {
        const viaMutation = await gw.gql(CHAT, { input }, alice);
        expect(viaMutation.body.errors?.[0]?.extensions?.code, JSON.stringify(input)).toBe(code);
        expect(viaMutation.body.errors?.[0]?.message).toContain(mentions);
        const viaStream = collect(gw.ws({ authorization: `Bearer ${alice}` }), CHAT_STREAM, { input });
        await viaStream.ended();
        expect(JSON.stringify(viaStream.error ?? viaStream.results), JSON.stringify(input)).toContain(code);
      }
      expect(await messagesRows()).toEqual([]);
      expect(fake.requests).toEqual([]);
    });

    it('names how to create an agent when there is none', async () => {
      await gw.reset();
      const response = await gw.gql(CHAT, { input: { message: 'anyone?' } }, alice);
      expect(response.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      expect(response.body.errors?.[0]?.message).toContain('createAgent');
    });
  });

  describe('upstream faults', () => {
    it('reports 429 after the SDK’s retries as RATE_LIMITED, retryable', async () => {
      fake.setDefault({ status: 429, errorMessage: 'slow down' });
      const sub = collect(gw.ws({ authorization: `Bearer ${alice}` }), CHAT_STREAM, { input: { message: 'hurry' } });
      await sub.ended();
      const failed = eventsOf(sub).at(-1);
      expect(failed).toMatchObject({ __typename: 'RunFailed', code: 'RATE_LIMITED', retryable: true });
      expect(fake.requests).toHaveLength(3); // the first try and MODEL_MAX_RETRIES=2 retries
      const rows = await messagesRows();
      expect(rows.map((r) => [r.role, r.status, r.error_code])).toEqual([
        ['user', 'COMPLETE', null],
        ['assistant', 'FAILED', 'RATE_LIMITED'],
      ]);
      expect(failed.partialMessageId).toBe(rows[1]!.id);
    });

    it('reports a 500 that outlasts the retries as UPSTREAM_UNAVAILABLE on the mutation too', async () => {
      fake.setDefault({ status: 500 });
      const response = await gw.gql(CHAT, { input: { message: 'are you there?' } }, alice);
      expect(response.body.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retryable: true });
      expect(fake.requests).toHaveLength(3);
    });

    it('recovers when a retry succeeds', async () => {
      fake.enqueue({ status: 503 }, { text: 'finally' });
      const response = await gw.gql(CHAT, { input: { message: 'try again' } }, alice);
      expect(response.body.data.chat.message.content).toBe('finally');
      expect(fake.requests).toHaveLength(2);
    });

    it('keeps the partial text of a stream cut midway, marked FAILED', async () => {
      // Paced, so the client is reading the stream when it breaks (an instant reset is a connection error the SDK retries).
      fake.enqueue({ text: 'one two three four five six', dropAfterTokens: 3, delayMs: 20 });
      const sub = collect(gw.ws({ authorization: `Bearer ${alice}` }), CHAT_STREAM, { input: { message: 'count' } });
      await sub.ended();
      const events = eventsOf(sub);
      expect(textOf(events)).toBe('one two three');
      expect(events.at(-1)).toMatchObject({ __typename: 'RunFailed', code: 'UPSTREAM_UNAVAILABLE', retryable: true });
      const assistant = (await messagesRows())[1]!;
      expect(assistant).toMatchObject({ role: 'assistant', content: 'one two three', status: 'FAILED' });
    });

    it('cuts a stream that goes silent for MODEL_TIMEOUT_MS, keeping its partial text, marked FAILED and retryable', async () => {
      // A gateway of its own (and its own database) with a short timeout; the default is 120 s.
      const impatient = await startTestGateway(backend, { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: 'test-key', MODEL_TIMEOUT_MS: '400' });
      try {
        await impatient.gql(`mutation { createAgent(input: { id: "assistant" }) { id } }`, {}, ADMIN_KEY);
        fake.enqueue({ text: 'half an answer and then nothing', hangAfterTokens: 3 });
        const response = await impatient.gql(CHAT, { input: { message: 'are you still there?' } }, alice);
        expect(response.body.errors?.[0]).toMatchObject({ extensions: { code: 'UPSTREAM_UNAVAILABLE', retryable: true } });
        expect(response.body.errors?.[0]?.message).toContain('MODEL_TIMEOUT_MS');
        await fake.waitFor(() => fake.requests[0]!.clientAborted, 'the upstream request to be aborted');
        const rows = await impatient.database.db.selectFrom('messages').selectAll().orderBy('ordinal').execute();
        expect(rows.map((r) => [r.role, r.content, r.status, r.error_code])).toEqual([
          ['user', 'are you still there?', 'COMPLETE', null],
          ['assistant', 'half an answer', 'FAILED', 'UPSTREAM_UNAVAILABLE'],
        ]);
      } finally {
        await impatient.stop();
      }
    });
  });

  describe('the upstream connection', () => {
    it('fails the run with UPSTREAM_UNAVAILABLE when the upstream is down, after retrying the connection', async () => {
      // Nothing listens on port 1: every connection is refused.
      const orphaned = await startTestGateway(backend, { OPENAI_BASE_URL: 'http://127.0.0.1:1/v1', OPENAI_API_KEY: 'test-key', MODEL_MAX_RETRIES: '1' });
      try {
        await orphaned.gql(`mutation { createAgent(input: { id: "assistant" }) { id } }`, {}, ADMIN_KEY);
        const response = await orphaned.gql(CHAT, { input: { message: 'anyone home?' } }, alice);
        expect(response.body.errors?.[0]).toMatchObject({ message: 'The model provider could not be reached', extensions: { code: 'UPSTREAM_UNAVAILABLE', retryable: true } });
        const rows = await orphaned.database.db.selectFrom('messages').selectAll().orderBy('ordinal').execute();
        expect(rows.map((r) => [r.role, r.content, r.status, r.error_code])).toEqual([
          ['user', 'anyone home?', 'COMPLETE', null],
          ['assistant', '', 'FAILED', 'UPSTREAM_UNAVAILABLE'],
        ]);
      } finally {
        await orphaned.stop();
      }
    });

    it('fails the run on an error the upstream sends mid-stream, keeping the partial text and not the provider’s words', async () => {
      fake.enqueue({ text: 'one two three four', errorAfterTokens: 2, errorMessage: 'overloaded: secret-internal-host-7' });
      const sub = collect(gw.ws({ authorization: `Bearer ${alice}` }), CHAT_STREAM, { input: { message: 'count' } });
      await sub.ended();
      const events = eventsOf(sub);
      expect(textOf(events)).toBe('one two');
      expect(events.at(-1)).toMatchObject({ __typename: 'RunFailed', code: 'UPSTREAM_UNAVAILABLE' });
      expect(JSON.stringify(events)).not.toContain('secret-internal-host-7');
      expect((await messagesRows())[1]).toMatchObject({ content: 'one two', status: 'FAILED', error_code: 'UPSTREAM_UNAVAILABLE' });
    });

    it('reads an event stream with comments, CRLF line ends, data over two lines and events split across writes', async () => {
      const text = 'Grüße aus Köln, 你好 👋';
      fake.enqueue({ text, sseQuirks: true, usage: { prompt_tokens: 7, completion_tokens: 5, total_tokens: 12 } });
      const response = await gw.gql(CHAT, { input: { message: 'greet me' } }, alice);
      expect(response.body.data.chat.message).toMatchObject({ content: text, status: 'COMPLETE', usage: { promptTokens: 7, completionTokens: 5, totalTokens: 12 } });
      expect(fake.requests[0]!.completed).toBe(true);
    });

    it('reuses one upstream connection for answers that follow each other', async () => {
      for (const message of ['one', 'two', 'three']) {
        const response = await gw.gql(CHAT, { input: { message } }, alice);
        expect(response.body.data.chat.message.content).toBe(`echo: ${message}`);
        // Memory indexes each turn in the background (an embeddings request); one after another means after it too.
        await gw.orchestrator.memoryIndexer.settle();
      }
      expect(new Set(fake.requests.map((r) => r.remotePort)).size).toBe(1);
    });
  });

  describe('cancellation and resumption', () => {
    it('aborts the upstream within a second when the client unsubscribes, storing the partial answer as CANCELLED', async () => {
      fake.enqueue({ tokens: Array.from({ length: 200 }, (_, i) => `t${i} `), delayMs: 20 });
      const sub = collect(gw.ws({ authorization: `Bearer ${alice}` }), CHAT_STREAM, { input: { message: 'long answer' } });
      await sub.next(6);
      sub.unsubscribe();
      const unsubscribedAt = Date.now();
      await fake.waitFor(() => fake.requests[0]!.clientAborted, 'the upstream abort');
      expect(fake.requests[0]!.clientAbortedAt! - unsubscribedAt).toBeLessThan(1_000);
      expect(fake.requests[0]!.tokensWritten).toBeLessThan(200);
      await waitForRows(2);
      const assistant = (await messagesRows())[1]!;
      expect(assistant.status).toBe('CANCELLED');
      expect(assistant.content).toMatch(/^t0 t1 t2 t3 /);
    });

    it('keeps a run going when the socket drops, and resumes it with runEvents: no gap, no duplicate', async () => {
      const tokens = Array.from({ length: 40 }, (_, i) => `w${i} `);
      fake.enqueue({ tokens, delayMs: 15 });
      const first = gw.ws({ authorization: `Bearer ${alice}` });
      const sub = collect(first, CHAT_STREAM, { input: { message: 'resume me' } });
      await sub.next(8);
      await first.dispose(); // closes the socket without completing the subscription
      const before = eventsOf(sub);
      const lastSeq = before.at(-1).seq;
      await sleep(100);
      expect(fake.requests[0]!.clientAborted).toBe(false);

      const resumed = collect(gw.ws({ authorization: `Bearer ${alice}` }), RUN_EVENTS, { runId: before[0].runId, after: lastSeq });
      await resumed.ended();
      const after = eventsOf(resumed);
      const all = [...before, ...after];
      expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));
      expect(textOf(all)).toBe(tokens.join(''));
      expect(after.at(-1)).toMatchObject({ __typename: 'MessageCompleted', content: tokens.join('') });
      expect(fake.requests[0]!.clientAborted).toBe(false);
    });

    it('treats a closed SSE stream as a dropped connection that runEvents can resume', async () => {
      const tokens = Array.from({ length: 30 }, (_, i) => `s${i} `);
      fake.enqueue({ tokens, delayMs: 15 });
      const controller = new AbortController();
      const response = await fetch(gw.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${alice}` },
        body: JSON.stringify({ query: CHAT_STREAM, variables: { input: { message: 'sse resume' } } }),
        signal: controller.signal,
      });
      const before: any[] = [];
      for await (const event of readEventStream(response)) {
        before.push(event.data.data.chatStream);
        if (before.length === 6) break;
      }
      controller.abort();
      await sleep(100);
      expect(fake.requests[0]!.clientAborted).toBe(false);
      const resumed = collect(gw.ws({ authorization: `Bearer ${alice}` }), RUN_EVENTS, { runId: before[0].runId, after: before.at(-1).seq });
      await resumed.ended();
      const all = [...before, ...eventsOf(resumed)];
      expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));
      expect(textOf(all)).toBe(tokens.join(''));
    });

    it('replays a finished run from the start', async () => {
      const done = await gw.gql(CHAT, { input: { message: 'replay' } }, alice);
      const replay = collect(gw.ws({ authorization: `Bearer ${alice}` }), RUN_EVENTS, { runId: done.body.data.chat.runId, after: 0 });
      await replay.ended();
      expect(eventsOf(replay).map((e) => e.__typename)).toEqual(['RunStarted', 'AgentSelected', 'TokenDelta', 'TokenDelta', 'MessageCompleted']);
      const other = collect(gw.ws({ authorization: `Bearer ${bob}` }), RUN_EVENTS, { runId: done.body.data.chat.runId });
      await other.ended();
      expect(JSON.stringify(other.results)).toContain('NOT_FOUND');
    });

    it('cancels a dropped run nobody resumes once the grace time passes', async () => {
      fake.enqueue({ tokens: Array.from({ length: 300 }, (_, i) => `z${i} `), delayMs: 10 });
      const client = gw.ws({ authorization: `Bearer ${alice}` });
      const sub = collect(client, CHAT_STREAM, { input: { message: 'abandon me' } });
      await sub.next(5);
      await client.dispose();
      const droppedAt = Date.now();
      await fake.waitFor(() => fake.requests[0]!.clientAborted, 'the upstream abort', 5_000);
      const waited = fake.requests[0]!.clientAbortedAt! - droppedAt;
      expect(waited).toBeGreaterThanOrEqual(500); // RUN_ORPHAN_GRACE_MS=600, less timer slack
      expect(waited).toBeLessThan(2_500);
      await waitForRows(2);
      expect((await messagesRows())[1]!.status).toBe('CANCELLED');
    });

    it('cancelRun stops the run and every subscriber still gets the terminal event', async () => {
      fake.enqueue({ tokens: Array.from({ length: 300 }, (_, i) => `c${i} `), delayMs: 10 });
      const watcher = collect(gw.ws({ authorization: `Bearer ${alice}` }), CHAT_STREAM, { input: { message: 'cancel me' } });
      await watcher.next(4);
      const runId = eventsOf(watcher)[0].runId;
      const second = collect(gw.ws({ authorization: `Bearer ${alice}` }), RUN_EVENTS, { runId, after: 0 });
      await second.next(4);
      const denied = await gw.gql(`mutation($id: ID!) { cancelRun(runId: $id) }`, { id: runId }, bob);
      expect(denied.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      const cancelled = await gw.gql(`mutation($id: ID!) { cancelRun(runId: $id) }`, { id: runId }, alice);
      expect(cancelled.body.data).toEqual({ cancelRun: true });
      await watcher.ended();
      await second.ended();
      for (const sub of [watcher, second]) {
        expect(eventsOf(sub).at(-1)).toMatchObject({ __typename: 'RunFailed', code: 'CANCELLED', retryable: false });
        expect(eventsOf(sub).filter((e) => e.__typename === 'RunFailed' || e.__typename === 'MessageCompleted')).toHaveLength(1);
      }
      await fake.waitFor(() => fake.requests[0]!.clientAborted, 'the upstream abort');
      const again = await gw.gql(`mutation($id: ID!) { cancelRun(runId: $id) }`, { id: runId }, alice);
      expect(again.body.data).toEqual({ cancelRun: false });
    });

    it('shows a second tab the run live through conversationEvents', async () => {
      const start = await gw.gql(CHAT, { input: { message: 'open a conversation' } }, alice);
      const conversationId = start.body.data.chat.conversationId;
      const tab2 = collect(gw.ws({ authorization: `Bearer ${alice}` }), `subscription($id: ID!) { conversationEvents(conversationId: $id) { ${EVENT_FIELDS} } }`, { id: conversationId });
      const intruder = collect(gw.ws({ authorization: `Bearer ${bob}` }), `subscription($id: ID!) { conversationEvents(conversationId: $id) { __typename } }`, { id: conversationId });
      await intruder.ended();
      expect(JSON.stringify(intruder.results)).toContain('NOT_FOUND');
      await sleep(100);
      fake.enqueue({ text: 'seen in both tabs' });
      await gw.gql(CHAT, { input: { message: 'second turn', conversationId } }, alice);
      await tab2.next(7);
      const events = eventsOf(tab2);
      expect(events.map((e) => e.__typename)).toEqual(['RunStarted', 'AgentSelected', 'TokenDelta', 'TokenDelta', 'TokenDelta', 'TokenDelta', 'MessageCompleted']);
      expect(events.at(-1).content).toBe('seen in both tabs');
      tab2.unsubscribe();
    });
  });

  describe('hooks', () => {
    it('lets a before-hook rewrite the message the model and the database see', async () => {
      const remove = gw.orchestrator.registerHook('beforeProcessMessage', ({ message }) => ({ modifiedMessage: message.replace('secret', '[redacted]') }));
      try {
        const response = await gw.gql(CHAT, { input: { message: 'my secret plan' } }, alice);
        expect(response.body.data.chat.message.content).toBe('echo: my [redacted] plan');
        expect(fake.requests[0]!.body.messages.at(-1)).toEqual({ role: 'user', content: 'my [redacted] plan' });
        expect((await messagesRows())[0]!.content).toBe('my [redacted] plan');
      } finally {
        remove();
      }
    });

    it('lets an after-hook rewrite the stored and returned answer', async () => {
      const remove = gw.orchestrator.registerHook('afterProcessMessage', ({ response }) => ({ modifiedResponse: `${response} (checked)` }));
      try {
        const sub = collect(gw.ws({ authorization: `Bearer ${alice}` }), CHAT_STREAM, { input: { message: 'hello' } });
        await sub.ended();
        const events = eventsOf(sub);
        expect(textOf(events)).toBe('echo: hello');
        expect(events.at(-1).content).toBe('echo: hello (checked)');
        expect((await messagesRows())[1]!.content).toBe('echo: hello (checked)');
      } finally {
        remove();
      }
    });

    it('loads hooks from HOOKS_MODULE: a rejection is a clear error and stores nothing', async () => {
      const rejected = await gw.gql(CHAT, { input: { message: 'say [forbidden] things' } }, alice);
      expect(rejected.body.errors?.[0]).toMatchObject({ message: 'Message rejected: forbidden words are not allowed', extensions: { code: 'BAD_USER_INPUT' } });
      expect(await messagesRows()).toEqual([]);
      expect(fake.requests).toEqual([]);
      const rewritten = await gw.gql(CHAT, { input: { message: '[module-rewrite] please' } }, alice);
      expect(rewritten.body.data.chat.message.content).toBe('echo: rewritten by module please');
      fake.enqueue({ text: 'quiet [shout] words' });
      const shouted = await gw.gql(CHAT, { input: { message: 'shout' } }, alice);
      expect(shouted.body.data.chat.message.content).toBe('QUIET [SHOUT] WORDS');
    });
  });

  describe('model response cache', () => {
    it('replays an identical temperature-0 request without calling the upstream, with the same events', async () => {
      await gw.gql(`mutation { createAgent(input: { id: "exact", temperature: 0 }) { id } }`, {}, ADMIN_KEY);
      fake.enqueue({ text: 'Deterministic answer here' });
      const input = { message: 'same question', agentId: 'exact' };
      const first = collect(gw.ws({ authorization: `Bearer ${alice}` }), CHAT_STREAM, { input });
      await first.ended();
      const second = collect(gw.ws({ authorization: `Bearer ${bob}` }), CHAT_STREAM, { input });
      await second.ended();
      expect(fake.requests).toHaveLength(1);
      const shape = (sub: ReturnType<typeof collect>) => eventsOf(sub).map((e) => [e.__typename, e.text ?? e.content ?? null]);
      expect(shape(second)).toEqual(shape(first));
      expect(eventsOf(second).at(-1).content).toBe('Deterministic answer here');
      expect((await messagesRows()).filter((r) => r.role === 'assistant').map((r) => r.content)).toEqual(['Deterministic answer here', 'Deterministic answer here']);
    });

    it('does not cache answers at other temperatures', async () => {
      await gw.gql(`mutation { createAgent(input: { id: "creative", temperature: 0.9 }) { id } }`, {}, ADMIN_KEY);
      for (let i = 0; i < 2; i++) await gw.gql(CHAT, { input: { message: 'same', agentId: 'creative' } }, alice);
      expect(fake.requests).toHaveLength(2);
    });
  });

  describe('custom models', () => {
    it('answers with a model registered on the orchestrator, as "provider:model"', async () => {
      const seen: string[] = [];
      const unregister = gw.orchestrator.registerModel('house', {
        async *stream(request) {
          seen.push(request.model);
          for (const text of ['Home', 'made']) yield { type: 'text', text };
          yield { type: 'finish', reason: 'stop' };
        },
        async complete() {
          return { content: 'Homemade', toolCalls: [], finishReason: 'stop', usage: undefined };
        },
      });
      try {
        await gw.gql(`mutation { createAgent(input: { id: "custom", model: "house:tiny-1" }) { id } }`, {}, ADMIN_KEY);
        const response = await gw.gql(CHAT, { input: { message: 'hi', agentId: 'custom' } }, alice);
        expect(response.body.data.chat.message).toMatchObject({ content: 'Homemade', status: 'COMPLETE', usage: null });
        expect(seen).toEqual(['tiny-1']);
        expect(fake.requests).toEqual([]);
      } finally {
        unregister();
      }
      const gone = await gw.gql(CHAT, { input: { message: 'hi', agentId: 'custom' } }, alice);
      expect(gone.body.errors?.[0]).toMatchObject({ extensions: { code: 'UPSTREAM_UNAVAILABLE', retryable: false } });
      expect(gone.body.errors?.[0]?.message).toContain('"house"');
    });
  });

  describe('tools', () => {
    it('runs the tool calls a model makes, announcing each before it runs, and feeds the results back', async () => {
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      const unregister = registerTemporaryTool(released);
      try {
        await gw.gql(`mutation { createAgent(input: { id: "tooled", tools: ["weather"] }) { id } }`, {}, ADMIN_KEY);
        fake.enqueue({ toolCalls: [{ id: 'call_1', name: 'weather', arguments: { city: 'Oslo' } }] }, { text: 'It is cold in Oslo.' });
        const sub = collect(gw.ws({ authorization: `Bearer ${alice}` }), CHAT_STREAM, { input: { message: 'Weather in Oslo?', agentId: 'tooled' } });
        // The tool is still running (it waits for `release`) when the client sees it start.
        await sub.next(3);
        expect(eventsOf(sub).map((e) => e.__typename)).toEqual(['RunStarted', 'AgentSelected', 'ToolCallStarted']);
        release();
        await sub.ended();
        const events = eventsOf(sub);
        expect(events.find((e) => e.__typename === 'ToolCallStarted')).toMatchObject({ callId: 'call_1', tool: 'weather', arguments: { city: 'Oslo' }, serverId: null });
        expect(events.find((e) => e.__typename === 'ToolCallCompleted')).toMatchObject({ callId: 'call_1', result: { city: 'Oslo', celsius: -3 }, isError: false });
        expect(events.at(-1).content).toBe('It is cold in Oslo.');
        expect(fake.requests[0]!.body.tools[0].function.name).toBe('weather');
        expect(fake.requests[1]!.body.messages.slice(-2)).toEqual([
          { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } }] },
          { role: 'tool', tool_call_id: 'call_1', content: '{"city":"Oslo","celsius":-3}' },
        ]);
      } finally {
        unregister();
      }
    });
  });
});

/** An in-process tool, registered as an embedding application would; it answers once `released` resolves. */
function registerTemporaryTool(released: Promise<void>) {
  return gw.orchestrator.registerTool({
    name: 'weather',
    description: 'Current temperature in a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    execute: async (args) => {
      await released;
      return { city: (args as { city: string }).city, celsius: -3 };
    },
  });
}

/** Waits until `count` messages are stored with their end: an answer's row exists (STREAMING) from its start. */
async function waitForRows(count: number) {
  const deadline = Date.now() + 5_000;
  while ((await messagesRows()).filter((row) => row.status !== 'STREAMING').length < count) {
    if (Date.now() > deadline) throw new Error(`expected ${count} settled message rows`);
    await sleep(20);
  }
}
