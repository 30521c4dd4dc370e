import { MEMORY_HIT_SOURCES, MEMORY_MATCHES, MEMORY_SOURCES, type Memory as MemoryModel, type MemoryHit as MemoryHitModel, type MemoryReceipt as MemoryReceiptModel } from '../core/memory/memory.js';
import { encodeMemoryCursor } from '../core/memory/memories.js';
import type { UserContext as UserContextModel } from '../core/memory/user-contexts.js';
import type { UserFact } from '../core/memory/user-context/user-context-store.js';
import { builder } from './builder.js';
import { Node } from './node.js';
import { MessageRole, PageInfo, pageInfoOf } from './conversation.js';

export const MemorySource = builder.enumType('MemorySource', {
  description: 'MANUAL: added by a person; EXTRACTED: learned from a message by the fact extractor; AGENT: written by an agent.',
  values: {
    MANUAL: { description: 'Added by a person.' },
    EXTRACTED: { description: 'Learned from a message by the fact extractor.' },
    AGENT: { description: 'Written by an agent.' },
  } as const satisfies Record<(typeof MEMORY_SOURCES)[number], object>,
});

export const MemoryHitSource = builder.enumType('MemoryHitSource', {
  description: 'BUFFER: a conversation message; LONG_TERM: the memory ledger.',
  values: {
    BUFFER: { description: 'A conversation message.' },
    LONG_TERM: { description: 'A long-term memory.' },
  } as const satisfies Record<(typeof MEMORY_HIT_SOURCES)[number], object>,
});

export const MemoryMatch = builder.enumType('MemoryMatch', {
  description: 'Which search found a hit: FULL_TEXT (its words, stemmed) or VECTOR (its embedding near the query’s).',
  values: {
    FULL_TEXT: { description: 'Found by full-text search.' },
    VECTOR: { description: 'Found by vector search (an embedding model is configured and the row is embedded).' },
  } as const satisfies Record<(typeof MEMORY_MATCHES)[number], object>,
});

export const Memory = builder.objectRef<MemoryModel>('Memory').implement({
  interfaces: [Node],
  description: 'An entry of the long-term memory ledger.',
  fields: (t) => ({
    userId: t.exposeID('userId', { nullable: true, description: 'Null: the memory of credentials that act for no user.' }),
    agentId: t.exposeID('agentId', { nullable: true, description: 'Null: every agent may use it.' }),
    content: t.exposeString('content', { description: 'The text remembered.' }),
    metadata: t.expose('metadata', { description: 'A JSON object; searches filter by containment.', type: 'JSON' }),
    importance: t.exposeFloat('importance', { description: '0 to 1: how much it matters when memories are chosen.' }),
    source: t.expose('source', { description: 'Who wrote it.', type: MemorySource }),
    sourceMessageId: t.exposeID('sourceMessageId', { nullable: true, description: 'EXTRACTED: the message the fact came from.' }),
    confidence: t.exposeFloat('confidence', { description: '0 to 1: how sure the source was (1 for MANUAL).' }),
    factKey: t.exposeString('factKey', { nullable: true, description: 'Extracted facts: a newer fact with the same key supersedes this one.' }),
    validUntil: t.expose('validUntil', { type: 'DateTime', nullable: true, description: 'Set when a newer fact superseded this one: kept for the record, no longer used.' }),
    supersededBy: t.exposeID('supersededBy', { description: 'The memory that replaced it, when one did.', nullable: true }),
    embedded: t.boolean({ description: 'True once its embedding is stored (vector search finds it); full text finds it from the start.', resolve: (memory) => memory.embeddedAt !== null }),
    createdAt: t.expose('createdAt', { description: 'When it was added.', type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { description: 'When it last changed.', type: 'DateTime' }),
  }),
});

export const MemoryHit = builder.objectRef<MemoryHitModel>('MemoryHit').implement({
  description: 'A search result: a buffer message or a long-term memory, with its fused score.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The message (BUFFER) or memory (LONG_TERM).' }),
    source: t.expose('source', { description: 'Where it was found.', type: MemoryHitSource }),
    content: t.exposeString('content', { description: 'The text found.' }),
    score: t.exposeFloat('score', { description: 'Reciprocal-rank-fusion score over the full-text and vector rankings it appeared in; higher is better.' }),
    matchedBy: t.field({ type: [MemoryMatch], description: 'The searches that found it: FULL_TEXT, VECTOR or both.', resolve: (hit) => hit.matchedBy }),
    metadata: t.expose('metadata', { description: 'Its metadata.', type: 'JSON' }),
    createdAt: t.expose('createdAt', { description: 'When it was written.', type: 'DateTime' }),
    conversationId: t.exposeID('conversationId', { description: 'BUFFER: the message’s conversation.', nullable: true }),
    role: t.expose('role', { description: 'BUFFER: who wrote the message.', type: MessageRole, nullable: true }),
    agentId: t.exposeID('agentId', { description: 'The agent of the message or memory, if any.', nullable: true }),
  }),
});

const MemoryEdge = builder.objectRef<MemoryModel>('MemoryEdge').implement({
  description: 'A memory in a page, with its cursor.',
  fields: (t) => ({
    cursor: t.string({ description: 'Pass as `after` to get the memories after this one.', resolve: (memory) => encodeMemoryCursor(memory) }),
    node: t.field({ description: 'The memory.', type: Memory, resolve: (memory) => memory }),
  }),
});

export const MemoryConnection = builder.objectRef<{ memories: MemoryModel[]; hasNextPage: boolean }>('MemoryConnection').implement({
  description: 'A Relay connection of memories, newest first.',
  fields: (t) => ({
    edges: t.field({ description: 'This page’s memories.', type: [MemoryEdge], resolve: (page) => page.memories }),
    pageInfo: t.field({
      description: 'Where this page stands.',
      type: PageInfo,
      resolve: (page) => pageInfoOf(page.memories, page.hasNextPage, encodeMemoryCursor),
    }),
  }),
});

export const UserContextFact = builder.objectRef<UserFact>('UserContextFact').implement({
  description: 'One leaf of a user’s knowledge, with its provenance.',
  fields: (t) => ({
    path: t.exposeStringList('path', { description: 'Its keys from the root.' }),
    key: t.string({ description: 'The path joined by dots.', resolve: (fact) => fact.path.join('.') }),
    value: t.expose('value', { description: 'The value at its path.', type: 'JSON', nullable: true }),
    importance: t.exposeFloat('importance', { description: '0 to 1: how much it matters.' }),
    source: t.expose('source', { description: 'Who wrote it.', type: MemorySource }),
    confidence: t.exposeFloat('confidence', { description: '0 to 1: how sure its source was.' }),
    sourceMessageId: t.exposeID('sourceMessageId', { description: 'EXTRACTED: the message it came from.', nullable: true }),
    updatedAt: t.expose('updatedAt', { description: 'When it last changed.', type: 'DateTime' }),
  }),
});

export const UserContext = builder.objectRef<UserContextModel>('UserContext').implement({
  description: 'What memory knows about a user (memobase): merged knowledge and its facts.',
  fields: (t) => ({
    userId: t.exposeID('userId', { description: 'The user.' }),
    knowledge: t.expose('knowledge', { description: 'What is known, as one JSON object.', type: 'JSON' }),
    facts: t.field({ description: 'Every fact, with its provenance.', type: [UserContextFact], resolve: (context) => context.facts }),
  }),
});

export const ForgetReceipt = builder.objectRef<MemoryReceiptModel>('ForgetReceipt').implement({
  description: 'What forgetUser (or clearMemory) removed, by kind.',
  fields: (t) => ({
    conversations: t.exposeInt('conversations', { description: 'Conversations removed.' }),
    messages: t.exposeInt('messages', { description: 'With their full-text vectors and embeddings.' }),
    files: t.exposeInt('files', { description: 'Images stored from their messages.' }),
    memories: t.exposeInt('memories', { description: 'Long-term memories, superseded ones included.' }),
    userContextFacts: t.exposeInt('userContextFacts', { description: 'User-context facts removed.' }),
    agents: t.exposeInt('agents', { description: 'The user’s private agents.' }),
    apiKeys: t.exposeInt('apiKeys', { description: 'User-bound API keys revoked (the revocations stay, naming nobody).' }),
    runs: t.exposeInt('runs', { description: 'Runs in flight cancelled and runs kept for replay forgotten.' }),
    cachedAnswers: t.exposeInt('cachedAnswers', { description: 'Model answers cached for the user’s requests.' }),
    routingDecisions: t.exposeInt('routingDecisions', { description: 'Routing decisions cached for the user’s messages.' }),
  }),
});

export const AddLongTermMemoryInput = builder.inputType('AddLongTermMemoryInput', {
  description: 'A new entry of the long-term memory ledger.',
  fields: (t) => ({
    content: t.string({ required: true, description: 'At most MEMORY_MAX_CHARS characters; not empty.' }),
    metadata: t.field({ type: 'JSON', description: 'A JSON object; searches filter by containment.' }),
    importance: t.float({ description: '0 to 1; defaults to 0.5.' }),
    agentId: t.id({ description: 'Only this agent uses it; none: every agent.' }),
    userId: t.id({ description: 'Whose memory (admins and unbound keys); a JWT writes its own user’s.' }),
    confirmSensitive: t.boolean({ description: 'Keep it even though it looks like a secret (password, key, card or account number, government id).' }),
  }),
});

export const UpdateMemoryInput = builder.inputType('UpdateMemoryInput', {
  description: 'Changes to a memory; fields left out stay as they are.',
  fields: (t) => ({
    id: t.id({ description: 'The memory to change.', required: true }),
    content: t.string({ description: 'The new text.' }),
    metadata: t.field({ description: 'A JSON object; replaces the old one.', type: 'JSON' }),
    importance: t.float({ description: '0 to 1.' }),
    confirmSensitive: t.boolean({ description: 'Keep content that looks like a secret.' }),
  }),
});

export const AddBufferMemoryInput = builder.inputType('AddBufferMemoryInput', {
  description: 'A message to add to a conversation’s buffer memory.',
  fields: (t) => ({
    message: t.string({ description: 'The text.', required: true }),
    role: t.field({ description: 'Who wrote it; USER by default.', type: MessageRole, defaultValue: 'user' }),
    conversationId: t.id({ description: 'The conversation to add it to; none: a new conversation.' }),
    agentId: t.id({ description: 'The agent the message is from or for.' }),
    metadata: t.field({ description: 'A JSON object stored with the message.', type: 'JSON' }),
    userId: t.id({ description: 'Act for this user (admins and unbound user keys).' }),
    confirmSensitive: t.boolean({ description: 'Keep it even though it looks like a secret (password, key, card or account number, government id).' }),
  }),
});

export const AddUserContextInput = builder.inputType('AddUserContextInput', {
  description: 'Knowledge to merge into a user’s context.',
  fields: (t) => ({
    userId: t.id({ description: 'Required for credentials that act for no user; a JWT adds to its own user’s.' }),
    knowledge: t.field({ type: 'JSON', required: true, description: 'A JSON object, deep-merged into what is known: each leaf replaces the leaf at its path.' }),
    importance: t.float({ description: '0 to 1 for every leaf written; defaults to 0.5.' }),
    confirmSensitive: t.boolean({ description: 'Keep values that look like secrets.' }),
  }),
});

export const UpdateUserContextFactInput = builder.inputType('UpdateUserContextFactInput', {
  description: 'A new value for one fact of a user’s context.',
  fields: (t) => ({
    userId: t.id({ description: 'Whose context (admins and unbound keys); a JWT changes its own user’s.' }),
    path: t.stringList({ description: 'The fact’s keys from the root.', required: true }),
    value: t.field({ description: 'The new value.', type: 'JSON', required: true }),
    importance: t.float({ description: '0 to 1.' }),
    confirmSensitive: t.boolean({ description: 'Keep a value that looks like a secret.' }),
  }),
});
