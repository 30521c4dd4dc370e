import type { FastifyInstance } from 'fastify';
import { encodeCursor } from '../../core/conversations/conversations.js';
import { principalOf } from './caller.js';
import { JSON_TYPE, type RestOptions } from './options.js';
import { conversationIdParams, conversationPage, conversationWithMessages, errorResponses, jsonResponse, pageQuery, userIdQuery } from './schemas.js';
import { conversationJson, messageJson } from './wire.js';

/** GET /conversations, GET /conversations/{conversation_id}: orchestrator.conversations, as the conversations and conversation fields. */
export async function conversationRoutes(app: FastifyInstance, { orchestrator }: RestOptions) {
  const { conversations } = orchestrator;

  app.get('/conversations', {
    schema: {
      tags: ['conversations'],
      operationId: 'listConversations',
      summary: 'The acting user’s conversations, most recently active first',
      querystring: pageQuery,
      response: { 200: jsonResponse(conversationPage, 'A page of conversations'), ...errorResponses() },
    },
    handler: async (request, reply) => {
      const query = request.query as { first: number; after?: string; user_id?: string };
      const page = await conversations.list(principalOf(request), { first: query.first, after: query.after, userId: query.user_id });
      const last = page.conversations.at(-1);
      return reply.type(JSON_TYPE).send({ conversations: page.conversations.map(conversationJson), has_next_page: page.hasNextPage, end_cursor: last ? encodeCursor(last) : null });
    },
  });

  app.get('/conversations/:conversation_id', {
    schema: {
      tags: ['conversations'],
      operationId: 'getConversation',
      summary: 'One conversation with its messages',
      description: 'Another user’s conversation is NOT_FOUND.',
      params: conversationIdParams,
      querystring: userIdQuery,
      response: { 200: jsonResponse(conversationWithMessages, 'The conversation and its messages, oldest first'), ...errorResponses(404) },
    },
    handler: async (request, reply) => {
      const { conversation_id: id } = request.params as { conversation_id: string };
      const { user_id: userId } = request.query as { user_id?: string };
      const conversation = await conversations.get(principalOf(request), id, { userId });
      const messages = await conversations.messages(conversation.id);
      return reply.type(JSON_TYPE).send({ conversation: conversationJson(conversation), messages: messages.map(messageJson) });
    },
  });
}
