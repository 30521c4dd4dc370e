import type { ChatAnswer } from '../core/runs/await-answer.js';
import { builder } from './builder.js';
import { Message } from './conversation.js';
import { Usage } from './run-event.js';

export const SamplingInput = builder.inputType('SamplingInput', {
  description: 'Per-request sampling: each one set replaces the agent’s own for this answer.',
  fields: (t) => ({
    temperature: t.float({ description: '0 to 2.' }),
    maxTokens: t.int({ description: 'The most tokens the answer may take (1 to 1,000,000).' }),
    stop: t.stringList({ description: 'Up to 4 sequences at which the model stops.' }),
  }),
});

export const ChatInput = builder.inputType('ChatInput', {
  fields: (t) => ({
    message: t.string({ required: true }),
    agentId: t.id({ description: 'The agent to answer; the default agent when left out.' }),
    conversationId: t.id({ description: 'Continue this conversation; a new one starts when left out.' }),
    userId: t.id({ description: 'Act for this user (admins and unbound user keys); a JWT acts for its own user.' }),
    metadata: t.field({ type: 'JSON', description: 'Stored with the user message.' }),
    sampling: t.field({ type: SamplingInput }),
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
