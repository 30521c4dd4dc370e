// Remote agents (A2A client, docs/teams.md "Remote agents (A2A client)"): registering one (its card fetched and
// checked, secrets never shown), bad and unreachable cards, the address policy, removal, the status feed; asking
// one through the delegate directory (streamed child events, structured answers, cancel, timeout, garbage, a remote
// that dies); and a plain chat routed to a remote agent. Real gateways, real A2A servers built with @a2a-js/sdk.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunEvent } from '../src/core/runs/run-event.js';
import { Run } from '../src/core/runs/run.js';
import type { DelegateResult } from '../src/core/teams/delegate-target.js';
import { startFakeA2aServer, startTestA2aServer, type TestA2aServer, validCardAt } from './support/a2a-servers.js';
import { storageBackendNames } from './support/backends.js';
import { FakeOpenAI, type RecordedRequest } from './support/fake-openai.js';
import { keywordRouter } from './support/fake-routing.js';
import { freePort } from './support/free-port.js';
import { ADMIN_KEY, type GraphQLResponse, startTestGateway, type TestGateway, USER_KEY } from './support/gateway.js';
import { collect } from './support/subscriptions.js';

const SLOW = 120_000;
const SECRET = 'Bearer remote-secret-token-0123456789';
const FIELDS = 'id url headerNames status error connectedAt name description version streaming skills { id name description tags }';
const REGISTER = `mutation($input: RegisterRemoteAgentInput!) { registerRemoteAgent(input: $input) { ${FIELDS} } }`;
const LIST = `{ remoteAgents { ${FIELDS} } }`;

const codeOf = (response: GraphQLResponse) => response.body.errors?.[0]?.extensions?.code;

async function waitFor<T>(probe: () => T | Promise<T>, what: string, timeoutMs = 20_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

for (const backend of storageBackendNames()) {
  describe(`remote agents (${backend})`, () => {
    let gw: TestGateway;
    let fake: FakeOpenAI;
    let remote: TestA2aServer;
    const cleanups: Array<() => Promise<unknown>> = [];

    beforeAll(async () => {
      [fake, remote] = await Promise.all([FakeOpenAI.start(), startTestA2aServer({ description: 'Weather forecasts for any city', skills: [{ id: 'forecast', name: 'Forecast', description: 'rain and sunshine outlook' }] })]);
      // LOG_LEVEL=debug: the secrets test reads every line the gateway logged. A2A_TIMEOUT_MS: the hanging remote's bound.
      gw = await startTestGateway(backend, {
        LOG_LEVEL: 'debug',
        OPENAI_BASE_URL: fake.url,
        OPENAI_API_KEY: 'test-key',
        MODEL_MAX_RETRIES: '0',
        MEMORY_EMBEDDINGS: 'false',
        ROUTING_STRATEGY: 'model',
        A2A_TIMEOUT_MS: '3000',
        MCP_RECONNECT_MAX_MS: '2000',
      });
    }, SLOW);
    afterAll(async () => {
      await gw?.stop();
      for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
      await Promise.all([remote?.close(), fake?.close()]);
    }, SLOW);

    async function register(input: Record<string, unknown>) {
      return gw.gql(REGISTER, { input }, ADMIN_KEY);
    }
    async function registered(id: string, url: string, headers?: Array<{ name: string; value: string }>) {
      const response = await register({ id, url, ...(headers ? { headers } : {}) });
      expect(response.body.errors).toBeUndefined();
      return response.body.data.registerRemoteAgent;
    }
    /** Asks through the delegate directory as a delegation would: the child's events collected as they come. */
    async function ask(id: string, question: string, options: { context?: string; signal?: AbortSignal } = {}) {
      const target = await gw.orchestrator.remoteAgentDirectory.find(id, { all: false, userId: 'alice' });
      expect(target?.kind).toBe('remote');
      const parent = new Run({ id: randomUUID(), conversationId: randomUUID(), agentId: 'supervisor', owner: { userId: 'alice' }, orphanGraceMs: 0 });
      const childRunId = randomUUID();
      const events: RunEvent[] = [];
      const answer: Promise<DelegateResult> = target!.ask({
        question,
        context: options.context,
        parent,
        childRunId,
        userId: 'alice',
        signal: options.signal ?? new AbortController().signal,
        depth: 1,
        emit: (event) => events.push(event),
      });
      answer.catch(() => undefined);
      return { answer, events, childRunId, parent };
    }

    describe('registering', () => {
      it('fetches and checks the card: CONNECTED, described by its card; header values are sent, never shown nor logged', { timeout: SLOW }, async () => {
        const before = remote.headers.length;
        const agent = await registered('weather', remote.url, [{ name: 'Authorization', value: SECRET }]);
        expect(agent).toMatchObject({
          id: 'weather',
          url: remote.url,
          headerNames: ['Authorization'],
          status: 'CONNECTED',
          error: null,
          name: 'Test remote agent',
          description: 'Weather forecasts for any city',
          version: '1.0.0',
          streaming: true,
          skills: [{ id: 'forecast', name: 'Forecast', description: 'rain and sunshine outlook', tags: ['test'] }],
        });
        expect(agent.connectedAt).toEqual(expect.any(String));
        // The card was fetched from the well-known path, with the registered header.
        expect(remote.headers.slice(before).some((headers) => headers.authorization === SECRET)).toBe(true);

        const listed = await gw.gql(LIST, {}, USER_KEY);
        expect(listed.body.data.remoteAgents).toEqual([expect.objectContaining({ id: 'weather', status: 'CONNECTED' })]);
        const rest = await fetch(`${gw.url}/remote_agents/weather`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
        const restBody = await rest.text();
        expect(rest.status).toBe(200);
        expect(JSON.parse(restBody)).toMatchObject({ agent_id: 'weather', status: 'CONNECTED', header_names: ['Authorization'] });
        const node = await gw.gql(`{ node(id: "weather") { __typename id } }`, {}, ADMIN_KEY);
        expect(node.body.data.node).toEqual({ __typename: 'RemoteAgent', id: 'weather' });

        const token = SECRET.split(' ')[1]!;
        for (const text of [JSON.stringify(agent), JSON.stringify(listed.body), restBody, gw.logs.join('\n')]) expect(text).not.toContain(token);
      });

      it('shares the id namespace with agents and MCP servers; a taken id is BAD_USER_INPUT', async () => {
        const created = await gw.gql(`mutation { createAgent(input: { id: "local-one", description: "a local agent" }) { id } }`, {}, ADMIN_KEY);
        expect(created.body.errors).toBeUndefined();
        const clash = await register({ id: 'local-one', url: remote.url });
        expect(codeOf(clash)).toBe('BAD_USER_INPUT');
        expect(clash.body.errors?.[0]?.message).toContain('share one id namespace');
        const twice = await register({ id: 'weather', url: remote.url });
        expect(codeOf(twice)).toBe('BAD_USER_INPUT');
        await gw.gql(`mutation { removeAgent(id: "local-one") }`, {}, ADMIN_KEY);
      });

      it('an invalid card, a card that is not JSON and an unreachable URL: refused with why (no address in it), nothing stored', { timeout: SLOW }, async () => {
        const invalid = await startFakeA2aServer({ card: () => JSON.stringify({ hello: 'world' }) });
        const notJson = await startFakeA2aServer({ card: () => '<html>hello</html>' });
        cleanups.push(() => invalid.close(), () => notJson.close());
        const closedPort = await freePort();
        const cases = [
          { id: 'bad-card', url: invalid.url, code: 'BAD_USER_INPUT', error: /the agent card could not be used: the agent card is invalid \(name: / },
          { id: 'html-card', url: `${notJson.url}/card.json`, code: 'BAD_USER_INPUT', error: /the agent card could not be used: the agent card is not JSON$/ },
          { id: 'nobody-home', url: `http://127.0.0.1:${closedPort}`, code: 'UPSTREAM_UNAVAILABLE', error: /could not be fetched \(connection refused\); nothing was registered/ },
        ];
        for (const { id, url, code, error } of cases) {
          const refused = await register({ id, url });
          expect(codeOf(refused), id).toBe(code);
          expect(refused.body.errors?.[0]?.message).toMatch(error);
          expect(refused.body.errors?.[0]?.message).not.toContain('127.0.0.1');
          expect((await gw.gql(`query($id: ID!) { remoteAgent(id: $id) { id } }`, { id }, ADMIN_KEY)).body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
          expect(await gw.database.db.selectFrom('remote_agents').select('id').where('id', '=', id).execute()).toEqual([]);
          expect(await gw.orchestrator.remoteAgentDirectory.find(id, { all: true })).toBeUndefined();
        }
      });

      it('the MCP address policy: a metadata address is BAD_USER_INPUT on GraphQL and REST, and nothing is stored', async () => {
        const refused = await register({ id: 'metadata', url: 'http://169.254.169.254/latest' });
        expect(codeOf(refused)).toBe('BAD_USER_INPUT');
        expect(refused.body.errors?.[0]?.message).toContain('the address is not allowed');
        const rest = await fetch(`${gw.url}/remote_agents`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
          body: JSON.stringify({ agent_id: 'metadata', url: 'http://[::ffff:169.254.169.254]/' }),
        });
        expect(rest.status).toBe(400);
        const ids = (await gw.gql(LIST, {}, ADMIN_KEY)).body.data.remoteAgents.map((agent: { id: string }) => agent.id);
        expect(ids).not.toContain('metadata');
        expect(await gw.database.db.selectFrom('remote_agents').select('id').where('id', '=', 'metadata').execute()).toEqual([]);
      });

      it('admins only register and remove; users see the list', async () => {
        expect(codeOf(await gw.gql(REGISTER, { input: { id: 'user-try', url: remote.url } }, USER_KEY))).toBe('FORBIDDEN');
        expect(codeOf(await gw.gql(`mutation { removeRemoteAgent(id: "weather") }`, {}, USER_KEY))).toBe('FORBIDDEN');
        expect(codeOf(await gw.gql(LIST))).toBe('UNAUTHENTICATED');
      });

      it('remoteAgentChanged: a reconnect is seen by an admin subscriber', async () => {
        const sub = collect(gw.ws({ authorization: `Bearer ${ADMIN_KEY}` }), `subscription { remoteAgentChanged { id status } }`);
        await waitFor(async () => {
          await gw.gql(`mutation { reconnectRemoteAgent(id: "weather") { id } }`, {}, ADMIN_KEY);
          return sub.results.some((result) => result.data?.remoteAgentChanged?.id === 'weather');
        }, 'a remoteAgentChanged event');
        sub.unsubscribe();
      });
    });

    describe('asking through the delegate directory', () => {
      it('streams the answer as child events (the child run id, seq from 1) and sends the question and its context', async () => {
        const before = remote.questions.length;
        const { answer, events, childRunId, parent } = await ask('weather', 'stream Rain in the morning, sun after lunch', { context: 'The user lives in Paris' });
        const result = await answer;
        expect(result).toEqual({ text: 'Rain in the morning, sun after lunch', usage: null });
        expect(events.map((event) => event.type)).toEqual(['RunStarted', 'TokenDelta', 'TokenDelta', 'TokenDelta', 'MessageCompleted']);
        expect(events.every((event) => event.runId === childRunId)).toBe(true);
        expect(events.map((event) => event.seq)).toEqual([1, 2, 3, 4, 5]);
        expect(events[0]).toMatchObject({ agentId: 'weather', conversationId: parent.conversationId });
        expect(events.filter((event) => event.type === 'TokenDelta').map((event) => (event as { text: string }).text).join('')).toBe(result.text);
        expect(events.at(-1)).toMatchObject({ content: result.text, finishReason: 'stop' });
        expect(remote.questions.slice(before)).toEqual([['stream Rain in the morning, sun after lunch', 'Context:\nThe user lives in Paris']]);
        // Every request carried the registered header.
        expect(remote.headers.at(-1)?.authorization).toBe(SECRET);
      });

      it('a structured answer: the data part is `json`, the text part the text', async () => {
        const { answer, events } = await ask('weather', 'data Paris');
        expect(await answer).toEqual({ text: 'The answer is 42', usage: null, json: { answer: 42, echo: 'Paris' } });
        expect(events.at(-1)).toMatchObject({ type: 'MessageCompleted', content: 'The answer is 42', json: { answer: 42, echo: 'Paris' } });
      });

      it('an answer as one message (no task)', async () => {
        const { answer } = await ask('weather', 'reply hello there');
        expect((await answer).text).toBe('echo: hello there');
      });

      it('the signal cancels: RunFailed CANCELLED, and the remote task is cancelled (tasks/cancel)', async () => {
        const controller = new AbortController();
        const started = remote.started.length;
        const { answer, events } = await ask('weather', 'hang on', { signal: controller.signal });
        const taskId = await waitFor(() => remote.started[started], 'the remote to start the task');
        controller.abort(new Error('the parent was cancelled'));
        await expect(answer).rejects.toThrow('the parent was cancelled');
        expect(events.at(-1)).toMatchObject({ type: 'RunFailed', code: 'CANCELLED', retryable: false });
        await waitFor(() => remote.cancelled.includes(taskId), 'the remote to be told to cancel');
      });

      it('a remote that hangs: an error after A2A_TIMEOUT_MS, and its task is cancelled', async () => {
        const started = remote.started.length;
        const { answer, events } = await ask('weather', 'hang forever');
        await expect(answer).rejects.toThrow('The remote agent "weather" did not answer within 3000 ms (A2A_TIMEOUT_MS)');
        expect(events.at(-1)).toMatchObject({ type: 'RunFailed', code: 'UPSTREAM_UNAVAILABLE', retryable: true });
        const taskId = remote.started[started]!;
        await waitFor(() => remote.cancelled.includes(taskId), 'the remote to be told to cancel');
      });

      it('a remote that fails, asks for input, or answers garbage: a thrown error in our words', { timeout: SLOW }, async () => {
        await expect((await ask('weather', 'fail now')).answer).rejects.toThrow('The remote agent "weather" failed: the test agent was told to fail');
        await expect((await ask('weather', 'ask something')).answer).rejects.toThrow('The remote agent "weather" asked for more input, which a delegated question cannot give');

        const garbage = await startFakeA2aServer({ card: (url) => validCardAt(`${url}/rpc`), answer: 'data: {"jsonrpc":"2.0","id":"x","result":{"nonsense":true}}\n\n' });
        const html = await startFakeA2aServer({ card: (url) => validCardAt(`${url}/rpc`), answer: '<html>teapot</html>', contentType: 'text/html' });
        cleanups.push(() => garbage.close(), () => html.close());
        for (const [id, server] of [['garbage', garbage], ['teapot', html]] as const) {
          expect((await registered(id, server.url)).status).toBe('CONNECTED');
          const { answer, events } = await ask(id, 'stream hello');
          await expect(answer).rejects.toThrow(`The remote agent "${id}" answered with something that is not a valid A2A response`);
          expect(events.at(-1)).toMatchObject({ type: 'RunFailed', code: 'UPSTREAM_UNAVAILABLE' });
        }
      });

      it('a remote that dies: "could not be reached", and it is FAILED until it is back', { timeout: SLOW }, async () => {
        const doomed = await startTestA2aServer();
        expect((await registered('doomed', doomed.url)).status).toBe('CONNECTED');
        await doomed.close();
        const { answer } = await ask('doomed', 'stream hello');
        await expect(answer).rejects.toThrow(/^The remote agent "doomed" could not be reached: connection (refused|reset)$/);
        const view = await gw.gql(`{ remoteAgent(id: "doomed") { status error } }`, {}, ADMIN_KEY);
        expect(view.body.data.remoteAgent.status).not.toBe('CONNECTED');
      });

      it('an unknown id is not found by the directory', async () => {
        expect(await gw.orchestrator.remoteAgentDirectory.find('nobody', { all: true })).toBeUndefined();
      });
    });

    describe('routing', () => {
      it('a plain chat routed to a remote agent (by its card) is answered by it through the run pipeline and stored', { timeout: SLOW }, async () => {
        fake.reset();
        const isRouting = (request: RecordedRequest) => String(request.body.messages?.[0]?.content ?? '').startsWith('You route a user message');
        fake.setDefault((request) => (isRouting(request) ? keywordRouter(request) : { text: 'answered locally' }));
        // Only connected agents are candidates: the FAILED registrations above are not offered.
        for (const id of ['garbage', 'teapot', 'doomed']) await gw.gql(`mutation($id: ID!) { removeRemoteAgent(id: $id) }`, { id }, ADMIN_KEY);
        await gw.gql(`mutation { createAgent(input: { id: "billing", description: "invoices payments refunds" }) { id } }`, {}, ADMIN_KEY);
        const chat = await gw.gql(
          `mutation($input: ChatInput!) { chat(input: $input) { agentId conversationId message { content agentId routing { strategy candidates { agentId } } } } }`,
          { input: { message: 'weather forecast rain Paris' } },
          USER_KEY,
        );
        expect(chat.body.errors).toBeUndefined();
        const result = chat.body.data.chat;
        expect(result.agentId).toBe('weather');
        expect(result.message).toMatchObject({ agentId: 'weather', content: 'unknown: weather forecast rain Paris', routing: { strategy: 'ROUTING_MODEL' } });
        expect(result.message.routing.candidates.map((candidate: { agentId: string }) => candidate.agentId).sort()).toEqual(['billing', 'weather']);
        // The routing model read the card's description and skills.
        const routingPrompt = String(fake.requests.find(isRouting)?.body.messages[0].content);
        expect(routingPrompt).toContain('- weather: Weather forecasts for any city Skills: Forecast: rain and sunshine outlook');
        // Stored like any answer.
        const stored = await gw.database.db.selectFrom('messages').select(['role', 'agent_id', 'content']).where('conversation_id', '=', result.conversationId).orderBy('created_at').execute();
        expect(stored.map((row) => [row.role, row.agent_id ?? null, row.content])).toEqual([
          ['user', null, 'weather forecast rain Paris'],
          ['assistant', 'weather', 'unknown: weather forecast rain Paris'],
        ]);
      });
    });

    describe('removing', () => {
      it('removeRemoteAgent: gone from the list, the directory and the table; a second removal is NOT_FOUND; REST DELETE is 204', async () => {
        const removed = await gw.gql(`mutation { removeRemoteAgent(id: "weather") }`, {}, ADMIN_KEY);
        expect(removed.body).toEqual({ data: { removeRemoteAgent: true } });
        expect((await gw.gql(LIST, {}, ADMIN_KEY)).body.data.remoteAgents.map((agent: { id: string }) => agent.id)).not.toContain('weather');
        expect(await gw.orchestrator.remoteAgentDirectory.find('weather', { all: true })).toBeUndefined();
        expect(await gw.database.db.selectFrom('remote_agents').select('id').where('id', '=', 'weather').execute()).toEqual([]);
        expect(codeOf(await gw.gql(`mutation { removeRemoteAgent(id: "weather") }`, {}, ADMIN_KEY))).toBe('NOT_FOUND');

        await registered('again', remote.url);
        const rest = await fetch(`${gw.url}/remote_agents/again`, { method: 'DELETE', headers: { authorization: `Bearer ${ADMIN_KEY}` } });
        expect(rest.status).toBe(204);
        expect((await fetch(`${gw.url}/remote_agents`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } }).then((r) => r.json())).remote_agents).toEqual([]);
      });
    });
  });
}
