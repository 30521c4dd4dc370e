import { builder } from '../schema/builder.js';
import { Message } from '../schema/conversation.js';
import {
  AddBufferMemoryInput,
  AddLongTermMemoryInput,
  AddUserContextInput,
  Memory,
  MemoryConnection,
  MemoryHit,
  ForgetReceipt,
  UpdateMemoryInput,
  UpdateUserContextFactInput,
  UserContext,
  UserContextFact,
} from '../schema/memory.js';

builder.queryFields((t) => ({
  searchMemory: t.field({
    type: [MemoryHit],
    description:
      'Buffer memory (the conversation named, else all of the caller’s conversations) and, with useLongTerm, the long-term ledger; full-text search, fused with vector search when an embedding model is configured.',
    args: {
      query: t.arg.string({ description: 'What to look for.', required: true }),
      k: t.arg.int({ defaultValue: 5, description: '1 to 100.' }),
      useLongTerm: t.arg.boolean({ description: 'Search long-term memories too (true by default).', defaultValue: true }),
      agentId: t.arg.id({ description: 'Long-term memories of this agent and those of no agent.' }),
      conversationId: t.arg.id({ description: 'Search this conversation’s messages only.' }),
      userId: t.arg.id({ description: 'Act for this user (admins and unbound user keys); a JWT acts for its own user.' }),
      metadata: t.arg({ type: 'JSON', description: 'Long-term memories whose metadata contains this object.' }),
      createdAfter: t.arg({ description: 'Only what was written after this time.', type: 'DateTime' }),
      createdBefore: t.arg({ description: 'Only what was written before this time.', type: 'DateTime' }),
    },
    resolve: (_root, args, { orchestrator, principal }) =>
      orchestrator.memories.search(principal, { ...args, k: args.k ?? 5, useLongTerm: args.useLongTerm ?? true }),
  }),
  memories: t.field({
    type: MemoryConnection,
    description: 'The acting user’s long-term memories, newest first (admins: all, or a user’s).',
    args: {
      first: t.arg.int({ description: 'How many, 0 to 100.', defaultValue: 20 }),
      after: t.arg.string({ description: 'A cursor from this connection: the page after it.' }),
      agentId: t.arg.id({ description: 'That agent’s memories and those tied to no agent.' }),
      userId: t.arg.id({ description: 'Act for this user (admins and unbound user keys); a JWT acts for its own user.' }),
      includeSuperseded: t.arg.boolean({ description: 'Include facts a newer fact replaced.', defaultValue: false }),
    },
    resolve: (_root, args, { orchestrator, principal }) => orchestrator.memories.list(principal, { ...args, first: args.first ?? 20 }),
  }),
  memory: t.field({
    description: 'One of the acting user’s memories; another user’s is NOT_FOUND.',
    type: Memory,
    args: { id: t.arg.id({ description: 'The memory’s id.', required: true }), userId: t.arg.id({ description: 'Act for this user (admins and unbound user keys); a JWT acts for its own user.' }) },
    resolve: (_root, { id, userId }, { orchestrator, principal }) => orchestrator.memories.get(principal, id, { userId }),
  }),
  userContext: t.field({
    type: UserContext,
    description: 'What memory knows about a user: the JWT’s own, or the user named (admins and unbound keys).',
    args: { userId: t.arg.id({ description: 'Whose context (admins and unbound keys).' }) },
    resolve: (_root, { userId }, { orchestrator, principal }) => orchestrator.userContexts.get(principal, userId),
  }),
}));

builder.mutationFields((t) => ({
  addLongTermMemory: t.field({
    description: 'Adds a long-term memory; refused when it looks like a secret unless confirmSensitive.',
    type: Memory,
    args: { input: t.arg({ description: 'The memory.', type: AddLongTermMemoryInput, required: true }) },
    resolve: (_root, { input }, { orchestrator, principal }) => orchestrator.memories.add(principal, input),
  }),
  updateMemory: t.field({
    type: Memory,
    description: 'A changed content is searchable by full text at once; its embedding is redone.',
    args: { input: t.arg({ description: 'The changes.', type: UpdateMemoryInput, required: true }), userId: t.arg.id({ description: 'Act for this user (admins and unbound user keys); a JWT acts for its own user.' }) },
    resolve: (_root, { input, userId }, { orchestrator, principal }) => orchestrator.memories.update(principal, input, { userId }),
  }),
  deleteMemory: t.boolean({
    description: 'Deletes a memory; true when it existed.',
    args: { id: t.arg.id({ description: 'The memory.', required: true }), userId: t.arg.id({ description: 'Act for this user (admins and unbound user keys); a JWT acts for its own user.' }) },
    resolve: (_root, { id, userId }, { orchestrator, principal }) => orchestrator.memories.delete(principal, id, { userId }),
  }),
  addBufferMemory: t.field({
    type: Message,
    description: 'Adds a message to a conversation’s buffer memory (a new conversation when none is named).',
    args: { input: t.arg({ description: 'The message.', type: AddBufferMemoryInput, required: true }) },
    resolve: (_root, { input }, { orchestrator, principal }) => orchestrator.memories.addBuffer(principal, { ...input, role: input.role ?? 'user' }),
  }),
  clearMemory: t.field({
    type: ForgetReceipt,
    description: 'Removes exactly what it names: conversationId, that conversation’s messages; agentId, that agent’s long-term memories (of the acting user; admins acting for nobody: of everyone).',
    args: { agentId: t.arg.id({ description: 'Remove this agent’s long-term memories.' }), conversationId: t.arg.id({ description: 'Remove this conversation’s messages.' }), userId: t.arg.id({ description: 'Act for this user (admins and unbound user keys); a JWT acts for its own user.' }) },
    resolve: (_root, args, { orchestrator, principal }) => orchestrator.memories.clear(principal, args),
  }),
  addUserContext: t.field({
    description: 'Merges knowledge into a user’s context.',
    type: UserContext,
    args: { input: t.arg({ description: 'The knowledge.', type: AddUserContextInput, required: true }) },
    resolve: (_root, { input }, { orchestrator, principal }) => orchestrator.userContexts.add(principal, { ...input, knowledge: input.knowledge }),
  }),
  updateUserContextFact: t.field({
    description: 'Sets one fact of a user’s context.',
    type: UserContextFact,
    args: { input: t.arg({ description: 'The fact and its new value.', type: UpdateUserContextFactInput, required: true }) },
    resolve: (_root, { input }, { orchestrator, principal }) => orchestrator.userContexts.updateFact(principal, { ...input, value: input.value }),
  }),
  deleteUserContextFact: t.int({
    description: 'Removes the fact at path, or every fact below it; the number removed.',
    args: { path: t.arg.stringList({ description: 'The fact’s keys from the root.', required: true }), userId: t.arg.id({ description: 'Act for this user (admins and unbound user keys); a JWT acts for its own user.' }) },
    resolve: (_root, args, { orchestrator, principal }) => orchestrator.userContexts.deleteFact(principal, args),
  }),
  forgetUser: t.field({
    type: ForgetReceipt,
    description:
      'Erases everything stored about a user: conversations, messages and their embeddings, memories, user context, private agents, cached model answers and routing decisions, runs kept for replay; revokes their API keys. Admins and unbound backend keys: any user; a JWT or user-bound key: its own.',
    args: { userId: t.arg.id({ description: 'The user to erase.', required: true }) },
    resolve: (_root, { userId }, { orchestrator, principal }) => orchestrator.forgetUser(principal, userId),
  }),
}));
