import type { Agent as AgentModel, AgentChange as AgentChangeModel } from '../core/agents/agent.js';
import { builder } from './builder.js';
import { ResponseFormatInput } from './chat.js';
import { Node } from './node.js';

export const Agent = builder.objectRef<AgentModel>('Agent').implement({
  interfaces: [Node],
  description: 'An agent: a model with a system message, answering chats routed to it.',
  fields: (t) => ({
    description: t.exposeString('description', { description: 'What it is for; routing reads it.', nullable: true }),
    systemMessage: t.exposeString('systemMessage', { description: 'Its system message; SYSTEM_MESSAGE when null.', nullable: true }),
    model: t.exposeString('model', { description: 'A model name ("gpt-4o") or "provider:model".' }),
    temperature: t.exposeFloat('temperature', { description: 'Its sampling temperature; the model’s default when null.', nullable: true }),
    maxTokens: t.exposeInt('maxTokens', { description: 'The most tokens an answer may take; the model’s limit when null.', nullable: true }),
    tools: t.exposeIDList('tools', { description: 'The tools it may call: tool names, MCP server ids, or `server/tool`.' }),
    fallbackModels: t.exposeStringList('fallbackModels', { description: 'Answer, in order, when `model` is unavailable before the first token.' }),
    requireApproval: t.exposeStringList('requireApproval', { description: 'Tools whose calls wait for a person (approveToolCall) before they run: tool names, MCP server ids, `server/tool`, or "*" for all of them.' }),
    responseFormat: t.field({
      type: 'JSON',
      nullable: true,
      description: 'Its answers’ default response format ({ name, schema, strict }): every answer is structured unless the chat gives its own. Null: text answers.',
      resolve: (agent) => agent.responseFormat,
    }),
    a2a: t.exposeBoolean('a2a', { description: 'Published under the A2A protocol: its agent card at /a2a/{id}/.well-known/agent-card.json and its JSON-RPC endpoint at /a2a/{id} (docs/a2a.md).' }),
    delegates: t.exposeIDList('delegates', { description: 'Agents it may delegate to: each is offered to its model as an `ask_<id>` tool whose answer is a child run’s.' }),
    handoffs: t.exposeIDList('handoffs', { description: 'Agents it may pass the conversation to: each is offered as a `transfer_to_<id>` tool.' }),
    isDefault: t.exposeBoolean('isDefault', { description: 'True for the agent that answers chats naming no agent.' }),
    userId: t.exposeID('userId', { nullable: true, description: 'Set for a per-user agent; null for a global one.' }),
    createdAt: t.expose('createdAt', { description: 'When it was created.', type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { description: 'When it last changed.', type: 'DateTime' }),
  }),
});

export const AgentChangeKind = builder.enumType('AgentChangeKind', {
  description: 'What happened to an agent.',
  values: {
    CREATED: { description: 'A new agent.' },
    UPDATED: { description: 'Its settings changed.' },
    REMOVED: { description: 'It was removed; `agent` is null.' },
    DEFAULT_CHANGED: { description: 'It became the default agent.' },
  } as const,
});

export const AgentChange = builder.objectRef<AgentChangeModel>('AgentChange').implement({
  description: 'One change to an agent, as agentChanged reports it.',
  fields: (t) => ({
    kind: t.expose('kind', { description: 'What happened.', type: AgentChangeKind }),
    agentId: t.exposeID('agentId', { description: 'The agent that changed.' }),
    agent: t.expose('agent', { type: Agent, nullable: true, description: 'The agent after the change; null when removed.' }),
  }),
});

export const CreateAgentInput = builder.inputType('CreateAgentInput', {
  description: 'A new agent.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'Lower-case letters, digits, "_" and "-", at most 64 characters.' }),
    description: t.string({ description: 'What the agent is for; routing reads it.' }),
    systemMessage: t.string({ description: 'The system message of every chat; SYSTEM_MESSAGE when left out.' }),
    model: t.string({ description: 'Defaults to DEFAULT_MODEL.' }),
    temperature: t.float({ description: 'Sampling temperature, 0 to 2.' }),
    maxTokens: t.int({ description: 'The most tokens an answer may take.' }),
    tools: t.idList({ description: 'Tools it may call: a tool name, an MCP server id (all its tools), or `server/tool`.' }),
    fallbackModels: t.stringList({ description: 'Models tried in order when `model` is unavailable (5xx, 429 after retries, unreachable, timeout) before the first token.' }),
    requireApproval: t.stringList({ description: 'Tools whose calls wait for approval (approveToolCall): tool names, MCP server ids, `server/tool`, or "*" for every tool.' }),
    responseFormat: t.field({ type: ResponseFormatInput, description: 'Structured answers by default: a chat without its own responseFormat gets this one.' }),
    a2a: t.boolean({ description: 'Publish it under the A2A protocol (an agent card and a JSON-RPC endpoint; docs/a2a.md). False when left out.' }),
    delegates: t.idList({ description: 'Agents it may delegate to (`ask_<id>` tools): each must exist and be visible to its users, with no delegation cycle and no chain deeper than MAX_DELEGATION_DEPTH.' }),
    handoffs: t.idList({ description: 'Agents it may pass the conversation to (`transfer_to_<id>` tools); each must exist and be visible to its users.' }),
    setAsDefault: t.boolean({ description: 'Make it the default agent (global agents only).' }),
    userId: t.id({ description: 'Makes a per-user agent that only this user sees.' }),
  }),
});

export const UpdateAgentInput = builder.inputType('UpdateAgentInput', {
  description: 'Fields left out stay as they are; null clears a field (model: back to DEFAULT_MODEL).',
  fields: (t) => ({
    description: t.string({ description: 'What the agent is for; routing reads it.' }),
    systemMessage: t.string({ description: 'The system message of every chat.' }),
    model: t.string({ description: 'A model name, or "provider:model".' }),
    temperature: t.float({ description: 'Sampling temperature, 0 to 2.' }),
    maxTokens: t.int({ description: 'The most tokens an answer may take.' }),
    tools: t.idList({ description: 'Tools it may call.' }),
    fallbackModels: t.stringList({ description: 'Models tried in order when `model` is unavailable.' }),
    requireApproval: t.stringList({ description: 'Tools whose calls wait for approval; "*" for every tool; [] or null for none.' }),
    responseFormat: t.field({ type: ResponseFormatInput, description: 'Structured answers by default; null: text answers again.' }),
    a2a: t.boolean({ description: 'Publish it under the A2A protocol, or stop (false or null); its tasks stay readable by their owners.' }),
    delegates: t.idList({ description: 'Agents it may delegate to (`ask_<id>` tools); [] or null for none.' }),
    handoffs: t.idList({ description: 'Agents it may pass the conversation to (`transfer_to_<id>` tools); [] or null for none.' }),
  }),
});
