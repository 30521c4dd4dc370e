import type { ComponentType } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { credential, onCredentialChange, signOut } from './auth';
import { ApiError, request } from './client';
import { AgentsPage } from './pages/agents';
import { ConversationsPage } from './pages/conversations';
import { McpPage } from './pages/mcp';
import { MemoryPage } from './pages/memory';
import { MetricsPage } from './pages/metrics';
import { PlaygroundPage } from './pages/playground';
import { RunsPage } from './pages/runs';
import { SignInPage } from './pages/sign-in';
import { UsagePage } from './pages/usage';
import { Link, usePath } from './router';
import { MeQuery, type Session, SessionContext } from './session';

interface PageEntry {
  path: string;
  label: string;
  component: ComponentType<{ path: string }>;
}

/** The console's pages, in the navigation's order; each lives in pages/<page>.tsx. */
export const PAGES: PageEntry[] = [
  { path: '/', label: 'Playground', component: PlaygroundPage },
  { path: '/agents', label: 'Agents', component: AgentsPage },
  { path: '/runs', label: 'Runs', component: RunsPage },
  { path: '/conversations', label: 'Conversations', component: ConversationsPage },
  { path: '/memory', label: 'Memory', component: MemoryPage },
  { path: '/mcp', label: 'MCP & remote agents', component: McpPage },
  { path: '/usage', label: 'Usage', component: UsagePage },
  { path: '/metrics', label: 'Metrics', component: MetricsPage },
];

const pageFor = (path: string) => PAGES.find((page) => (page.path === '/' ? path === '/' : path === page.path || path.startsWith(`${page.path}/`)));

export function App() {
  const [token, setToken] = useState(credential);
  const [session, setSession] = useState<Session | null>(null);
  const [error, setError] = useState<string | undefined>(undefined);
  useEffect(() => onCredentialChange(() => setToken(credential())), []);
  useEffect(() => {
    setSession(null);
    if (!token) return;
    let current = true;
    request(MeQuery).then(
      ({ me }) => {
        if (!current) return;
        if (me.kind === 'ANONYMOUS') {
          setError('That credential was not accepted.');
          signOut();
          return;
        }
        setError(undefined);
        setSession({ kind: me.kind, userId: me.userId ?? null, isAdmin: me.kind === 'ADMIN' });
      },
      (caught: unknown) => {
        // Shown even if the refusal already signed the tab out (the client does that on UNAUTHENTICATED).
        setError(caught instanceof ApiError && caught.code === 'UNAUTHENTICATED' ? 'That credential was not accepted.' : String(caught instanceof Error ? caught.message : caught));
        signOut();
      },
    );
    return () => {
      current = false;
    };
  }, [token]);

  if (!token) return <SignInPage error={error} />;
  if (!session)
    return (
      <main id="main" class="sign-in">
        <p role="status">Signing in…</p>
      </main>
    );
  return (
    <SessionContext.Provider value={session}>
      <Shell session={session} />
    </SessionContext.Provider>
  );
}

function Shell({ session }: { session: Session }) {
  const path = usePath();
  const page = pageFor(path);
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);
  useEffect(() => {
    document.title = `${page?.label ?? 'Not found'} · muxgate Studio`;
    // After a navigation, keyboard and screen-reader users start at the new page's content.
    if (!first.current) main.current?.focus();
    first.current = false;
  }, [page]);
  const Page = page?.component;
  return (
    <div class="shell">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <span class="brand">muxgate Studio</span>
        <span class="who" aria-label="Signed in as">
          {session.isAdmin ? 'admin' : session.userId ? `user ${session.userId}` : 'user key'}
        </span>
        <button type="button" class="secondary" onClick={signOut}>
          Sign out
        </button>
      </header>
      <nav aria-label="Pages">
        <ul>
          {PAGES.map((entry) => (
            <li key={entry.path}>
              <Link href={entry.path} aria-current={entry === page ? 'page' : undefined}>
                {entry.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" tabIndex={-1} ref={main}>
        {Page ? (
          <Page path={path} />
        ) : (
          <section>
            <h1>Not found</h1>
            <p>
              No page at this address. <Link href="/">Open the Playground</Link>.
            </p>
          </section>
        )}
      </main>
    </div>
  );
}
