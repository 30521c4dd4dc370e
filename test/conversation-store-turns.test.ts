import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConversationStore, type NewTurn } from '../src/core/conversations/conversation-store.js';
import type { RoutingDecision } from '../src/core/routing/routing-decision.js';
import type { ToolRound } from '../src/core/tools/tool-round.js';
import { type Database, openDatabase } from '../src/db/database.js';
import { createBackend, type StorageBackend, storageBackendNames } from './support/backends.js';

// A chat's two statements read back only what they did not write: the turn nothing (its ids are
// chosen before it), the answer's end the columns it leaves. What they answer must be what is stored.

const routing: RoutingDecision = { agentId: 'assistant', strategy: 'EXPLICIT', confidence: 1, reason: 'named', cached: false, latencyMs: 0, candidates: [] };
const turnOf = (content: string, answerId?: string): NewTurn => {
  const runId = randomUUID();
  return { user: { content, runId, metadata: { source: 'test' } }, answer: { ...(answerId ? { id: answerId } : {}), agentId: 'assistant', runId, routing } };
};

describe.each(storageBackendNames())('a turn stored and its answer ended, on %s', (name) => {
  let backend: StorageBackend | undefined;
  let database: Database;
  let store: ConversationStore;

  beforeAll(async () => {
    if (name === 'postgres') {
      backend = await createBackend('postgres');
      const { DATABASE_URL, DATABASE_SCHEMA } = backend.env();
      database = await openDatabase({ databaseUrl: DATABASE_URL, schema: DATABASE_SCHEMA, dataDir: 'memory://', onLockLost: () => {} });
    } else {
      database = await openDatabase({ dataDir: 'memory://', onLockLost: () => {} });
    }
    store = new ConversationStore(database.db);
  });
  afterAll(async () => {
    await database?.close();
    await backend?.dispose();
  });

  it('names the rows it wrote: the user message and the answer (the caller’s id when it chose one)', async () => {
    const answerId = randomUUID();
    const started = await store.startConversation('alice', 'A title', turnOf('first question', answerId));
    const added = await store.addTurn(started.conversation.id, turnOf('second question'), 'alice');
    expect(started.answerId).toBe(answerId);
    const rows = await database.db.selectFrom('messages').select(['id', 'role', 'content', 'status']).where('conversation_id', '=', started.conversation.id).orderBy('ordinal').execute();
    expect(rows).toEqual([
      { id: started.messageId, role: 'user', content: 'first question', status: 'COMPLETE' },
      { id: answerId, role: 'assistant', content: '', status: 'STREAMING' },
      { id: added.messageId, role: 'user', content: 'second question', status: 'COMPLETE' },
      { id: added.answerId, role: 'assistant', content: '', status: 'STREAMING' },
    ]);
  });

  it('answers the ended answer as a read of its row gives it', async () => {
    const { conversation, answerId } = await store.startConversation('alice', 'Ends', turnOf('what is 2 + 2?'));
    const toolRounds: ToolRound[] = [{ text: 'Adding. ', calls: [{ callId: 'c1', serverId: 'calc', tool: 'add', arguments: '{"a":2,"b":2}', result: '4', isError: false, durationMs: 3, executedBy: undefined }] }];
    const ended = await store.finishAnswer(answerId, conversation.id, {
      content: 'It is 4 — “four”.',
      status: 'COMPLETE',
      finishReason: 'stop',
      usage: { promptTokens: 12, completionTokens: 5, totalTokens: 17, memoryTokens: 3 },
      lastSeq: 9,
      toolRounds,
    });
    const failed = await store.finishAnswer((await store.addTurn(conversation.id, turnOf('and 3 + 3?'))).answerId, conversation.id, {
      content: 'It is',
      status: 'FAILED',
      errorCode: 'UPSTREAM_UNAVAILABLE',
      usage: null,
      lastSeq: 4,
    });
    const stored = (await store.messages(conversation.id)).filter((message) => message.role === 'assistant');
    expect(stored).toEqual([ended, failed]);
    expect(ended).toMatchObject({ id: answerId, conversationId: conversation.id, agentId: 'assistant', routing, toolRounds, usage: { memoryTokens: 3 } });
    expect(failed).toMatchObject({ status: 'FAILED', errorCode: 'UPSTREAM_UNAVAILABLE', usage: null, toolRounds: [] });
  });

  it('refuses to end an answer that is not stored', async () => {
    const { conversation } = await store.startConversation(null, 'None', turnOf('hello'));
    await expect(store.finishAnswer(randomUUID(), conversation.id, { content: '', status: 'CANCELLED', lastSeq: 0 })).rejects.toThrow(/is not stored/);
  });
});
