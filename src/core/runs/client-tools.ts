import { Ajv2020 } from 'ajv/dist/2020.js';
import { z } from 'zod';
import { badInput } from '../errors.js';
import { text } from '../input-limits.js';
import type { ToolDefinition } from '../models/chat-model.js';

/** Which tool the model must call on the answer's next step: as OpenAI's tool_choice. */
export type ToolChoice = 'auto' | 'none' | 'required' | { name: string };

/** OpenAI's rule for function names, which every provider accepts. */
export const TOOL_NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export const CLIENT_TOOLS_MAX = 128;

export const clientToolSchema = z.object({
  name: z.string().regex(TOOL_NAME_PATTERN, { error: 'must be 1-64 characters of letters, digits, "_" or "-"' }),
  description: text(10_000).nullish(),
  /** The JSON Schema of the arguments object; an empty object schema when left out. */
  parameters: z.record(z.string(), z.unknown()).nullish(),
});

export const toolChoiceSchema = z.union([
  z.enum(['auto', 'none', 'required']),
  z.object({ name: z.string().regex(TOOL_NAME_PATTERN, { error: 'must be a tool name' }) }),
]);

export type ClientToolInput = z.input<typeof clientToolSchema>;

// Only the meta-schema check: a client's schema is the model's to read, not ours to enforce.
const ajv = new Ajv2020({ strict: false, validateSchema: true });

/**
 * A chat's client tools as the model's tool definitions, refused (BAD_USER_INPUT) when a name is
 * repeated or clashes with one of the agent's own tools, when parameters are not a JSON Schema of
 * an object, or when tool_choice names a tool the model is not offered.
 */
export function checkClientTools(tools: readonly ClientToolInput[], agentToolNames: readonly string[], toolChoice: ToolChoice | undefined): ToolDefinition[] {
  const server = new Set(agentToolNames);
  const seen = new Set<string>();
  const definitions = tools.map((tool, index): ToolDefinition => {
    const where = `clientTools[${index}]`;
    if (seen.has(tool.name)) throw badInput(`${where}.name: "${tool.name}" is given twice`, { field: `${where}.name` });
    seen.add(tool.name);
    if (server.has(tool.name)) throw badInput(`${where}.name: "${tool.name}" is one of the agent's own tools; give the client tool another name`, { field: `${where}.name` });
    const parameters = tool.parameters ?? { type: 'object', properties: {} };
    if (parameters.type !== undefined && parameters.type !== 'object') throw badInput(`${where}.parameters: must describe an object ("type": "object")`, { field: `${where}.parameters` });
    const { $schema: _dialect, ...rest } = parameters;
    if (!ajv.validateSchema(rest)) {
      throw badInput(`${where}.parameters: not a valid JSON Schema (${ajv.errorsText(ajv.errors, { dataVar: 'parameters' })})`, { field: `${where}.parameters` });
    }
    return { name: tool.name, ...(tool.description ? { description: tool.description } : {}), parameters };
  });
  if (toolChoice !== undefined && typeof toolChoice === 'object' && !seen.has(toolChoice.name) && !server.has(toolChoice.name)) {
    throw badInput(`toolChoice: no tool "${toolChoice.name}" is offered to the model (neither a client tool nor one of the agent's)`, { field: 'toolChoice' });
  }
  return definitions;
}
