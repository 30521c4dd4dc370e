/** Tool arguments from a JSON Schema's fields: pure, unit-tested in test/studio-units.test.ts. */

/** The JSON Schema subset the form knows; anything else is edited as JSON. */
export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  items?: JsonSchema;
}

type FieldKind = 'string' | 'number' | 'integer' | 'boolean' | 'enum' | 'json';

export function fieldKind(schema: JsonSchema): FieldKind {
  if (Array.isArray(schema.enum) && schema.enum.length && schema.enum.every((value) => typeof value === 'string' || typeof value === 'number')) return 'enum';
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  if (type === 'string' || type === 'number' || type === 'integer' || type === 'boolean') return type;
  return 'json';
}

/**
 * Turns the fields' text into the arguments object: numbers parsed, booleans as checked, objects
 * and arrays parsed from JSON; empty optional fields left out. Throws with the field's name.
 */
export function argumentsFrom(schema: JsonSchema, values: Record<string, string | boolean>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    const kind = fieldKind(property);
    const raw = values[name];
    if (kind === 'boolean') {
      if (raw !== undefined) result[name] = raw === true;
      continue;
    }
    const text = typeof raw === 'string' ? raw : '';
    if (text.trim() === '') continue;
    if (kind === 'number' || kind === 'integer') {
      const number = Number(text);
      if (!Number.isFinite(number) || (kind === 'integer' && !Number.isInteger(number))) throw new Error(`${name} must be ${kind === 'integer' ? 'a whole number' : 'a number'}`);
      result[name] = number;
    } else if (kind === 'enum') {
      result[name] = property.enum!.find((option) => String(option) === text) ?? text;
    } else if (kind === 'json') {
      try {
        result[name] = JSON.parse(text);
      } catch {
        throw new Error(`${name} must be JSON`);
      }
    } else result[name] = text;
  }
  return result;
}
