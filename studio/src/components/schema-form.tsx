import { useState } from 'preact/hooks';
import { argumentsFrom, fieldKind, type JsonSchema } from './json-schema';

export type { JsonSchema } from './json-schema';

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
