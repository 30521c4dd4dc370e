import { beforeAll, describe, expect, it } from 'vitest';
import { storageBackendNames } from './support/backends.js';
import { type Behaviour, FakeOpenAI } from './support/fake-openai.js';
import { ADMIN_KEY, type TestGateway } from './support/gateway.js';
import { upstreamWorld } from './support/gateway-with-upstream.js';
import { answerRequests, CHAT, createAgent, echo, isExtraction, memorySections, SYSTEM } from './support/memory.js';

// An extracted fact lives twice — in the ledger and in the user context — and a person's edit or
// delete of either reaches the other; memory follows the conversation's owner; an erasure refuses
// the user's chats while it runs.

const DARK = { key: 'preferences.theme', value: 'dark', confidence: 0.9, importance: 0.8 };
const MEMORIES = `query { memories(includeSuperseded: true) { edges { node { id content source factKey validUntil } } } }`;
const USER_CONTEXT = `query { userContext { knowledge } }`;

for (const backend of storageBackendNames()) {
  describe(`linked memories on ${backend}`, () => {
    let fake: FakeOpenAI, gw: TestGateway, alice: string;

    const world = upstreamWorld(backend, { AUTO_EXTRACT_USER_INFO: 'true' }, async () => {
      const extraction: Behaviour = { text: JSON.stringify({ facts: [DARK] }) };
      fake.setDefault((request) => (isExtraction(request) ? extraction : echo(request)));
      await createAgent(gw, { id: 'assistant', systemMessage: SYSTEM });
    });
    beforeAll(() => {
      ({ fake, gw, alice } = world);
    });

    const learnDarkMode = async () => {
      const told = await gw.gql(CHAT, { input: { message: 'I prefer dark mode' } }, alice);
      expect(told.body.errors).toBeUndefined();
      await gw.orchestrator.extractor!.settle();
      const edges = (await gw.gql(MEMORIES, {}, alice)).body.data.memories.edges;
      expect(edges).toHaveLength(1);
      return { conversationId: told.body.data.chat.conversationId as string, memoryId: edges[0].node.id as string };
    };

    it('deleting the extracted memory removes its user-context fact, so no prompt carries it', async () => {
      const { memoryId } = await learnDarkMode();
      expect((await gw.gql(USER_CONTEXT, {}, alice)).body.data.userContext.knowledge).toEqual({ preferences: { theme: 'dark' } });
      expect((await gw.gql(`mutation($id: ID!) { deleteMemory(id: $id) }`, { id: memoryId }, alice)).body.data.deleteMemory).toBe(true);
      expect((await gw.gql(USER_CONTEXT, {}, alice)).body.data.userContext.knowledge).toEqual({});
      fake.reset();
      fake.setDefault(echo);
      await gw.gql(CHAT, { input: { message: 'Which theme should my editor use?' } }, alice);
      expect(memorySections(answerRequests(fake.requests)[0]!.body.messages[0].content)).toEqual({ userContext: [], memories: [] });
    });

    it('deleting the user-context fact retires its copy in the ledger: kept for the record, no longer used', async () => {
      const { memoryId } = await learnDarkMode();
      expect((await gw.gql(`mutation { deleteUserContextFact(path: ["preferences", "theme"]) }`, {}, alice)).body.data.deleteUserContextFact).toBe(1);
      const edges = (await gw.gql(MEMORIES, {}, alice)).body.data.memories.edges;
      expect(edges).toEqual([{ node: expect.objectContaining({ id: memoryId, validUntil: expect.any(String) }) }]);
      fake.reset();
      fake.setDefault(echo);
      await gw.gql(CHAT, { input: { message: 'Which theme should my editor use?' } }, alice);
      expect(memorySections(answerRequests(fake.requests)[0]!.body.messages[0].content)).toEqual({ userContext: [], memories: [] });
    });

    it('editing the fact in the user context supersedes the extracted one in the ledger with the person’s value', async () => {
      const { memoryId } = await learnDarkMode();
      const edited = await gw.gql(`mutation { updateUserContextFact(input: { path: ["preferences", "theme"], value: "light" }) { key value source } }`, {}, alice);
      expect(edited.body.data.updateUserContextFact).toEqual({ key: 'preferences.theme', value: 'light', source: 'MANUAL' });
      const nodes = (await gw.gql(MEMORIES, {}, alice)).body.data.memories.edges.map((e: any) => e.node);
      expect(nodes.find((n: any) => n.id === memoryId)).toMatchObject({ validUntil: expect.any(String) });
      expect(nodes.find((n: any) => n.id !== memoryId)).toMatchObject({ content: 'preferences theme: "light"', source: 'MANUAL', factKey: 'preferences.theme', validUntil: null });
    });

    it('an admin answering in alice’s conversation uses alice’s memory, not the backend’s', async () => {
      const { conversationId } = await learnDarkMode();
      fake.reset();
      fake.setDefault(echo);
      const answered = await gw.gql(CHAT, { input: { message: 'Which theme?', conversationId } }, ADMIN_KEY);
      expect(answered.body.errors).toBeUndefined();
      expect(memorySections(answerRequests(fake.requests)[0]!.body.messages[0].content).userContext).toEqual(['preferences.theme: "dark"']);
    });

    it('refuses the user’s chats while their erasure runs, and none of it survives', async () => {
      await learnDarkMode();
      // Hold the erasure inside its first step (runs in flight) with a run of alice's that hangs.
      fake.setDefault({ text: 'a long answer', hangAfterTokens: 1 });
      const hanging = gw.gql(CHAT, { input: { message: 'tell me a long story' } }, alice);
      await fake.waitFor(() => answerRequests(fake.requests).length === 2, 'the hanging answer');
      const forgetting = gw.gql(`mutation { forgetUser(userId: "alice") { conversations } }`, {}, ADMIN_KEY);
      let refused: any;
      for (let i = 0; i < 50 && !refused; i++) {
        const attempt = await gw.gql(CHAT, { input: { message: 'me again' } }, alice);
        if (attempt.body.errors?.[0]?.extensions?.code === 'UPSTREAM_UNAVAILABLE') refused = attempt.body.errors[0];
        else await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(refused?.message).toContain('being erased');
      expect((await forgetting).body.data.forgetUser.conversations).toBeGreaterThanOrEqual(2);
      // Her run in flight was stopped by the erasure: she got what had arrived, and nothing is stored.
      expect((await hanging).body.data.chat.message.content).toBe('a');
      const { rows } = await gw.database.db.selectFrom('conversations').select('id').where('user_id', '=', 'alice').execute().then((r) => ({ rows: r }));
      expect(rows).toEqual([]);
    });
  });
}
