import { useState } from 'preact/hooks';

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

/** A form generated from a tool's input schema (an object schema); submit hands over the arguments. */
export function SchemaForm({ schema, idPrefix, submitLabel, busy, onSubmit }: { schema: JsonSchema; idPrefix: string; submitLabel: string; busy?: boolean; onSubmit: (args: Record<string, unknown>) => void }) {
  const properties = Object.entries(schema.properties ?? {});
  const required = new Set(schema.required ?? []);
  const [values, setValues] = useState<Record<string, string | boolean>>(() =>
    Object.fromEntries(properties.filter(([, p]) => p.default !== undefined).map(([name, p]) => [name, fieldKind(p) === 'boolean' ? p.default === true : fieldKind(p) === 'json' ? JSON.stringify(p.default) : String(p.default)])),
  );
  const [error, setError] = useState<string | undefined>(undefined);
  return (
    <form
      class="form-grid"
      onSubmit={(event) => {
        event.preventDefault();
        try {
          const args = argumentsFrom(schema, values);
          setError(undefined);
          onSubmit(args);
        } catch (caught) {
          setError(caught instanceof Error ? caught.message : String(caught));
        }
      }}
    >
      {properties.length === 0 ? <p class="muted wide">This tool takes no arguments.</p> : null}
      {properties.map(([name, property]) => {
        const id = `${idPrefix}-${name}`;
        const kind = fieldKind(property);
        const hint = property.description ? <small id={`${id}-hint`} class="muted">{property.description}</small> : null;
        const label = `${name}${required.has(name) ? ' (required)' : ''}`;
        const set = (value: string | boolean) => setValues((all) => ({ ...all, [name]: value }));
        const described = property.description ? `${id}-hint` : undefined;
        if (kind === 'boolean')
          return (
            <div class="field check" key={name}>
              <input id={id} type="checkbox" checked={values[name] === true} onChange={(event) => set(event.currentTarget.checked)} aria-describedby={described} />
              <label for={id}>{label}</label>
              {hint}
            </div>
          );
        return (
          <div class={`field${kind === 'json' ? ' wide' : ''}`} key={name}>
            <label for={id}>
              {label}
              {kind === 'json' ? ' (JSON)' : ''}
            </label>
            {kind === 'enum' ? (
              <select id={id} value={String(values[name] ?? '')} onChange={(event) => set(event.currentTarget.value)} required={required.has(name)} aria-describedby={described}>
                <option value="">—</option>
                {property.enum!.map((option) => (
                  <option key={String(option)} value={String(option)}>
                    {String(option)}
                  </option>
                ))}
              </select>
            ) : kind === 'json' ? (
              <textarea id={id} rows={3} spellcheck={false} value={String(values[name] ?? '')} onInput={(event) => set(event.currentTarget.value)} required={required.has(name)} aria-describedby={described} />
            ) : kind === 'string' ? (
              <input id={id} type="text" value={String(values[name] ?? '')} onInput={(event) => set(event.currentTarget.value)} required={required.has(name)} aria-describedby={described} />
            ) : (
              <input
                id={id}
                type="number"
                step={kind === 'integer' ? '1' : 'any'}
                value={String(values[name] ?? '')}
                onInput={(event) => set(event.currentTarget.value)}
                required={required.has(name)}
                aria-describedby={described}
              />
            )}
            {hint}
          </div>
        );
      })}
      {error ? (
        <p class="error wide" role="alert">
          {error}
        </p>
      ) : null}
      <div class="actions wide">
        <button type="submit" disabled={busy}>
          {submitLabel}
        </button>
      </div>
    </form>
  );
}
