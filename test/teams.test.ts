import { beforeAll, describe, expect, it } from 'vitest';
import { storageBackendNames } from './support/backends.js';
import { postChatCompletion, dataLines } from './support/chat-completions.js';
import type { Behaviour, FakeOpenAI, RecordedRequest } from './support/fake-openai.js';
import { ADMIN_KEY } from './support/gateway.js';
import { upstreamWorld } from './support/gateway-with-upstream.js';
import { collect, readEventStream } from './support/subscriptions.js';

/**
 * Agent teams over GraphQL: a triage agent delegating to two specialists (child runs, their events
 * in the parent's stream, stored and replayable), a child's failure as a tool error, a cancel
 * reaching the children, refusals (unknown, invisible, cycle, depth) when saved and at run time,
 * and a handoff whose receiving agent keeps the conversation.
 */

const EVENTS = `
  __typename
  ... on RunEventFields { runId seq }
  ... on RunStarted { conversationId agentId }
  ... on TokenDelta { text }
  ... on ToolCallStarted { callId tool arguments }
  ... on ToolCallCompleted { callId result isError }
  ... on DelegationStarted { parentRunId childRunId agentId }
  ... on DelegationCompleted { childRunId isError }
  ... on Handoff { fromAgentId toAgentId reason }
  ... on AgentSelected { agentId strategy }
  ... on MessageCompleted { content usage { promptTokens completionTokens totalTokens } }
  ... on RunFailed { code message }`;
const CHAT_STREAM = `subscription($input: ChatInput!) { chatStream(input: $input) { ${EVENTS} } }`;
const RUN_EVENTS = `subscription($runId: ID!) { runEvents(runId: $runId) { ${EVENTS} } }`;
const RUN = `query($id: ID!) { run(id: $id) { runId parentRunId status children { runId agentId status parentRunId message { content } } } }`;
const CREATE = `mutation($input: CreateAgentInput!) { createAgent(input: $input) { id delegates handoffs } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateAgentInput!) { updateAgent(id: $id, input: $input) { id delegates } }`;

type Event = Record<string, any>;
const usage = { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 };
const systemOf = (request: RecordedRequest): string => request.body.messages[0]?.content ?? '';
const toolResults = (request: RecordedRequest): string[] => request.body.messages.filter((m: any) => m.role === 'tool').map((m: any) => m.content);
const offered = (request: RecordedRequest): string[] => (request.body.tools ?? []).map((tool: any) => tool.function.name);

/** Each agent says who it is in its system message: "You are <id>." */
const agentOf = (request: RecordedRequest) => /^You are ([a-z0-9_-]+)\./.exec(systemOf(request))?.[1];

describe.each(storageBackendNames())('agent teams on %s', (backend) => {
  let fake: FakeOpenAI, gw: any, alice: string, bob: string;
  const world = upstreamWorld(backend, { ENABLE_EMBEDDINGS: 'false' });
  beforeAll(() => {
    ({ fake, gw, alice, bob } = world);
  });

  const gql = async (query: string, variables: Record<string, unknown>, credential = ADMIN_KEY) => (await gw.gql(query, variables, credential)).body as { data?: any; errors?: Array<{ message: string; extensions?: { code?: string } }> };
  const ok = async (query: string, variables: Record<string, unknown>, credential = ADMIN_KEY) => {
    const body = await gql(query, variables, credential);
    expect(body.errors).toBeUndefined();
    return body.data;
  };
  const agent = (id: string, more: Record<string, unknown> = {}) => ok(CREATE, { input: { id, systemMessage: `You are ${id}.`, description: `The ${id} desk`, ...more } });

  /** A chatStream to its end over graphql-ws or GraphQL over SSE: every event. */
  async function streamOver(transport: 'ws' | 'sse', input: Record<string, unknown>, credential = alice): Promise<Event[]> {
    if (transport === 'ws') {
      const sub = collect(gw.ws({ authorization: `Bearer ${credential}` }), CHAT_STREAM, { input });
      await sub.ended();
      expect(sub.error).toBeUndefined();
      return sub.results.map((r: any) => r.data.chatStream);
    }
    const response = await fetch(gw.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${credential}` },
      body: JSON.stringify({ query: CHAT_STREAM, variables: { input } }),
    });
    const events: Event[] = [];
    for await (const { event, data } of readEventStream(response)) if (event === 'next') events.push(data.data.chatStream);
    return events;
  }

  /** Triage asks both specialists at once, then answers with what they said; the specialists answer from their system messages. */
  const team = (request: RecordedRequest): Behaviour => {
    const who = agentOf(request);
    if (who === 'billing') return { text: 'Refund approved', usage };
    if (who === 'shipping') return { text: 'Parcel in Lyon', usage };
    const results = toolResults(request);
    if (results.length === 0) {
      return {
        toolCalls: [
          { id: 'call_b', name: 'ask_billing', arguments: { question: 'Is the refund approved?' } },
          { id: 'call_s', name: 'ask_shipping', arguments: { question: 'Where is the parcel?', context: 'order 42' } },
        ],
        finishReason: 'tool_calls',
        usage,
      };
    }
    return { text: `Both: ${results.join(' / ')}`, usage };
  };

  async function triageTeam() {
    await agent('billing');
    await agent('shipping');
    await agent('triage', { delegates: ['billing', 'shipping'] });
  }

  for (const transport of ['ws', 'sse'] as const) {
    it(`a triage agent delegates to two specialists side by side (${transport}): child events in its stream, children stored and replayable`, async () => {
      await triageTeam();
      fake.setDefault(team);
      const events = await streamOver(transport, { agentId: 'triage', message: 'My refund and my parcel?' });
      const parentRunId = events[0]!.runId;
      const own = events.filter((e) => e.runId === parentRunId);
      const started = own.filter((e) => e.__typename === 'DelegationStarted');
      expect(started.map((e) => e.agentId).sort()).toEqual(['billing', 'shipping']);
      for (const e of started) expect(e.parentRunId).toBe(parentRunId);
      // Side by side: both children started before either completed.
      const firstCompleted = events.findIndex((e) => e.__typename === 'DelegationCompleted');
      expect(events.findIndex((e) => e === started[1])).toBeLessThan(firstCompleted);
      const childIds = started.map((e) => e.childRunId);
      for (const childId of childIds) {
        const child = events.filter((e) => e.runId === childId);
        expect(child[0]!.__typename).toBe('RunStarted');
        expect(child.some((e) => e.__typename === 'TokenDelta')).toBe(true);
        // Its terminal event stays in its own stream: the parent's readers see DelegationCompleted.
        expect(child.some((e) => e.__typename === 'MessageCompleted' || e.__typename === 'RunFailed')).toBe(false);
      }
      expect(own.filter((e) => e.__typename === 'DelegationCompleted').map((e) => e.isError)).toEqual([false, false]);
      const results = Object.fromEntries(own.filter((e) => e.__typename === 'ToolCallCompleted').map((e) => [e.callId, e.result]));
      expect(results).toEqual({ call_b: 'Refund approved', call_s: 'Parcel in Lyon' });
      // The stream's seqs go 1, 2, 3 … whichever run an event is of, so runEvents(after:) resumes across them.
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
      const last = events.at(-1)!;
      expect(last).toMatchObject({ __typename: 'MessageCompleted', runId: parentRunId, content: 'Both: Refund approved / Parcel in Lyon' });
      // Usage sums the children's: two triage steps and two children of 12 tokens each.
      expect(last.usage.totalTokens).toBe(48);
      expect(fake.requests.find((r) => agentOf(r) === 'shipping')!.body.messages.at(-1).content).toBe('Where is the parcel?\n\nContext:\norder 42');

      const db = gw.database.db;
      const parentConversation = events[0]!.conversationId;
      const children = await db.selectFrom('conversations').select(['id', 'user_id', 'parent_conversation_id', 'parent_run_id']).where('parent_run_id', '=', parentRunId).execute();
      expect(children).toHaveLength(2);
      for (const child of children) expect(child).toMatchObject({ user_id: 'alice', parent_conversation_id: parentConversation });
      const rows = await db.selectFrom('messages').select(['run_id', 'role', 'content', 'status', 'agent_id']).where('run_id', 'in', childIds).orderBy('role').execute();
      expect(rows.filter((r: any) => r.role === 'assistant').map((r: any) => `${r.agent_id}:${r.status}:${r.content}`).sort()).toEqual(['billing:COMPLETE:Refund approved', 'shipping:COMPLETE:Parcel in Lyon']);

      const run = (await ok(RUN, { id: parentRunId }, alice)).run;
      expect(run.parentRunId).toBeNull();
      expect(run.children.map((c: any) => `${c.agentId}:${c.status}:${c.message.content}:${c.parentRunId === parentRunId}`).sort()).toEqual(['billing:COMPLETE:Refund approved:true', 'shipping:COMPLETE:Parcel in Lyon:true']);
      // A child run replays on its own, as any run.
      const replay = collect(gw.ws({ authorization: `Bearer ${alice}` }), RUN_EVENTS, { runId: childIds[0] });
      await replay.ended();
      const replayed = replay.results.map((r: any) => r.data.runEvents);
      expect(replayed[0].__typename).toBe('RunStarted');
      expect(replayed.at(-1)).toMatchObject({ __typename: 'MessageCompleted', runId: childIds[0] });
      // Child conversations are the parent's detail, not the user's list.
      const listed = (await ok(`{ conversations(first: 10) { edges { node { id } } } }`, {}, alice)).conversations.edges.map((e: any) => e.node.id);
      expect(listed).toEqual([parentConversation]);
      // Bob sees none of it.
      expect((await gql(RUN, { id: childIds[0] }, bob)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    });
  }

  it('over /v1 the delegation stays inside the answer: no child text in the stream', async () => {
    await triageTeam();
    fake.setDefault(team);
    const response = await postChatCompletion(gw.url, { model: 'triage', stream: true, messages: [{ role: 'user', content: 'My refund and my parcel?' }] }, { authorization: `Bearer ${alice}` });
    const text = dataLines(await response.text())
      .filter((line) => line !== '[DONE]')
      .map((line) => JSON.parse(line).choices?.[0]?.delta?.content ?? '')
      .join('');
    expect(text).toBe('Both: Refund approved / Parcel in Lyon');
  });

  it('a child that fails is a tool error the parent reads; the parent answers on', async () => {
    await triageTeam();
    fake.setDefault((request) => (agentOf(request) === 'billing' ? { status: 500, errorMessage: 'billing is down' } : team(request)));
    const events = await streamOver('ws', { agentId: 'triage', message: 'Refund and parcel?' });
    const completed = events.filter((e) => e.__typename === 'ToolCallCompleted');
    const billing = completed.find((e) => e.callId === 'call_b')!;
    expect(billing.isError).toBe(true);
    expect(billing.result).toContain('The delegated agent "billing" failed');
    expect(events.filter((e) => e.__typename === 'DelegationCompleted').map((e) => e.isError).sort()).toEqual([false, true]);
    const last = events.at(-1)!;
    expect(last.__typename).toBe('MessageCompleted');
    expect(last.content).toContain('The delegated agent "billing" failed');
    const childRunId = events.find((e) => e.__typename === 'DelegationStarted' && e.agentId === 'billing')!.childRunId;
    const row = await gw.database.db.selectFrom('messages').select(['status', 'error_code']).where('run_id', '=', childRunId).where('role', '=', 'assistant').executeTakeFirstOrThrow();
    expect(row.status).toBe('FAILED');
  });

  it('cancelling the parent cancels its children', async () => {
    await triageTeam();
    fake.setDefault((request) => (agentOf(request) === 'triage' ? team(request) : { tokens: ['Working', ' on', ' it'], hangAfterTokens: 1 }));
    const sub = collect(gw.ws({ authorization: `Bearer ${alice}` }), CHAT_STREAM, { input: { agentId: 'triage', message: 'Refund and parcel?' } });
    const results = () => sub.results.map((r: any) => r.data.chatStream as Event);
    let childIds: string[] = [];
    await sub.until(() => {
      childIds = results().filter((e) => e.__typename === 'DelegationStarted').map((e) => e.childRunId);
      return childIds.length === 2 && childIds.every((id) => results().some((e) => e.runId === id && e.__typename === 'TokenDelta'));
    }, 'both children streaming');
    const parentRunId = results()[0]!.runId;
    expect((await ok(`mutation($r: ID!) { cancelRun(runId: $r) }`, { r: parentRunId }, alice)).cancelRun).toBe(true);
    await sub.ended();
    expect(results().at(-1)).toMatchObject({ __typename: 'RunFailed', runId: parentRunId, code: 'CANCELLED' });
    for (const childId of childIds) {
      const replay = collect(gw.ws({ authorization: `Bearer ${alice}` }), RUN_EVENTS, { runId: childId });
      await replay.ended();
      expect(replay.results.at(-1)!.data!.runEvents).toMatchObject({ __typename: 'RunFailed', code: 'CANCELLED' });
      const row = await gw.database.db.selectFrom('messages').select('status').where('run_id', '=', childId).where('role', '=', 'assistant').executeTakeFirstOrThrow();
      expect(row.status).toBe('CANCELLED');
    }
  });

  it('refuses, when an agent is saved, an unknown delegate, one its users may not see, itself, a cycle and a chain deeper than MAX_DELEGATION_DEPTH; nothing is saved', async () => {
    const refused = async (query: string, variables: Record<string, unknown>, words: string) => {
      const body = await gql(query, variables);
      expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(body.errors?.[0]?.message).toContain(words);
    };
    await agent('e');
    await agent('d', { delegates: ['e'] });
    await agent('c', { delegates: ['d'] });
    await agent('b', { delegates: ['c'] });
    await refused(CREATE, { input: { id: 'a', delegates: ['b'] } }, 'MAX_DELEGATION_DEPTH is 3');
    await refused(CREATE, { input: { id: 'x', delegates: ['nobody'] } }, 'no agent "nobody"');
    await refused(CREATE, { input: { id: 'x', handoffs: ['nobody'] } }, 'no agent "nobody"');
    await refused(CREATE, { input: { id: 'x', delegates: ['x'] } }, 'cannot name itself');
    await refused(UPDATE, { id: 'e', input: { delegates: ['c'] } }, 'delegation cycle (e → c → d → e)');
    await agent('alice-notes', { userId: 'alice' });
    await refused(CREATE, { input: { id: 'x', delegates: ['alice-notes'] } }, 'belongs to another user');
    await refused(CREATE, { input: { id: 'x', userId: 'bob', handoffs: ['alice-notes'] } }, 'belongs to another user');
    const stored = await gw.database.db.selectFrom('agents').select(['id', 'delegates']).orderBy('id').execute();
    expect(stored.map((row: any) => `${row.id}:${JSON.stringify(row.delegates)}`)).toEqual(['alice-notes:null', 'b:["c"]', 'c:["d"]', 'd:["e"]', 'e:null']);
    // Her own agent may delegate to her private one.
    expect((await ok(CREATE, { input: { id: 'alice-desk', userId: 'alice', delegates: ['alice-notes'] } })).createAgent.delegates).toEqual(['alice-notes']);
  });

  /** Each agent asks the one it delegates to, then answers with what it heard. */
  const chain = (request: RecordedRequest): Behaviour => {
    const who = agentOf(request)!;
    const ask = offered(request).find((name) => name.startsWith('ask_'));
    const results = toolResults(request);
    if (ask && results.length === 0) return { toolCalls: [{ id: `call_${who}`, name: ask, arguments: { question: `from ${who}` } }], finishReason: 'tool_calls' };
    return { text: `${who}(${results.join('')})` };
  };

  it('refuses at run time a cycle and a depth past MAX_DELEGATION_DEPTH that the stored agents came to hold: tool errors, the runs end', async () => {
    for (const id of ['e', 'd', 'c', 'b', 'a']) await agent(id);
    const set = (id: string, delegates: string[]) => gw.database.db.updateTable('agents').set({ delegates: JSON.stringify(delegates) }).where('id', '=', id).execute();
    await set('a', ['b']);
    await set('b', ['c']);
    await set('c', ['d']);
    await set('d', ['e']);
    gw.orchestrator.agents.invalidate();
    fake.setDefault(chain);
    const deep = (await streamOver('ws', { agentId: 'a', message: 'go' })).at(-1)!;
    expect(deep.content).toMatch(/^a\(b\(c\(d\(Delegating to "e" would nest 4 runs deep; MAX_DELEGATION_DEPTH is 3/);
    await set('c', ['a']);
    gw.orchestrator.agents.invalidate();
    const cyclic = (await streamOver('ws', { agentId: 'a', message: 'go' })).at(-1)!;
    expect(cyclic.content).toContain('a(b(c("a" is already answering above this run (a → b → c → a): a delegation cycle is refused');
  });

  it('a delegate its user may not see is never offered (a private agent is not reachable through another)', async () => {
    await agent('alice-notes', { userId: 'alice' });
    await agent('front');
    await gw.database.db.updateTable('agents').set({ delegates: JSON.stringify(['alice-notes']) }).where('id', '=', 'front').execute();
    gw.orchestrator.agents.invalidate();
    fake.setDefault({ text: 'ok' });
    await streamOver('ws', { agentId: 'front', message: 'hi' }, bob);
    expect(offered(fake.requests.at(-1)!)).toEqual([]);
    await streamOver('ws', { agentId: 'front', message: 'hi' }, alice);
    expect(offered(fake.requests.at(-1)!)).toEqual(['ask_alice-notes']);
  });

  it('a handoff: the receiving agent continues the same stream with the history, and keeps the conversation', async () => {
    await agent('billing');
    await agent('front', { handoffs: ['billing'] });
    fake.setDefault((request) =>
      agentOf(request) === 'front'
        ? { tokens: ['Let me pass you on. '], toolCalls: [{ id: 'call_t', name: 'transfer_to_billing', arguments: { reason: 'a billing question' } }], finishReason: 'tool_calls' }
        : { text: `Billing here (${request.body.messages.filter((m: any) => m.role === 'user').length} user message)` },
    );
    const events = await streamOver('ws', { agentId: 'front', message: 'Why was I charged twice?' });
    const runId = events[0]!.runId;
    expect(events.every((e) => e.runId === runId)).toBe(true);
    expect(events.find((e) => e.__typename === 'Handoff')).toMatchObject({ fromAgentId: 'front', toAgentId: 'billing', reason: 'a billing question' });
    expect(events.at(-1)).toMatchObject({ __typename: 'MessageCompleted', content: 'Let me pass you on. Billing here (1 user message)' });
    // Billing saw the conversation and the transfer.
    const billingRequest = fake.requests.find((r) => agentOf(r) === 'billing')!;
    expect(billingRequest.body.messages.some((m: any) => m.role === 'user' && m.content === 'Why was I charged twice?')).toBe(true);
    expect(billingRequest.body.messages.some((m: any) => m.role === 'tool' && m.tool_call_id === 'call_t')).toBe(true);
    const conversationId = events[0]!.conversationId;
    const row = await gw.database.db.selectFrom('messages').select('agent_id').where('run_id', '=', runId).where('role', '=', 'assistant').executeTakeFirstOrThrow();
    expect(row.agent_id).toBe('billing');
    // The next turn, naming no agent, stays with billing.
    const next = await streamOver('ws', { conversationId, message: 'And now?' });
    expect(next.find((e) => e.__typename === 'AgentSelected')).toMatchObject({ agentId: 'billing', strategy: 'STICKY' });
    expect(agentOf(fake.requests.at(-1)!)).toBe('billing');
  });

  it('REST: agent bodies carry delegates and handoffs; the SSE stream carries the delegation events', async () => {
    await agent('billing');
    await agent('shipping');
    const created = await fetch(`${gw.url}/agents`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` }, body: JSON.stringify({ agent_id: 'triage', system_message: 'You are triage.', delegates: ['billing', 'shipping'], handoffs: ['billing'] }) });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ agent_id: 'triage', delegates: ['billing', 'shipping'], handoffs: ['billing'] });
    const cycle = await fetch(`${gw.url}/agents`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` }, body: JSON.stringify({ agent_id: 'loop', delegates: ['loop'] }) });
    expect(cycle.status).toBe(400);
    fake.setDefault(team);
    const response = await fetch(`${gw.url}/chat/triage`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${alice}` }, body: JSON.stringify({ message: 'Refund and parcel?' }) });
    const frames = (await response.text()).split('\n\n').filter((frame) => frame.includes('data: ')).map((frame) => JSON.parse(frame.slice(frame.indexOf('data: ') + 6)));
    const started = frames.filter((f) => f.type === 'DelegationStarted');
    expect(started.map((f) => f.agent_id).sort()).toEqual(['billing', 'shipping']);
    expect(started[0]).toMatchObject({ parent_run_id: frames[0].run_id });
    expect(frames.some((f) => f.run_id === started[0].child_run_id && f.type === 'TokenDelta')).toBe(true);
    expect(frames.filter((f) => f.type === 'DelegationCompleted').map((f) => f.is_error)).toEqual([false, false]);
    expect(frames.at(-1)).toMatchObject({ type: 'MessageCompleted', content: 'Both: Refund approved / Parcel in Lyon' });
  });
});
