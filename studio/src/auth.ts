/**
 * The credential (an API key or a JWT) lives in this tab's sessionStorage: gone when the tab closes,
 * never in a URL, never in localStorage shared by every tab.
 */
const KEY = 'muxgate.studio.credential';
const listeners = new Set<() => void>();

export function credential(): string | null {
  return sessionStorage.getItem(KEY);
}

export function signIn(value: string): void {
  sessionStorage.setItem(KEY, value.trim());
  for (const listener of listeners) listener();
}

export function signOut(): void {
  sessionStorage.removeItem(KEY);
  // Whatever a page kept for this session (a chat being resumed) goes with the credential.
  for (const key of Object.keys(sessionStorage)) if (key.startsWith('muxgate.studio.')) sessionStorage.removeItem(key);
  for (const listener of listeners) listener();
}

export function onCredentialChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** A JWT has three dot-separated parts; API keys never contain a dot. */
export const isJwt = (value: string) => /^[^.]+\.[^.]+\.[^.]+$/.test(value);
