import { MEMORY_HIT_SOURCES, MEMORY_SOURCES, type Memory as MemoryModel, type MemoryHit as MemoryHitModel, type MemoryReceipt as MemoryReceiptModel } from '../core/memory/memory.js';
import { encodeMemoryCursor } from '../core/memory/memories.js';
import type { UserContext as UserContextModel } from '../core/memory/user-contexts.js';
import type { UserFact } from '../core/memory/user-context/user-context-store.js';
import { builder } from './builder.js';
import { Node } from './node.js';
import { MessageRole, PageInfo, pageInfoOf } from './conversation.js';

export const MemorySource = builder.enumType('MemorySource', {
  description: 'MANUAL: added by a person; EXTRACTED: learned from a message by the fact extractor; AGENT: written by an agent.',
  values: MEMORY_SOURCES,
});

export const MemoryHitSource = builder.enumType('MemoryHitSource', {
  description: 'BUFFER: a conversation message; LONG_TERM: the memory ledger.',
  values: MEMORY_HIT_SOURCES,
});

export const Memory = builder.objectRef<MemoryModel>('Memory').implement({
  interfaces: [Node],
  description: 'An entry of the long-term memory ledger.',
  fields: (t) => ({
    userId: t.exposeID('userId', { nullable: true, description: 'Null: the memory of credentials that act for no user.' }),
    agentId: t.exposeID('agentId', { nullable: true, description: 'Null: every agent may use it.' }),
    content: t.exposeString('content'),
    metadata: t.expose('metadata', { type: 'JSON' }),
    importance: t.exposeFloat('importance'),
    source: t.expose('source', { type: MemorySource }),
    sourceMessageId: t.exposeID('sourceMessageId', { nullable: true, description: 'EXTRACTED: the message the fact came from.' }),
    confidence: t.exposeFloat('confidence'),
    factKey: t.exposeString('factKey', { nullable: true, description: 'Extracted facts: a newer fact with the same key supersedes this one.' }),
    validUntil: t.expose('validUntil', { type: 'DateTime', nullable: true, description: 'Set when a newer fact superseded this one: kept for the record, no longer used.' }),
    supersededBy: t.exposeID('supersededBy', { nullable: true }),
    embedded: t.boolean({ description: 'True once its embedding is stored (vector search finds it); full text finds it from the start.', resolve: (memory) => memory.embeddedAt !== null }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

export const MemoryHit = builder.objectRef<MemoryHitModel>('MemoryHit').implement({
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The message (BUFFER) or memory (LONG_TERM).' }),
    source: t.expose('source', { type: MemoryHitSource }),
    content: t.exposeString('content'),
    score: t.exposeFloat('score', { description: 'Reciprocal-rank-fusion score over the full-text and vector rankings it appeared in; higher is better.' }),
    metadata: t.expose('metadata', { type: 'JSON' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    conversationId: t.exposeID('conversationId', { nullable: true }),
    role: t.expose('role', { type: MessageRole, nullable: true }),
    agentId: t.exposeID('agentId', { nullable: true }),
  }),
});

const MemoryEdge = builder.objectRef<MemoryModel>('MemoryEdge').implement({
  fields: (t) => ({
    cursor: t.string({ resolve: (memory) => encodeMemoryCursor(memory) }),
    node: t.field({ type: Memory, resolve: (memory) => memory }),
  }),
});

export const MemoryConnection = builder.objectRef<{ memories: MemoryModel[]; hasNextPage: boolean }>('MemoryConnection').implement({
  description: 'A Relay connection of memories, newest first.',
  fields: (t) => ({
    edges: t.field({ type: [MemoryEdge], resolve: (page) => page.memories }),
    pageInfo: t.field({
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
    value: t.expose('value', { type: 'JSON', nullable: true }),
    importance: t.exposeFloat('importance'),
    source: t.expose('source', { type: MemorySource }),
    confidence: t.exposeFloat('confidence'),
    sourceMessageId: t.exposeID('sourceMessageId', { nullable: true }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

export const UserContext = builder.objectRef<UserContextModel>('UserContext').implement({
  description: 'What memory knows about a user (memobase): merged knowledge and its facts.',
  fields: (t) => ({
    userId: t.exposeID('userId'),
    knowledge: t.expose('knowledge', { type: 'JSON' }),
    facts: t.field({ type: [UserContextFact], resolve: (context) => context.facts }),
  }),
});

export const ForgetReceipt = builder.objectRef<MemoryReceiptModel>('ForgetReceipt').implement({
  description: 'What forgetUser (or clearMemory) removed, by kind.',
  fields: (t) => ({
    conversations: t.exposeInt('conversations'),
    messages: t.exposeInt('messages', { description: 'With their full-text vectors and embeddings.' }),
    memories: t.exposeInt('memories', { description: 'Long-term memories, superseded ones included.' }),
    userContextFacts: t.exposeInt('userContextFacts'),
    agents: t.exposeInt('agents', { description: 'The user’s private agents.' }),
    apiKeys: t.exposeInt('apiKeys', { description: 'User-bound API keys revoked (the revocations stay, naming nobody).' }),
    runs: t.exposeInt('runs', { description: 'Runs in flight cancelled and runs kept for replay forgotten.' }),
    cachedAnswers: t.exposeInt('cachedAnswers', { description: 'Model answers cached for the user’s requests.' }),
    routingDecisions: t.exposeInt('routingDecisions', { description: 'Routing decisions cached for the user’s messages.' }),
  }),
});

export const AddLongTermMemoryInput = builder.inputType('AddLongTermMemoryInput', {
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
  fields: (t) => ({
    id: t.id({ required: true }),
    content: t.string(),
    metadata: t.field({ type: 'JSON' }),
    importance: t.float(),
    confirmSensitive: t.boolean(),
  }),
});

export const AddBufferMemoryInput = builder.inputType('AddBufferMemoryInput', {
  fields: (t) => ({
    message: t.string({ required: true }),
    role: t.field({ type: MessageRole, defaultValue: 'user' }),
    conversationId: t.id({ description: 'The conversation to add it to; none: a new conversation.' }),
    agentId: t.id(),
    metadata: t.field({ type: 'JSON' }),
    userId: t.id(),
  }),
});

export const AddUserContextInput = builder.inputType('AddUserContextInput', {
  fields: (t) => ({
    userId: t.id({ description: 'Required for credentials that act for no user; a JWT adds to its own user’s.' }),
    knowledge: t.field({ type: 'JSON', required: true, description: 'A JSON object, deep-merged into what is known: each leaf replaces the leaf at its path.' }),
    importance: t.float({ description: '0 to 1 for every leaf written; defaults to 0.5.' }),
    confirmSensitive: t.boolean(),
  }),
});

export const UpdateUserContextFactInput = builder.inputType('UpdateUserContextFactInput', {
  fields: (t) => ({
    userId: t.id(),
    path: t.stringList({ required: true }),
    value: t.field({ type: 'JSON', required: true }),
    importance: t.float(),
    confirmSensitive: t.boolean(),
  }),
});
