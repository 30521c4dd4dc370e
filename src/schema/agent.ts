import type { Agent as AgentModel, AgentChange as AgentChangeModel } from '../core/agents/agent.js';
import { builder } from './builder.js';
import { Node } from './node.js';

export const Agent = builder.objectRef<AgentModel>('Agent').implement({
  interfaces: [Node],
  description: 'An agent: a model with a system message, answering chats routed to it.',
  fields: (t) => ({
    description: t.exposeString('description', { nullable: true }),
    systemMessage: t.exposeString('systemMessage', { nullable: true }),
    model: t.exposeString('model', { description: 'A model name ("gpt-4o") or "provider:model".' }),
    temperature: t.exposeFloat('temperature', { nullable: true }),
    maxTokens: t.exposeInt('maxTokens', { nullable: true }),
    tools: t.exposeIDList('tools'),
    fallbackModels: t.exposeStringList('fallbackModels', { description: 'Answer, in order, when `model` is unavailable before the first token.' }),
    isDefault: t.exposeBoolean('isDefault'),
    userId: t.exposeID('userId', { nullable: true, description: 'Set for a per-user agent; null for a global one.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

export const AgentChangeKind = builder.enumType('AgentChangeKind', {
  values: ['CREATED', 'UPDATED', 'REMOVED', 'DEFAULT_CHANGED'] as const,
});

export const AgentChange = builder.objectRef<AgentChangeModel>('AgentChange').implement({
  fields: (t) => ({
    kind: t.expose('kind', { type: AgentChangeKind }),
    agentId: t.exposeID('agentId'),
    agent: t.expose('agent', { type: Agent, nullable: true, description: 'The agent after the change; null when removed.' }),
  }),
});

export const CreateAgentInput = builder.inputType('CreateAgentInput', {
  fields: (t) => ({
    id: t.id({ required: true, description: 'Lower-case letters, digits, "_" and "-", at most 64 characters.' }),
    description: t.string(),
    systemMessage: t.string(),
    model: t.string({ description: 'Defaults to DEFAULT_MODEL.' }),
    temperature: t.float(),
    maxTokens: t.int(),
    tools: t.idList(),
    fallbackModels: t.stringList({ description: 'Models tried in order when `model` is unavailable (5xx, 429 after retries, unreachable, timeout) before the first token.' }),
    setAsDefault: t.boolean(),
    userId: t.id({ description: 'Makes a per-user agent that only this user sees.' }),
  }),
});

export const UpdateAgentInput = builder.inputType('UpdateAgentInput', {
  description: 'Fields left out stay as they are; null clears a field (model: back to DEFAULT_MODEL).',
  fields: (t) => ({
    description: t.string(),
    systemMessage: t.string(),
    model: t.string(),
    temperature: t.float(),
    maxTokens: t.int(),
    tools: t.idList(),
    fallbackModels: t.stringList(),
  }),
});
