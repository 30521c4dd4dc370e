import type { ComponentChildren } from 'preact';
import type { ApiError } from './client';

export function ErrorBox({ error }: { error: ApiError | string | undefined | null }) {
  if (!error) return null;
  const message = typeof error === 'string' ? error : error.message;
  const code = typeof error === 'string' ? undefined : error.code;
  return (
    <p class="error" role="alert">
      {code ? <strong>{code}: </strong> : null}
      {message}
    </p>
  );
}

export function Loading({ when }: { when: boolean }) {
  return when ? (
    <p class="muted" role="status">
      Loading…
    </p>
  ) : null;
}

export function PageHeader({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <header class="page-header">
      <h1 id="page-title">{title}</h1>
      {children ? <div class="page-actions">{children}</div> : null}
    </header>
  );
}

/** Pretty-printed JSON in a scrollable block. */
export function Json({ value, label }: { value: unknown; label?: string }) {
  const text = typeof value === 'string' ? value : JSON.stringify(value, null, 2);
  return (
    <pre class="json" aria-label={label} tabIndex={0}>
      {text}
    </pre>
  );
}

export const formatTime = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString() : '—');
