import { describe, expect, it } from 'vitest';
import { ADMIN_KEY, USER_KEY } from './support/gateway.js';
import { gatewayWithUpstream } from './support/gateway-with-upstream.js';
import { collect } from './support/subscriptions.js';

let alice: string;
let bob: string;
const world = gatewayWithUpstream({}, async ({ gw }) => {
  await gw.gql(`mutation { createAgent(input: { id: "assistant" }) { id } }`, {}, ADMIN_KEY);
  alice = await token('alice');
  bob = await token('bob');
});
const token = async (userId: string) =>
  (await world.gw.gql(`mutation($u: ID!) { issueToken(userId: $u) { accessToken } }`, { u: userId }, ADMIN_KEY)).body.data.issueToken.accessToken as string;

describe('who a run belongs to', () => {
  it("a run an admin starts in alice's conversation is alice's: she resumes and cancels it, bob cannot see it", async () => {
    const opened = await world.gw.gql(`mutation { chat(input: { message: "hello" }) { conversationId } }`, {}, alice);
    const conversationId = opened.body.data.chat.conversationId as string;

    world.fake.enqueue({ text: 'one two three four', hangAfterTokens: 2 });
    const admin = collect(world.gw.ws({ authorization: `Bearer ${ADMIN_KEY}` }), `subscription($c: ID!) { chatStream(input: { message: "from support", conversationId: $c }) { __typename ... on RunEventFields { runId seq } } }`, { c: conversationId });
    await admin.next(4);
    const runId = (admin.results[0]!.data as any).chatStream.runId as string;

    const asAlice = collect(world.gw.ws({ authorization: `Bearer ${alice}` }), `subscription($r: ID!) { runEvents(runId: $r, after: 0) { __typename } }`, { r: runId });
    await asAlice.next(4);
    expect(asAlice.error).toBeUndefined();
    expect(asAlice.results.map((r: any) => r.data.runEvents.__typename)).toEqual(['RunStarted', 'AgentSelected', 'TokenDelta', 'TokenDelta']);

    const asBob = await world.gw.gql(`mutation($r: ID!) { cancelRun(runId: $r) }`, { r: runId }, bob);
    expect(asBob.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const cancelled = await world.gw.gql(`mutation($r: ID!) { cancelRun(runId: $r) }`, { r: runId }, alice);
    expect(cancelled.body).toEqual({ data: { cancelRun: true } });
    await asAlice.ended();
    expect((asAlice.results.at(-1) as any).data.runEvents.__typename).toBe('RunFailed');
  });

  it('conversations with no user are seen by admins and by user keys that act for no user, never by a user', async () => {
    const started = await world.gw.gql(`mutation { chat(input: { message: "backend job" }) { conversationId } }`, {}, USER_KEY);
    const id = started.body.data.chat.conversationId as string;
    const read = (credential: string) => world.gw.gql(`query($id: ID!) { conversation(id: $id) { id userId } }`, { id }, credential);
    expect((await read(ADMIN_KEY)).body.data).toEqual({ conversation: { id, userId: null } });
    expect((await read(USER_KEY)).body.data).toEqual({ conversation: { id, userId: null } });
    expect((await read(alice)).body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});

describe('conversation titles', () => {
  it('cut at 80 characters as a reader counts them, never splitting a flag or an emoji', async () => {
    const message = `${'🇫🇷'.repeat(100)} and 👩‍👩‍👧‍👦`;
    const answer = await world.gw.gql(`mutation($m: String!) { chat(input: { message: $m }) { conversationId } }`, { m: message }, alice);
    const id = answer.body.data.chat.conversationId as string;
    const { title } = (await world.gw.gql(`query($id: ID!) { conversation(id: $id) { title } }`, { id }, alice)).body.data.conversation;
    expect(title.isWellFormed()).toBe(true);
    const graphemes = [...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(title)].map((s) => s.segment);
    expect(graphemes).toEqual([...Array(79).fill('🇫🇷'), '…']);
  });
});
