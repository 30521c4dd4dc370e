import { builder } from './builder.js';

/** Relay's global object identification: every id below is one object's (see core/named-ids.ts). */
export const Node = builder.interfaceRef<{ id: string }>('Node').implement({
  description: 'An object that `node(id:)` fetches again by its id alone (Relay global object identification).',
  fields: (t) => ({
    id: t.exposeID('id', {
      description: 'Unique across every Node type: a UUID for conversations, messages and memories; a name (a-z, 0-9, "_", "-") for agents, MCP servers and remote agents, which share one namespace.',
    }),
  }),
});
