import { createHash } from 'node:crypto';

/** OpenAI function names: 1-64 of a-z, A-Z, 0-9, "_" and "-". */
const MAX_FUNCTION_NAME = 64;

/**
 * The model function names of one server's tools: `<server>__<tool>`, other characters replaced
 * by "_"; longer than 64 (or equal to another tool's after replacing) it is cut and ends with a
 * hash of the real name, so it stays unique and the same on every run. Keyed by the tool's name.
 */
export function functionNamesFor(serverId: string, toolNames: string[]): Map<string, string> {
  const names = new Map<string, string>();
  const taken = new Set<string>();
  for (const toolName of toolNames) {
    const full = `${serverId}__${toolName}`;
    let name = full.replace(/[^A-Za-z0-9_-]/g, '_');
    if (name.length > MAX_FUNCTION_NAME || taken.has(name)) {
      const hash = createHash('sha256').update(full).digest('hex').slice(0, 8);
      name = `${name.slice(0, MAX_FUNCTION_NAME - 9)}_${hash}`;
    }
    taken.add(name);
    names.set(toolName, name);
  }
  return names;
}
