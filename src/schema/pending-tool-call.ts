import type { PendingToolCall as PendingToolCallModel } from '../core/runs/paused-step.js';
import { builder } from './builder.js';

export const PendingToolKind = builder.enumType('PendingToolKind', {
  description: 'Why a call of a paused run waits.',
  values: {
    CLIENT_TOOL: { description: 'A client tool: the client runs it and sends its result (submitToolResults).' },
    APPROVAL: { description: 'One of the agent’s tools that needs a person’s approval first (approveToolCall).' },
  } as const,
});

export const PendingToolCall = builder.objectRef<PendingToolCallModel>('PendingToolCall').implement({
  description: 'A tool call a paused run waits for.',
  fields: (t) => ({
    callId: t.exposeID('callId', { description: 'The id to answer it by.' }),
    kind: t.expose('kind', { type: PendingToolKind, description: 'What it waits for.' }),
    tool: t.exposeString('tool', { description: 'The function name the model called.' }),
    serverId: t.exposeID('serverId', { nullable: true, description: 'Approvals: the MCP server of the tool; null for in-process and client tools.' }),
    arguments: t.expose('arguments', { type: 'JSON', description: 'The arguments the model sent, parsed; the raw text when it was not valid JSON.' }),
  }),
});
