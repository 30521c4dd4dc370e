import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { expect } from 'vitest';
import type { Behaviour, RecordedRequest } from './fake-openai.js';
import { ADMIN_KEY, type TestGateway } from './gateway.js';
import { Samples } from './prometheus.js';
import { readEventStream } from './subscriptions.js';
import { collect } from './subscriptions.js';

/** Shared by the memory tests (test/memory-*.test.ts): what the model was sent, counted as the gateway counts it. */

export const SYSTEM = 'You are terse.';
/** The headings src/core/memory/prompt-window.ts puts before memory's lines in the system message. */
export const USER_CONTEXT_HEADING = '\n\nWhat you know about the user (from memory):';
export const MEMORIES_HEADING = '\n\nRelevant memories (most relevant first):';

export interface SentMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string | null;
  tool_calls?: Array<{ id?: string; function: { name: string; arguments: string } }>;
  tool_call_id?: string;
}

/** The fact extractor's request: the only one asking for a JSON schema. */
export const isExtraction = (request: RecordedRequest) => request.body.response_format !== undefined;
export const answerRequests = (requests: RecordedRequest[]) => requests.filter((r) => !isExtraction(r));
export const extractionRequests = (requests: RecordedRequest[]) => requests.filter(isExtraction);

/** With nothing else said: "echo: <last user message>", as the fake's own default. */
export const echo = (request: RecordedRequest): Behaviour => {
  const last = [...(request.body.messages ?? [])].reverse().find((m: SentMessage) => m.role === 'user');
  return { text: `echo: ${last?.content ?? ''}` };
};

/** o200k_base tokens of one message as OpenAI's chat format bills it: 4 beyond its text (tool calls' names and arguments included). */
export function messageTokens(message: SentMessage): number {
  let text = message.content ?? '';
  if (message.tool_calls) text += message.tool_calls.map((call) => call.function.name + call.function.arguments).join('');
  return 4 + countTokens(text);
}

/** A whole request's prompt tokens: every message, and 3 for the reply's priming. */
export const promptTokens = (messages: SentMessage[]) => messages.reduce((sum, message) => sum + messageTokens(message), 3);

/** The memory sections of a system message: user-context lines and memory lines, each without its "- ". */
export function memorySections(system: string, agentSystem = SYSTEM): { userContext: string[]; memories: string[] } {
  expect(system.startsWith(agentSystem)).toBe(true);
  let rest = system.slice(agentSystem.length);
  const take = (heading: string) => {
    if (!rest.startsWith(heading)) return [];
    const end = rest.indexOf('\n\n', heading.length);
    const block = end === -1 ? rest.slice(heading.length) : rest.slice(heading.length, end);
    rest = end === -1 ? '' : rest.slice(end);
    return block
      .split('\n')
      .slice(1)
      .map((line) => {
        expect(line.startsWith('- ')).toBe(true);
        return line.slice(2);
      });
  };
  const userContext = take(USER_CONTEXT_HEADING);
  const memories = take(MEMORIES_HEADING);
  expect(rest).toBe('');
  return { userContext, memories };
}

/**
 * The prompt tokens memory added to one request, by the accounting usage.memoryTokens states: each
 * buffer message as a message, each section's heading, each line's text plus 2 (its newline and "- ").
 */
export function memoryTokensOf(messages: SentMessage[], agentSystem = SYSTEM): number {
  const system = messages[0]!;
  expect(system.role).toBe('system');
  const { userContext, memories } = memorySections(system.content!, agentSystem);
  const lines = [...userContext, ...memories].reduce((sum, line) => sum + 2 + countTokens(line), 0);
  const headings = (userContext.length ? countTokens(USER_CONTEXT_HEADING) : 0) + (memories.length ? countTokens(MEMORIES_HEADING) : 0);
  // The buffer: every message between the system message and the new user message.
  const lastUser = messages.findLastIndex((m) => m.role === 'user');
  const buffer = messages.slice(1, lastUser).reduce((sum, message) => sum + messageTokens(message), 0);
  return lines + headings + buffer;
}

export async function issueTokens(gw: TestGateway): Promise<{ alice: string; bob: string }> {
  const issue = async (userId: string) => {
    const response = await gw.gql(`mutation($u: ID!) { issueToken(userId: $u) { accessToken } }`, { u: userId }, ADMIN_KEY);
    return response.body.data.issueToken.accessToken as string;
  };
  return { alice: await issue('alice'), bob: await issue('bob') };
}

/** gw.reset() and the memory tables it leaves alone; background work first, so none of it lands after. */
export async function resetMemory(gw: TestGateway): Promise<void> {
  await gw.orchestrator.extractor?.settle();
  await gw.orchestrator.memoryIndexer.settle();
  await gw.reset();
  await gw.database.db.deleteFrom('memories').execute();
  await gw.database.db.deleteFrom('user_context_facts').execute();
}

export async function createAgent(gw: TestGateway, input: Record<string, unknown>): Promise<void> {
  const created = await gw.gql(`mutation($input: CreateAgentInput!) { createAgent(input: $input) { id } }`, { input }, ADMIN_KEY);
  expect(created.body.errors).toBeUndefined();
}

const USAGE = 'usage { promptTokens completionTokens totalTokens memoryTokens }';
export const CHAT = `mutation($input: ChatInput!) { chat(input: $input) { runId conversationId ${USAGE} message { id content } } }`;
export const CHAT_STREAM = `subscription($input: ChatInput!) { chatStream(input: $input) {
  __typename
  ... on RunStarted { runId conversationId }
  ... on MessageCompleted { messageId content ${USAGE} }
  ... on RunFailed { code message } } }`;

export const TRANSPORTS = ['http', 'sse', 'ws'] as const;
export type Transport = (typeof TRANSPORTS)[number];

export interface Answered {
  conversationId: string;
  messageId: string;
  content: string;
  usage: { promptTokens: number; completionTokens: number; totalTokens: number; memoryTokens: number | null } | null;
}

/** One chat to its end: the chat mutation over HTTP, chatStream over SSE or graphql-ws. */
export async function chatOver(gw: TestGateway, transport: Transport, credential: string, input: Record<string, unknown>): Promise<Answered> {
  if (transport === 'http') {
    const response = await gw.gql(CHAT, { input }, credential);
    expect(response.body.errors).toBeUndefined();
    const { conversationId, usage, message } = response.body.data.chat;
    return { conversationId, usage, messageId: message.id, content: message.content };
  }
  const events: any[] = [];
  if (transport === 'sse') {
    const response = await fetch(gw.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${credential}` },
      body: JSON.stringify({ query: CHAT_STREAM, variables: { input } }),
    });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    for await (const { event, data } of readEventStream(response)) {
      if (event !== 'next') continue;
      expect(data.errors).toBeUndefined();
      events.push(data.data.chatStream);
    }
  } else {
    const sub = collect(gw.ws({ authorization: `Bearer ${credential}` }), CHAT_STREAM, { input });
    await sub.ended();
    expect(sub.error).toBeUndefined();
    for (const result of sub.results as any[]) {
      expect(result.errors).toBeUndefined();
      events.push(result.data.chatStream);
    }
  }
  expect(events[0].__typename).toBe('RunStarted');
  const completed = events.at(-1);
  expect(completed.__typename).toBe('MessageCompleted');
  return { conversationId: events[0].conversationId, messageId: completed.messageId, content: completed.content, usage: completed.usage };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** How many `select memories` statements the gateway has run (from /metrics): a chat's memory searches, counted around it. */
export async function memoryStatements(gw: TestGateway): Promise<number> {
  const response = await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  return new Samples(await response.text())
    .series('muxgate_db_query_duration_seconds_count')
    .filter(({ labels }) => labels.statement === 'select memories')
    .reduce((sum, { value }) => sum + value, 0);
}
