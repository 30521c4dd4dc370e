import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { streamText } from 'ai';
import OpenAI from 'openai';
import { beforeAll, describe, expect, it } from 'vitest';
import { storageBackendNames } from './support/backends.js';
import { dataLines, postChatCompletion } from './support/chat-completions.js';
import { type FakeOpenAI, splitWords } from './support/fake-openai.js';
import { ADMIN_KEY, type TestGateway, USER_KEY } from './support/gateway.js';
import { upstreamWorld } from './support/gateway-with-upstream.js';
import { createAgent, MEMORIES_HEADING } from './support/memory.js';

/**
 * OpenAI's own clients against /v1: the `openai` SDK (baseURL `${gw.url}/v1`, a muxgate key as its
 * apiKey) and the Vercel AI SDK's OpenAI-compatible provider, on a real gateway whose upstream is
 * the fake. What they see (objects, chunks, raw bytes, errors) and what is stored.
 */

const SYSTEM = 'You are terse.';

describe.each(storageBackendNames())('/v1 (OpenAI compatibility) on %s', (backend) => {
  let fake: FakeOpenAI, gw: TestGateway, alice: string, bob: string;

  const client = (apiKey = USER_KEY) => new OpenAI({ apiKey, baseURL: `${gw.url}/v1`, maxRetries: 0, timeout: 20_000 });
  const db = () => gw.database.db;
  const messagesOf = (conversationId: string) =>
    db().selectFrom('messages').select(['role', 'content', 'status', 'run_id', 'agent_id']).where('conversation_id', '=', conversationId).orderBy('ordinal').execute();
  const conversationRow = (id: string) => db().selectFrom('conversations').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  /** POSTs /v1/chat/completions with fetch: the bytes a client reads. */
  const post = (body: unknown, headers: Record<string, string> = {}) => postChatCompletion(gw.url, body, headers);
  /** A stored answer settles just after the last frame is written. */
  const settledRows = async (conversationId: string) => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const rows = await messagesOf(conversationId);
      if (rows.every((row) => row.status !== 'STREAMING')) return rows;
      if (Date.now() > deadline) throw new Error('the answer was never settled');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  const world = upstreamWorld(backend, { MEMORY_K: '2', RUN_ORPHAN_GRACE_MS: '300', SSE_HEARTBEAT_MS: '250' }, async () => {
    await createAgent(gw, { id: 'assistant', systemMessage: SYSTEM });
    await createAgent(gw, { id: 'coder', description: 'Programming help', systemMessage: 'You write code.' });
  });
  beforeAll(() => {
    ({ fake, gw, alice, bob } = world);
  });

  describe('GET /v1/models', () => {
    it('lists `auto` and the agents the caller may use, as OpenAI model objects', async () => {
      await createAgent(gw, { id: 'bobs-own', userId: 'bob' });
      // Admins may use every agent; a backend key acting for no user, the global ones.
      const list = await client(ADMIN_KEY).models.list();
      expect(list.data.map((model) => model.id)).toEqual(['auto', 'assistant', 'coder', 'bobs-own']);
      expect((await client().models.list()).data.map((model) => model.id)).toEqual(['auto', 'assistant', 'coder']);
      for (const model of list.data) {
        expect(model).toEqual({ id: model.id, object: 'model', created: expect.any(Number), owned_by: 'muxgate' });
        expect(model.created).toBeGreaterThan(1_600_000_000);
      }
      // A user sees global agents and their own, never another user's.
      expect((await client(alice).models.list()).data.map((model) => model.id)).toEqual(['auto', 'assistant', 'coder']);
      expect((await client(bob).models.list()).data.map((model) => model.id)).toEqual(['auto', 'assistant', 'coder', 'bobs-own']);
      expect(await client(alice).models.retrieve('coder')).toMatchObject({ id: 'coder', object: 'model' });
      await expect(client(alice).models.retrieve('bobs-own')).rejects.toBeInstanceOf(OpenAI.NotFoundError);

      const raw = await fetch(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${alice}` } });
      expect(raw.status).toBe(200);
      expect((await raw.json()).object).toBe('list');
    });

    it('refuses a caller with no credential or a bad one with 401 in OpenAI’s shape', async () => {
      await expect(client('not-a-key-0123456789').models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
      const raw = await fetch(`${gw.url}/v1/models`);
      expect(raw.status).toBe(401);
      expect(await raw.json()).toEqual({ error: { message: expect.any(String), type: 'invalid_request_error', param: null, code: 'invalid_api_key' } });
    });
  });

  describe('POST /v1/chat/completions without streaming', () => {
    it('answers as a chat.completion from the agent named by `model`, with its system message; the turn is stored', async () => {
      fake.enqueue({ text: 'Paris is the capital.', usage: { prompt_tokens: 21, completion_tokens: 5, total_tokens: 26 } });
      const { data: completion, response } = await client()
        .chat.completions.create({ model: 'assistant', messages: [{ role: 'user', content: 'Capital of France?' }] })
        .withResponse();
      const runId = response.headers.get('x-run-id')!;
      const conversationId = response.headers.get('x-conversation-id')!;
      expect(completion).toEqual({
        id: `chatcmpl-${runId}`,
        object: 'chat.completion',
        created: expect.any(Number),
        model: 'assistant',
        choices: [{ index: 0, message: { role: 'assistant', content: 'Paris is the capital.', refusal: null, annotations: [] }, logprobs: null, finish_reason: 'stop' }],
        usage: { prompt_tokens: 21, completion_tokens: 5, total_tokens: 26 },
      });
      expect(Math.abs(completion.created - Date.now() / 1000)).toBeLessThan(60);
      expect(fake.requests[0]!.body.messages).toEqual([
        { role: 'system', content: SYSTEM },
        { role: 'user', content: 'Capital of France?' },
      ]);
      // Decided: a request without X-Conversation-Id still stores its turn, in a new conversation.
      expect(await messagesOf(conversationId)).toEqual([
        { role: 'user', content: 'Capital of France?', status: 'COMPLETE', run_id: runId, agent_id: null },
        { role: 'assistant', content: 'Paris is the capital.', status: 'COMPLETE', run_id: runId, agent_id: 'assistant' },
      ]);
      expect(await conversationRow(conversationId)).toMatchObject({ user_id: null, title: 'Capital of France?' });
    });

    it('routes `model: "auto"`; the completion names the agent that answered', async () => {
      await gw.gql(`mutation { removeAgent(id: "coder") }`, {}, ADMIN_KEY);
      const completion = await client(alice).chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'Hi' }] });
      expect(completion.model).toBe('assistant');
      expect(completion.choices[0]!.message.content).toBe('echo: Hi');
    });

    it('without X-Conversation-Id, the request’s messages are the context: the agent’s system message first, then them', async () => {
      const { response } = await client()
        .chat.completions.create({
          model: 'assistant',
          messages: [
            { role: 'system', content: 'Answer in French.' },
            { role: 'user', content: 'My name is Ann.' },
            { role: 'assistant', content: 'Bonjour Ann.' },
            { role: 'developer', content: [{ type: 'text', text: 'Be short.' }] },
            { role: 'user', content: [{ type: 'text', text: 'What is my name?' }] },
          ],
        })
        .withResponse();
      expect(fake.requests[0]!.body.messages).toEqual([
        { role: 'system', content: SYSTEM },
        { role: 'system', content: 'Answer in French.' },
        { role: 'user', content: 'My name is Ann.' },
        { role: 'assistant', content: 'Bonjour Ann.' },
        { role: 'system', content: 'Be short.' },
        { role: 'user', content: 'What is my name?' },
      ]);
      // The new conversation holds this turn; the earlier messages were context, not stored history.
      const rows = await messagesOf(response.headers.get('x-conversation-id')!);
      expect(rows.map((row) => [row.role, row.content])).toEqual([
        ['user', 'What is my name?'],
        ['assistant', 'echo: What is my name?'],
      ]);
    });

    it('passes a history’s tool calls and results on as the model saw them, and refuses a result that answers no call', async () => {
      const call = { id: 'call_7', type: 'function' as const, function: { name: 'lookup', arguments: '{"q":"tea"}' } };
      await client().chat.completions.create({
        model: 'assistant',
        messages: [
          { role: 'user', content: 'Find tea' },
          { role: 'assistant', content: null, tool_calls: [call] },
          { role: 'tool', tool_call_id: 'call_7', content: 'sencha' },
          { role: 'assistant', content: 'Sencha.' },
          { role: 'user', content: 'Thanks' },
        ],
      });
      expect(fake.requests[0]!.body.messages.slice(1)).toEqual([
        { role: 'user', content: 'Find tea' },
        { role: 'assistant', content: null, tool_calls: [call] },
        { role: 'tool', tool_call_id: 'call_7', content: 'sencha' },
        { role: 'assistant', content: 'Sencha.' },
        { role: 'user', content: 'Thanks' },
      ]);
      const orphan = await client()
        .chat.completions.create({ model: 'assistant', messages: [{ role: 'user', content: 'a' }, { role: 'tool', tool_call_id: 'x', content: 'b' }, { role: 'user', content: 'c' }] })
        .catch((error: unknown) => error);
      expect(orphan).toBeInstanceOf(OpenAI.BadRequestError);
      expect((orphan as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('messages[1]');
      expect(fake.requests).toHaveLength(1);
    });

    it('keeps long-term memory with a request’s own history: the user’s memories join the agent’s system message', async () => {
      const added = await gw.gql(`mutation { addLongTermMemory(input: { content: "Alice's cat is named Miso" }) { id } }`, {}, alice);
      expect(added.body.errors).toBeUndefined();
      await client(alice).chat.completions.create({
        model: 'assistant',
        messages: [
          { role: 'user', content: 'Hello' },
          { role: 'assistant', content: 'Hi Alice.' },
          { role: 'user', content: 'What should I feed my cat?' },
        ],
      });
      const sent = fake.requests[0]!.body.messages;
      expect(sent[0].content).toBe(`${SYSTEM}${MEMORIES_HEADING}\n- Alice's cat is named Miso`);
      expect(sent.slice(1).map((m: { role: string }) => m.role)).toEqual(['user', 'assistant', 'user']);
    });

    it('X-Conversation-Id continues a stored conversation (its history is the context) and comes back with X-Run-Id', async () => {
      const first = await client(alice).chat.completions.create({ model: 'assistant', messages: [{ role: 'user', content: 'I like green tea.' }] }).withResponse();
      const conversationId = first.response.headers.get('x-conversation-id')!;
      expect(conversationId).toMatch(/^[0-9a-f-]{36}$/);
      const second = await client(alice)
        .chat.completions.create({ model: 'assistant', messages: [{ role: 'user', content: 'Which tea do I like?' }] }, { headers: { 'X-Conversation-Id': conversationId } })
        .withResponse();
      expect(second.response.headers.get('x-conversation-id')).toBe(conversationId);
      const runId = second.response.headers.get('x-run-id')!;
      expect(runId).not.toBe(first.response.headers.get('x-run-id'));
      expect(second.data.id).toBe(`chatcmpl-${runId}`);
      expect(fake.requests[1]!.body.messages).toEqual([
        { role: 'system', content: SYSTEM },
        { role: 'user', content: 'I like green tea.' },
        { role: 'assistant', content: 'echo: I like green tea.' },
        { role: 'user', content: 'Which tea do I like?' },
      ]);
      expect((await messagesOf(conversationId)).map((row) => row.content)).toEqual(['I like green tea.', 'echo: I like green tea.', 'Which tea do I like?', 'echo: Which tea do I like?']);
      expect((await conversationRow(conversationId)).user_id).toBe('alice');

      // Another user's conversation does not exist for them.
      const foreign = await client(bob)
        .chat.completions.create({ model: 'assistant', messages: [{ role: 'user', content: 'x' }] }, { headers: { 'X-Conversation-Id': conversationId } })
        .catch((error: unknown) => error);
      expect(foreign).toBeInstanceOf(OpenAI.NotFoundError);
      expect((foreign as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('conversation_not_found');
    });

    it('honours temperature, max_tokens, stop and user: they reach the upstream request, and user owns the stored conversation', async () => {
      const { response } = await client()
        .chat.completions.create({ model: 'assistant', messages: [{ role: 'user', content: 'Count' }], temperature: 0.3, max_tokens: 50, stop: ['END', '\n\n'], user: 'carol' })
        .withResponse();
      expect(fake.requests[0]!.body).toMatchObject({ model: 'gpt-4o', temperature: 0.3, max_tokens: 50, stop: ['END', '\n\n'] });
      expect((await conversationRow(response.headers.get('x-conversation-id')!)).user_id).toBe('carol');

      await client(alice).chat.completions.create({ model: 'assistant', messages: [{ role: 'user', content: 'Count' }], max_completion_tokens: 7, stop: 'STOP', user: 'alice' });
      expect(fake.requests[1]!.body).toMatchObject({ max_tokens: 7, stop: ['STOP'] });
      expect(fake.requests[1]!.body.temperature).toBeUndefined();

      // A JWT acts for its own user only, as `userId` does over GraphQL.
      const other = await client(alice).chat.completions.create({ model: 'assistant', messages: [{ role: 'user', content: 'x' }], user: 'bob' }).catch((error: unknown) => error);
      expect(other).toBeInstanceOf(OpenAI.PermissionDeniedError);
      expect((other as InstanceType<typeof OpenAI.PermissionDeniedError>).param).toBe('user');
      const hot = await client().chat.completions.create({ model: 'assistant', messages: [{ role: 'user', content: 'x' }], temperature: 3 }).catch((error: unknown) => error);
      expect(hot).toBeInstanceOf(OpenAI.BadRequestError);
      expect((hot as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('temperature');
      expect(fake.requests).toHaveLength(2);
    });

    it('answers with the agent’s own tools, run inside the gateway: the client sees the final text only', async () => {
      const unregister = gw.orchestrator.registerTool({
        name: 'weather',
        description: 'Current temperature in a city',
        parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        execute: async () => ({ celsius: -3 }),
      });
      try {
        await createAgent(gw, { id: 'forecaster', tools: ['weather'] });
        fake.enqueue({ toolCalls: [{ id: 'call_1', name: 'weather', arguments: { city: 'Oslo' } }] }, { text: 'It is -3 in Oslo.' });
        const chunks = [];
        for await (const chunk of await client().chat.completions.create({ model: 'forecaster', stream: true, messages: [{ role: 'user', content: 'Weather in Oslo?' }] })) chunks.push(chunk);
        expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe('It is -3 in Oslo.');
        expect(chunks.some((chunk) => chunk.choices[0]?.delta.tool_calls)).toBe(false);
        expect(fake.requests[0]!.body.tools.map((tool: { function: { name: string } }) => tool.function.name)).toEqual(['weather']);
        expect(fake.requests[1]!.body.messages.at(-1)).toEqual({ role: 'tool', tool_call_id: 'call_1', content: '{"celsius":-3}' });
      } finally {
        unregister();
      }
    });
  });

  describe('POST /v1/chat/completions streaming', () => {
    it('streams chat.completion.chunk objects: the role first, finish_reason null until the last choice chunk; no usage unless asked', async () => {
      const answer = 'The quick brown fox jumps';
      fake.enqueue({ text: answer, delayMs: 2 });
      const { data: stream, response } = await client()
        .chat.completions.create({ model: 'assistant', stream: true, messages: [{ role: 'user', content: 'Tell me about foxes' }] })
        .withResponse();
      expect(response.headers.get('content-type')).toContain('text/event-stream');
      const runId = response.headers.get('x-run-id')!;
      const conversationId = response.headers.get('x-conversation-id')!;
      const chunks = [];
      for await (const chunk of stream) chunks.push(chunk);
      for (const chunk of chunks) {
        expect(chunk).toMatchObject({ id: `chatcmpl-${runId}`, object: 'chat.completion.chunk', model: 'assistant', created: expect.any(Number) });
        expect(chunk.choices).toHaveLength(1);
        expect(chunk.usage).toBeUndefined();
      }
      expect(chunks[0]!.choices[0]).toEqual({ index: 0, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null });
      expect(chunks.slice(0, -1).every((chunk) => chunk.choices[0]!.finish_reason === null)).toBe(true);
      expect(chunks.at(-1)!.choices[0]).toEqual({ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' });
      expect(chunks.slice(1, -1).map((chunk) => chunk.choices[0]!.delta.content)).toEqual(splitWords(answer));
      const rows = await settledRows(conversationId);
      expect(rows.map((row) => [row.role, row.content, row.status])).toEqual([
        ['user', 'Tell me about foxes', 'COMPLETE'],
        ['assistant', answer, 'COMPLETE'],
      ]);
      expect(rows[1]!.run_id).toBe(runId);
    });

    it('writes OpenAI’s bytes: data frames, then data: [DONE]; the run’s ids as headers', async () => {
      fake.enqueue({ text: 'one two' });
      const response = await post({ model: 'assistant', stream: true, messages: [{ role: 'user', content: 'raw' }] });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
      expect(response.headers.get('x-accel-buffering')).toBe('no');
      expect(response.headers.get('x-run-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect(response.headers.get('x-conversation-id')).toMatch(/^[0-9a-f-]{36}$/);
      const raw = await response.text();
      expect(raw.endsWith('\n\ndata: [DONE]\n\n')).toBe(true);
      const data = dataLines(raw);
      expect(data.at(-1)).toBe('[DONE]');
      const chunks = data.slice(0, -1).map((line) => JSON.parse(line));
      expect(chunks.map((chunk) => chunk.choices[0].delta.content ?? null)).toEqual(['', 'one', ' two', null]);
      expect(chunks.map((chunk) => chunk.choices[0].finish_reason)).toEqual([null, null, null, 'stop']);
      expect(raw).not.toContain('"usage"');
    });

    it('keeps a stream open while the agent’s tools run: `: keep-alive` comments every SSE_HEARTBEAT_MS, then the answer', async () => {
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      const unregister = gw.orchestrator.registerTool({
        name: 'slow_lookup',
        parameters: { type: 'object', properties: {} },
        execute: async () => {
          await released;
          return 'found';
        },
      });
      try {
        await createAgent(gw, { id: 'patient', tools: ['slow_lookup'] });
        fake.enqueue({ toolCalls: [{ id: 'call_slow', name: 'slow_lookup', arguments: {} }] }, { text: 'done' });
        const response = await post({ model: 'patient', stream: true, messages: [{ role: 'user', content: 'look it up' }] });
        const reader = response.body!.getReader();
        const decoder = new TextDecoder();
        let raw = '';
        // The tool waits until the client has seen a keep-alive: the test fails (times out) if none comes.
        while (!raw.includes(': keep-alive\n\n')) {
          const { value, done } = await reader.read();
          if (done) break;
          raw += decoder.decode(value, { stream: true });
        }
        expect(raw).toContain(': keep-alive\n\n');
        release();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          raw += decoder.decode(value, { stream: true });
        }
        const data = dataLines(raw);
        expect(data.at(-1)).toBe('[DONE]');
        expect(data.slice(0, -1).map((line) => JSON.parse(line).choices[0].delta.content ?? '').join('')).toBe('done');
      } finally {
        release();
        unregister();
      }
    });

    it('stream_options.include_usage: a last chunk with choices [] and the upstream’s real usage; the others carry usage null', async () => {
      fake.enqueue({ text: 'a b c', usage: { prompt_tokens: 123, completion_tokens: 3, total_tokens: 126 } });
      const chunks = [];
      const stream = await client().chat.completions.create({ model: 'assistant', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'usage please' }] });
      for await (const chunk of stream) chunks.push(chunk);
      const last = chunks.at(-1)!;
      expect(last.choices).toEqual([]);
      expect(last.usage).toEqual({ prompt_tokens: 123, completion_tokens: 3, total_tokens: 126 });
      expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null && chunk.choices.length === 1)).toBe(true);
      expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe('stop');
      // The gateway asks the upstream for usage itself, whatever the client asked.
      expect(fake.requests[0]!.body.stream_options).toEqual({ include_usage: true });
    });

    it('a failure mid-stream is an in-band error frame, then the stream ends; the partial answer is stored FAILED', async () => {
      fake.enqueue({ text: 'one two three four', errorAfterTokens: 2 });
      const response = await post({ model: 'assistant', stream: true, messages: [{ role: 'user', content: 'break' }] });
      expect(response.status).toBe(200);
      const conversationId = response.headers.get('x-conversation-id')!;
      const data = dataLines(await response.text());
      expect(data).not.toContain('[DONE]');
      expect(JSON.parse(data.at(-1)!)).toEqual({ error: { message: expect.any(String), type: 'server_error', param: null, code: 'upstream_unavailable' } });
      expect(data.slice(0, -1).map((line) => JSON.parse(line).choices[0].delta.content)).toEqual(['', 'one', ' two']);
      const rows = await settledRows(conversationId);
      expect(rows[1]).toMatchObject({ content: 'one two', status: 'FAILED' });

      // The openai SDK reads that frame as an error thrown from the iteration.
      fake.enqueue({ text: 'one two three four', errorAfterTokens: 2 });
      const seen: string[] = [];
      const failure = await (async () => {
        for await (const chunk of await client().chat.completions.create({ model: 'assistant', stream: true, messages: [{ role: 'user', content: 'break' }] })) {
          seen.push(chunk.choices[0]?.delta.content ?? '');
        }
      })().catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(OpenAI.APIError);
      expect(seen.join('')).toBe('one two');
    });

    it('a failure before the first token is an HTTP error with its status (502: the upstream failed), its ids as headers', async () => {
      fake.enqueue({ status: 500 });
      const response = await post({ model: 'assistant', stream: true, messages: [{ role: 'user', content: 'down' }] });
      expect(response.status).toBe(502);
      expect(response.headers.get('x-run-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect(await response.json()).toEqual({ error: { message: expect.any(String), type: 'server_error', param: null, code: 'upstream_unavailable' } });
      fake.enqueue({ status: 500 });
      const failed = await client().chat.completions.create({ model: 'assistant', messages: [{ role: 'user', content: 'down' }] }).withResponse().catch((error: unknown) => error);
      expect(failed).toBeInstanceOf(OpenAI.InternalServerError);
      expect((failed as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
      expect((failed as InstanceType<typeof OpenAI.APIError>).headers?.get('x-conversation-id')).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('a client that goes away mid-stream is a dropped connection: after RUN_ORPHAN_GRACE_MS the upstream request is aborted, the partial answer stored CANCELLED', async () => {
      fake.enqueue({ text: 'slow words never finish', hangAfterTokens: 2 });
      const response = await post({ model: 'assistant', stream: true, messages: [{ role: 'user', content: 'go' }] });
      const conversationId = response.headers.get('x-conversation-id')!;
      const reader = response.body!.getReader();
      let raw = '';
      while (!raw.includes(' words')) raw += new TextDecoder().decode((await reader.read()).value);
      await reader.cancel();
      await fake.waitFor(() => fake.requests[0]!.clientAborted, 'the upstream request to be aborted', 10_000);
      const rows = await settledRows(conversationId);
      expect(rows[1]).toMatchObject({ content: 'slow words', status: 'CANCELLED' });
    });

    it('streams through the Vercel AI SDK’s OpenAI-compatible provider (ai + @ai-sdk/openai-compatible)', async () => {
      fake.enqueue({ text: 'Hello from muxgate', usage: { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 } });
      const muxgate = createOpenAICompatible({ name: 'muxgate', baseURL: `${gw.url}/v1`, apiKey: USER_KEY, includeUsage: true });
      const result = streamText({ model: muxgate('assistant'), system: 'Be nice.', prompt: 'Say hello' });
      let text = '';
      for await (const delta of result.textStream) text += delta;
      expect(text).toBe('Hello from muxgate');
      const usage = await result.usage;
      expect(usage.inputTokens).toBe(12);
      expect(usage.outputTokens).toBe(3);
      expect(await result.finishReason).toBe('stop');
      expect(fake.requests[0]!.body.messages).toEqual([
        { role: 'system', content: SYSTEM },
        { role: 'system', content: 'Be nice.' },
        { role: 'user', content: 'Say hello' },
      ]);
    });
  });

  describe('errors in OpenAI’s shape', () => {
    it('an unknown model is 404 model_not_found, before any stream', async () => {
      const error = await client().chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.NotFoundError);
      expect(error).toMatchObject({ status: 404, code: 'model_not_found', type: 'invalid_request_error' });
      const raw = await post({ model: 'nobody', stream: true, messages: [{ role: 'user', content: 'x' }] });
      expect(raw.status).toBe(404);
      expect(await raw.json()).toEqual({ error: { message: 'The model `nobody` does not exist or you do not have access to it.', type: 'invalid_request_error', param: 'model', code: 'model_not_found' } });
      expect(fake.requests).toHaveLength(0);
    });

    it('a bad key is 401 (AuthenticationError)', async () => {
      const error = await client('mxg_wrong-key-0123456789').chat.completions.create({ model: 'assistant', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
      expect(error).toMatchObject({ status: 401, code: 'invalid_api_key' });
    });

    it('refuses what muxgate cannot honour with 400 naming the parameter, never ignoring it', async () => {
      const refused = async (extra: Record<string, unknown>, messages: unknown[] = [{ role: 'user', content: 'x' }]) => {
        const error = await client()
          .chat.completions.create({ model: 'assistant', messages, ...extra } as never)
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(OpenAI.BadRequestError);
        return error as InstanceType<typeof OpenAI.BadRequestError>;
      };
      expect((await refused({ n: 2 })).param).toBe('n');
      // Client tools are honoured (test/openai-tools.test.ts); their deprecated form is not.
      const functions = await refused({ functions: [{ name: 'f', parameters: { type: 'object' } }] });
      expect(functions).toMatchObject({ param: 'functions', type: 'invalid_request_error', code: 'unsupported_parameter' });
      expect((await refused({ logprobs: true })).param).toBe('logprobs');
      // json_schema and json_object are structured answers (test/structured-answers.test.ts); other types are refused.
      expect((await refused({ response_format: { type: 'xml' } })).param).toBe('response_format.type');
      expect((await refused({ seed: 7 })).param).toBe('seed');
      expect((await refused({ store: false })).param).toBe('store');
      expect((await refused({ frobnicate: true })).message).toContain('Unrecognized request argument supplied: frobnicate');
      // Images are taken (test/adapter-images.test.ts); audio and files are not.
      expect((await refused({}, [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }] }])).param).toBe('messages[0].content[0]');
      expect((await refused({}, [{ role: 'user', content: 'x' }, { role: 'assistant', content: 'y' }])).param).toBe('messages[1]');
      expect((await refused({}, [])).param).toBe('messages');
      expect((await refused({ stream_options: { include_usage: true } })).param).toBe('stream_options');
      // The values that change nothing are accepted.
      const ok = await client().chat.completions.create({
        model: 'assistant',
        messages: [{ role: 'user', content: 'defaults' }],
        n: 1,
        logprobs: false,
        tools: [],
        tool_choice: 'none',
        response_format: { type: 'text' },
        top_p: 1,
        store: true,
        metadata: { source: 'test' },
      });
      expect(ok.choices[0]!.message.content).toBe('echo: defaults');
      expect(fake.requests).toHaveLength(1);
      expect(fake.requests[0]!.body).not.toHaveProperty('top_p');
      const stored = await db().selectFrom('messages').select('metadata').where('role', '=', 'user').executeTakeFirstOrThrow();
      expect(stored.metadata).toEqual({ source: 'test' });
    });

    it('malformed JSON, a wrong content type and an unknown /v1 path answer in OpenAI’s shape', async () => {
      const malformed = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${USER_KEY}` }, body: '{"model":' });
      expect(malformed.status).toBe(400);
      expect((await malformed.json()).error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_json' });
      const form = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'text/plain', authorization: `Bearer ${USER_KEY}` }, body: 'hi' });
      expect(form.status).toBe(415);
      expect((await form.json()).error.type).toBe('invalid_request_error');
      const unknown = await fetch(`${gw.url}/v1/embeddings`, { method: 'POST', headers: { authorization: `Bearer ${USER_KEY}` } });
      expect(unknown.status).toBe(404);
      expect(await unknown.json()).toEqual({ error: { message: 'Invalid URL (POST /v1/embeddings)', type: 'invalid_request_error', param: null, code: null } });
    });

    // Last: it spends this address's failed authentications for the minute.
    it('too many failed authentications: 429 rate_limit_exceeded with Retry-After', async () => {
      let response: Response | undefined;
      for (let attempt = 0; attempt < 40; attempt++) {
        response = await post({ model: 'assistant', messages: [{ role: 'user', content: 'x' }] }, { authorization: 'Bearer mxg_wrong-key-0123456789' });
        if (response.status === 429) break;
        expect(response.status).toBe(401);
      }
      expect(response!.status).toBe(429);
      expect(Number(response!.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await response!.json()).error).toMatchObject({ type: 'requests', code: 'rate_limit_exceeded' });
    });
  });
});
