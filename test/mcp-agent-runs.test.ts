// Agent runs that call MCP tools, end to end: a real gateway on PGlite, real MCP servers (ours over stdio and over
// streamable HTTP sessions, server-everything over stdio), the real openai SDK against the local fake upstream, and
// the run's events read as a client reads them (graphql-ws and GraphQL over SSE). Only the LLM API is faked.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BIG_PATTERN, bigText } from './fixtures/mcp/test-server.js';
import { type Behaviour, FakeOpenAI, type RecordedRequest } from './support/fake-openai.js';
import { ADMIN_KEY, startTestGateway, type TestGateway } from './support/gateway.js';
import {
  createTestMcpLog,
  everythingStdioCommand,
  type StdioServerCommand,
  startTestMcpHttpServer,
  type TestMcpHttpServer,
  type TestMcpLog,
  type TestMcpRecord,
  testMcpStdioCommand,
} from './support/mcp-servers.js';
import { readEventStream } from './support/subscriptions.js';
import { freePort } from './support/free-port.js';

const SLOW = 120_000;
/** A tool call that gets no answer by then is an error result (the crash test's bound). */
const TOOL_TIMEOUT_MS = 10_000;
const RESULT_MAX_CHARS = 50_000;
const OUR_TOOLS = ['echo', 'add', 'sleep', 'never', 'big', 'image', 'resource', 'fail', 'crash', 'add_tool'];

const EVENT_FIELDS = `
  __typename
  ... on RunEventFields { runId seq }
  ... on RunStarted { conversationId agentId }
  ... on AgentSelected { agentId strategy reason }
  ... on TokenDelta { text index }
  ... on ToolCallStarted { callId serverId tool arguments }
  ... on ToolCallCompleted { callId result isError durationMs }
  ... on MessageCompleted { messageId content finishReason }
  ... on RunFailed { code message retryable partialMessageId }`;
const CHAT_STREAM = `subscription($input: ChatInput!) { chatStream(input: $input) { ${EVENT_FIELDS} } }`;
const CHAT = `mutation($input: ChatInput!) { chat(input: $input) { runId message { content status } } }`;
const REGISTER = `mutation($input: RegisterMcpServerInput!) { registerMcpServer(input: $input) { id status error tools { name functionName } } }`;

let fake: FakeOpenAI;
let gw: TestGateway;
let alice: string;

/** Polls until `check` holds (a wait with a generous deadline, not a timing assertion). */
async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function admin<T = any>(query: string, variables?: Record<string, unknown>): Promise<T> {
  const { body } = await gw.gql<T>(query, variables, ADMIN_KEY);
  expect(body.errors).toBeUndefined();
  return body.data!;
}

async function registerStdio(id: string, command: StdioServerCommand) {
  const env = Object.entries(command.env).map(([name, value]) => ({ name, value }));
  const { registerMcpServer } = await admin(REGISTER, { input: { id, command: command.command, args: command.args, env } });
  return registerMcpServer;
}

async function registerUrl(id: string, url: string) {
  const { registerMcpServer } = await admin(REGISTER, { input: { id, url } });
  return registerMcpServer;
}

const removeServer = (id: string) => admin(`mutation($id: ID!) { removeMcpServer(id: $id) }`, { id });
const serverStatus = async (id: string): Promise<string> => (await admin(`query($id: ID!) { mcpServer(id: $id) { status } }`, { id })).mcpServer.status;
const createAgent = (id: string, tools: string[]) => admin(`mutation($input: CreateAgentInput!) { createAgent(input: $input) { id } }`, { input: { id, tools } });

/** The tool messages at the end of a recorded upstream request: the results of the step before. */
const toolMessages = (request: RecordedRequest): Array<{ role: 'tool'; tool_call_id: string; content: string }> => {
  const messages = request.body.messages as Array<{ role: string }>;
  const lastAssistant = messages.findLastIndex((message) => message.role === 'assistant');
  return messages.slice(lastAssistant + 1).filter((message) => message.role === 'tool') as never;
};
/** The model's answer after a tool round, built from the results it was given. */
const answerFromResults: (request: RecordedRequest) => Behaviour = (request) => ({ text: `Results: ${toolMessages(request).map((m) => m.content).join(' | ')}` });

type Via = 'ws' | 'sse';

/** One chatStream as a client sees it, over graphql-ws or GraphQL over SSE (POST with Accept: text/event-stream). */
interface ChatStream {
  events: any[];
  errors: unknown[];
  /** Settles when the server completes the stream. */
  done: Promise<void>;
  until(check: (events: any[]) => boolean, what: string, timeoutMs?: number): Promise<void>;
}

function chatStream(via: Via, input: Record<string, unknown>, credential = alice): ChatStream {
  const events: any[] = [];
  const errors: unknown[] = [];
  const take = (result: { data?: any; errors?: unknown }) => {
    if (result.errors) errors.push(result.errors);
    if (result.data?.chatStream) events.push(result.data.chatStream);
  };
  let done: Promise<void>;
  if (via === 'ws') {
    done = new Promise((resolve, reject) => {
      gw.ws({ authorization: `Bearer ${credential}` }).subscribe({ query: CHAT_STREAM, variables: { input } }, { next: take, error: reject, complete: resolve });
    });
  } else {
    done = (async () => {
      const response = await fetch(gw.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${credential}` },
        body: JSON.stringify({ query: CHAT_STREAM, variables: { input } }),
      });
      expect(response.headers.get('content-type')).toContain('text/event-stream');
      for await (const event of readEventStream(response)) {
        if (event.event === 'complete') return;
        if (event.event === 'next') take(event.data);
      }
    })();
  }
  done.catch(() => undefined);
  return {
    events,
    errors,
    done,
    until: (check, what, timeoutMs = 30_000) => waitFor(() => check(events) || errors.length > 0, `${what}; got ${JSON.stringify(events)}`, timeoutMs),
  };
}

/** Runs one chatStream to its end and checks it ended once, cleanly. */
async function streamToEnd(via: Via, input: Record<string, unknown>): Promise<any[]> {
  const stream = chatStream(via, input);
  await stream.done;
  expect(stream.errors).toEqual([]);
  expect(stream.events.filter((e) => e.__typename === 'MessageCompleted' || e.__typename === 'RunFailed')).toHaveLength(1);
  return stream.events;
}

const ofType = (events: any[], type: string) => events.filter((e) => e.__typename === type);
const tokensOf = (events: any[]) => ofType(events, 'TokenDelta').map((e) => e.text).join('');

beforeAll(async () => {
  fake = await FakeOpenAI.start();
  gw = await startTestGateway('pglite', {
    OPENAI_BASE_URL: fake.url,
    OPENAI_API_KEY: 'test-key',
    MEMORY_EMBEDDINGS: 'false',
    ENABLE_EMBEDDINGS: 'false',
    MCP_TOOL_TIMEOUT_MS: String(TOOL_TIMEOUT_MS),
    MCP_RECONNECT_MAX_MS: '1000',
    MCP_TOOL_RESULT_MAX_CHARS: String(RESULT_MAX_CHARS),
  });
  alice = (await admin(`mutation { issueToken(userId: "alice") { accessToken } }`)).issueToken.accessToken;
}, SLOW);

afterAll(async () => {
  await gw?.stop();
  await fake?.close();
}, SLOW);

beforeEach(async () => {
  fake.reset();
  await gw.reset();
});

interface FixtureServer {
  /** What the server saw so far (calls, cancellations, aborts), in order. */
  record(): TestMcpRecord;
  dispose(): Promise<void>;
}

const FIXTURE_TRANSPORTS: Array<{ name: string; start(): Promise<FixtureServer> }> = [
  {
    name: 'stdio',
    async start() {
      const log: TestMcpLog = await createTestMcpLog();
      const view = await registerStdio('fixture', testMcpStdioCommand({ MCP_TEST_LOG: log.file }));
      expect(view).toMatchObject({ status: 'CONNECTED', error: null });
      return { record: () => log.read(), dispose: () => log.dispose() };
    },
  },
  {
    name: 'streamable HTTP (sessions)',
    async start() {
      const server: TestMcpHttpServer = await startTestMcpHttpServer({ mode: 'sessions' });
      const view = await registerUrl('fixture', server.url);
      expect(view).toMatchObject({ status: 'CONNECTED', error: null });
      return { record: () => server.record, dispose: () => server.close() };
    },
  },
];

for (const transport of FIXTURE_TRANSPORTS) {
  describe(`our test server registered as "fixture" over ${transport.name}`, () => {
    let server: FixtureServer;
    beforeAll(async () => {
      server = await transport.start();
    }, SLOW);
    afterAll(async () => {
      await removeServer('fixture');
      await server?.dispose();
    }, SLOW);

    for (const via of ['ws', 'sse'] as const) {
      it(`an agent listing the server calls echo; the client sees the call and its result over ${via}, the model reads it`, { timeout: SLOW }, async () => {
        await createAgent('runner', ['fixture']);
        const callsBefore = server.record().calls.length;
        fake.enqueue({ toolCalls: [{ id: 'call_echo', name: 'fixture__echo', arguments: { text: 'hello' } }] }, answerFromResults);

        const events = await streamToEnd(via, { message: 'Say hello through the tool', agentId: 'runner' });
        expect(events.map((e) => e.__typename)).toEqual(['RunStarted', 'AgentSelected', 'ToolCallStarted', 'ToolCallCompleted', ...ofType(events, 'TokenDelta').map(() => 'TokenDelta'), 'MessageCompleted']);
        expect(ofType(events, 'ToolCallStarted')).toEqual([expect.objectContaining({ callId: 'call_echo', serverId: 'fixture', tool: 'fixture__echo', arguments: { text: 'hello' } })]);
        expect(ofType(events, 'ToolCallCompleted')).toEqual([expect.objectContaining({ callId: 'call_echo', result: 'hello', isError: false, durationMs: expect.any(Number) })]);
        expect(ofType(events, 'ToolCallCompleted')[0].durationMs).toBeGreaterThanOrEqual(0);
        expect(tokensOf(events)).toBe('Results: hello');
        expect(events.at(-1)).toMatchObject({ content: 'Results: hello', finishReason: 'stop' });

        // Stored with the answer, with its server: the conversation shows the call (admins may read any conversation).
        const conversationId = ofType(events, 'RunStarted')[0].conversationId;
        const { conversation } = await admin(`query($id: ID!) { conversation(id: $id) { messages { role toolCalls { callId serverId tool result isError } } } }`, { id: conversationId });
        expect(conversation.messages.at(-1)).toEqual({ role: 'ASSISTANT', toolCalls: [{ callId: 'call_echo', serverId: 'fixture', tool: 'fixture__echo', result: 'hello', isError: false }] });

        // The tool ran on the real server, once, with the model's arguments.
        expect(server.record().calls.slice(callsBefore).map((call) => [call.tool, call.args])).toEqual([['echo', { text: 'hello' }]]);

        // The first request offered every tool of the server, each with its input schema as parameters.
        expect(fake.requests).toHaveLength(2);
        const offered = fake.requests[0]!.body.tools as Array<{ type: string; function: { name: string; parameters: any } }>;
        expect(offered.map((tool) => tool.function.name).sort()).toEqual(OUR_TOOLS.map((name) => `fixture__${name}`).sort());
        expect(offered.every((tool) => tool.type === 'function')).toBe(true);
        const { mcpTools } = await admin(`query { mcpTools(serverId: "fixture") { name functionName inputSchema } }`);
        // As listed, less the dialect line ($schema), which is for validators and some providers refuse.
        for (const tool of mcpTools) {
          const { $schema, ...parameters } = tool.inputSchema;
          expect(offered.find((o) => o.function.name === tool.functionName)?.function.parameters, tool.name).toEqual(parameters);
          expect(offered.find((o) => o.function.name === tool.functionName)?.function.parameters).not.toHaveProperty('$schema');
        }
        const echo = offered.find((tool) => tool.function.name === 'fixture__echo')!.function.parameters;
        expect(echo).toMatchObject({ type: 'object', properties: { text: { type: 'string', description: 'Text to echo back' } }, required: ['text'] });
        const add = offered.find((tool) => tool.function.name === 'fixture__add')!.function.parameters;
        expect(add).toMatchObject({ type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] });

        // The second request carries the call and its result, as the model expects them.
        expect(fake.requests[1]!.body.messages.slice(1)).toEqual([
          { role: 'user', content: 'Say hello through the tool' },
          { role: 'assistant', content: null, tool_calls: [{ id: 'call_echo', type: 'function', function: { name: 'fixture__echo', arguments: '{"text":"hello"}' } }] },
          { role: 'tool', tool_call_id: 'call_echo', content: 'hello' },
        ]);
      });
    }

    it('an agent listing "fixture/echo" is offered that tool alone', { timeout: SLOW }, async () => {
      await createAgent('echoer', ['fixture/echo']);
      const { chat } = (await gw.gql(CHAT, { input: { message: 'which tools?', agentId: 'echoer' } }, alice)).body.data;
      expect(chat.message).toMatchObject({ content: 'echo: which tools?', status: 'COMPLETE' });
      expect(fake.requests).toHaveLength(1);
      expect(fake.requests[0]!.body.tools.map((tool: any) => tool.function.name)).toEqual(['fixture__echo']);
    });

    it('two calls of one step run side by side: both start before either completes, at the server too', { timeout: SLOW }, async () => {
      await createAgent('runner', ['fixture']);
      const eventsBefore = server.record().events.length;
      fake.enqueue(
        {
          toolCalls: [
            { id: 'call_a', name: 'fixture__sleep', arguments: { ms: 800 } },
            { id: 'call_b', name: 'fixture__sleep', arguments: { ms: 800 } },
          ],
        },
        answerFromResults,
      );
      const events = await streamToEnd('ws', { message: 'Sleep twice', agentId: 'runner' });
      const types = events.map((e) => e.__typename);
      const started = types.flatMap((type, i) => (type === 'ToolCallStarted' ? [i] : []));
      const completed = types.flatMap((type, i) => (type === 'ToolCallCompleted' ? [i] : []));
      expect(started).toHaveLength(2);
      expect(completed).toHaveLength(2);
      expect(Math.max(...started)).toBeLessThan(Math.min(...completed));
      expect(ofType(events, 'ToolCallCompleted').map((e) => [e.callId, e.result, e.isError]).sort()).toEqual([
        ['call_a', 'slept 800', false],
        ['call_b', 'slept 800', false],
      ]);
      expect(events.at(-1)).toMatchObject({ __typename: 'MessageCompleted', content: 'Results: slept 800 | slept 800' });
      expect(toolMessages(fake.requests[1]!).map((m) => m.tool_call_id)).toEqual(['call_a', 'call_b']);

      // The server's own record, in the order it happened: the second call began before the first one ended.
      const seen = server.record().events.slice(eventsBefore).filter((e) => (e.type === 'call' || e.type === 'finished') && e.tool === 'sleep');
      expect(seen.map((e) => e.type)).toEqual(['call', 'call', 'finished', 'finished']);
    });

    it('a failing tool and arguments that do not fit the schema are error results the model reads; the run completes', { timeout: SLOW }, async () => {
      await createAgent('runner', ['fixture']);
      const callsBefore = server.record().calls.length;
      fake.enqueue(
        {
          toolCalls: [
            { id: 'call_fail', name: 'fixture__fail', arguments: { message: 'the disk is full' } },
            { id: 'call_add', name: 'fixture__add', arguments: { a: 'two', b: 2 } },
          ],
        },
        answerFromResults,
      );
      const events = await streamToEnd('ws', { message: 'Try the broken tools', agentId: 'runner' });
      const completed = ofType(events, 'ToolCallCompleted');
      expect(completed.map((e) => [e.callId, e.isError])).toEqual(expect.arrayContaining([['call_fail', true], ['call_add', true]]));
      const failResult = completed.find((e) => e.callId === 'call_fail').result;
      const addResult = completed.find((e) => e.callId === 'call_add').result;
      expect(failResult).toContain('the disk is full');
      expect(addResult).toMatch(/Invalid arguments/);
      expect(addResult).toMatch(/\ba\b.*number/);

      const results = toolMessages(fake.requests[1]!);
      expect(results).toEqual([
        { role: 'tool', tool_call_id: 'call_fail', content: failResult },
        { role: 'tool', tool_call_id: 'call_add', content: addResult },
      ]);
      expect(events.at(-1)).toMatchObject({ __typename: 'MessageCompleted', content: `Results: ${failResult} | ${addResult}`, finishReason: 'stop' });
      // The failing tool ran at the server; arguments that do not fit never left the gateway.
      expect(server.record().calls.slice(callsBefore).map((call) => call.tool)).toEqual(['fail']);
    });

    it('cancelRun while a tool runs ends the run CANCELLED at once and cancels the call at the server', { timeout: SLOW }, async () => {
      await createAgent('runner', ['fixture']);
      const callsBefore = server.record().calls.length;
      fake.enqueue({ toolCalls: [{ id: 'call_long', name: 'fixture__sleep', arguments: { ms: 60_000 } }] }, { text: 'should never be asked for' });
      const stream = chatStream('ws', { message: 'Sleep for a minute', agentId: 'runner' });
      await stream.until((events) => events.some((e) => e.__typename === 'ToolCallStarted'), 'ToolCallStarted');
      await waitFor(() => server.record().calls.length > callsBefore, 'the sleep call to reach the server');
      const call = server.record().calls[callsBefore]!;
      expect([call.tool, call.args]).toEqual(['sleep', { ms: 60_000 }]);

      const runId = stream.events[0].runId;
      const { body } = await gw.gql(`mutation($id: ID!) { cancelRun(runId: $id) }`, { id: runId }, alice);
      expect(body.data).toEqual({ cancelRun: true });
      // The gateway's next call to the server, sent once cancelRun has answered: the server must hear of the cancel
      // before it (a cancel that reached it only by MCP_TOOL_TIMEOUT_MS would come after).
      const { executeMcpTool } = await admin(`mutation { executeMcpTool(serverId: "fixture", toolName: "echo", arguments: { text: "after the cancel" }) { text isError } }`);
      expect(executeMcpTool).toEqual({ text: 'after the cancel', isError: false });

      // The run ends well before the 60 s sleep: once, CANCELLED, without a result for the call or another model request.
      await stream.until((events) => events.some((e) => e.__typename === 'RunFailed' || e.__typename === 'MessageCompleted'), 'the end of the run');
      await stream.done;
      expect(stream.errors).toEqual([]);
      expect(stream.events.at(-1)).toMatchObject({ __typename: 'RunFailed', code: 'CANCELLED', retryable: false });
      expect(ofType(stream.events, 'RunFailed')).toHaveLength(1);
      expect(ofType(stream.events, 'MessageCompleted')).toHaveLength(0);
      expect(ofType(stream.events, 'ToolCallCompleted')).toHaveLength(0);
      expect(fake.requests).toHaveLength(1);

      // The server recorded, for that call: notifications/cancelled, then the tool's abort, then the next call; never its end.
      const sameCall = (e: { requestId?: unknown; sessionId?: string }) => e.requestId === call.requestId && e.sessionId === call.sessionId;
      await waitFor(() => server.record().aborts.some(sameCall), 'the server to abort the sleep');
      const seen = server.record().events;
      const after = seen.slice(seen.findLastIndex((e) => e.type === 'call' && e.tool === 'sleep' && sameCall(e)) + 1);
      const order = after.flatMap((e) => {
        if ((e.type === 'cancelled' || e.type === 'aborted' || e.type === 'finished') && sameCall(e)) return [e.type];
        return e.type === 'call' && e.tool === 'echo' ? ['next call'] : [];
      });
      expect(order).toEqual(['cancelled', 'aborted', 'next call']);
      expect(after.find((e) => e.type === 'cancelled' && sameCall(e))).toMatchObject({ tool: 'sleep', args: { ms: 60_000 } });
      const rows = await gw.database.db.selectFrom('messages').select(['role', 'status']).where('run_id', '=', runId).execute();
      expect(rows).toContainEqual({ role: 'assistant', status: 'CANCELLED' });
    });

    it('a server that is down: the agent answers with the tools of the servers that are up', { timeout: SLOW }, async () => {
      const down = await registerUrl('down', `http://127.0.0.1:${await freePort()}/mcp`);
      try {
        expect(down.status).toBe('FAILED');
        expect(down.error).toBeTruthy();
        await createAgent('mixed', ['down', 'fixture']);
        const { chat } = (await gw.gql(CHAT, { input: { message: 'anyone there?', agentId: 'mixed' } }, alice)).body.data;
        expect(chat.message).toMatchObject({ content: 'echo: anyone there?', status: 'COMPLETE' });
        const offered: string[] = fake.requests[0]!.body.tools.map((tool: any) => tool.function.name);
        expect(offered.sort()).toEqual(OUR_TOOLS.map((name) => `fixture__${name}`).sort());
      } finally {
        await removeServer('down');
      }
    });

    if (transport.name === 'stdio') {
      it('a 10 MB result reaches the model cut at MCP_TOOL_RESULT_MAX_CHARS with a note; the run completes', { timeout: SLOW }, async () => {
        await createAgent('runner', ['fixture']);
        const bytes = 10 * 1024 * 1024;
        fake.enqueue({ toolCalls: [{ id: 'call_big', name: 'fixture__big', arguments: { bytes } }] }, { text: 'That was a lot.' });
        const events = await streamToEnd('ws', { message: 'Give me everything', agentId: 'runner' });
        expect(events.at(-1)).toMatchObject({ __typename: 'MessageCompleted', content: 'That was a lot.' });

        const [message] = toolMessages(fake.requests[1]!);
        expect(message!.tool_call_id).toBe('call_big');
        const content = message!.content;
        expect(content.slice(0, RESULT_MAX_CHARS)).toBe(bigText(RESULT_MAX_CHARS));
        expect(content.startsWith(BIG_PATTERN)).toBe(true);
        const note = content.slice(RESULT_MAX_CHARS);
        expect(note).toContain('truncated');
        expect(note.length).toBeLessThan(300);
        // The run's event carries the same cut text, not 10 MB.
        expect(ofType(events, 'ToolCallCompleted')).toEqual([expect.objectContaining({ callId: 'call_big', result: content, isError: false })]);
      });

      it('a server that dies mid-call: an error result the model reads, the gateway keeps serving, the server comes back', { timeout: SLOW }, async () => {
        await createAgent('runner', ['fixture']);
        const connectedAt = async (): Promise<string | null> => (await admin(`query { mcpServer(id: "fixture") { connectedAt } }`)).mcpServer.connectedAt;
        const before = await connectedAt();
        expect(before).toBeTruthy();
        fake.enqueue({ toolCalls: [{ id: 'call_crash', name: 'fixture__crash', arguments: {} }] }, answerFromResults);
        const events = await streamToEnd('ws', { message: 'Crash the server', agentId: 'runner' });
        expect(server.record().events.some((e) => e.type === 'crash')).toBe(true);
        const [completed] = ofType(events, 'ToolCallCompleted');
        expect(completed).toMatchObject({ callId: 'call_crash', isError: true });
        expect(completed.result).toMatch(/MCP server "fixture" failed/);
        expect(completed.result).toEqual(expect.any(String));
        expect(completed.result.length).toBeGreaterThan(0);
        expect(toolMessages(fake.requests[1]!)).toEqual([{ role: 'tool', tool_call_id: 'call_crash', content: completed.result }]);
        expect(events.at(-1)).toMatchObject({ __typename: 'MessageCompleted', content: `Results: ${completed.result}` });

        // The gateway keeps serving while the server is away …
        const { body } = await gw.gql(`query { health { status } }`);
        expect(body.errors).toBeUndefined();
        // … and the server is reconnected, its tools offered again and working.
        await waitFor(async () => (await serverStatus('fixture')) === 'CONNECTED', 'fixture to be CONNECTED again', 60_000);
        expect(Date.parse((await connectedAt())!)).toBeGreaterThan(Date.parse(before!));
        fake.reset();
        fake.enqueue({ toolCalls: [{ id: 'call_again', name: 'fixture__echo', arguments: { text: 'back' } }] }, answerFromResults);
        const again = await streamToEnd('ws', { message: 'Are you back?', agentId: 'runner' });
        expect(ofType(again, 'ToolCallCompleted')).toEqual([expect.objectContaining({ callId: 'call_again', result: 'back', isError: false })]);
        expect(again.at(-1)).toMatchObject({ content: 'Results: back' });
      });
    }
  });
}

describe('a server id long enough that <server>__<tool> passes 64 characters', () => {
  const longId = `long-server-${'x'.repeat(48)}`;
  let log: TestMcpLog;
  beforeAll(async () => {
    log = await createTestMcpLog();
    const view = await registerStdio(longId, testMcpStdioCommand({ MCP_TEST_LOG: log.file }));
    expect(view.status).toBe('CONNECTED');
  }, SLOW);
  afterAll(async () => {
    await removeServer(longId);
    await log?.dispose();
  }, SLOW);

  it('offers unique names of at most 64 characters, and a call by the short name runs the right tool', { timeout: SLOW }, async () => {
    expect(longId).toHaveLength(60);
    await createAgent('long', [longId]);
    const { mcpTools } = await admin(`query($id: ID!) { mcpTools(serverId: $id) { name functionName } }`, { id: longId });
    const nameOf = (tool: string) => mcpTools.find((t: { name: string }) => t.name === tool).functionName as string;
    fake.enqueue(
      {
        toolCalls: [
          { id: 'call_add', name: nameOf('add'), arguments: { a: 2, b: 40 } },
          { id: 'call_echo', name: nameOf('echo'), arguments: { text: 'long way round' } },
        ],
      },
      answerFromResults,
    );
    const events = await streamToEnd('ws', { message: 'Add and echo', agentId: 'long' });

    const offered: string[] = fake.requests[0]!.body.tools.map((tool: any) => tool.function.name);
    expect(offered).toHaveLength(OUR_TOOLS.length);
    expect(new Set(offered).size).toBe(offered.length);
    for (const name of offered) expect(name).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    expect(offered.sort()).toEqual(mcpTools.map((t: { functionName: string }) => t.functionName).sort());
    expect(nameOf('add')).not.toBe(`${longId}__add`);

    expect(ofType(events, 'ToolCallStarted').map((e) => [e.callId, e.serverId, e.tool, e.arguments])).toEqual([
      ['call_add', longId, nameOf('add'), { a: 2, b: 40 }],
      ['call_echo', longId, nameOf('echo'), { text: 'long way round' }],
    ]);
    expect(toolMessages(fake.requests[1]!)).toEqual([
      { role: 'tool', tool_call_id: 'call_add', content: '42' },
      { role: 'tool', tool_call_id: 'call_echo', content: 'long way round' },
    ]);
    expect(events.at(-1)).toMatchObject({ content: 'Results: 42 | long way round' });
    expect(log.read().calls.map((call) => [call.tool, call.args]).sort()).toEqual([
      ['add', { a: 2, b: 40 }],
      ['echo', { text: 'long way round' }],
    ]);

    // The same names after the server is connected again: a model's earlier calls still resolve.
    const { reconnectMcpServer } = await admin(`mutation($id: ID!) { reconnectMcpServer(id: $id) { status tools { name functionName } } }`, { id: longId });
    expect(reconnectMcpServer.status).toBe('CONNECTED');
    expect(reconnectMcpServer.tools).toEqual(mcpTools);
  });
});

describe('@modelcontextprotocol/server-everything over stdio', () => {
  beforeAll(async () => {
    const view = await registerStdio('everything', everythingStdioCommand());
    expect(view).toMatchObject({ status: 'CONNECTED', error: null });
  }, SLOW);
  afterAll(() => removeServer('everything'), SLOW);

  it('its echo answers the model', { timeout: SLOW }, async () => {
    await createAgent('everyone', ['everything']);
    fake.enqueue({ toolCalls: [{ id: 'call_hi', name: 'everything__echo', arguments: { message: 'hi' } }] }, answerFromResults);
    const events = await streamToEnd('sse', { message: 'Echo hi', agentId: 'everyone' });
    expect(fake.requests[0]!.body.tools.map((tool: any) => tool.function.name)).toContain('everything__echo');
    expect(ofType(events, 'ToolCallStarted')).toEqual([expect.objectContaining({ callId: 'call_hi', serverId: 'everything', tool: 'everything__echo', arguments: { message: 'hi' } })]);
    expect(ofType(events, 'ToolCallCompleted')).toEqual([expect.objectContaining({ callId: 'call_hi', result: 'Echo: hi', isError: false })]);
    expect(toolMessages(fake.requests[1]!)).toEqual([{ role: 'tool', tool_call_id: 'call_hi', content: 'Echo: hi' }]);
    expect(events.at(-1)).toMatchObject({ __typename: 'MessageCompleted', content: 'Results: Echo: hi' });
  });
});

