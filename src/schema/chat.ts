import type { ChatAnswer } from '../core/runs/await-answer.js';
import { builder } from './builder.js';
import { Message } from './conversation.js';
import { Usage } from './run-event.js';

export const ChatInput = builder.inputType('ChatInput', {
  fields: (t) => ({
    message: t.string({ required: true }),
    agentId: t.id({ description: 'The agent to answer; the default agent when left out.' }),
    conversationId: t.id({ description: 'Continue this conversation; a new one starts when left out.' }),
    userId: t.id({ description: 'Act for this user (admins and unbound user keys); a JWT acts for its own user.' }),
    metadata: t.field({ type: 'JSON', description: 'Stored with the user message.' }),
  }),
});

export const ChatResult = builder.objectRef<ChatAnswer>('ChatResult').implement({
  fields: (t) => ({
    runId: t.exposeID('runId'),
    conversationId: t.exposeID('conversationId'),
    agentId: t.exposeID('agentId'),
    message: t.expose('message', { type: Message, description: 'The stored answer; status CANCELLED if the run was cancelled.' }),
    usage: t.expose('usage', { type: Usage, nullable: true }),
  }),
});
