import type { RemoteAgentSkill as RemoteAgentSkillModel, RemoteAgentView } from '../core/remote-agents/remote-agent.js';
import { builder } from './builder.js';
import { KeyValueInput } from './mcp.js';
import { Node } from './node.js';

export const RemoteAgentStatus = builder.enumType('RemoteAgentStatus', {
  description: 'The connection state of a remote agent (A2A).',
  values: {
    CONNECTING: { description: 'Its agent card is being fetched, for the first time or again.' },
    CONNECTED: { description: 'Its card was fetched and checked: it can be asked, routed to and delegated to.' },
    FAILED: { description: 'Its card could not be fetched or is invalid, or it stopped answering; `error` says why. Questions fail at once while it is retried with backoff.' },
  } as const,
});

export const RemoteAgentSkill = builder.objectRef<RemoteAgentSkillModel>('RemoteAgentSkill').implement({
  description: 'A skill a remote agent’s card lists.',
  fields: (t) => ({
    id: t.exposeString('id', { description: 'The skill’s id on its agent.' }),
    name: t.exposeString('name', { description: 'Its name.' }),
    description: t.exposeString('description', { description: 'What it does, as the card says.' }),
    tags: t.exposeStringList('tags', { description: 'Keywords the card gives it.' }),
    examples: t.exposeStringList('examples', { description: 'Example requests the card gives.' }),
  }),
});

export const RemoteAgent = builder.objectRef<RemoteAgentView>('RemoteAgent').implement({
  interfaces: [Node],
  description: 'An agent served elsewhere over the A2A protocol, registered by an admin: a delegate for local agents and a candidate for routing. Header values are secrets: only their names are shown.',
  fields: (t) => ({
    url: t.exposeString('url', { description: 'Its agent card’s URL, or the base its card is found under (/.well-known/agent-card.json).' }),
    headerNames: t.exposeStringList('headerNames', { description: 'Names of the headers sent with every request to it.' }),
    status: t.expose('status', { description: 'Its connection state.', type: RemoteAgentStatus }),
    error: t.exposeString('error', { nullable: true, description: 'Why it is down (FAILED), or why it last went down (CONNECTING again).' }),
    connectedAt: t.expose('connectedAt', { description: 'When its card was first read since it last went down; null while not connected.', type: 'DateTime', nullable: true }),
    name: t.exposeString('name', { nullable: true, description: 'The name its card gives; null until a card was read.' }),
    description: t.exposeString('description', { nullable: true, description: 'The description its card gives (routing reads it, with the skills); null until a card was read.' }),
    version: t.exposeString('version', { nullable: true, description: 'The version its card gives.' }),
    skills: t.expose('skills', { type: [RemoteAgentSkill], description: 'The skills its card lists.' }),
    streaming: t.exposeBoolean('streaming', { description: 'Its card says it streams (message/stream); otherwise it is asked with message/send.' }),
  }),
});

export const RegisterRemoteAgentInput = builder.inputType('RegisterRemoteAgentInput', {
  description: 'A remote agent (A2A) and how to reach it.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'Lower-case letters, digits, "_" and "-", at most 64 characters; shared with agents and MCP servers.' }),
    url: t.string({ required: true, description: 'The agent card’s URL (ending in .json), or a base URL whose /.well-known/agent-card.json is the card (http:// or https://).' }),
    headers: t.field({ type: [KeyValueInput], description: 'Sent with every request (e.g. Authorization). Stored; never shown again.' }),
  }),
});
