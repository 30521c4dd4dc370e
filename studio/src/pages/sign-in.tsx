import { useState } from 'preact/hooks';
import { signIn } from '../auth';
import { ErrorBox } from '../ui';

/** Sign in with an API key or a JWT: kept in this tab's sessionStorage only. */
export function SignInPage({ error }: { error?: string | undefined }) {
  const [value, setValue] = useState('');
  return (
    <main id="main" class="sign-in">
      <h1>muxgate Studio</h1>
      <p>
        Paste the <code>ADMIN_API_KEY</code> the gateway printed when it first started, or any other API key, or a JWT from <code>issueToken</code>.
      </p>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (value.trim()) signIn(value);
        }}
      >
        <label for="credential">API key or JWT</label>
        <input id="credential" name="credential" type="password" autoComplete="off" spellcheck={false} required value={value} onInput={(event) => setValue(event.currentTarget.value)} />
        <button type="submit">Sign in</button>
      </form>
      <ErrorBox error={error} />
      <p class="muted">The credential stays in this browser tab (sessionStorage) and goes only to this gateway, in the Authorization header.</p>
    </main>
  );
}
