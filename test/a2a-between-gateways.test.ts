import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storageBackendNames } from './support/backends.js';
import { type Behaviour, FakeOpenAI, type RecordedRequest } from './support/fake-openai.js';
import { ADMIN_KEY, startTestGateway, type TestGateway } from './support/gateway.js';
import { sseSubscription } from './support/replica-streams.js';

/**
 * One muxgate delegating to another's published agent over A2A (issue 23, part 4): G2 publishes
 * `billing` (a2a: true); G1 registers it as the remote agent `g2-billing`, with a key of G2's as
 * its bearer header, and G1's `triage` lists it in `delegates`. A chat with triage on G1 asks
 * billing through A2A; the answer comes back as the tool's result, and G2 stored billing's run.
 */

const EVENTS = `__typename
  ... on RunEventFields { runId seq }
  ... on RunStarted { conversationId agentId }
  ... on TokenDelta { text }
  ... on ToolCallStarted { callId tool }
  ... on ToolCallCompleted { callId result isError }
  ... on DelegationStarted { parentRunId childRunId agentId }
  ... on DelegationCompleted { childRunId isError }
  ... on MessageCompleted { content }
  ... on RunFailed { code message }`;
const CHAT_STREAM = `subscription($input: ChatInput!) { chatStream(input: $input) { ${EVENTS} } }`;
const REGISTER = `mutation($input: RegisterRemoteAgentInput!) { registerRemoteAgent(input: $input) { id status error name description } }`;

const systemOf = (request: RecordedRequest): string => request.body.messages[0]?.content ?? '';
const toolResults = (request: RecordedRequest): string[] => request.body.messages.filter((m: any) => m.role === 'tool').map((m: any) => m.content);
const offered = (request: RecordedRequest): string[] => (request.body.tools ?? []).map((tool: any) => tool.function.name);

/** One upstream for both gateways, routed by system message: billing (on G2) answers; triage (on G1) asks it, then repeats what it heard. */
const team = (request: RecordedRequest): Behaviour => {
  if (systemOf(request).startsWith('You are billing.')) return { tokens: ['Refund', ' approved', ' on G2'] };
  const results = toolResults(request);
  if (results.length === 0) return { toolCalls: [{ id: 'call_b', name: 'ask_g2-billing', arguments: { question: 'Is the refund approved?', context: 'order 42' } }], finishReason: 'tool_calls' };
  return { text: `Billing says: ${results.join('')}` };
};

describe.each(storageBackendNames())('a gateway delegating to another’s published agent over A2A (%s)', (backend) => {
  let fake: FakeOpenAI;
  let g1: TestGateway;
  let g2: TestGateway;
  let alice: string;

  const ok = async (gw: TestGateway, query: string, variables: Record<string, unknown> = {}, credential = ADMIN_KEY) => {
    const response = await gw.gql(query, variables, credential);
    expect(response.body.errors).toBeUndefined();
    return response.body.data;
  };

  beforeAll(async () => {
    fake = await FakeOpenAI.start();
    const env = { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: 'test-key', MODEL_MAX_RETRIES: '0', ENABLE_EMBEDDINGS: 'false' };
    [g1, g2] = await Promise.all([startTestGateway(backend, env), startTestGateway(backend, env)]);
    fake.setDefault(team);

    await ok(g2, 'mutation { createAgent(input: { id: "billing", systemMessage: "You are billing.", description: "Refunds and invoices", a2a: true }) { id } }');
    // G1 speaks to G2 as a user of G2's: a key bound to "g1-gateway".
    const g2Key = (await ok(g2, 'mutation { createApiKey(isAdmin: false, userId: "g1-gateway") { key } }')).createApiKey.key as string;

    const registered = await ok(g1, REGISTER, { input: { id: 'g2-billing', url: `${g2.url}/a2a/billing/.well-known/agent-card.json`, headers: [{ name: 'Authorization', value: `Bearer ${g2Key}` }] } });
    expect(registered.registerRemoteAgent).toEqual({ id: 'g2-billing', status: 'CONNECTED', error: null, name: 'billing', description: 'Refunds and invoices' });
    await ok(g1, 'mutation { createAgent(input: { id: "triage", systemMessage: "You are triage.", delegates: ["g2-billing"] }) { id delegates } }');
    alice = (await ok(g1, 'mutation { issueToken(userId: "alice") { accessToken } }')).issueToken.accessToken;
  }, 120_000);
  afterAll(async () => {
    await g1?.stop();
    await g2?.stop();
    await fake?.close();
  });

  it('a chat on G1 delegates to G2’s agent: its streamed answer is the child’s events and the tool’s result; G2 stored its own run', async () => {
    const stream = sseSubscription(g1.url, CHAT_STREAM, { input: { agentId: 'triage', message: 'My refund?' } }, { authorization: `Bearer ${alice}` });
    await stream.done;
    expect(stream.errors).toEqual([]);
    const events = stream.events;
    const parentRunId: string = events[0].runId;
    const started = events.find((e) => e.__typename === 'DelegationStarted');
    expect(started).toMatchObject({ runId: parentRunId, parentRunId, agentId: 'g2-billing' });
    const childRunId: string = started.childRunId;

    // The remote task's updates are the child's events in the parent's stream; its terminal event stays out.
    const child = events.filter((e) => e.runId === childRunId);
    expect(child[0]).toMatchObject({ __typename: 'RunStarted', agentId: 'g2-billing' });
    expect(child.filter((e) => e.__typename === 'TokenDelta').map((e) => e.text).join('')).toBe('Refund approved on G2');
    expect(child.some((e) => e.__typename === 'MessageCompleted' || e.__typename === 'RunFailed')).toBe(false);
    expect(events.find((e) => e.__typename === 'DelegationCompleted')).toMatchObject({ runId: parentRunId, childRunId, isError: false });
    expect(events.find((e) => e.__typename === 'ToolCallCompleted')).toMatchObject({ callId: 'call_b', result: 'Refund approved on G2', isError: false });
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.at(-1)).toMatchObject({ __typename: 'MessageCompleted', runId: parentRunId, content: 'Billing says: Refund approved on G2' });

    // The one upstream heard triage offered the remote agent as a tool described by its card, and billing asked on G2.
    const triageFirst = fake.requests.find((r) => systemOf(r).startsWith('You are triage.'))!;
    expect(offered(triageFirst)).toContain('ask_g2-billing');
    const billingAsked = fake.requests.filter((r) => systemOf(r).startsWith('You are billing.'));
    expect(billingAsked).toHaveLength(1);
    expect(billingAsked[0]!.body.messages.filter((m: any) => m.role === 'user').map((m: any) => m.content).join('\n')).toContain('Is the refund approved?');

    // G2 stored billing's run, for the user its key is bound to, in a conversation of its own.
    const g2Rows = await g2.database.db
      .selectFrom('messages')
      .innerJoin('conversations', 'conversations.id', 'messages.conversation_id')
      .select(['messages.role', 'messages.content', 'messages.status', 'messages.agent_id', 'messages.run_id', 'conversations.user_id'])
      .orderBy('messages.created_at')
      .execute();
    const answer = g2Rows.find((row: any) => row.role === 'assistant');
    expect(answer).toMatchObject({ agent_id: 'billing', status: 'COMPLETE', content: 'Refund approved on G2', user_id: 'g1-gateway' });
    const question = g2Rows.find((row: any) => row.role === 'user');
    expect(question).toMatchObject({ run_id: answer!.run_id, user_id: 'g1-gateway' });
    expect(question!.content).toContain('Is the refund approved?');
    expect(question!.content).toContain('order 42');
    // G2's run is its own, replayable there by the key's user; G1's run ids are none of G2's.
    expect([parentRunId, childRunId]).not.toContain(answer!.run_id);

    // G1 stored the parent's answer, for alice; the child's words live on G2 (a remote child has no conversation on G1).
    const g1Answers = await g1.database.db.selectFrom('messages').select(['run_id', 'agent_id', 'status', 'content']).where('role', '=', 'assistant').execute();
    expect(g1Answers).toEqual([{ run_id: parentRunId, agent_id: 'triage', status: 'COMPLETE', content: 'Billing says: Refund approved on G2' }]);
  });
});
