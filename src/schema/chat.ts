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
  description: 'One message to an agent, and where it goes.',
  fields: (t) => ({
    message: t.string({ description: 'The user’s message.', required: true }),
    agentId: t.id({ description: 'The agent to answer; the default agent when left out.' }),
    conversationId: t.id({ description: 'Continue this conversation; a new one starts when left out.' }),
    userId: t.id({ description: 'Act for this user (admins and unbound user keys); a JWT acts for its own user.' }),
    metadata: t.field({ type: 'JSON', description: 'Stored with the user message.' }),
    sampling: t.field({ description: 'Sampling for this answer only.', type: SamplingInput }),
  }),
});

export const ChatResult = builder.objectRef<ChatAnswer>('ChatResult').implement({
  description: 'A finished chat: its run, its conversation and the stored answer.',
  fields: (t) => ({
    runId: t.exposeID('runId', { description: 'The run that produced the answer.' }),
    conversationId: t.exposeID('conversationId', { description: 'The conversation, new or continued.' }),
    agentId: t.exposeID('agentId', { description: 'The agent that answered.' }),
    message: t.expose('message', { type: Message, description: 'The stored answer; status CANCELLED if the run was cancelled.' }),
    usage: t.expose('usage', { description: 'Tokens used, when the model reported them.', type: Usage, nullable: true }),
  }),
});
