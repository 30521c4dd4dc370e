import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { storageBackendNames } from './support/backends.js';
import { FakeOpenAI } from './support/fake-openai.js';
import { ADMIN_KEY, startTestGateway, type TestGateway, USER_KEY } from './support/gateway.js';
import { startTestMcpHttpServer, type TestMcpHttpServer } from './support/mcp-servers.js';
import { rest, until } from './support/rest.js';

const refusal = (code: string, message: unknown = expect.any(String)) => ({ error: expect.objectContaining({ code, message }) });

for (const backend of storageBackendNames()) {
  describe(`REST API on ${backend}`, () => {
    let fake: FakeOpenAI;
    let gw: TestGateway;
    let alice: string;
    let bob: string;
    const db = () => gw.database.db;

    beforeAll(async () => {
      fake = await FakeOpenAI.start();
      gw = await startTestGateway(backend, {
        OPENAI_BASE_URL: fake.url,
        OPENAI_API_KEY: 'test-key',
        MODEL_MAX_RETRIES: '0',
        // Rate-limit tests pick their own address with X-Forwarded-For.
        TRUST_PROXY: 'true',
        AUTH_FAILURE_LIMIT: '3',
        BODY_LIMIT_BYTES: '65536',
      });
    });
    afterAll(async () => {
      await gw?.stop();
      await fake?.close();
    });
    beforeEach(async () => {
      fake.reset();
      await gw.reset();
      await db().deleteFrom('memories').execute();
      await db().deleteFrom('user_context_facts').execute();
      expect((await rest(gw, 'POST', '/agents', { key: ADMIN_KEY, body: { agent_id: 'assistant', description: 'General help' } })).status).toBe(201);
      alice = (await rest(gw, 'POST', '/auth/token', { key: ADMIN_KEY, body: { user_id: 'alice' } })).body.access_token;
      bob = (await rest(gw, 'POST', '/auth/token', { key: ADMIN_KEY, body: { user_id: 'bob' } })).body.access_token;
    });

    describe('GET /health', () => {
      it('answers anyone with the status document, a bad credential included', async () => {
        for (const key of [undefined, 'not-a-key']) {
          const response = await rest(gw, 'GET', '/health', { key });
          expect(response.status).toBe(200);
          expect(response.body).toEqual({
            status: 'ok',
            version: '0.1.0',
            database: 'up',
            database_kind: backend,
            uptime_seconds: expect.any(Number),
            vector_search: expect.stringMatching(/^(available|unavailable|disabled)$/),
            vector_search_reason: expect.toSatisfy((value: unknown) => value === null || typeof value === 'string'),
            redis: 'none',
            budgets: 'single_process',
          });
        }
      });
    });

    describe('agents', () => {
      it('creates (201), lists, reads and removes (204) an agent, as the rows show', async () => {
        const created = await rest(gw, 'POST', '/agents', {
          key: ADMIN_KEY,
          body: { agent_id: 'code', description: 'Programming help', system_message: 'You write code.', model: 'gpt-4o-mini', tools: [], set_as_default: true },
        });
        expect(created.status).toBe(201);
        expect(created.body).toEqual({
          agent_id: 'code',
          description: 'Programming help',
          system_message: 'You write code.',
          model: 'gpt-4o-mini',
          temperature: null,
          max_tokens: null,
          tools: [],
          fallback_models: [],
          response_format: null,
          require_approval: [],
          delegates: [],
          handoffs: [],
          a2a: false,
          is_default: true,
          user_id: null,
          created_at: expect.any(String),
          updated_at: expect.any(String),
        });
        const row = await db().selectFrom('agents').select(['id', 'system_message', 'model']).where('id', '=', 'code').executeTakeFirst();
        expect(row).toEqual({ id: 'code', system_message: 'You write code.', model: 'gpt-4o-mini' });

        const list = await rest(gw, 'GET', '/agents', { key: alice });
        expect(list.status).toBe(200);
        expect(list.body.agents.map((a: { agent_id: string }) => a.agent_id).sort()).toEqual(['assistant', 'code']);
        expect((await rest(gw, 'GET', '/agents/code', { key: alice })).body).toMatchObject({ agent_id: 'code', is_default: true });

        const removed = await rest(gw, 'DELETE', '/agents/code', { key: ADMIN_KEY });
        expect(removed.status).toBe(204);
        expect(removed.text).toBe('');
        expect(await db().selectFrom('agents').select('id').where('id', '=', 'code').execute()).toEqual([]);
        expect(await rest(gw, 'GET', '/agents/code', { key: ADMIN_KEY })).toMatchObject({ status: 404, body: refusal('NOT_FOUND', 'Agent "code" was not found') });
        expect(await rest(gw, 'DELETE', '/agents/code', { key: ADMIN_KEY })).toMatchObject({ status: 404, body: refusal('NOT_FOUND') });
      });

      it('refuses what breaks the schema or the core’s rules with 400 naming the field, storing nothing', async () => {
        const attempts: Array<[unknown, string]> = [
          [{ description: 'no id' }, 'agent_id is required'],
          [{ agent_id: 'x', colour: 'red' }, 'colour is not a known field'],
          [{ agent_id: 42 }, 'agent_id must be string'],
          [{ agent_id: 'x', tools: 'all' }, 'tools must be array'],
          [{ agent_id: 'Not Valid' }, 'agent_id must be 1-64 characters'],
          [{ agent_id: 'x', system_message: 'a\u0000b' }, 'system_message must not contain NUL'],
          [{ agent_id: 'x', temperature: 3 }, 'temperature must be between 0 and 2'],
          [{ agent_id: 'assistant' }, 'An agent with id "assistant" already exists'],
        ];
        for (const [body, message] of attempts) {
          const response = await rest(gw, 'POST', '/agents', { key: ADMIN_KEY, body });
          expect(response.status, JSON.stringify(body)).toBe(400);
          expect(response.body, JSON.stringify(body)).toEqual(refusal('BAD_USER_INPUT', expect.stringContaining(message)));
        }
        expect(await db().selectFrom('agents').select('id').execute()).toEqual([{ id: 'assistant' }]);
      });

      it('keeps agent management to admin keys and a user’s agent to that user', async () => {
        expect(await rest(gw, 'POST', '/agents', { key: alice, body: { agent_id: 'mine' } })).toMatchObject({ status: 403, body: refusal('FORBIDDEN') });
        expect(await rest(gw, 'DELETE', '/agents/assistant', { key: USER_KEY })).toMatchObject({ status: 403, body: refusal('FORBIDDEN') });
        expect((await rest(gw, 'POST', '/agents', { key: ADMIN_KEY, body: { agent_id: 'alice-notes', user_id: 'alice' } })).status).toBe(201);

        const ids = async (key: string) => (await rest(gw, 'GET', '/agents', { key })).body.agents.map((a: { agent_id: string }) => a.agent_id).sort();
        expect(await ids(alice)).toEqual(['alice-notes', 'assistant']);
        expect(await ids(bob)).toEqual(['assistant']);
        expect(await rest(gw, 'GET', '/agents/alice-notes', { key: bob })).toMatchObject({ status: 404, body: refusal('NOT_FOUND') });
        expect(await rest(gw, 'GET', '/agents?user_id=alice', { key: bob })).toMatchObject({ status: 403, body: refusal('FORBIDDEN') });
        expect(await rest(gw, 'POST', '/chat/alice-notes', { key: bob, body: { message: 'hi' } })).toMatchObject({ status: 404, body: refusal('NOT_FOUND') });
        expect(fake.requests).toHaveLength(0);
      });
    });

    describe('authentication', () => {
      it('refuses the API to anonymous callers and bad credentials with 401, and a flood of bad ones with 429 and Retry-After', async () => {
        const address = { 'x-forwarded-for': '10.0.0.7' };
        const anonymous = await rest(gw, 'GET', '/agents', { headers: address });
        expect(anonymous).toMatchObject({ status: 401, body: refusal('UNAUTHENTICATED') });
        expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
        // The body of an anonymous call is not even read.
        expect(await rest(gw, 'POST', '/chat', { headers: address, body: { nonsense: true } })).toMatchObject({ status: 401, body: refusal('UNAUTHENTICATED') });
        const flood = { 'x-forwarded-for': '10.0.0.8' };
        const statuses: number[] = [];
        let limited;
        for (let i = 0; i < 5; i++) {
          const response = await rest(gw, 'GET', '/agents', { key: `wrong-key-${i}-0123456789`, headers: flood });
          statuses.push(response.status);
          if (response.status === 429) limited = response;
        }
        expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
        expect(statuses.slice(3)).toEqual([429, 429]);
        expect(limited!.body).toEqual(refusal('RATE_LIMITED'));
        expect(limited!.body.error.retry_after_seconds).toBeGreaterThan(0);
        expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThan(0);
        // A credential that verifies always passes.
        expect((await rest(gw, 'GET', '/agents', { key: alice, headers: flood })).status).toBe(200);
      });

      it('accepts X-API-Key as GraphQL does', async () => {
        expect((await rest(gw, 'GET', '/agents', { headers: { 'x-api-key': USER_KEY } })).status).toBe(200);
      });

      it('POST /auth/token issues a JWT that works, for the users the key may act for', async () => {
        const issued = await rest(gw, 'POST', '/auth/token', { key: USER_KEY, body: { user_id: 'carol', expires_in: 120 } });
        expect(issued.status).toBe(200);
        expect(issued.body).toEqual({ access_token: expect.any(String), token_type: 'bearer', expires_in: 120, expires_at: expect.any(String), token_id: expect.any(String) });
        const me = await gw.gql('{ me { userId } }', {}, issued.body.access_token);
        expect(me.body.data).toEqual({ me: { userId: 'carol' } });
        expect((await rest(gw, 'GET', '/agents', { key: issued.body.access_token })).status).toBe(200);

        expect(await rest(gw, 'POST', '/auth/token', { key: alice, body: { user_id: 'alice' } })).toMatchObject({ status: 403, body: refusal('FORBIDDEN') });
        expect(await rest(gw, 'POST', '/auth/token', { key: ADMIN_KEY })).toMatchObject({ status: 400, body: refusal('BAD_USER_INPUT', expect.stringContaining('user_id is required')) });
        expect(await rest(gw, 'POST', '/auth/token', { key: ADMIN_KEY, body: { user_id: 'dave', expires_in: 10_000_000 } })).toMatchObject({
          status: 400,
          body: refusal('BAD_USER_INPUT', expect.stringContaining('expires_in must be a whole number from 1 to 86400')),
        });
        expect(await rest(gw, 'POST', '/auth/token', { key: ADMIN_KEY, body: { user_id: 'dave', expires_in: '60' } })).toMatchObject({
          status: 400,
          body: refusal('BAD_USER_INPUT', expect.stringContaining('expires_in must be integer')),
        });
        // A user-bound key issues for its own user by default.
        const bound = await gw.gql('mutation { createApiKey(isAdmin: false, userId: "erin") { key } }', {}, ADMIN_KEY);
        const forErin = await rest(gw, 'POST', '/auth/token', { key: bound.body.data.createApiKey.key, body: {} });
        expect((await gw.gql('{ me { userId } }', {}, forErin.body.access_token)).body.data).toEqual({ me: { userId: 'erin' } });
      });
    });

    describe('chat', () => {
      it('answers POST /chat (routed) and POST /chat/{agent_name} with the reference’s fields, the turn stored', async () => {
        fake.enqueue({ text: 'Paris is the capital.', usage: { prompt_tokens: 12, completion_tokens: 4, total_tokens: 16 } });
        const routed = await rest(gw, 'POST', '/chat', { key: alice, body: { message: 'Capital of France?', metadata: { client: 'rest' } } });
        expect(routed.status).toBe(200);
        expect(routed.body).toEqual({
          agent_id: 'assistant',
          conversation_id: expect.any(String),
          message_id: expect.any(String),
          run_id: expect.any(String),
          response: 'Paris is the capital.',
          usage: { prompt_tokens: 12, completion_tokens: 4, total_tokens: 16, memory_tokens: expect.any(Number) },
          routing: expect.objectContaining({ agent_id: 'assistant', strategy: 'SINGLE', confidence: 1, candidates: [{ agent_id: 'assistant', score: null }] }),
          status: 'COMPLETE',
          pending_tool_calls: [],
          finish_reason: 'stop',
          json: null,
        });
        const rows = await db()
          .selectFrom('messages')
          .select(['id', 'role', 'content', 'status', 'run_id', 'conversation_id'])
          .where('conversation_id', '=', routed.body.conversation_id)
          .orderBy('ordinal')
          .execute();
        expect(rows.map((r) => [r.role, r.content, r.status])).toEqual([
          ['user', 'Capital of France?', 'COMPLETE'],
          ['assistant', 'Paris is the capital.', 'COMPLETE'],
        ]);
        expect(rows[1]).toMatchObject({ id: routed.body.message_id, run_id: routed.body.run_id });
        const conversation = await db().selectFrom('conversations').select('user_id').where('id', '=', routed.body.conversation_id).executeTakeFirstOrThrow();
        expect(conversation.user_id).toBe('alice');

        expect((await rest(gw, 'POST', '/agents', { key: ADMIN_KEY, body: { agent_id: 'code', description: 'Programming' } })).status).toBe(201);
        const named = await rest(gw, 'POST', '/chat/code', { key: alice, body: { message: 'and again', conversation_id: routed.body.conversation_id } });
        expect(named.body).toMatchObject({ agent_id: 'code', conversation_id: routed.body.conversation_id, response: 'echo: and again', routing: { strategy: 'EXPLICIT' } });
        // The answer saw the conversation so far.
        expect(fake.requests.at(-1)!.body.messages.map((m: { content: string }) => m.content)).toEqual(expect.arrayContaining(['Capital of France?', 'Paris is the capital.', 'and again']));
      });

      it('acts for the user a backend key names, and not for another user with a JWT', async () => {
        const backend = await rest(gw, 'POST', '/chat', { key: USER_KEY, body: { message: 'for frank', user_id: 'frank' } });
        expect(backend.status).toBe(200);
        expect(await db().selectFrom('conversations').select('user_id').where('id', '=', backend.body.conversation_id).executeTakeFirstOrThrow()).toEqual({ user_id: 'frank' });
        expect(await rest(gw, 'POST', '/chat', { key: alice, body: { message: 'as bob', user_id: 'bob' } })).toMatchObject({ status: 403, body: refusal('FORBIDDEN') });
      });

      it('refuses bad bodies with 400 naming the field, oversized ones with 413, other media types with 415: no model call, nothing stored', async () => {
        const attempts: Array<[unknown, string]> = [
          [{}, 'message is required'],
          [{ message: 7 }, 'message must be string'],
          [{ message: 'hi', stream: 'yes' }, 'stream must be boolean'],
          [{ message: 'hi', agent: 'code' }, 'agent is not a known field'],
          [{ message: '   ' }, 'message must not be empty'],
          [{ message: 'hi', metadata: { note: 'x'.repeat(20_000) } }, 'metadata must be at most 16,384 bytes'],
          [{ message: 'hi', conversation_id: 'c'.repeat(201) }, 'conversation_id must be at most 200 characters'],
          [[1, 2], 'body must be object'],
        ];
        for (const [body, message] of attempts) {
          const response = await rest(gw, 'POST', '/chat', { key: alice, body });
          expect(response.status, JSON.stringify(body).slice(0, 80)).toBe(400);
          expect(response.body).toEqual(refusal('BAD_USER_INPUT', expect.stringContaining(message)));
        }
        const malformed = await rest(gw, 'POST', '/chat', { key: alice, body: `{"message": "${'a'.repeat(30_000)}` });
        expect(malformed.status).toBe(400);
        expect(malformed.body).toEqual({ error: { code: 'BAD_USER_INPUT', message: 'The request body is not valid JSON', reason: 'BAD_REQUEST' } });
        const tooLarge = await rest(gw, 'POST', '/chat', { key: alice, body: { message: 'x'.repeat(70_000) } });
        expect(tooLarge.status).toBe(413);
        expect(tooLarge.body).toEqual({ error: { code: 'BAD_USER_INPUT', message: expect.stringContaining('BODY_LIMIT_BYTES'), reason: 'REQUEST_ENTITY_TOO_LARGE' } });
        const form = await rest(gw, 'POST', '/chat', { key: alice, body: 'message=hi', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
        expect(form.status).toBe(415);
        expect(form.body.error).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'UNSUPPORTED_MEDIA_TYPE' });
        expect(fake.requests).toHaveLength(0);
        expect(await db().selectFrom('messages').select('id').execute()).toEqual([]);
      });

      it('answers a failing upstream with 502 UPSTREAM_UNAVAILABLE, the partial answer stored as FAILED', async () => {
        fake.enqueue({ status: 500, errorMessage: 'upstream exploded' });
        const response = await rest(gw, 'POST', '/chat', { key: alice, body: { message: 'boom' } });
        expect(response.status).toBe(502);
        expect(response.body.error).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', run_id: expect.any(String), partial_message_id: expect.any(String), retryable: expect.any(Boolean) });
        expect(response.text).not.toContain('exploded');
        const answer = await db().selectFrom('messages').select(['status', 'error_code']).where('id', '=', response.body.error.partial_message_id).executeTakeFirstOrThrow();
        expect(answer).toEqual({ status: 'FAILED', error_code: 'UPSTREAM_UNAVAILABLE' });
      });

      it('keeps conversations and runs to their owner', async () => {
        const mine = await rest(gw, 'POST', '/chat', { key: alice, body: { message: 'alice’s secret plan' } });
        const { conversation_id: conversationId, run_id: runId } = mine.body;
        expect(await rest(gw, 'POST', '/chat', { key: bob, body: { message: 'let me in', conversation_id: conversationId } })).toMatchObject({ status: 404, body: refusal('NOT_FOUND') });
        expect(await rest(gw, 'GET', `/conversations/${conversationId}`, { key: bob })).toMatchObject({ status: 404, body: refusal('NOT_FOUND') });
        expect(await rest(gw, 'GET', `/runs/${runId}/events`, { key: bob })).toMatchObject({ status: 404, body: refusal('NOT_FOUND') });
        expect(await rest(gw, 'POST', `/runs/${runId}/cancel`, { key: bob })).toMatchObject({ status: 404, body: refusal('NOT_FOUND') });
        expect((await rest(gw, 'GET', '/conversations', { key: bob })).body).toEqual({ conversations: [], has_next_page: false, end_cursor: null });

        const own = await rest(gw, 'GET', `/conversations/${conversationId}`, { key: alice });
        expect(own.status).toBe(200);
        expect(own.body.conversation).toMatchObject({ conversation_id: conversationId, user_id: 'alice' });
        expect(own.body.messages.map((m: { role: string; content: string }) => [m.role, m.content])).toEqual([
          ['user', 'alice’s secret plan'],
          ['assistant', 'echo: alice’s secret plan'],
        ]);
        expect((await rest(gw, 'GET', '/conversations', { key: alice })).body.conversations.map((c: { conversation_id: string }) => c.conversation_id)).toEqual([conversationId]);
        // A finished run cannot be cancelled again.
        expect(await rest(gw, 'POST', `/runs/${runId}/cancel`, { key: alice })).toMatchObject({ status: 200, body: { cancelled: false } });
      });
    });

    describe('memory', () => {
      it('adds, lists, reads, searches and deletes long-term memories, each user their own', async () => {
        const added = await rest(gw, 'POST', '/memory/long_term', { key: alice, body: { content: 'Alice prefers green tea', metadata: { category: 'drinks' }, importance: 0.8 } });
        expect(added.status).toBe(201);
        expect(added.body).toMatchObject({ memory_id: expect.any(String), user_id: 'alice', content: 'Alice prefers green tea', metadata: { category: 'drinks' }, importance: 0.8, source: 'MANUAL' });
        const id = added.body.memory_id;
        expect(await db().selectFrom('memories').select(['user_id', 'content']).where('id', '=', id).executeTakeFirst()).toEqual({ user_id: 'alice', content: 'Alice prefers green tea' });

        const hits = await rest(gw, 'POST', '/memory/search', { key: alice, body: { query: 'green tea', k: 3, metadata: { category: 'drinks' } } });
        expect(hits.status).toBe(200);
        expect(hits.body.results).toEqual([expect.objectContaining({ id, source: 'LONG_TERM', content: 'Alice prefers green tea', score: expect.any(Number), created_at: expect.any(String) })]);
        expect((await rest(gw, 'POST', '/memory/search', { key: bob, body: { query: 'green tea' } })).body).toEqual({ results: [] });
        expect(await rest(gw, 'GET', `/memory/long_term/${id}`, { key: bob })).toMatchObject({ status: 404, body: refusal('NOT_FOUND') });
        expect(await rest(gw, 'DELETE', `/memory/long_term/${id}`, { key: bob })).toMatchObject({ status: 404, body: refusal('NOT_FOUND') });
        expect((await rest(gw, 'GET', '/memory/long_term', { key: bob })).body).toEqual({ memories: [], has_next_page: false, end_cursor: null });

        const page = await rest(gw, 'GET', '/memory/long_term?first=1', { key: alice });
        expect(page.body).toMatchObject({ memories: [{ memory_id: id }], has_next_page: false, end_cursor: expect.any(String) });
        expect((await rest(gw, 'GET', `/memory/long_term/${id}`, { key: alice })).body).toMatchObject({ memory_id: id });
        expect((await rest(gw, 'GET', '/memory/long_term?first=0', { key: alice })).body).toEqual(refusal('BAD_USER_INPUT', expect.stringContaining('first must be >= 1')));
        expect(await rest(gw, 'POST', '/memory/search', { key: alice, body: { query: 'tea', k: 500 } })).toMatchObject({ status: 400, body: refusal('BAD_USER_INPUT', expect.stringContaining('k must be between 1 and 100')) });
        expect(await rest(gw, 'POST', '/memory/long_term', { key: alice, body: { content: 'card 4111 1111 1111 1111' } })).toMatchObject({ status: 400, body: refusal('BAD_USER_INPUT') });

        expect((await rest(gw, 'DELETE', `/memory/long_term/${id}`, { key: alice })).status).toBe(204);
        expect(await db().selectFrom('memories').select('id').execute()).toEqual([]);
      });

      it('adds to a conversation’s buffer, clears it, and keeps another user out of it', async () => {
        const added = await rest(gw, 'POST', '/memory/buffer', { key: alice, body: { message: 'I am planning a trip to Lisbon', metadata: { via: 'rest' } } });
        expect(added.status).toBe(201);
        expect(added.body).toMatchObject({ message_id: expect.any(String), conversation_id: expect.any(String), role: 'user', content: 'I am planning a trip to Lisbon', status: 'COMPLETE', metadata: { via: 'rest' } });
        const conversationId = added.body.conversation_id;
        await rest(gw, 'POST', '/memory/buffer', { key: alice, body: { message: 'Lisbon has trams', role: 'assistant', conversation_id: conversationId } });
        await gw.orchestrator.memoryIndexer.settle();
        const found = await rest(gw, 'POST', '/memory/search', { key: alice, body: { query: 'Lisbon', conversation_id: conversationId, use_long_term: false } });
        expect(found.body.results.map((hit: { source: string; conversation_id: string }) => [hit.source, hit.conversation_id])).toEqual([
          ['BUFFER', conversationId],
          ['BUFFER', conversationId],
        ]);
        expect(await rest(gw, 'POST', '/memory/buffer', { key: bob, body: { message: 'mine now', conversation_id: conversationId } })).toMatchObject({ status: 404, body: refusal('NOT_FOUND') });
        expect(await rest(gw, 'POST', '/memory/clear', { key: bob, body: { conversation_id: conversationId } })).toMatchObject({ status: 404, body: refusal('NOT_FOUND') });
        expect(await rest(gw, 'POST', '/memory/clear', { key: alice, body: {} })).toMatchObject({ status: 400, body: refusal('BAD_USER_INPUT', expect.stringContaining('agent_id')) });

        const cleared = await rest(gw, 'POST', '/memory/clear', { key: alice, body: { conversation_id: conversationId } });
        expect(cleared.status).toBe(200);
        expect(cleared.body).toMatchObject({ messages: 2, memories: 0 });
        expect(await db().selectFrom('messages').select('id').where('conversation_id', '=', conversationId).execute()).toEqual([]);
      });

      it('merges and reads user context, each user their own, admins naming the user', async () => {
        const merged = await rest(gw, 'POST', '/memory/user_context', { key: alice, body: { knowledge: { preferences: { theme: 'dark' } }, importance: 0.9 } });
        expect(merged.status).toBe(200);
        expect(merged.body).toMatchObject({ user_id: 'alice', knowledge: { preferences: { theme: 'dark' } }, facts: [{ path: ['preferences', 'theme'], value: 'dark', importance: 0.9, source: 'MANUAL' }] });
        expect((await rest(gw, 'GET', '/memory/user_context', { key: alice })).body.knowledge).toEqual({ preferences: { theme: 'dark' } });
        expect((await rest(gw, 'GET', '/memory/user_context?user_id=alice', { key: ADMIN_KEY })).body.knowledge).toEqual({ preferences: { theme: 'dark' } });
        expect((await rest(gw, 'GET', '/memory/user_context', { key: bob })).body).toEqual({ user_id: 'bob', knowledge: {}, facts: [] });
        expect(await rest(gw, 'GET', '/memory/user_context?user_id=alice', { key: bob })).toMatchObject({ status: 403, body: refusal('FORBIDDEN') });
        expect(await rest(gw, 'GET', '/memory/user_context', { key: ADMIN_KEY })).toMatchObject({ status: 400, body: refusal('BAD_USER_INPUT', 'user_id is required: this credential acts for no user') });
        expect(await rest(gw, 'POST', '/memory/user_context', { key: alice, body: { knowledge: 'dark' } })).toMatchObject({ status: 400, body: refusal('BAD_USER_INPUT', expect.stringContaining('knowledge must be object')) });
        expect(await db().selectFrom('user_context_facts').select('user_id').execute()).toEqual([{ user_id: 'alice' }]);
      });

      it('DELETE /users/{user_id} erases a user (admins, or the user), with a receipt', async () => {
        await rest(gw, 'POST', '/chat', { key: alice, body: { message: 'remember me' } });
        await rest(gw, 'POST', '/memory/long_term', { key: alice, body: { content: 'Alice lives in Porto' } });
        expect(await rest(gw, 'DELETE', '/users/alice', { key: bob })).toMatchObject({ status: 403, body: refusal('FORBIDDEN') });
        expect(await rest(gw, 'DELETE', `/users/${'u'.repeat(201)}`, { key: ADMIN_KEY })).toMatchObject({
          status: 400,
          body: refusal('BAD_USER_INPUT', expect.stringContaining('user_id must be at most 200 characters')),
        });
        const erased = await rest(gw, 'DELETE', '/users/alice', { key: ADMIN_KEY });
        expect(erased.status).toBe(200);
        expect(erased.body).toMatchObject({ conversations: 1, messages: 2, memories: 1 });
        expect(await db().selectFrom('conversations').select('id').where('user_id', '=', 'alice').execute()).toEqual([]);
        expect(await db().selectFrom('memories').select('id').execute()).toEqual([]);
      });
    });

    describe('MCP servers', () => {
      let server: TestMcpHttpServer;
      beforeAll(async () => {
        server = await startTestMcpHttpServer({ mode: 'sessions' });
      });
      afterAll(() => server?.close());

      it('registers (201), lists, shows tools, executes and removes (204) a server; users see only what their agents use', { timeout: 60_000 }, async () => {
        expect(await rest(gw, 'POST', '/mcp/servers', { key: alice, body: { server_id: 'tools', url: server.url } })).toMatchObject({ status: 403, body: refusal('FORBIDDEN') });
        expect(await rest(gw, 'POST', '/mcp/servers', { key: ADMIN_KEY, body: { server_id: 'tools' } })).toMatchObject({
          status: 400,
          body: refusal('BAD_USER_INPUT', expect.stringContaining('url give either url')),
        });
        const registered = await rest(gw, 'POST', '/mcp/servers', { key: ADMIN_KEY, body: { server_id: 'tools', url: server.url, headers: { 'X-Secret': 'hunter2' } } });
        expect(registered.status).toBe(201);
        expect(registered.body).toMatchObject({ server_id: 'tools', transport: 'HTTP', url: server.url, status: 'CONNECTED', header_names: ['X-Secret'], error: null });
        expect(registered.text).not.toContain('hunter2');
        expect(await db().selectFrom('mcp_servers').select('id').execute()).toEqual([{ id: 'tools' }]);

        expect((await rest(gw, 'GET', '/mcp/servers', { key: ADMIN_KEY })).body.servers.map((s: { server_id: string }) => s.server_id)).toEqual(['tools']);
        expect((await rest(gw, 'GET', '/mcp/servers', { key: alice })).body).toEqual({ servers: [] });
        expect(await rest(gw, 'GET', '/mcp/servers/tools/tools', { key: alice })).toMatchObject({ status: 404, body: refusal('NOT_FOUND') });

        const tools = await rest(gw, 'GET', '/mcp/servers/tools/tools', { key: ADMIN_KEY });
        expect(tools.body.tools).toEqual(expect.arrayContaining([expect.objectContaining({ server_id: 'tools', name: 'add', function_name: 'tools__add', input_schema: expect.objectContaining({ type: 'object' }) })]));

        const sum = await rest(gw, 'POST', '/mcp/servers/tools/tools/add/execute', { key: ADMIN_KEY, body: { parameters: { a: 2, b: 3 } } });
        expect(sum).toMatchObject({ status: 200, body: { content: [{ type: 'text', text: '5' }], text: '5', structured_content: { sum: 5 }, is_error: false } });
        expect(await rest(gw, 'POST', '/mcp/servers/tools/tools/add/execute', { key: ADMIN_KEY, body: { parameters: { a: 'two' } } })).toMatchObject({
          status: 400,
          body: refusal('BAD_USER_INPUT', expect.stringMatching(/a must be number.*b is required|b is required.*a must be number/)),
        });
        expect(await rest(gw, 'POST', '/mcp/servers/tools/tools/nope/execute', { key: ADMIN_KEY, body: {} })).toMatchObject({ status: 404, body: refusal('NOT_FOUND') });

        // Once an agent alice can use lists the server, she sees it and may run its tools.
        expect((await rest(gw, 'POST', '/agents', { key: ADMIN_KEY, body: { agent_id: 'calc', tools: ['tools/echo'] } })).status).toBe(201);
        expect((await rest(gw, 'GET', '/mcp/servers', { key: alice })).body.servers.map((s: { server_id: string }) => s.server_id)).toEqual(['tools']);
        expect((await rest(gw, 'POST', '/mcp/servers/tools/tools/echo/execute', { key: alice, body: { parameters: { text: 'hi' } } })).body).toMatchObject({ text: 'hi', is_error: false });
        expect(await rest(gw, 'POST', '/mcp/servers/tools/tools/add/execute', { key: alice, body: { parameters: { a: 1, b: 1 } } })).toMatchObject({ status: 404, body: refusal('NOT_FOUND') });

        expect(await rest(gw, 'DELETE', '/mcp/servers/tools', { key: alice })).toMatchObject({ status: 403, body: refusal('FORBIDDEN') });
        expect((await rest(gw, 'DELETE', '/mcp/servers/tools', { key: ADMIN_KEY })).status).toBe(204);
        expect(await db().selectFrom('mcp_servers').select('id').execute()).toEqual([]);
        expect(await rest(gw, 'GET', '/mcp/servers/tools', { key: ADMIN_KEY })).toMatchObject({ status: 404, body: refusal('NOT_FOUND') });
      });
    });

    it('answers unknown routes with a JSON 404 and leaves /graphql as it was', async () => {
      const unknown = await rest(gw, 'GET', '/no/such/route?x=1', { key: ADMIN_KEY });
      expect(unknown.status).toBe(404);
      expect(unknown.body).toEqual({ error: { code: 'NOT_FOUND', message: 'No route GET /no/such/route' } });
      expect((await rest(gw, 'PUT', '/agents', { key: ADMIN_KEY, body: {} })).status).toBe(404);
      expect((await gw.gql('{ agents { id } }', {}, ADMIN_KEY)).body).toEqual({ data: { agents: [{ id: 'assistant' }] } });
    });

    // Last: the gateway stops taking chats for good.
    it('answers 503 UPSTREAM_UNAVAILABLE (and /health 503) while the gateway drains', async () => {
      gw.orchestrator.chat.drain();
      const refused = await rest(gw, 'POST', '/chat', { key: alice, body: { message: 'too late' } });
      expect(refused.status).toBe(503);
      expect(refused.body.error).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retryable: true, message: expect.stringContaining('shutting down') });
      await until(async () => (await rest(gw, 'GET', '/health')).status === 503, 'health to say draining');
      expect((await rest(gw, 'GET', '/health')).body.status).toBe('draining');
    });
  });
}
