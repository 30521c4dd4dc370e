import { beforeAll, describe, expect, it } from 'vitest';
import { type Behaviour, FakeOpenAI } from './support/fake-openai.js';
import type { TestGateway } from './support/gateway.js';
import { upstreamWorld } from './support/gateway-with-upstream.js';
import { chatOver, createAgent, echo, isExtraction, issueTokens, MEMORIES_HEADING, memorySections, memoryStatements, SYSTEM } from './support/memory.js';

/**
 * A chat of a user remembered as having no long-term memory runs no memory search (issue 20). A
 * memory written any way (REST, fact extraction) must be searched by the very next chat.
 */

const facts = (...list: object[]): Behaviour => ({ text: JSON.stringify({ facts: list }) });

describe('a memory written by REST or extraction reaches the next chat of a user who had none', () => {
  let fake: FakeOpenAI, gw: TestGateway;
  let extraction: Behaviour;

  /** One chat over HTTP, its background extraction settled; the system message and the memory statements of the chat. */
  const chat = async (credential: string, message: string) => {
    const before = await memoryStatements(gw);
    await chatOver(gw, 'http', credential, { agentId: 'assistant', message });
    const statements = (await memoryStatements(gw)) - before;
    await gw.orchestrator.extractor!.settle();
    const system = fake.requests.filter((r) => !isExtraction(r)).at(-1)!.body.messages[0]!.content as string;
    return { system, statements };
  };

  const world = upstreamWorld('pglite', { MEMORY_K: '2', MEMORY_EMBEDDINGS: 'false', AUTO_EXTRACT_USER_INFO: 'true' }, async () => {
    extraction = facts();
    fake.setDefault((request) => (isExtraction(request) ? extraction : echo(request)));
    await createAgent(gw, { id: 'assistant', systemMessage: SYSTEM });
  });
  beforeAll(() => {
    ({ fake, gw } = world);
  });

  it('REST POST /memory/long_term', async () => {
    const { alice } = await issueTokens(gw);
    await chat(alice, 'Hello there');
    expect((await chat(alice, 'What does my cat Miso eat?')).statements).toBe(0);
    const added = await fetch(`${gw.url}/memory/long_term`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice}`, 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'The cat Miso eats salmon' }),
    });
    expect(added.status).toBe(201);
    const some = await chat(alice, 'What does my cat Miso eat?');
    expect(some.statements).toBeGreaterThan(0);
    expect(some.system).toContain(MEMORIES_HEADING);
    expect(memorySections(some.system).memories).toEqual(['The cat Miso eats salmon']);
  });

  it('a fact the extractor records after an answer', async () => {
    // Bob: alice's presence is remembered from the test before (the tables were emptied behind the cache's back).
    const { bob } = await issueTokens(gw);
    await chat(bob, 'Hello there');
    expect((await chat(bob, 'Anything about my theme?')).statements).toBe(0);
    extraction = facts({ key: 'preferences.theme', value: 'dark', confidence: 0.9, importance: 0.8 });
    await chat(bob, 'I prefer dark mode');
    extraction = facts();
    expect(await gw.database.db.selectFrom('memories').select('content').execute()).toEqual([{ content: 'preferences theme: dark' }]);
    expect((await chat(bob, 'Which theme do I prefer?')).statements).toBeGreaterThan(0);
  });
});
