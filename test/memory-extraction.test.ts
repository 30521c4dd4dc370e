import { beforeAll, describe, expect, it } from 'vitest';
import { storageBackendNames } from './support/backends.js';
import { type Behaviour, FakeOpenAI } from './support/fake-openai.js';
import type { TestGateway } from './support/gateway.js';
import { upstreamWorld } from './support/gateway-with-upstream.js';
import {
  answerRequests,
  chatOver,
  createAgent,
  echo,
  extractionRequests,
  isExtraction,
  issueTokens,
  memoryTokensOf,
  resetMemory,
  SYSTEM,
  TRANSPORTS,
  USER_CONTEXT_HEADING,
} from './support/memory.js';

/**
 * AUTO_EXTRACT_USER_INFO through a real gateway: after an answer, the fake plays the extraction
 * model (the request with a json_schema response_format); what it answers lands, or not, in the
 * ledger (memories) and the user context, and a later conversation's system message carries it.
 */

const USER_CONTEXT = `query { userContext { userId knowledge facts { key value source sourceMessageId confidence importance } } }`;
const MEMORY_FIELDS = 'id content source sourceMessageId factKey confidence importance validUntil supersededBy';
const MEMORIES = `query($all: Boolean) { memories(includeSuperseded: $all) { edges { node { ${MEMORY_FIELDS} } } } }`;

const DARK = { key: 'preferences.theme', value: 'dark', confidence: 0.9, importance: 0.8 };
const LIGHT = { key: 'preferences.theme', value: 'light', confidence: 0.9, importance: 0.8 };
/** The extraction model's answer: these facts as the JSON its schema asks for. */
const facts = (...list: object[]): Behaviour => ({ text: JSON.stringify({ facts: list }) });

describe.each(storageBackendNames())('fact extraction on %s', (backend) => {
  let fake: FakeOpenAI, gw: TestGateway, alice: string, bob: string;
  /** What the extraction model answers in the current test; answers to the chat echo its message. */
  let extraction: Behaviour;

  const counts = () => ({ ...gw.orchestrator.extractor!.counts });
  const settle = () => gw.orchestrator.extractor!.settle();
  const userMessageId = async (conversationId: string, content: string) =>
    (await gw.database.db.selectFrom('messages').select('id').where('conversation_id', '=', conversationId).where('role', '=', 'user').where('content', '=', content).executeTakeFirstOrThrow()).id;
  const memoryRows = () => gw.database.db.selectFrom('memories').select(['content', 'source', 'fact_key', 'valid_until']).execute();
  const factRows = () => gw.database.db.selectFrom('user_context_facts').selectAll().execute();
  const memories = async (credential: string, all = false) => {
    const response = await gw.gql(MEMORIES, { all }, credential);
    expect(response.body.errors).toBeUndefined();
    return response.body.data.memories.edges.map((edge: any) => edge.node);
  };
  const userContext = async (credential: string) => {
    const response = await gw.gql(USER_CONTEXT, {}, credential);
    expect(response.body.errors).toBeUndefined();
    return response.body.data.userContext;
  };
  /** The system message of the last answer request the fake received. */
  const lastSystem = () => answerRequests(fake.requests).at(-1)!.body.messages[0].content as string;

  const world = upstreamWorld(backend, { AUTO_EXTRACT_USER_INFO: 'true' }, async () => {
    extraction = facts();
    fake.setDefault((request) => (isExtraction(request) ? extraction : echo(request)));
    await createAgent(gw, { id: 'assistant', systemMessage: SYSTEM });
  });
  beforeAll(() => {
    ({ fake, gw, alice, bob } = world);
  });

  describe('done when: "I prefer dark mode" is known in a new conversation', () => {
    it.each(TRANSPORTS)('learns the preference after the answer; a new conversation over %s has it in its system message', async (transport) => {
      extraction = facts(DARK);
      const told = await chatOver(gw, 'http', alice, { message: 'I prefer dark mode' });
      expect(told.content).toBe('echo: I prefer dark mode');
      await settle();
      // Later exchanges hold no facts.
      extraction = facts();

      // The extractor was asked, without streaming, for JSON facts about that exchange.
      const [asked, ...more] = extractionRequests(fake.requests);
      expect(more).toEqual([]);
      expect(asked!.body.stream).toBeFalsy();
      expect(asked!.body.response_format).toMatchObject({ type: 'json_schema', json_schema: { name: 'user_facts', strict: true } });
      expect(asked!.body.messages[1].content).toContain('USER: I prefer dark mode\nASSISTANT: echo: I prefer dark mode');

      const sourceMessageId = await userMessageId(told.conversationId, 'I prefer dark mode');
      expect(await userContext(alice)).toEqual({
        userId: 'alice',
        knowledge: { preferences: { theme: 'dark' } },
        facts: [{ key: 'preferences.theme', value: 'dark', source: 'EXTRACTED', sourceMessageId, confidence: 0.9, importance: 0.8 }],
      });
      expect(await memories(alice)).toEqual([
        expect.objectContaining({ content: 'preferences theme: dark', source: 'EXTRACTED', sourceMessageId, factKey: 'preferences.theme', confidence: 0.9, validUntil: null }),
      ]);

      const fresh = await chatOver(gw, transport, alice, { message: 'Which colours suit my editor?' });
      expect(fresh.conversationId).not.toBe(told.conversationId);
      const request = answerRequests(fake.requests).at(-1)!;
      expect(request.body.messages).toEqual([
        { role: 'system', content: `${SYSTEM}${USER_CONTEXT_HEADING}\n- preferences.theme: "dark"` },
        { role: 'user', content: 'Which colours suit my editor?' },
      ]);
      // Memory added the user-context section, and usage says how many tokens that was.
      expect(fresh.usage!.memoryTokens).toBe(memoryTokensOf(request.body.messages));
      expect(fresh.usage!.memoryTokens).toBeGreaterThan(0);

      // Bob's conversations know nothing of Alice.
      await chatOver(gw, transport, bob, { message: 'Which colours suit my editor?' });
      expect(answerRequests(fake.requests).at(-1)!.body.messages[0]).toEqual({ role: 'system', content: SYSTEM });
      await settle();
      expect((await userContext(bob)).facts).toEqual([]);
      expect(await memories(bob)).toEqual([]);
    });

    it('uses what addUserContext wrote in a new conversation (the manual path)', async () => {
      const added = await gw.gql(
        `mutation($input: AddUserContextInput!) { addUserContext(input: $input) { facts { key value source sourceMessageId } } }`,
        { input: { knowledge: { preferences: { language: 'Norwegian' }, work: { role: 'nurse' } }, importance: 0.9 } },
        alice,
      );
      expect(added.body.errors).toBeUndefined();
      expect(added.body.data.addUserContext.facts).toEqual(
        expect.arrayContaining([{ key: 'preferences.language', value: 'Norwegian', source: 'MANUAL', sourceMessageId: null }]),
      );
      await chatOver(gw, 'http', alice, { message: 'Say hello' });
      // Most important first, then by path.
      expect(lastSystem()).toBe(`${SYSTEM}${USER_CONTEXT_HEADING}\n- preferences.language: "Norwegian"\n- work.role: "nurse"`);
    });
  });

  describe('what the extractor keeps', () => {
    it('drops a fact under EXTRACTION_CONFIDENCE (0.7) and keeps one at it', async () => {
      const before = counts();
      extraction = facts({ ...DARK, confidence: 0.5 }, { key: 'work.role', value: 'nurse', confidence: 0.7, importance: 0.5 });
      await chatOver(gw, 'http', alice, { message: 'I work nights as a nurse and maybe like dark mode' });
      await settle();
      expect(counts()).toMatchObject({ droppedLowConfidence: before.droppedLowConfidence + 1, kept: before.kept + 1, failures: before.failures });
      expect((await userContext(alice)).knowledge).toEqual({ work: { role: 'nurse' } });
      expect((await memories(alice)).map((m: any) => m.content)).toEqual(['work role: nurse']);
    });

    it('drops facts that look like secrets: a card number, a password', async () => {
      const before = counts();
      extraction = facts(
        { key: 'payment.card', value: '4111 1111 1111 1111', confidence: 0.95, importance: 0.9 },
        { key: 'account.password', value: 'hunter2', confidence: 0.95, importance: 0.9 },
        { key: 'work.role', value: 'nurse', confidence: 0.9, importance: 0.5 },
      );
      await chatOver(gw, 'http', alice, { message: 'I am a nurse; pay with 4111 1111 1111 1111, my password is hunter2' });
      await settle();
      expect(counts()).toMatchObject({ droppedSensitive: before.droppedSensitive + 2, kept: before.kept + 1 });
      expect((await userContext(alice)).knowledge).toEqual({ work: { role: 'nurse' } });
      expect((await memories(alice)).map((m: any) => m.content)).toEqual(['work role: nurse']);
      const stored = JSON.stringify([await memoryRows(), await factRows()]);
      expect(stored).not.toContain('4111');
      expect(stored).not.toContain('hunter2');
    });

    it('drops secrets spelled to slip past: dotted or full-width card digits, Passwort, mot de passe', async () => {
      const before = counts();
      extraction = facts(
        { key: 'payment.card', value: '4111.1111.1111.1111', confidence: 0.95, importance: 0.9 },
        { key: 'payment.backup', value: '４２４２４２４２４２４２４２４２', confidence: 0.95, importance: 0.9 },
        { key: 'konto.passwort', value: 'geheim', confidence: 0.95, importance: 0.9 },
        { key: 'compte.note', value: 'mot de passe: soleil', confidence: 0.95, importance: 0.9 },
        { key: 'work.role', value: 'nurse', confidence: 0.9, importance: 0.5 },
      );
      await chatOver(gw, 'http', alice, { message: 'Ich bin Krankenschwester; Karte 4111.1111.1111.1111, Passwort geheim, mot de passe: soleil' });
      await settle();
      expect(counts()).toMatchObject({ droppedSensitive: before.droppedSensitive + 4, kept: before.kept + 1 });
      expect((await userContext(alice)).knowledge).toEqual({ work: { role: 'nurse' } });
      const stored = JSON.stringify([await memoryRows(), await factRows()]);
      for (const secret of ['4111', '４２４２', 'geheim', 'soleil']) expect(stored).not.toContain(secret);
    });

    it('supersedes a fact the user contradicts: the old one is kept for the record, no longer used', async () => {
      const before = counts();
      extraction = facts(DARK);
      const first = await chatOver(gw, 'http', alice, { message: 'I prefer dark mode' });
      await settle();
      extraction = facts(LIGHT);
      await chatOver(gw, 'http', alice, { message: 'I switched to light mode', conversationId: first.conversationId });
      await settle();
      expect(counts()).toMatchObject({ superseded: before.superseded + 1, kept: before.kept + 2 });

      const [light, dark, ...rest] = await memories(alice, true);
      expect(rest).toEqual([]);
      expect(light).toMatchObject({ content: 'preferences theme: light', validUntil: null, supersededBy: null });
      expect(light.sourceMessageId).toBe(await userMessageId(first.conversationId, 'I switched to light mode'));
      expect(dark).toMatchObject({ content: 'preferences theme: dark', supersededBy: light.id, sourceMessageId: await userMessageId(first.conversationId, 'I prefer dark mode') });
      expect(Date.parse(dark.validUntil)).not.toBeNaN();
      expect(await memories(alice)).toEqual([light]);
      expect((await userContext(alice)).facts).toEqual([expect.objectContaining({ key: 'preferences.theme', value: 'light', source: 'EXTRACTED', sourceMessageId: light.sourceMessageId })]);

      // The same fact again changes nothing but its freshness.
      await chatOver(gw, 'http', alice, { message: 'Light mode, as I said', conversationId: first.conversationId });
      await settle();
      expect(counts()).toMatchObject({ unchanged: before.unchanged + 1, superseded: before.superseded + 1 });
      expect(await memories(alice, true)).toHaveLength(2);

      await chatOver(gw, 'http', alice, { message: 'Which colours suit my editor?' });
      expect(lastSystem()).toBe(`${SYSTEM}${USER_CONTEXT_HEADING}\n- preferences.theme: "light"`);
    });

    it.each([
      ['prose, not JSON', { text: 'Sure! The user likes dark mode.' }],
      ['JSON of another shape', { text: '{"preferences":{"theme":"dark"}}' }],
      ['one fact off-shape among good ones', { text: JSON.stringify({ facts: [DARK, { key: 'Preferences Theme!', value: 'dark', confidence: 0.9, importance: 0.5 }] }) }],
      ['a confidence out of range', { text: JSON.stringify({ facts: [{ ...DARK, confidence: 9 }] }) }],
      ['an HTTP error', { status: 500 }],
    ] as Array<[string, Behaviour]>)('changes nothing and counts a failure when the extraction model answers %s', async (_what, answer) => {
      const before = counts();
      extraction = answer;
      const told = await chatOver(gw, 'http', alice, { message: 'I prefer dark mode' });
      await settle();
      // The answer was the chat's own, whatever the extraction did.
      expect(told.content).toBe('echo: I prefer dark mode');
      expect(extractionRequests(fake.requests)).toHaveLength(1);
      expect(counts()).toMatchObject({ runs: before.runs + 1, failures: before.failures + 1, kept: before.kept });
      expect(await memoryRows()).toEqual([]);
      expect(await factRows()).toEqual([]);
      expect((await gw.database.db.selectFrom('messages').select(['role', 'content', 'status']).orderBy('ordinal').execute())).toEqual([
        { role: 'user', content: 'I prefer dark mode', status: 'COMPLETE' },
        { role: 'assistant', content: 'echo: I prefer dark mode', status: 'COMPLETE' },
      ]);
    });

    it('never delays the answer: the chat has answered while the extraction request is still pending', async () => {
      // The extraction model takes a second to answer (one JSON token × delayMs).
      extraction = { ...facts(DARK), delayMs: 1_000 };
      const told = await chatOver(gw, 'ws', alice, { message: 'I prefer dark mode' });
      expect(told.content).toBe('echo: I prefer dark mode');
      expect(extractionRequests(fake.requests).filter((request) => request.completed)).toEqual([]);
      expect(await factRows()).toEqual([]);
      await fake.waitFor(() => extractionRequests(fake.requests).length === 1, 'the extraction request');
      await settle();
      expect(extractionRequests(fake.requests)[0]!.completed).toBe(true);
      expect((await userContext(alice)).knowledge).toEqual({ preferences: { theme: 'dark' } });
    });

    it('stores nothing about a user forgotten while an extraction of their turn was in flight', async () => {
      extraction = { ...facts(DARK), delayMs: 1_000 };
      await chatOver(gw, 'http', alice, { message: 'I prefer dark mode' });
      await fake.waitFor(() => extractionRequests(fake.requests).length === 1, 'the extraction request');
      expect(extractionRequests(fake.requests)[0]!.completed).toBe(false);
      const forgotten = await gw.gql(`mutation { forgetUser(userId: "alice") { conversations messages } }`, {}, alice);
      expect(forgotten.body.data.forgetUser).toEqual({ conversations: 1, messages: 2 });
      await settle();
      // The erasure stopped the extraction: its request was aborted, not answered.
      expect(extractionRequests(fake.requests)[0]!).toMatchObject({ completed: false, clientAborted: true });
      expect(await memoryRows()).toEqual([]);
      expect(await factRows()).toEqual([]);
    });
  });
});
