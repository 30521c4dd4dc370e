import type { ToolRegistration } from '../../src/core/tools/tool-registry.js';

/** The agents' own `weather` tool, run inside the gateway: -3 °C in any city; each call's arguments go into `calls` when given. */
export function weatherTool(calls?: unknown[]): ToolRegistration {
  return {
    name: 'weather',
    description: 'Current temperature in a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    execute: async (args) => {
      calls?.push(args);
      return { city: (args as { city: string }).city, celsius: -3 };
    },
  };
}
