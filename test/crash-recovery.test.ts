import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOpenAI, splitWords } from './support/fake-openai.js';
import { type GatewayProcess, postGraphQL, runGateway } from './support/process.js';
import { readEventStream } from './support/subscriptions.js';

const ADMIN = 'crash-test-admin-key-0123456789';
const asAdmin = { authorization: `Bearer ${ADMIN}` };
// Astral characters (two UTF-16 units, one character to SQL) check that checkpoints append at the right place.
const ANSWER = Array.from({ length: 60 }, (_, i) => (i % 7 === 3 ? `🌍word${i}` : `word${i}`)).join(' ');
const EVENTS = `__typename ... on RunEventFields { runId seq } ... on TokenDelta { text } ... on RunFailed { code message retryable partialMessageId }`;

let fake: FakeOpenAI;
let dataDir: string;
const processes: GatewayProcess[] = [];

beforeAll(async () => {
  fake = await FakeOpenAI.start();
  dataDir = await mkdtemp(join(tmpdir(), 'muxgate-crash-'));
});
afterAll(async () => {
  for (const p of processes) p.child.kill('SIGKILL');
  await fake?.close();
  await rm(dataDir, { recursive: true, force: true });
});

function start() {
  const gateway = runGateway({ DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', ADMIN_API_KEY: ADMIN, OPENAI_BASE_URL: fake.url, ANSWER_CHECKPOINT_MS: '100' });
  processes.push(gateway);
  return gateway;
}

const gql = async (url: string, query: string, variables: Record<string, unknown> = {}) => {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...asAdmin },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as any;
};

const MESSAGES = `query($id: ID!) { conversation(id: $id) { messages { id role content status errorCode } } }`;

// Processes on PGlite, a kill and a stale-lock takeover: room to spare.
describe('kill -9 mid-answer', { timeout: 120_000 }, () => {
  it('keeps the checkpointed text, marks the answer FAILED (INTERRUPTED) at the next start, and replays that end', async () => {
    const first = start();
    const [, url] = await first.waitFor(/listening on (http:\/\/\S+)/);
    await postGraphQL(url!, 'mutation { createAgent(input: { id: "assistant" }) { id } }', asAdmin);
    fake.enqueue({ text: ANSWER, hangAfterTokens: 38 });

    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...asAdmin },
      body: JSON.stringify({ query: `subscription { chatStream(input: { message: "first question" }) { ${EVENTS} ... on RunStarted { conversationId } } }` }),
    });
    // The upstream writes 38 tokens and hangs; a reader that falls behind gets them merged, so count text.
    const text = splitWords(ANSWER).slice(0, 38).join('');
    const seen: any[] = [];
    let received = '';
    for await (const { event, data } of readEventStream(response)) {
      if (event !== 'next') continue;
      seen.push(data.data.chatStream);
      if (data.data.chatStream.__typename === 'TokenDelta') received += data.data.chatStream.text;
      if (received === text) break;
    }
    const { runId, conversationId } = seen[0];

    // The answer is visible while it streams, and its text is checkpointed within ANSWER_CHECKPOINT_MS.
    const deadline = Date.now() + 10_000;
    let streaming: any;
    do {
      await new Promise((resolve) => setTimeout(resolve, 50));
      streaming = (await gql(url!, MESSAGES, { id: conversationId })).data.conversation.messages[1];
    } while (streaming.content !== text && Date.now() < deadline);
    expect(streaming).toMatchObject({ role: 'ASSISTANT', status: 'STREAMING', content: text });

    first.child.kill('SIGKILL');
    await first.exited;

    const second = start();
    const [, url2] = await second.waitFor(/listening on (http:\/\/\S+)/);
    expect(second.stdout()).toContain('1 answer(s) cut off when the gateway last stopped were marked FAILED (INTERRUPTED)');
    const messages = (await gql(url2!, MESSAGES, { id: conversationId })).data.conversation.messages;
    expect(messages.map((m: any) => [m.role, m.content, m.status, m.errorCode])).toEqual([
      ['USER', 'first question', 'COMPLETE', null],
      ['ASSISTANT', text, 'FAILED', 'INTERRUPTED'],
    ]);

    // runEvents after the restart: the run's end, numbered right after the last seq the client saw.
    const lastSeq = seen.at(-1).seq;
    const replay = await fetch(`${url2}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...asAdmin },
      body: JSON.stringify({ query: `subscription($runId: ID!, $after: Int) { runEvents(runId: $runId, after: $after) { ${EVENTS} } }`, variables: { runId, after: lastSeq } }),
    });
    const replayed: any[] = [];
    for await (const { event, data } of readEventStream(replay)) if (event === 'next') replayed.push(data.data?.runEvents ?? data);
    expect(replayed).toEqual([
      {
        __typename: 'RunFailed',
        runId,
        seq: lastSeq + 1,
        code: 'INTERRUPTED',
        message: expect.stringContaining('stopped before the answer was complete'),
        retryable: true,
        partialMessageId: messages[1].id,
      },
    ]);

    // The next turn's context: the question, the partial answer, the new question — in order.
    fake.enqueue({ text: 'second answer' });
    const next = await gql(url2!, `mutation($c: ID!) { chat(input: { message: "second question", conversationId: $c }) { message { content } } }`, { c: conversationId });
    expect(next.data.chat.message.content).toBe('second answer');
    expect(fake.requests.at(-1)!.body.messages.map((m: any) => [m.role, m.content])).toEqual([
      ['system', 'You are a helpful AI assistant.'],
      ['user', 'first question'],
      ['assistant', text],
      ['user', 'second question'],
    ]);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });
});
