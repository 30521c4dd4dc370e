import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { HumanMessage, type ToolMessage } from '@langchain/core/messages';
import { tool as langchainTool } from '@langchain/core/tools';
import { ChatOpenAI } from '@langchain/openai';
import { Agent, OpenAIChatCompletionsModel, run, setTracingDisabled, tool as agentTool } from '@openai/agents';
import { tool as aiTool, convertToModelMessages, generateText, readUIMessageStream, stepCountIs, streamText, type UIMessage } from 'ai';
import OpenAI from 'openai';
import { zodFunction } from 'openai/helpers/zod';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { storageBackendNames } from './support/backends.js';
import { dataLines, postChatCompletion } from './support/chat-completions.js';
import type { FakeOpenAI } from './support/fake-openai.js';
import { ADMIN_KEY, type TestGateway, USER_KEY } from './support/gateway.js';
import { upstreamWorld } from './support/gateway-with-upstream.js';
import { createAgent, SYSTEM } from './support/memory.js';

/**
 * Client tools over /v1 with the clients that use them: a call of a tool the client gave ends the
 * response with finish_reason "tool_calls" and the run waits; the next request, carrying the
 * `role: "tool"` results (with X-Conversation-Id or the whole history), continues the same run.
 * The openai SDK (a manual loop, runTools), the Vercel AI SDK, LangChain and the OpenAI Agents SDK
 * against a real gateway whose upstream is the fake; nothing reaches the internet.
 */

// The Agents SDK would export traces to OpenAI.
setTracingDisabled(true);

const CLOCK = {
  type: 'function' as const,
  function: {
    name: 'get_time',
    description: 'The time in a time zone',
    parameters: { type: 'object', properties: { zone: { type: 'string' } }, required: ['zone'] },
  },
};
const WEATHER = {
  type: 'function' as const,
  function: { name: 'get_weather', description: 'The weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};

describe.each(storageBackendNames())('/v1 client tools on %s', (backend) => {
  let fake: FakeOpenAI, gw: TestGateway;

  const client = () => new OpenAI({ apiKey: USER_KEY, baseURL: `${gw.url}/v1`, maxRetries: 0, timeout: 20_000 });
  const db = () => gw.database.db;
  const messagesOf = (conversationId: string) =>
    db().selectFrom('messages').select(['role', 'content', 'status', 'run_id']).where('conversation_id', '=', conversationId).orderBy('ordinal').execute();
  const messageCount = async () => Number((await db().selectFrom('messages').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const post = (body: unknown, headers: Record<string, string> = {}) => postChatCompletion(gw.url, body, headers);
  /** The upstream's messages of request i, without the agent's system message. */
  const sent = (i: number) => fake.requests[i]!.body.messages.slice(1);
  /** A refusal as a client reads it: status and OpenAI's error body. */
  const refusal = async (body: unknown, headers: Record<string, string> = {}) => {
    const response = await post(body, headers);
    return { status: response.status, error: ((await response.json()) as { error: Record<string, unknown> }).error };
  };

  const world = upstreamWorld(
    backend,
    { ENABLE_EMBEDDINGS: 'false' },
    async () => {
      await createAgent(gw, { id: 'assistant', systemMessage: SYSTEM });
      await createAgent(gw, { id: 'forecaster', systemMessage: SYSTEM, tools: ['weather'] });
    },
    // The agent's own tool, run inside the gateway.
    (started) =>
      started.orchestrator.registerTool({
        name: 'weather',
        description: 'The weather in a city',
        parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        execute: async (args) => ({ city: (args as { city: string }).city, sky: 'snow' }),
      }),
  );
  beforeAll(() => {
    ({ fake, gw } = world);
  });

  describe('the openai SDK', () => {
    it('a manual loop: tool_calls and finish_reason "tool_calls", then the results with the whole history continue the same run', async () => {
      fake.enqueue({ toolCalls: [{ id: 'call_1', name: 'get_time', arguments: { zone: 'UTC' } }], usage: { prompt_tokens: 20, completion_tokens: 6, total_tokens: 26 } }, { text: 'It is noon in UTC.' });
      const question = { role: 'user' as const, content: 'What time is it in UTC?' };
      const first = await client().chat.completions.create({ model: 'assistant', messages: [question], tools: [CLOCK] }).withResponse();
      const runId = first.response.headers.get('x-run-id')!;
      const conversationId = first.response.headers.get('x-conversation-id')!;
      expect(first.data).toEqual({
        id: `chatcmpl-${runId}`,
        object: 'chat.completion',
        created: expect.any(Number),
        model: 'assistant',
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: null,
              refusal: null,
              annotations: [],
              tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_time', arguments: '{"zone":"UTC"}' } }],
            },
            logprobs: null,
            finish_reason: 'tool_calls',
          },
        ],
        usage: { prompt_tokens: 20, completion_tokens: 6, total_tokens: 26 },
      });
      // The client's tool reaches the model as the client described it.
      expect(fake.requests[0]!.body.tools).toEqual([CLOCK]);
      expect(await messagesOf(conversationId)).toEqual([
        { role: 'user', content: question.content, status: 'COMPLETE', run_id: runId },
        { role: 'assistant', content: '', status: 'WAITING', run_id: runId },
      ]);

      const assistant = first.data.choices[0]!.message;
      const second = await client()
        .chat.completions.create({ model: 'assistant', messages: [question, assistant, { role: 'tool', tool_call_id: 'call_1', content: '12:00' }], tools: [CLOCK] })
        .withResponse();
      expect(second.response.headers.get('x-run-id')).toBe(runId);
      expect(second.response.headers.get('x-conversation-id')).toBe(conversationId);
      // A response of its own (LangGraph, for one, merges messages that share an id).
      expect(second.data.id).not.toBe(first.data.id);
      expect(second.data.id).toMatch(new RegExp(`^chatcmpl-${runId}-`));
      expect(second.data.choices[0]).toEqual({ index: 0, message: { role: 'assistant', content: 'It is noon in UTC.', refusal: null, annotations: [] }, logprobs: null, finish_reason: 'stop' });
      expect(sent(1)).toEqual([
        question,
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_time', arguments: '{"zone":"UTC"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: '12:00' },
      ]);
      expect(await messagesOf(conversationId)).toEqual([
        { role: 'user', content: question.content, status: 'COMPLETE', run_id: runId },
        { role: 'assistant', content: 'It is noon in UTC.', status: 'COMPLETE', run_id: runId },
      ]);
    });

    it('a step that calls the agent’s tool and the client’s: the agent’s runs at once, the response holds the client’s; each response its own text and usage', async () => {
      fake.enqueue(
        {
          text: 'Let me look.',
          toolCalls: [
            { id: 'call_w', name: 'weather', arguments: { city: 'Oslo' } },
            { id: 'call_t', name: 'get_time', arguments: { zone: 'CET' } },
          ],
          usage: { prompt_tokens: 30, completion_tokens: 9, total_tokens: 39 },
        },
        { text: 'Snowing at one.', usage: { prompt_tokens: 50, completion_tokens: 4, total_tokens: 54 } },
      );
      const question = { role: 'user' as const, content: 'Oslo?' };
      const first = await client().chat.completions.create({ model: 'forecaster', messages: [question], tools: [CLOCK] });
      expect(first.choices[0]!.message).toEqual({
        role: 'assistant',
        content: 'Let me look.',
        refusal: null,
        annotations: [],
        tool_calls: [{ id: 'call_t', type: 'function', function: { name: 'get_time', arguments: '{"zone":"CET"}' } }],
      });
      expect(first.usage).toEqual({ prompt_tokens: 30, completion_tokens: 9, total_tokens: 39 });
      expect(fake.requests[0]!.body.tools.map((tool: typeof CLOCK) => tool.function.name)).toEqual(['weather', 'get_time']);
      const second = await client().chat.completions.create({
        model: 'forecaster',
        messages: [question, first.choices[0]!.message, { role: 'tool', tool_call_id: 'call_t', content: '13:00' }],
        tools: [CLOCK],
      });
      // Only what came after the pause, and only its usage: clients append and add up each response.
      expect(second.choices[0]!.message.content).toBe('Snowing at one.');
      expect(second.usage).toEqual({ prompt_tokens: 50, completion_tokens: 4, total_tokens: 54 });
      // The model saw both results, in the order it called them.
      expect(sent(1).slice(-3)).toEqual([
        {
          role: 'assistant',
          content: 'Let me look.',
          tool_calls: [
            { id: 'call_w', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } },
            { id: 'call_t', type: 'function', function: { name: 'get_time', arguments: '{"zone":"CET"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_w', content: '{"city":"Oslo","sky":"snow"}' },
        { role: 'tool', tool_call_id: 'call_t', content: '13:00' },
      ]);
      const answer = await db().selectFrom('messages').select(['content', 'status']).where('role', '=', 'assistant').executeTakeFirstOrThrow();
      expect(answer).toEqual({ content: 'Let me look.Snowing at one.', status: 'COMPLETE' });
    });

    it('a tool of the agent’s that needs approval is waited through: the response comes once someone decides (GraphQL approveToolCall)', async () => {
      await createAgent(gw, { id: 'careful', systemMessage: SYSTEM, tools: ['weather'], requireApproval: ['weather'] });
      const approveFirstWaiting = async () => {
        let runId: string | null | undefined;
        for (let attempt = 0; !runId; attempt++) {
          if (attempt > 500) throw new Error('no run waited for approval');
          runId = (await db().selectFrom('messages').select('run_id').where('status', '=', 'WAITING').executeTakeFirst())?.run_id;
          if (!runId) await new Promise((resolve) => setTimeout(resolve, 10));
        }
        const approved = await gw.gql(`mutation($runId: ID!) { approveToolCall(runId: $runId, callId: "call_w", approved: true) { status } }`, { runId }, ADMIN_KEY);
        expect(approved.body.errors).toBeUndefined();
      };
      fake.enqueue({ toolCalls: [{ id: 'call_w', name: 'weather', arguments: { city: 'Oslo' } }] }, { text: 'Snow.' });
      const asked = client().chat.completions.create({ model: 'careful', messages: [{ role: 'user', content: 'Oslo?' }] });
      await approveFirstWaiting();
      expect((await asked).choices[0]).toMatchObject({ message: { content: 'Snow.' }, finish_reason: 'stop' });

      fake.enqueue({ toolCalls: [{ id: 'call_w', name: 'weather', arguments: { city: 'Bergen' } }] }, { text: 'Rain.' });
      const streamed = post({ model: 'careful', stream: true, messages: [{ role: 'user', content: 'Bergen?' }] });
      await approveFirstWaiting();
      const chunks = dataLines(await (await streamed).text());
      const deltas = chunks.slice(0, -1).map((chunk) => JSON.parse(chunk).choices[0]);
      expect(deltas.map((choice) => choice.delta.content ?? '').join('')).toBe('Rain.');
      expect(deltas.at(-1).finish_reason).toBe('stop');
      expect(chunks.join('')).not.toContain('tool_calls');
    });

    it('a manual loop with X-Conversation-Id: the results alone continue the run', async () => {
      fake.enqueue({ toolCalls: [{ id: 'call_7', name: 'get_time', arguments: { zone: 'CET' } }] }, { text: 'One o’clock.' });
      const first = await client().chat.completions.create({ model: 'assistant', messages: [{ role: 'user', content: 'Time in Oslo?' }], tools: [CLOCK] }).withResponse();
      const conversationId = first.response.headers.get('x-conversation-id')!;
      const second = await client()
        .chat.completions.create({ model: 'assistant', messages: [{ role: 'tool', tool_call_id: 'call_7', content: '13:00' }], tools: [CLOCK] }, { headers: { 'X-Conversation-Id': conversationId } })
        .withResponse();
      expect(second.response.headers.get('x-run-id')).toBe(first.response.headers.get('x-run-id'));
      expect(second.data.choices[0]!.message.content).toBe('One o’clock.');
      expect(sent(1).at(-1)).toEqual({ role: 'tool', tool_call_id: 'call_7', content: '13:00' });
      expect((await messagesOf(conversationId)).map((row) => [row.role, row.status])).toEqual([
        ['user', 'COMPLETE'],
        ['assistant', 'COMPLETE'],
      ]);
    });

    it('streams a tool call as OpenAI does: delta.tool_calls with id, type and name, the arguments as deltas, then finish_reason "tool_calls"; the continuation streams the rest', async () => {
      fake.enqueue({ toolCalls: [{ id: 'call_1', name: 'get_time', arguments: { zone: 'UTC' } }] });
      const question = { role: 'user' as const, content: 'Time?' };
      const response = await post({ model: 'assistant', stream: true, messages: [question], tools: [CLOCK] });
      expect(response.status).toBe(200);
      const runId = response.headers.get('x-run-id')!;
      const chunks = dataLines(await response.text());
      expect(chunks.at(-1)).toBe('[DONE]');
      const parsed = chunks.slice(0, -1).map((chunk) => JSON.parse(chunk));
      for (const chunk of parsed) expect(chunk).toMatchObject({ id: `chatcmpl-${runId}`, object: 'chat.completion.chunk', model: 'assistant' });
      const deltas = parsed.map((chunk) => [chunk.choices[0].delta, chunk.choices[0].finish_reason]);
      expect(deltas[0]).toEqual([{ role: 'assistant', content: '', refusal: null }, null]);
      expect(deltas[1]).toEqual([{ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'get_time', arguments: '' } }] }, null]);
      const argumentDeltas = deltas.slice(2, -1);
      expect(argumentDeltas.length).toBeGreaterThan(0);
      for (const [delta, finish] of argumentDeltas) {
        expect(Object.keys(delta.tool_calls[0])).toEqual(['index', 'function']);
        expect(finish).toBeNull();
      }
      expect(argumentDeltas.map(([delta]) => delta.tool_calls[0].function.arguments).join('')).toBe('{"zone":"UTC"}');
      expect(deltas.at(-1)).toEqual([{}, 'tool_calls']);

      // The SDK's own accumulation of the same stream, then the continuation streamed.
      fake.enqueue({ toolCalls: [{ id: 'call_2', name: 'get_time', arguments: { zone: 'PST' } }] }, { text: 'It is four.' });
      const stream = client().chat.completions.stream({ model: 'assistant', messages: [question], tools: [CLOCK] });
      const completion = await stream.finalChatCompletion();
      expect(completion.choices[0]!.finish_reason).toBe('tool_calls');
      expect(completion.choices[0]!.message.tool_calls).toEqual([{ id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '{"zone":"PST"}' } }]);
      const rest = client().chat.completions.stream({
        model: 'assistant',
        messages: [question, completion.choices[0]!.message, { role: 'tool', tool_call_id: 'call_2', content: '04:00' }],
        tools: [CLOCK],
      });
      let text = '';
      for await (const chunk of rest) text += chunk.choices[0]?.delta.content ?? '';
      expect(text).toBe('It is four.');
      expect((await rest.finalChatCompletion()).choices[0]!.finish_reason).toBe('stop');
    });

    it('runTools with a zod function and a JSON function: the SDK runs each call and sends the results back; one run answers', async () => {
      fake.enqueue({ toolCalls: [{ id: 'call_1', name: 'get_time', arguments: { zone: 'UTC' } }] }, { text: 'Noon.' });
      const calls: string[] = [];
      const runner = client().chat.completions.runTools({
        model: 'assistant',
        messages: [{ role: 'user', content: 'Time?' }],
        tools: [zodFunction({ name: 'get_time', description: 'The time', parameters: z.object({ zone: z.string() }), function: async ({ zone }) => (calls.push(zone), `12:00 ${zone}`) })],
      });
      expect(await runner.finalContent()).toBe('Noon.');
      expect(calls).toEqual(['UTC']);
      expect(fake.requests).toHaveLength(2);
      expect(sent(1).at(-1)).toEqual({ role: 'tool', tool_call_id: 'call_1', content: '12:00 UTC' });
      const runs = await db().selectFrom('messages').select('run_id').distinct().execute();
      expect(runs).toHaveLength(1);

      fake.enqueue({ toolCalls: [{ id: 'call_3', name: 'get_time', arguments: '{"zone":"CET"}' }] }, { text: 'One.' });
      const streaming = client().chat.completions.runTools({
        model: 'assistant',
        stream: true,
        messages: [{ role: 'user', content: 'Time in Oslo?' }],
        tools: [{ type: 'function', function: { ...CLOCK.function, function: (args: string) => `13:00 for ${args}`, parse: JSON.parse } }],
      });
      expect(await streaming.finalContent()).toBe('One.');
      expect(sent(3).at(-1)).toEqual({ role: 'tool', tool_call_id: 'call_3', content: '13:00 for [object Object]' });
    });

    it('tool_choice and parallel_tool_calls reach the model; parallel calls come back together and are answered together', async () => {
      const ask = (extra: Record<string, unknown>) => client().chat.completions.create({ model: 'assistant', messages: [{ role: 'user', content: 'Go' }], tools: [CLOCK, WEATHER], ...extra } as never);
      await ask({ tool_choice: 'none' });
      await ask({ tool_choice: 'auto', parallel_tool_calls: false });
      fake.enqueue({ toolCalls: [{ id: 'call_r', name: 'get_weather', arguments: { city: 'Oslo' } }] });
      await ask({ tool_choice: 'required' });
      fake.enqueue({ toolCalls: [{ id: 'call_n', name: 'get_weather', arguments: { city: 'Bergen' } }] });
      await ask({ tool_choice: { type: 'function', function: { name: 'get_weather' } } });
      expect(fake.requests.map((request) => [request.body.tool_choice, request.body.parallel_tool_calls])).toEqual([
        ['none', undefined],
        ['auto', false],
        ['required', undefined],
        [{ type: 'function', function: { name: 'get_weather' } }, undefined],
      ]);

      fake.reset();
      fake.enqueue(
        {
          toolCalls: [
            { id: 'call_a', name: 'get_time', arguments: { zone: 'UTC' } },
            { id: 'call_b', name: 'get_weather', arguments: { city: 'Oslo' } },
          ],
        },
        { text: 'Noon and snowing.' },
      );
      const question = { role: 'user' as const, content: 'Time and weather?' };
      const first = await client().chat.completions.create({ model: 'assistant', messages: [question], tools: [CLOCK, WEATHER], parallel_tool_calls: true });
      expect(first.choices[0]!.message.tool_calls!.map((call) => (call.type === 'function' ? [call.id, call.function.name] : []))).toEqual([
        ['call_a', 'get_time'],
        ['call_b', 'get_weather'],
      ]);
      // One result of two: OpenAI's own refusal, nothing changed.
      const half = await refusal({ model: 'assistant', messages: [question, first.choices[0]!.message, { role: 'tool', tool_call_id: 'call_a', content: '12:00' }], tools: [CLOCK, WEATHER] });
      expect(half).toMatchObject({ status: 400, error: { type: 'invalid_request_error', param: 'messages[1]' } });
      expect(half.error.message).toContain('call_b');
      const done = await client().chat.completions.create({
        model: 'assistant',
        messages: [question, first.choices[0]!.message, { role: 'tool', tool_call_id: 'call_b', content: 'snow' }, { role: 'tool', tool_call_id: 'call_a', content: '12:00' }],
        tools: [CLOCK, WEATHER],
      });
      expect(done.choices[0]!.message.content).toBe('Noon and snowing.');
      expect(fake.requests).toHaveLength(2);
      expect(sent(1).slice(-2)).toEqual([
        { role: 'tool', tool_call_id: 'call_a', content: '12:00' },
        { role: 'tool', tool_call_id: 'call_b', content: 'snow' },
      ]);
    });
  });

  describe('the Vercel AI SDK (@ai-sdk/openai-compatible)', () => {
    const provider = () => createOpenAICompatible({ name: 'muxgate', baseURL: `${gw.url}/v1`, apiKey: USER_KEY, includeUsage: true });

    it('generateText and streamText with client tools and stopWhen: stepCountIs(3): each step’s results continue the run', async () => {
      const getTime = aiTool({ description: 'The time', inputSchema: z.object({ zone: z.string() }), execute: async ({ zone }) => ({ time: `12:00 ${zone}` }) });
      fake.enqueue({ toolCalls: [{ id: 'call_1', name: 'getTime', arguments: { zone: 'UTC' } }] }, { toolCalls: [{ id: 'call_2', name: 'getTime', arguments: { zone: 'CET' } }] }, { text: 'Noon, one.' });
      const generated = await generateText({ model: provider()('assistant'), prompt: 'Times?', tools: { getTime }, stopWhen: stepCountIs(3) });
      expect(generated.text).toBe('Noon, one.');
      expect(generated.steps.map((step) => step.finishReason)).toEqual(['tool-calls', 'tool-calls', 'stop']);
      expect(sent(2).slice(1).map((message: { role: string }) => message.role)).toEqual(['assistant', 'tool', 'assistant', 'tool']);
      expect(sent(2).at(-1)).toEqual({ role: 'tool', tool_call_id: 'call_2', content: '{"time":"12:00 CET"}' });
      expect(await db().selectFrom('messages').select('run_id').distinct().execute()).toHaveLength(1);

      fake.reset();
      fake.enqueue({ toolCalls: [{ id: 'call_3', name: 'getTime', arguments: { zone: 'PST' } }] }, { text: 'Four.' });
      const streamed = streamText({ model: provider()('assistant'), prompt: 'Time in LA?', tools: { getTime }, stopWhen: stepCountIs(3) });
      expect(await streamed.text).toBe('Four.');
      expect((await streamed.steps).map((step) => step.toolCalls.map((call) => [call.toolCallId, call.input]))).toEqual([[['call_3', { zone: 'PST' }]], []]);
    });

    it('a tool without execute ends the step; its result, added through the UI messages (output-available), is answered by a second call', async () => {
      const tools = { getLocation: aiTool({ description: 'Where the user is', inputSchema: z.object({}) }) };
      fake.enqueue({ toolCalls: [{ id: 'call_9', name: 'getLocation', arguments: {} }] }, { text: 'You are in Oslo.' });
      const history: UIMessage[] = [{ id: 'u1', role: 'user', parts: [{ type: 'text', text: 'Where am I?' }] }];
      const first = streamText({ model: provider()('assistant'), messages: await convertToModelMessages(history), tools });
      let assistant: UIMessage | undefined;
      for await (const message of readUIMessageStream({ stream: first.toUIMessageStream() })) assistant = message;
      const part = assistant!.parts.find((p) => p.type === 'tool-getLocation');
      expect(part).toMatchObject({ toolCallId: 'call_9', state: 'input-available', input: {} });
      // What useChat's addToolResult does on the client.
      Object.assign(part!, { state: 'output-available', output: { city: 'Oslo' } });
      const second = streamText({ model: provider()('assistant'), messages: await convertToModelMessages([...history, assistant!]), tools });
      expect(await second.text).toBe('You are in Oslo.');
      expect(sent(1).at(-1)).toEqual({ role: 'tool', tool_call_id: 'call_9', content: '{"city":"Oslo"}' });
      const rows = await db().selectFrom('messages').select(['role', 'content', 'status']).orderBy('ordinal').execute();
      expect(rows).toEqual([
        { role: 'user', content: 'Where am I?', status: 'COMPLETE' },
        { role: 'assistant', content: 'You are in Oslo.', status: 'COMPLETE' },
      ]);
    });
  });

  it('LangChain ChatOpenAI.bindTools: the AIMessage’s tool_calls, then the ToolMessage answered; two messages, two ids', async () => {
    const getTime = langchainTool(async ({ zone }: { zone: string }) => `12:00 ${zone}`, { name: 'get_time', description: 'The time', schema: z.object({ zone: z.string() }) });
    const model = new ChatOpenAI({ model: 'assistant', apiKey: USER_KEY, configuration: { baseURL: `${gw.url}/v1` }, maxRetries: 0 }).bindTools([getTime]);
    fake.enqueue({ toolCalls: [{ id: 'call_1', name: 'get_time', arguments: { zone: 'UTC' } }] }, { text: 'Noon.' });
    const question = new HumanMessage('Time?');
    const asked = await model.invoke([question]);
    expect(asked.tool_calls).toEqual([{ name: 'get_time', args: { zone: 'UTC' }, id: 'call_1', type: 'tool_call' }]);
    const result = (await getTime.invoke(asked.tool_calls![0]!)) as ToolMessage;
    const answered = await model.invoke([question, asked, result]);
    expect(answered.content).toBe('Noon.');
    expect(answered.id).not.toBe(asked.id);
    expect(sent(1).at(-1)).toEqual({ role: 'tool', tool_call_id: 'call_1', content: '12:00 UTC' });
  });

  describe('the OpenAI Agents SDK over chat completions', () => {
    const model = () => new OpenAIChatCompletionsModel(client(), 'assistant');

    it('a function tool: the SDK runs it and the run goes on', async () => {
      const agent = new Agent({ name: 'clock', instructions: 'Tell the time.', model: model(), tools: [agentTool({ name: 'get_time', description: 'The time', parameters: z.object({ zone: z.string() }), execute: async ({ zone }) => `12:00 ${zone}` })] });
      fake.enqueue({ toolCalls: [{ id: 'call_1', name: 'get_time', arguments: { zone: 'UTC' } }] }, { text: 'Noon.' });
      const result = await run(agent, 'Time?');
      expect(result.finalOutput).toBe('Noon.');
      expect(sent(1).slice(-2)).toEqual([
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_time', arguments: '{"zone":"UTC"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: '12:00 UTC' },
      ]);
    });

    it('needsApproval is the SDK’s own pause: nothing is asked of the gateway until the decision; a refusal goes back as the tool’s result', async () => {
      let ran = 0;
      const agent = new Agent({
        name: 'clock',
        instructions: 'Tell the time.',
        model: model(),
        tools: [agentTool({ name: 'get_time', description: 'The time', parameters: z.object({ zone: z.string() }), needsApproval: true, execute: async ({ zone }) => (ran++, `12:00 ${zone}`) })],
      });
      fake.enqueue({ toolCalls: [{ id: 'call_1', name: 'get_time', arguments: { zone: 'UTC' } }] }, { text: 'I may not look.' });
      const paused = await run(agent, 'Time?');
      expect(paused.interruptions).toHaveLength(1);
      expect(fake.requests).toHaveLength(1);
      const waiting = await db().selectFrom('messages').select('status').where('role', '=', 'assistant').executeTakeFirstOrThrow();
      expect(waiting.status).toBe('WAITING');
      paused.state.reject(paused.interruptions[0]!);
      const resumed = await run(agent, paused.state);
      expect(resumed.finalOutput).toBe('I may not look.');
      expect(ran).toBe(0);
      expect(sent(1).at(-1)).toEqual({ role: 'tool', tool_call_id: 'call_1', content: 'Tool execution was not approved.' });
    });
  });

  describe('bad input: 400 in OpenAI’s shape, nothing asked of the model, nothing stored', () => {
    const ask = (extra: Record<string, unknown>, messages: unknown[] = [{ role: 'user', content: 'Go' }]) => refusal({ model: 'assistant', messages, ...extra });

    it('refuses tools and tool_choice OpenAI would refuse, naming the parameter', async () => {
      expect(await ask({ tools: [CLOCK], tool_choice: { type: 'function', function: { name: 'get_weather' } } })).toMatchObject({
        status: 400,
        error: { type: 'invalid_request_error', param: 'tool_choice', code: 'invalid_value' },
      });
      expect((await ask({ tool_choice: 'required' })).error).toMatchObject({ param: 'tool_choice' });
      expect((await ask({ tools: [CLOCK], tool_choice: 'sometimes' })).error).toMatchObject({ param: 'tool_choice' });
      expect((await ask({ tools: [{ type: 'web_search' }] })).error).toMatchObject({ param: 'tools[0].type', code: 'invalid_value' });
      expect((await ask({ tools: [{ type: 'function', function: { ...CLOCK.function, name: 'get time!' } }] })).error).toMatchObject({ param: 'tools[0].function.name' });
      expect((await ask({ tools: [{ type: 'function', function: { ...CLOCK.function, name: 'x'.repeat(65) } }] })).error).toMatchObject({ param: 'tools[0].function.name' });
      expect((await ask({ tools: [CLOCK, CLOCK] })).error).toMatchObject({ param: 'tools[1].function.name' });
      expect((await ask({ tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'string' } } }] })).error).toMatchObject({
        param: 'tools[0].function.parameters',
        code: 'invalid_function_parameters',
      });
      expect((await ask({ tools: [{ type: 'function', function: { name: 'f', parameters: 'none' } }] })).error).toMatchObject({ param: 'tools[0].function.parameters', code: 'invalid_type' });
      expect((await ask({ tools: [CLOCK], parallel_tool_calls: 'yes' })).error).toMatchObject({ param: 'parallel_tool_calls', code: 'invalid_type' });
      expect(fake.requests).toHaveLength(0);
      expect(await messageCount()).toBe(0);
    });

    it('refuses a client tool named as one of the agent’s own', async () => {
      const clash = await refusal({ model: 'forecaster', messages: [{ role: 'user', content: 'Go' }], tools: [{ type: 'function', function: { ...WEATHER.function, name: 'weather' } }] });
      expect(clash).toMatchObject({ status: 400, error: { type: 'invalid_request_error', param: 'tools[0].function.name' } });
      expect(clash.error.message).toMatch(/^tools\[0\]\.function\.name: "weather" is one of the agent's own tools/);
      expect(fake.requests).toHaveLength(0);
      expect(await messageCount()).toBe(0);
    });

    it('refuses a schema that is not JSON Schema', async () => {
      const bad = await ask({ tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: { a: { type: 'strng' } } } } }] });
      expect(bad).toMatchObject({ status: 400, error: { type: 'invalid_request_error', param: 'tools[0].function.parameters' } });
      expect(fake.requests).toHaveLength(0);
      expect(await messageCount()).toBe(0);
    });

    it('refuses tool results that answer no call: the whole history checked as OpenAI checks it, a stored run by its calls', async () => {
      const call = { id: 'call_1', type: 'function', function: { name: 'get_time', arguments: '{}' } };
      const question = { role: 'user', content: 'Time?' };
      // Not one of the assistant message's calls.
      expect(await ask({ tools: [CLOCK] }, [question, { role: 'assistant', content: null, tool_calls: [call] }, { role: 'tool', tool_call_id: 'call_2', content: 'x' }])).toMatchObject({
        status: 400,
        error: { param: 'messages[2].tool_call_id' },
      });
      // Two results for one call.
      expect(
        (await ask({ tools: [CLOCK] }, [question, { role: 'assistant', content: null, tool_calls: [call] }, { role: 'tool', tool_call_id: 'call_1', content: 'x' }, { role: 'tool', tool_call_id: 'call_1', content: 'y' }])).error,
      ).toMatchObject({ param: 'messages[3].tool_call_id' });
      // After a message that called nothing.
      expect((await ask({ tools: [CLOCK] }, [question, { role: 'tool', tool_call_id: 'call_1', content: 'x' }])).error).toMatchObject({ param: 'messages[1]' });
      // The last message an assistant's: neither a turn nor results.
      expect((await ask({}, [question, { role: 'assistant', content: 'Hi' }])).error).toMatchObject({ param: 'messages[1]' });
      expect(fake.requests).toHaveLength(0);
      expect(await messageCount()).toBe(0);
    });

    it('refuses results for calls no waiting run made, and a second result for a call already answered; the waiting run unchanged', async () => {
      const question = { role: 'user', content: 'Time?' };
      const call = { id: 'call_unknown', type: 'function', function: { name: 'get_time', arguments: '{}' } };
      const unknown = await ask({ tools: [CLOCK] }, [question, { role: 'assistant', content: null, tool_calls: [call] }, { role: 'tool', tool_call_id: 'call_unknown', content: 'x' }]);
      expect(unknown).toMatchObject({ status: 400, error: { type: 'invalid_request_error' } });
      expect(await messageCount()).toBe(0);

      fake.enqueue({ toolCalls: [{ id: 'call_1', name: 'get_time', arguments: { zone: 'UTC' } }] }, { text: 'Noon.' });
      const first = await post({ model: 'assistant', messages: [question], tools: [CLOCK] });
      const conversationId = first.headers.get('x-conversation-id')!;
      const wrong = await refusal({ model: 'assistant', messages: [{ role: 'tool', tool_call_id: 'call_other', content: 'x' }] }, { 'X-Conversation-Id': conversationId });
      expect(wrong).toMatchObject({ status: 400, error: { type: 'invalid_request_error' } });
      expect((await messagesOf(conversationId)).map((row) => row.status)).toEqual(['COMPLETE', 'WAITING']);
      expect(fake.requests).toHaveLength(1);

      const done = await post({ model: 'assistant', messages: [{ role: 'tool', tool_call_id: 'call_1', content: '12:00' }] }, { 'X-Conversation-Id': conversationId });
      expect(done.status).toBe(200);
      const again = await refusal({ model: 'assistant', messages: [{ role: 'tool', tool_call_id: 'call_1', content: '12:00' }] }, { 'X-Conversation-Id': conversationId });
      expect(again).toMatchObject({ status: 400, error: { type: 'invalid_request_error' } });
      expect(fake.requests).toHaveLength(2);
    });
  });
});
