import { createOpenAI } from '@ai-sdk/openai';
import { Agent as SdkAgent, OpenAIProvider, Runner, setTracingDisabled, tool as agentTool } from '@openai/agents';
import { generateText, jsonSchema, stepCountIs, streamText, tool } from 'ai';
import OpenAI from 'openai';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { storageBackendNames } from './support/backends.js';
import type { FakeOpenAI } from './support/fake-openai.js';
import { type TestGateway, USER_KEY } from './support/gateway.js';
import { upstreamWorld } from './support/gateway-with-upstream.js';
import { createAgent } from './support/memory.js';

/**
 * OpenAI's Responses API (/v1/responses) against a real gateway whose upstream is the fake: the
 * openai SDK (responses.create, responses.stream, a function-tool loop, previous_response_id), the
 * Vercel AI SDK's default openai() provider and the OpenAI Agents SDK's default Responses model.
 * What they see (objects, events, raw bytes, errors) and what is stored.
 */

const SYSTEM = 'You are terse.';
const LOCATE = { type: 'function' as const, name: 'locate', description: 'Where the user is', parameters: { type: 'object', properties: { precise: { type: 'boolean' } } }, strict: false };

setTracingDisabled(true);

describe.each(storageBackendNames())('/v1/responses on %s', (backend) => {
  let fake: FakeOpenAI, gw: TestGateway, alice: string, bob: string;

  const client = (apiKey = USER_KEY) => new OpenAI({ apiKey, baseURL: `${gw.url}/v1`, maxRetries: 0, timeout: 20_000 });
  const db = () => gw.database.db;
  const answerRow = (runId: string) =>
    db().selectFrom('messages').select(['status', 'content', 'conversation_id', 'tool_calls']).where('run_id', '=', runId).where('role', '=', 'assistant').executeTakeFirstOrThrow();
  const messagesOf = (conversationId: string) => db().selectFrom('messages').select(['role', 'content', 'status', 'run_id']).where('conversation_id', '=', conversationId).orderBy('ordinal').execute();
  const post = (body: unknown, apiKey = alice) =>
    fetch(`${gw.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` }, body: JSON.stringify(body) });
  const get = (path: string, apiKey = alice, method = 'GET') => fetch(`${gw.url}/v1${path}`, { method, headers: { authorization: `Bearer ${apiKey}` } });
  /** The events of an SSE body: each frame's `event:` name and parsed `data:`. */
  const framesOf = (raw: string) =>
    raw
      .split('\n\n')
      .filter((frame) => frame.startsWith('event: '))
      .map((frame) => {
        const [event, data] = frame.split('\n');
        return { event: event!.slice('event: '.length), data: JSON.parse(data!.slice('data: '.length)) };
      });
  /** The run id in a response id (resp_<32 hex>…). */
  const runOf = (responseId: string) => {
    const hex = /^resp_([0-9a-f]{32})/.exec(responseId)![1]!;
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  };
  const settled = async (runId: string) => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const row = await answerRow(runId);
      if (row.status !== 'STREAMING') return row;
      if (Date.now() > deadline) throw new Error('the answer was never settled');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  const world = upstreamWorld(backend, { MEMORY_K: '0', RUN_ORPHAN_GRACE_MS: '300', SSE_HEARTBEAT_MS: '250' }, () => createAgent(gw, { id: 'assistant', systemMessage: SYSTEM }));
  beforeAll(() => {
    ({ fake, gw, alice, bob } = world);
  });

  describe('the openai SDK', () => {
    it('responses.create: a response object as OpenAI’s, the turn stored, instructions as this turn’s system message', async () => {
      fake.enqueue({ text: 'Paris is the capital.', usage: { prompt_tokens: 21, completion_tokens: 5, total_tokens: 26 } });
      const { data: response, response: http } = await client(alice)
        .responses.create({ model: 'assistant', input: 'Capital of France?', instructions: 'Answer in one sentence.', metadata: { ticket: 'T-1' } })
        .withResponse();
      const runId = http.headers.get('x-run-id')!;
      expect(response.id).toBe(`resp_${runId.replaceAll('-', '')}`);
      const { output_text: outputText, ...object } = response as typeof response & { output_text: string };
      expect(outputText).toBe('Paris is the capital.');
      expect(object).toEqual({
        id: response.id,
        object: 'response',
        created_at: expect.any(Number),
        status: 'completed',
        background: false,
        error: null,
        incomplete_details: null,
        instructions: 'Answer in one sentence.',
        max_output_tokens: null,
        max_tool_calls: null,
        model: 'assistant',
        output: [
          { id: expect.stringMatching(/^msg_/), type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'Paris is the capital.', annotations: [], logprobs: [] }] },
        ],
        parallel_tool_calls: true,
        previous_response_id: null,
        reasoning: { effort: null, summary: null },
        service_tier: 'default',
        store: true,
        temperature: null,
        text: { format: { type: 'text' } },
        tool_choice: 'auto',
        tools: [],
        top_logprobs: 0,
        top_p: null,
        truncation: 'disabled',
        usage: { input_tokens: 21, input_tokens_details: { cached_tokens: 0 }, output_tokens: 5, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 26 },
        user: null,
        metadata: { ticket: 'T-1' },
      });
      expect(fake.requests[0]!.body.messages).toEqual([
        { role: 'system', content: `${SYSTEM}\n\nAnswer in one sentence.` },
        { role: 'user', content: 'Capital of France?' },
      ]);
      const conversationId = http.headers.get('x-conversation-id')!;
      expect(await messagesOf(conversationId)).toEqual([
        { role: 'user', content: 'Capital of France?', status: 'COMPLETE', run_id: runId },
        { role: 'assistant', content: 'Paris is the capital.', status: 'COMPLETE', run_id: runId },
      ]);
      // Fetched again, from memory or storage: the same output.
      const again = await client(alice).responses.retrieve(response.id);
      expect(again).toMatchObject({ id: response.id, status: 'completed', model: 'assistant', output: object.output });
    });

    it('responses.stream: OpenAI’s semantic events in order, sequence numbers rising, the final response', async () => {
      fake.enqueue({ tokens: ['Hel', 'lo', ' there'], usage: { prompt_tokens: 3, completion_tokens: 3, total_tokens: 6 } });
      const stream = client(alice).responses.stream({ model: 'assistant', input: 'Hi' });
      const types: string[] = [];
      const numbers: number[] = [];
      let deltas = '';
      for await (const event of stream) {
        types.push(event.type);
        numbers.push(event.sequence_number);
        if (event.type === 'response.output_text.delta') deltas += event.delta;
      }
      const final = await stream.finalResponse();
      expect(deltas).toBe('Hello there');
      expect(final.output_text).toBe('Hello there');
      expect(final.usage).toMatchObject({ input_tokens: 3, output_tokens: 3, total_tokens: 6 });
      expect(types).toEqual([
        'response.created',
        'response.in_progress',
        'response.output_item.added',
        'response.content_part.added',
        'response.output_text.delta',
        'response.output_text.delta',
        'response.output_text.delta',
        'response.output_text.done',
        'response.content_part.done',
        'response.output_item.done',
        'response.completed',
      ]);
      expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
      expect(new Set(numbers).size).toBe(numbers.length);
    });

    it('a function-tool loop: the call ends the response (completed), the run waits; function_call_output resumes the same run', async () => {
      fake.enqueue({ tokens: ['Let me look. '], toolCalls: [{ id: 'call_loc', name: 'locate', arguments: { precise: true } }], usage: { prompt_tokens: 10, completion_tokens: 4, total_tokens: 14 } }, { text: 'You are in Oslo.' });
      const first = await client(alice).responses.create({ model: 'assistant', input: 'Where am I?', tools: [LOCATE] });
      const runId = runOf(first.id);
      expect(first.status).toBe('completed');
      expect(first.output).toEqual([
        { id: expect.any(String), type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'Let me look. ', annotations: [], logprobs: [] }] },
        { id: expect.stringMatching(/^fc_/), type: 'function_call', status: 'completed', arguments: '{"precise":true}', call_id: expect.stringMatching(/^call_[0-9a-f]{32}_call_loc$/), name: 'locate' },
      ]);
      expect(first.usage).toMatchObject({ total_tokens: 14 });
      expect(fake.requests[0]!.body.tools).toEqual([{ type: 'function', function: { name: 'locate', description: 'Where the user is', parameters: LOCATE.parameters } }]);
      expect((await answerRow(runId)).status).toBe('WAITING');

      const call = first.output[1] as OpenAI.Responses.ResponseFunctionToolCall;
      const { data: second, response: http } = await client(alice)
        .responses.create({ model: 'assistant', previous_response_id: first.id, input: [{ type: 'function_call_output', call_id: call.call_id, output: '{"city":"Oslo"}' }] })
        .withResponse();
      // The same run went on: its id is in the new response's, after the pause.
      expect(http.headers.get('x-run-id')).toBe(runId);
      expect(second.id).toMatch(new RegExp(`^resp_${runId.replaceAll('-', '')}_1_\\d+$`));
      expect(second.previous_response_id).toBe(first.id);
      expect(second.output_text).toBe('You are in Oslo.');
      expect(fake.requests[1]!.body.messages.slice(-2)).toEqual([
        { role: 'assistant', content: 'Let me look. ', tool_calls: [{ id: 'call_loc', type: 'function', function: { name: 'locate', arguments: '{"precise":true}' } }] },
        { role: 'tool', tool_call_id: 'call_loc', content: '{"city":"Oslo"}' },
      ]);
      const row = await settled(runId);
      expect(row.status).toBe('COMPLETE');
      expect(await messagesOf(row.conversation_id)).toHaveLength(2);

      // Each response of the run is fetched as it was; the continuation's input is the call's output.
      expect((await client(alice).responses.retrieve(first.id)).output).toEqual(first.output);
      expect((await client(alice).responses.retrieve(second.id)).output_text).toBe('You are in Oslo.');
      const items = await client(alice).responses.inputItems.list(second.id);
      expect(items.data).toEqual([{ id: expect.any(String), type: 'function_call_output', call_id: call.call_id, output: '{"city":"Oslo"}', status: 'completed' }]);
      const userItems = await client(alice).responses.inputItems.list(first.id);
      expect(userItems.data).toEqual([{ id: expect.any(String), type: 'message', role: 'user', status: 'completed', content: [{ type: 'input_text', text: 'Where am I?' }] }]);
    });

    it('the same loop streamed: function_call_arguments events, then the resumed run’s text in a new response', async () => {
      fake.enqueue({ toolCalls: [{ id: 'call_s', name: 'locate', arguments: { precise: false } }] }, { tokens: ['Oslo', '.'] });
      const stream = client(alice).responses.stream({ model: 'assistant', input: 'Where?', tools: [LOCATE] });
      const types: string[] = [];
      for await (const event of stream) types.push(event.type);
      const first = await stream.finalResponse();
      expect(types).toEqual([
        'response.created',
        'response.in_progress',
        'response.output_item.added',
        'response.function_call_arguments.delta',
        'response.function_call_arguments.done',
        'response.output_item.done',
        'response.completed',
      ]);
      const call = first.output[0] as OpenAI.Responses.ResponseFunctionToolCall;
      expect(call).toMatchObject({ type: 'function_call', name: 'locate', arguments: '{"precise":false}' });
      const resumed = client(alice).responses.stream({ model: 'assistant', previous_response_id: first.id, input: [{ type: 'function_call_output', call_id: call.call_id, output: 'Oslo' }] });
      let text = '';
      for await (const event of resumed) if (event.type === 'response.output_text.delta') text += event.delta;
      expect(text).toBe('Oslo.');
      expect((await resumed.finalResponse()).output_text).toBe('Oslo.');
    });

    it('previous_response_id continues the stored conversation; another user’s is 404, in OpenAI’s shape', async () => {
      fake.enqueue({ text: 'Noted: blue.' }, { text: 'Blue.' });
      const first = await client(alice).responses.create({ model: 'assistant', input: 'My favourite colour is blue.' });
      const second = await client(alice).responses.create({ model: 'assistant', input: 'What is my favourite colour?', previous_response_id: first.id });
      expect(second.output_text).toBe('Blue.');
      expect(fake.requests[1]!.body.messages).toEqual([
        { role: 'system', content: SYSTEM },
        { role: 'user', content: 'My favourite colour is blue.' },
        { role: 'assistant', content: 'Noted: blue.' },
        { role: 'user', content: 'What is my favourite colour?' },
      ]);
      expect((await answerRow(runOf(second.id))).conversation_id).toBe((await answerRow(runOf(first.id))).conversation_id);

      const error = await client(bob).responses.create({ model: 'assistant', input: 'Hi', previous_response_id: first.id }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.NotFoundError);
      const raw = await post({ model: 'assistant', input: 'Hi', previous_response_id: first.id }, bob);
      expect(raw.status).toBe(404);
      expect(await raw.json()).toEqual({ error: { message: `Previous response with id '${first.id}' not found.`, type: 'invalid_request_error', param: 'previous_response_id', code: 'previous_response_not_found' } });
      expect((await get(`/responses/${first.id}`, bob)).status).toBe(404);
      expect(fake.requests).toHaveLength(2);
    });

    it('text.format json_schema is a structured answer: the model is asked for it, the checked JSON is the text', async () => {
      fake.enqueue({ text: '{"city":"Oslo"}' });
      const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false };
      const response = await client(alice).responses.create({ model: 'assistant', input: 'Where?', text: { format: { type: 'json_schema', name: 'place', schema, strict: true } } });
      expect(JSON.parse(response.output_text)).toEqual({ city: 'Oslo' });
      expect(fake.requests[0]!.body.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'place', schema, strict: true } });
      expect(response.text).toEqual({ format: { type: 'json_schema', name: 'place', schema, strict: true } });
    });
  });

  describe('failures', () => {
    it('before any output: the HTTP error /v1/chat/completions gives; after it: response.failed in band', async () => {
      fake.enqueue({ status: 500, errorMessage: 'upstream down' });
      const early = await post({ model: 'assistant', input: 'Hi', stream: true });
      expect(early.status).toBe(502);
      expect((await early.json()).error).toMatchObject({ type: 'server_error', code: 'upstream_unavailable' });
      expect(early.headers.get('x-run-id')).toMatch(/^[0-9a-f-]{36}$/);

      fake.enqueue({ text: 'one two three four', errorAfterTokens: 2 });
      const frames = framesOf(await (await post({ model: 'assistant', input: 'Hi', stream: true })).text());
      const last = frames.at(-1)!;
      expect(last.event).toBe('response.failed');
      expect(last.data.response).toMatchObject({ status: 'failed', error: { code: 'upstream_unavailable' } });
      expect(last.data.response.output[0]).toMatchObject({ type: 'message', status: 'incomplete', content: [{ text: 'one two' }] });
    });
  });

  describe('GET, DELETE, cancel', () => {
    it('GET ?stream=true&starting_after=N replays the response’s events after N; DELETE removes the turn', async () => {
      fake.enqueue({ tokens: ['One', ' two', ' three'] });
      const created = await (await post({ model: 'assistant', input: 'Count', stream: true })).text();
      const frames = framesOf(created);
      const id = frames[0]!.data.response.id as string;
      const cut = frames[4]!.data.sequence_number as number;
      const replay = framesOf(await (await get(`/responses/${id}?stream=true&starting_after=${cut}`)).text());
      expect(replay.map((frame) => frame.data)).toEqual(frames.slice(5).map((frame) => frame.data));

      const deleted = await get(`/responses/${id}`, alice, 'DELETE');
      expect(await deleted.json()).toEqual({ id, object: 'response', deleted: true });
      expect(await db().selectFrom('messages').select('id').where('run_id', '=', runOf(id)).execute()).toEqual([]);
      expect((await get(`/responses/${id}`)).status).toBe(404);
    });

    it('cancel ends a run that waits for its tool output: the run is cancelled, the response as it stood', async () => {
      fake.enqueue({ toolCalls: [{ id: 'call_c', name: 'locate', arguments: {} }] });
      const first = await client(alice).responses.create({ model: 'assistant', input: 'Where?', tools: [LOCATE] });
      const cancelledResponse = await (await get(`/responses/${first.id}/cancel`, alice, 'POST')).json();
      expect(cancelledResponse).toMatchObject({ id: first.id, status: 'completed' });
      expect((await settled(runOf(first.id))).status).toBe('CANCELLED');
      const late = await post({ model: 'assistant', previous_response_id: first.id, input: [{ type: 'function_call_output', call_id: (first.output[0] as { call_id: string }).call_id, output: 'x' }] });
      expect(late.status).toBe(400);
      expect((await late.json()).error).toMatchObject({ type: 'invalid_request_error', param: 'input' });
    });
  });

  describe('bad input, in OpenAI’s shape with the parameter named, nothing stored', () => {
    it.each([
      [{ model: 'assistant', input: [{ role: 'user', content: [{ type: 'input_file', file_id: 'file-1' }] }] }, 'input[0].content[0]', 400],
      [{ model: 'assistant', input: [{ role: 'user', content: [{ type: 'input_image', image_url: 'http://example.com/a.png' }] }] }, 'input[0].content[0]', 400],
      [{ model: 'assistant', input: 'Hi', store: false }, 'store', 400],
      [{ model: 'assistant', input: 'Hi', tools: [{ type: 'web_search' }] }, 'tools[0].type', 400],
      [{ model: 'assistant', input: 'Hi', frequency: 1 }, 'frequency', 400],
      [{ model: 'assistant', input: [{ type: 'computer_call_output', call_id: 'x' }] }, 'input[0].type', 400],
      [{ model: 'assistant', input: [{ type: 'function_call_output', call_id: 'call_unknown', output: 'x' }] }, 'input[0].call_id', 400],
      [{ model: 'assistant', input: 'Hi', text: { format: { type: 'xml' } } }, 'text.format.type', 400],
      [{ model: 'nobody', input: 'Hi' }, 'model', 404],
      [{ model: 'assistant' }, 'input', 400],
    ])('%j is refused naming %s', async (body, param, status) => {
      const response = await post(body);
      expect(response.status).toBe(status);
      expect((await response.json()).error).toMatchObject({ param, type: 'invalid_request_error' });
      expect(fake.requests).toHaveLength(0);
      expect(await db().selectFrom('messages').select('id').execute()).toEqual([]);
    });
  });

  describe('the Vercel AI SDK’s default openai() provider (Responses API)', () => {
    const provider = () => createOpenAI({ apiKey: alice, baseURL: `${gw.url}/v1` });

    it('generateText and streamText', async () => {
      fake.enqueue({ text: 'Hello from muxgate.' }, { tokens: ['Str', 'eamed', '.'] });
      const generated = await generateText({ model: provider()('assistant'), prompt: 'Hi', maxRetries: 0 });
      expect(generated.text).toBe('Hello from muxgate.');
      expect(generated.response.id).toMatch(/^resp_/);
      const streamed = streamText({ model: provider()('assistant'), prompt: 'Hi again', maxRetries: 0 });
      expect(await streamed.text).toBe('Streamed.');
    });

    it('a tool the SDK runs: the call pauses the run, the next step (whole history) resumes it', async () => {
      fake.enqueue({ toolCalls: [{ id: 'call_w', name: 'weather', arguments: { city: 'Oslo' } }] }, { text: 'It is sunny in Oslo.' });
      const result = await generateText({
        model: provider()('assistant'),
        prompt: 'Weather in Oslo?',
        tools: { weather: tool({ description: 'The weather', inputSchema: jsonSchema<{ city: string }>({ type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }), execute: async ({ city }) => `sunny in ${city}` }) },
        stopWhen: stepCountIs(3),
        maxRetries: 0,
      });
      expect(result.text).toBe('It is sunny in Oslo.');
      expect(result.steps).toHaveLength(2);
      // One run, one stored turn: the second step went on with the paused run.
      expect(fake.requests[1]!.body.messages.at(-1)).toEqual({ role: 'tool', tool_call_id: 'call_w', content: 'sunny in Oslo' });
      const runId = runOf(result.steps[0]!.response.id);
      expect(runOf(result.steps[1]!.response.id)).toBe(runId);
      expect((await settled(runId)).status).toBe('COMPLETE');
    });
  });

  describe('the OpenAI Agents SDK (default Responses model)', () => {
    it('runs an agent with a function tool through the gateway', async () => {
      fake.enqueue({ toolCalls: [{ id: 'call_t', name: 'get_time', arguments: { zone: 'UTC' } }] }, { text: 'It is noon UTC.' });
      const provider = new OpenAIProvider({ openAIClient: client(alice) as never, useResponses: true });
      const getTime = agentTool({ name: 'get_time', description: 'The time in a zone', parameters: z.object({ zone: z.string() }), execute: async ({ zone }) => `12:00 ${zone}` });
      const agent = new SdkAgent({ name: 'Helper', instructions: 'Be brief.', model: 'assistant', tools: [getTime] });
      const result = await new Runner({ modelProvider: provider }).run(agent, 'What time is it?');
      expect(result.finalOutput).toBe('It is noon UTC.');
      expect(fake.requests[0]!.body.messages[0]).toEqual({ role: 'system', content: `${SYSTEM}\n\nBe brief.` });
      expect(fake.requests[1]!.body.messages.at(-1)).toEqual({ role: 'tool', tool_call_id: 'call_t', content: '12:00 UTC' });
    });
  });
});
