import { useState } from 'preact/hooks';
import { useSession } from './session';

const KEY = 'muxgate.studio.actAs';

/**
 * Whose data a page shows. A JWT or user-bound key: always its own user (the API decides, no
 * userId sent). An admin or unbound key: the user named here, kept for the tab; empty means the
 * API's own default for that credential.
 */
export function useActAs(): [string | undefined, (userId: string) => void] {
  const session = useSession();
  const [userId, setUserId] = useState(() => sessionStorage.getItem(KEY) ?? '');
  const set = (value: string) => {
    sessionStorage.setItem(KEY, value.trim());
    setUserId(value.trim());
  };
  if (session.userId) return [undefined, () => {}];
  return [userId || undefined, set];
}

/** The "act for user" field, shown to credentials that may name a user. */
export function ActAsField({ value, onChange, id }: { value: string | undefined; onChange: (userId: string) => void; id: string }) {
  const session = useSession();
  const [draft, setDraft] = useState(value ?? '');
  if (session.userId)
    return (
      <p class="muted">
        Showing the data of <strong>{session.userId}</strong> (your credential’s user).
      </p>
    );
  return (
    <form
      class="inline-form"
      onSubmit={(event) => {
        event.preventDefault();
        onChange(draft);
      }}
    >
      <label for={id}>User</label>
      <input id={id} value={draft} placeholder="a user id (empty: this credential’s own view)" onInput={(event) => setDraft(event.currentTarget.value)} />
      <button type="submit" class="secondary">
        Show
      </button>
    </form>
  );
}
