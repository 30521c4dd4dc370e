import type { FastifyInstance } from 'fastify';
import { badInput } from '../../core/errors.js';
import { encodeMemoryCursor } from '../../core/memory/memories.js';
import { principalOf } from './caller.js';
import { given, JSON_TYPE, type RestOptions } from './options.js';
import {
  addBufferBody,
  addLongTermBody,
  addUserContextBody,
  clearMemoryBody,
  errorResponses,
  jsonResponse,
  listMemoriesQuery,
  memoryIdParams,
  memoryPage,
  noContent,
  ref,
  searchMemoryBody,
  searchResults,
  userIdParams,
  userIdQuery,
} from './schemas.js';
import { memoryHitJson, memoryJson, messageJson, receiptJson, userContextJson } from './wire.js';

type Nullable<T> = { [K in keyof T]?: T[K] | null };

/**
 * Memory, named after the reference's orchestrator methods (add_to_buffer_memory,
 * add_to_long_term_memory, search_memory, add_user_context_memory, get_user_context_memory,
 * clear_memory): orchestrator.memories, userContexts and forgetUser, as the GraphQL fields.
 * A user reaches only their own memory; another user's is NOT_FOUND.
 */
export async function memoryRoutes(app: FastifyInstance, { orchestrator }: RestOptions) {
  const { memories, userContexts } = orchestrator;

  app.post('/memory/buffer', {
    schema: {
      tags: ['memory'],
      operationId: 'addBufferMemory',
      summary: 'Add a message to a conversation’s buffer memory',
      description: 'A new conversation when none is named. Searchable at once. A message that looks like a secret needs `confirm_sensitive`.',
      body: addBufferBody,
      response: { 201: jsonResponse(ref('Message'), 'The message stored'), ...errorResponses(404, 413) },
    },
    handler: async (request, reply) => {
      const body = request.body as Nullable<{ message: string; role: 'user' | 'assistant'; conversation_id: string; agent_id: string; user_id: string; metadata: Record<string, unknown>; confirm_sensitive: boolean }>;
      const message = await memories.addBuffer(principalOf(request), {
        message: body.message!,
        role: body.role ?? 'user',
        conversationId: body.conversation_id,
        agentId: body.agent_id,
        userId: body.user_id,
        metadata: body.metadata,
        confirmSensitive: body.confirm_sensitive,
      });
      return reply.status(201).type(JSON_TYPE).send(messageJson(message));
    },
  });

  app.post('/memory/long_term', {
    schema: {
      tags: ['memory'],
      operationId: 'addLongTermMemory',
      summary: 'Add a long-term memory',
      description: 'A MANUAL memory of the acting user (admins acting for nobody: the backend’s own). Content that looks like a secret needs `confirm_sensitive`.',
      body: addLongTermBody,
      response: { 201: jsonResponse(ref('Memory'), 'The memory stored'), ...errorResponses(404, 413) },
    },
    handler: async (request, reply) => {
      const body = request.body as Nullable<{ content: string; metadata: Record<string, unknown>; importance: number; agent_id: string; user_id: string; confirm_sensitive: boolean }>;
      const memory = await memories.add(principalOf(request), {
        content: body.content!,
        metadata: body.metadata,
        importance: body.importance,
        agentId: body.agent_id,
        userId: body.user_id,
        confirmSensitive: body.confirm_sensitive,
      });
      return reply.status(201).type(JSON_TYPE).send(memoryJson(memory));
    },
  });

  app.get('/memory/long_term', {
    schema: {
      tags: ['memory'],
      operationId: 'listMemories',
      summary: 'The acting user’s long-term memories, newest first',
      querystring: listMemoriesQuery,
      response: { 200: jsonResponse(memoryPage, 'A page of memories'), ...errorResponses() },
    },
    handler: async (request, reply) => {
      const query = request.query as { first: number; after?: string; agent_id?: string; include_superseded: boolean; user_id?: string };
      const page = await memories.list(principalOf(request), {
        first: query.first,
        after: query.after,
        agentId: query.agent_id,
        userId: query.user_id,
        includeSuperseded: query.include_superseded,
      });
      const last = page.memories.at(-1);
      return reply.type(JSON_TYPE).send({ memories: page.memories.map(memoryJson), has_next_page: page.hasNextPage, end_cursor: last ? encodeMemoryCursor(last) : null });
    },
  });

  app.get('/memory/long_term/:memory_id', {
    schema: {
      tags: ['memory'],
      operationId: 'getMemory',
      summary: 'One long-term memory',
      params: memoryIdParams,
      querystring: userIdQuery,
      response: { 200: jsonResponse(ref('Memory'), 'The memory'), ...errorResponses(404) },
    },
    handler: async (request, reply) => {
      const { memory_id: id } = request.params as { memory_id: string };
      const { user_id: userId } = request.query as { user_id?: string };
      return reply.type(JSON_TYPE).send(memoryJson(await memories.get(principalOf(request), id, { userId })));
    },
  });

  app.delete('/memory/long_term/:memory_id', {
    schema: {
      tags: ['memory'],
      operationId: 'deleteMemory',
      summary: 'Delete a long-term memory',
      params: memoryIdParams,
      querystring: userIdQuery,
      response: { 204: noContent('Deleted'), ...errorResponses(404) },
    },
    handler: async (request, reply) => {
      const { memory_id: id } = request.params as { memory_id: string };
      const { user_id: userId } = request.query as { user_id?: string };
      await memories.delete(principalOf(request), id, { userId });
      return reply.status(204).send();
    },
  });

  app.post('/memory/search', {
    schema: {
      tags: ['memory'],
      operationId: 'searchMemory',
      summary: 'Search buffer and long-term memory',
      description:
        'Buffer memory (the conversation named, else all of the caller’s conversations) and, with use_long_term, the long-term ledger: full-text search, fused with vector search when an embedding model is configured.',
      body: searchMemoryBody,
      response: { 200: jsonResponse(searchResults, 'The best matches, best first'), ...errorResponses(404, 413) },
    },
    handler: async (request, reply) => {
      const body = request.body as Nullable<{
        query: string;
        k: number;
        use_long_term: boolean;
        agent_id: string;
        conversation_id: string;
        user_id: string;
        metadata: Record<string, unknown>;
        created_after: string;
        created_before: string;
      }>;
      const hits = await memories.search(principalOf(request), {
        query: body.query!,
        k: body.k ?? 5,
        useLongTerm: body.use_long_term ?? true,
        agentId: body.agent_id,
        conversationId: body.conversation_id,
        userId: body.user_id,
        metadata: body.metadata,
        createdAfter: body.created_after ? new Date(body.created_after) : undefined,
        createdBefore: body.created_before ? new Date(body.created_before) : undefined,
      });
      return reply.type(JSON_TYPE).send({ results: hits.map(memoryHitJson) });
    },
  });

  app.get('/memory/user_context', {
    schema: {
      tags: ['memory'],
      operationId: 'getUserContext',
      summary: 'What memory knows about a user',
      description: 'The JWT’s own user, or the user named (admins and unbound keys, which must name one).',
      querystring: userIdQuery,
      response: { 200: jsonResponse(ref('UserContext'), 'The user context'), ...errorResponses() },
    },
    handler: async (request, reply) => {
      const { user_id: userId } = request.query as { user_id?: string };
      return reply.type(JSON_TYPE).send(userContextJson(await userContexts.get(principalOf(request), userId)));
    },
  });

  app.post('/memory/user_context', {
    schema: {
      tags: ['memory'],
      operationId: 'addUserContext',
      summary: 'Deep-merge knowledge into a user’s context',
      body: addUserContextBody,
      response: { 200: jsonResponse(ref('UserContext'), 'The user context after the merge'), ...errorResponses(413) },
    },
    handler: async (request, reply) => {
      const body = request.body as Nullable<{ user_id: string; knowledge: Record<string, unknown>; importance: number; confirm_sensitive: boolean }>;
      const context = await userContexts.add(principalOf(request), {
        userId: body.user_id,
        knowledge: body.knowledge,
        importance: body.importance,
        confirmSensitive: body.confirm_sensitive,
      });
      return reply.type(JSON_TYPE).send(userContextJson(context));
    },
  });

  app.post('/memory/clear', {
    schema: {
      tags: ['memory'],
      operationId: 'clearMemory',
      summary: 'Remove exactly what is named',
      description: 'conversation_id: that conversation’s messages; agent_id: that agent’s long-term memories (of the acting user; admins acting for nobody: of everyone).',
      body: clearMemoryBody,
      response: { 200: jsonResponse(ref('ForgetReceipt'), 'What was removed'), ...errorResponses(404) },
    },
    handler: async (request, reply) => {
      const body = request.body as Nullable<{ agent_id: string; conversation_id: string; user_id: string }>;
      // The core's own refusal names its GraphQL arguments.
      if (!body.agent_id && !body.conversation_id) throw badInput('Invalid input: give agent_id, conversation_id or both: clearing removes exactly what it names', { problems: ['agent_id or conversation_id is required'] });
      const receipt = await memories.clear(principalOf(request), { agentId: given(body.agent_id), conversationId: given(body.conversation_id), userId: given(body.user_id) });
      return reply.type(JSON_TYPE).send(receiptJson(receipt));
    },
  });

  app.delete('/users/:user_id', {
    schema: {
      tags: ['memory'],
      operationId: 'forgetUser',
      summary: 'Erase everything stored about a user',
      description:
        'Conversations, messages and their embeddings, memories, user context, private agents, cached model answers and routing decisions, runs kept for replay; their API keys are revoked. ' +
        'Admins and unbound backend keys: any user; a JWT or user-bound key: its own.',
      params: userIdParams,
      response: { 200: jsonResponse(ref('ForgetReceipt'), 'What was erased'), ...errorResponses() },
    },
    handler: async (request, reply) => {
      const { user_id: userId } = request.params as { user_id: string };
      return reply.type(JSON_TYPE).send(receiptJson(await orchestrator.forgetUser(principalOf(request), userId)));
    },
  });
}
