import { ChatOpenAI } from '@langchain/openai';
import OpenAI from 'openai';
import { zodResponseFormat } from 'openai/helpers/zod';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { storageBackendNames } from './support/backends.js';
import type { FakeOpenAI } from './support/fake-openai.js';
import { ADMIN_KEY, type TestGateway, USER_KEY } from './support/gateway.js';
import { upstreamWorld } from './support/gateway-with-upstream.js';
import { createAgent, SYSTEM } from './support/memory.js';
import { eventsOf, openStream, rest } from './support/rest.js';
import { collect } from './support/subscriptions.js';

/**
 * Structured answers: a response format (the chat's, or its agent's) goes to the model as a
 * json_schema response_format; the answer is checked (ajv) and delivered parsed in
 * MessageCompleted.json; a bad answer is retried once with the errors, then fails INVALID_OUTPUT.
 * Over graphql-ws, the chat mutation, REST, /v1 with the openai SDK, and LangChain.
 */

const WEATHER = {
  type: 'object',
  properties: { city: { type: 'string' }, celsius: { type: 'number' } },
  required: ['city', 'celsius'],
  additionalProperties: false,
};
const VALID = ['{"city":', '"Oslo","celsius":-3}'];
const PARSED = { city: 'Oslo', celsius: -3 };

const EVENTS = `
  __typename
  ... on RunEventFields { runId seq }
  ... on TokenDelta { text }
  ... on AnswerRejected { errors }
  ... on MessageCompleted { messageId content json }
  ... on RunFailed { code message retryable partialMessageId }`;
const CHAT_STREAM = `subscription($input: ChatInput!) { chatStream(input: $input) { ${EVENTS} } }`;
const CHAT = `mutation($input: ChatInput!) { chat(input: $input) { runId conversationId json message { id content status } } }`;

describe.each(storageBackendNames())('structured answers on %s', (backend) => {
  let fake: FakeOpenAI, gw: TestGateway, alice: string;

  const rows = () => gw.database.db.selectFrom('messages').select(['role', 'content', 'status', 'error_code']).orderBy('ordinal').execute();
  const stream = async (input: Record<string, unknown>) => {
    const client = gw.ws({ authorization: `Bearer ${alice}` });
    try {
      const sub = collect(client, CHAT_STREAM, { input: { agentId: 'shaper', message: 'Weather in Oslo?', ...input } });
      await sub.ended();
      expect(sub.error).toBeUndefined();
      return sub.results.map((result) => {
        expect(result.errors).toBeUndefined();
        return (result.data as any).chatStream;
      });
    } finally {
      await client.dispose();
    }
  };
  const chat = (input: Record<string, unknown>) => gw.gql(CHAT, { input: { agentId: 'shaper', message: 'Weather in Oslo?', ...input } }, alice);
  const openai = () => new OpenAI({ apiKey: USER_KEY, baseURL: `${gw.url}/v1`, maxRetries: 0, timeout: 20_000 });

  const world = upstreamWorld(backend, { ENABLE_EMBEDDINGS: 'false' }, () => createAgent(gw, { id: 'shaper', systemMessage: SYSTEM }));
  beforeAll(() => {
    ({ fake, gw, alice } = world);
  });

  it('asks the model for the schema and delivers the answer parsed over graphql-ws', async () => {
    fake.enqueue({ tokens: VALID });
    const events = await stream({ responseFormat: { schema: WEATHER } });
    expect(events.filter((e) => e.__typename === 'TokenDelta').map((e) => e.text)).toEqual(VALID);
    expect(events.at(-1)).toMatchObject({ __typename: 'MessageCompleted', content: VALID.join(''), json: PARSED });
    // A closed schema with every property required fits strict mode: sent strict.
    expect(fake.requests[0]!.body.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'answer', schema: WEATHER, strict: true } });
    expect((await rows()).at(-1)).toMatchObject({ role: 'assistant', content: VALID.join(''), status: 'COMPLETE' });
  });

  it('answers the chat mutation with json; a schema strict mode refuses is sent with strict: false', async () => {
    const open = { type: 'object', properties: { city: { type: 'string' }, note: { type: 'string' } }, required: ['city'] };
    fake.enqueue({ text: '{"city":"Oslo"}' });
    const response = await chat({ responseFormat: { name: 'place', schema: open } });
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data.chat).toMatchObject({ json: { city: 'Oslo' }, message: { content: '{"city":"Oslo"}', status: 'COMPLETE' } });
    expect(fake.requests[0]!.body.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'place', schema: open, strict: false } });
    // A text answer has no json.
    fake.enqueue({ text: 'Cold.' });
    const text = await chat({});
    expect(text.body.data.chat).toMatchObject({ json: null, message: { content: 'Cold.' } });
    expect(fake.requests[1]!.body.response_format).toBeUndefined();
  });

  it('retries an answer that fails the schema once, showing the model its answer and the errors', async () => {
    fake.enqueue({ text: 'It is cold in Oslo.' }, { tokens: VALID });
    const events = await stream({ responseFormat: { schema: WEATHER } });
    const rejected = events.find((e) => e.__typename === 'AnswerRejected');
    expect(rejected.errors[0]).toMatch(/^the answer is not JSON/);
    const afterRejection = events.slice(events.indexOf(rejected) + 1);
    expect(afterRejection.filter((e) => e.__typename === 'TokenDelta').map((e) => e.text).join('')).toBe(VALID.join(''));
    expect(events.at(-1)).toMatchObject({ __typename: 'MessageCompleted', content: VALID.join(''), json: PARSED });
    const retry = fake.requests[1]!.body;
    expect(retry.response_format.type).toBe('json_schema');
    expect(retry.messages.at(-2)).toEqual({ role: 'assistant', content: 'It is cold in Oslo.' });
    expect(retry.messages.at(-1).role).toBe('user');
    expect(retry.messages.at(-1).content).toContain(rejected.errors[0]);
    expect((await rows()).at(-1)).toMatchObject({ content: VALID.join(''), status: 'COMPLETE' });

    // A schema violation is named by ajv: the property that is missing.
    fake.reset();
    fake.enqueue({ text: '{"city":"Oslo"}' }, { tokens: VALID });
    const second = await stream({ responseFormat: { schema: WEATHER } });
    expect(second.find((e) => e.__typename === 'AnswerRejected').errors).toEqual(["/ must have required property 'celsius'"]);
    expect(fake.requests[1]!.body.messages.at(-1).content).toContain("/ must have required property 'celsius'");
  });

  it('fails INVALID_OUTPUT after a second bad answer, the raw text stored on the FAILED answer', async () => {
    fake.enqueue({ text: 'Cold.' }, { text: '{"city":"Oslo","celsius":"cold"}' });
    const events = await stream({ responseFormat: { schema: WEATHER } });
    expect(events.filter((e) => e.__typename === 'AnswerRejected')).toHaveLength(1);
    const failed = events.at(-1);
    expect(failed).toMatchObject({ __typename: 'RunFailed', code: 'INVALID_OUTPUT', retryable: true });
    expect(failed.message).toContain('/celsius must be number');
    expect((await rows()).at(-1)).toEqual({ role: 'assistant', content: '{"city":"Oslo","celsius":"cold"}', status: 'FAILED', error_code: 'INVALID_OUTPUT' });
    expect(fake.requests).toHaveLength(2);

    // The mutation reports it as an error with the code and the stored answer's id.
    fake.enqueue({ text: 'Cold.' }, { text: 'Still cold.' });
    const response = await chat({ responseFormat: { schema: WEATHER } });
    expect(response.body.errors?.[0]?.extensions).toMatchObject({ code: 'INVALID_OUTPUT', partialMessageId: expect.any(String) });
  });

  it('refuses a schema that does not compile as BAD_USER_INPUT, storing nothing and calling no model', async () => {
    for (const schema of [{ type: 'nope' }, { type: 'object', properties: { a: { $ref: '#/$defs/missing' } } }, ['not', 'an', 'object']]) {
      const response = await chat({ responseFormat: { schema } });
      expect(response.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(response.body.errors?.[0]?.message).toMatch(/responseFormat\.schema/);
    }
    expect(await rows()).toEqual([]);
    expect(await gw.database.db.selectFrom('conversations').selectAll().execute()).toEqual([]);
    expect(fake.requests).toHaveLength(0);
  });

  it("uses the agent's default response format unless the chat gives its own", async () => {
    const created = await gw.gql(
      `mutation($input: CreateAgentInput!) { createAgent(input: $input) { id responseFormat } }`,
      { input: { id: 'forecaster', responseFormat: { name: 'weather', schema: WEATHER } } },
      ADMIN_KEY,
    );
    expect(created.body.data.createAgent.responseFormat).toEqual({ type: 'json_schema', name: 'weather', schema: WEATHER });
    fake.enqueue({ tokens: VALID });
    const response = await chat({ agentId: 'forecaster' });
    expect(response.body.data.chat.json).toEqual(PARSED);
    expect(fake.requests[0]!.body.response_format.json_schema.name).toBe('weather');

    const bad = await gw.gql(`mutation { updateAgent(id: "forecaster", input: { responseFormat: { schema: { type: 7 } } }) { id } }`, {}, ADMIN_KEY);
    expect(bad.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const cleared = await gw.gql(`mutation { updateAgent(id: "forecaster", input: { responseFormat: null }) { responseFormat } }`, {}, ADMIN_KEY);
    expect(cleared.body.data.updateAgent.responseFormat).toBeNull();
    fake.enqueue({ text: 'Cold.' });
    expect((await chat({ agentId: 'forecaster' })).body.data.chat.json).toBeNull();

    // REST creates agents with one too.
    const restAgent = await rest(gw, 'POST', '/agents', { key: ADMIN_KEY, body: { agent_id: 'rest-shaper', response_format: { schema: WEATHER } } });
    expect(restAgent.status).toBe(201);
    expect(restAgent.body.response_format).toEqual({ type: 'json_schema', name: 'answer', schema: WEATHER });
  });

  it('takes response_format on the REST chat and carries json in the answer and the SSE events', async () => {
    fake.enqueue({ tokens: VALID });
    const answered = await rest(gw, 'POST', '/chat/shaper', { key: USER_KEY, body: { message: 'Weather?', response_format: { schema: WEATHER } } });
    expect(answered.status).toBe(200);
    expect(answered.body).toMatchObject({ response: VALID.join(''), json: PARSED });

    fake.enqueue({ text: 'Cold.' }, { tokens: VALID });
    const { blocks } = await openStream(gw, '/runs', { key: USER_KEY, body: { message: 'Weather?', agent_id: 'shaper', response_format: { name: 'weather', schema: WEATHER } } });
    const events = await eventsOf(blocks);
    const byEvent = (name: string) => events.filter((b) => b.event === name).map((b) => b.data);
    expect(byEvent('AnswerRejected')[0].errors[0]).toMatch(/not JSON/);
    expect(byEvent('MessageCompleted')[0]).toMatchObject({ content: VALID.join(''), json: PARSED });

    const bad = await rest(gw, 'POST', '/chat/shaper', { key: USER_KEY, body: { message: 'Weather?', response_format: { schema: { type: 'nope' } } } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('BAD_USER_INPUT');
    expect(bad.body.error.message).toMatch(/^response_format\.schema is not a valid JSON Schema/);
  });

  it('passes /v1 json_schema through: the openai SDK parses the answer (zodResponseFormat)', async () => {
    const Weather = z.object({ city: z.string(), celsius: z.number() });
    fake.enqueue({ text: 'Cold.' }, { tokens: VALID });
    const completion = await openai().chat.completions.parse({
      model: 'shaper',
      messages: [{ role: 'user', content: 'Weather in Oslo?' }],
      response_format: zodResponseFormat(Weather, 'weather'),
    });
    expect(completion.choices[0]!.message.parsed).toEqual(PARSED);
    expect(completion.choices[0]!.message.content).toBe(VALID.join(''));
    expect(fake.requests[0]!.body.response_format).toMatchObject({ type: 'json_schema', json_schema: { name: 'weather', strict: true } });

    // Streaming: a rejected attempt is never written; the one content chunk is the checked answer.
    fake.enqueue({ text: 'Cold.' }, { tokens: VALID });
    const chunks = await openai().chat.completions.create({
      model: 'shaper',
      stream: true,
      messages: [{ role: 'user', content: 'Weather in Oslo?' }],
      response_format: { type: 'json_schema', json_schema: { name: 'weather', schema: WEATHER } },
    });
    let streamed = '';
    for await (const chunk of chunks) streamed += chunk.choices[0]?.delta.content ?? '';
    expect(JSON.parse(streamed)).toEqual(PARSED);
  });

  it('passes /v1 json_object through, and reports INVALID_OUTPUT and bad schemas as OpenAI errors', async () => {
    fake.enqueue({ text: '[1, 2]' }, { text: '{"ok":true}' });
    const completion = await openai().chat.completions.create({ model: 'shaper', messages: [{ role: 'user', content: 'JSON please' }], response_format: { type: 'json_object' } });
    expect(JSON.parse(completion.choices[0]!.message.content!)).toEqual({ ok: true });
    expect(fake.requests[0]!.body.response_format).toEqual({ type: 'json_object' });
    expect(fake.requests[1]!.body.messages.at(-1).content).toContain('the answer must be a JSON object');

    fake.enqueue({ text: 'no' }, { text: 'still no' });
    const failure = await openai()
      .chat.completions.create({ model: 'shaper', messages: [{ role: 'user', content: 'JSON please' }], response_format: { type: 'json_object' } })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.InternalServerError);
    expect(failure).toMatchObject({ status: 502, code: 'invalid_output', type: 'server_error' });
    expect(fake.requests).toHaveLength(4);

    const invalid = await openai()
      .chat.completions.create({
        model: 'shaper',
        messages: [{ role: 'user', content: 'JSON please' }],
        response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'nope' } } },
      })
      .catch((error: unknown) => error);
    expect(invalid).toBeInstanceOf(OpenAI.BadRequestError);
    expect(invalid).toMatchObject({ status: 400, type: 'invalid_request_error', param: 'response_format.json_schema.schema' });
    expect(fake.requests).toHaveLength(4);

    // text stays a text answer.
    fake.enqueue({ text: 'Cold.' });
    const text = await openai().chat.completions.create({ model: 'shaper', messages: [{ role: 'user', content: 'Weather?' }], response_format: { type: 'text' } });
    expect(text.choices[0]!.message.content).toBe('Cold.');
    expect(fake.requests[4]!.body.response_format).toBeUndefined();
  });

  it("drives /v1 with LangChain's withStructuredOutput unchanged (json_schema and json mode)", async () => {
    const model = new ChatOpenAI({ model: 'shaper', apiKey: USER_KEY, configuration: { baseURL: `${gw.url}/v1` }, maxRetries: 0 });
    const Weather = z.object({ city: z.string(), celsius: z.number() });
    fake.enqueue({ tokens: VALID });
    expect(await model.withStructuredOutput(Weather, { name: 'weather' }).invoke('Weather in Oslo?')).toEqual(PARSED);
    expect(fake.requests[0]!.body.response_format).toMatchObject({ type: 'json_schema', json_schema: { name: 'weather' } });

    fake.enqueue({ text: 'Cold.' }, { tokens: VALID });
    expect(await model.withStructuredOutput(Weather, { method: 'jsonMode' }).invoke('Weather in Oslo? Answer in JSON.')).toEqual(PARSED);
    expect(fake.requests[1]!.body.response_format).toEqual({ type: 'json_object' });
  });
});
