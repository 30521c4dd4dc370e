import { useEffect, useState } from 'preact/hooks';
import { onCredentialChange } from '../auth';
import { ApiError, request, subscribe } from '../client';
import { useQuery } from '../hooks';
import { Link } from '../router';
import { ApproveToolCall, CancelRun, ChatStream, RunEvents, SubmitToolResults } from '../run-documents';
import { applyEvent, isOpen, newTurn, type RunEventShape, type Turn, type TurnItem } from '../run-events';
import { ErrorBox, Json, PageHeader } from '../ui';
import { AgentsQuery, Candidates } from './agents';

/** The Playground's state in this tab: a reload finds its conversation and resumes an answer in flight. */
const STORAGE_KEY = 'muxgate.studio.playground';

interface Saved {
  agent: string;
  conversationId: string | null;
  clientTools: string;
  turns: Turn[];
}

/**
 * The Playground's conversation lives as long as the tab, not the page: leaving the Playground (for
 * the Runs page, say) keeps its streams open, since unsubscribing chatStream would stop the answer,
 * and coming back shows where they are. Kept in sessionStorage too, so a reload resumes an answer in
 * flight (runEvents after its last seq).
 */
let store: Saved | undefined;
const storeListeners = new Set<() => void>();
/** The open stream of each turn still answering, by turn key. */
const streams = new Map<string, () => void>();
const resumes = new Map<string, number>();
/** Bumped when the credential changes: a stream of the session before writes nothing into this one's. */
let generation = 0;

onCredentialChange(() => {
  generation++;
  // The client drops its connections with the credential (the runs go on for RUN_ORPHAN_GRACE_MS).
  streams.clear();
  resumes.clear();
  store = undefined;
  for (const listener of storeListeners) listener();
});

function playground(): Saved {
  if (!store) {
    store = load();
    // After a reload: follow each answer still open from the last event it showed.
    for (const turn of store.turns) if (isOpen(turn) && turn.runId) follow(turn.key, (sink) => subscribe(RunEvents, { runId: turn.runId!, after: turn.lastSeq }, sink));
  }
  return store;
}

function setPlayground(change: Partial<Saved> | ((saved: Saved) => Partial<Saved>)): void {
  const current = playground();
  store = { ...current, ...(typeof change === 'function' ? change(current) : change) };
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify(store));
  for (const listener of storeListeners) listener();
}

/** The Playground's state, rendering again when it changes. */
function usePlayground(): Saved {
  const [, rendered] = useState(0);
  useEffect(() => {
    const listener = () => rendered((n) => n + 1);
    storeListeners.add(listener);
    return () => void storeListeners.delete(listener);
  }, []);
  return playground();
}

const updateTurn = (key: string, change: (turn: Turn) => Turn) => setPlayground((saved) => ({ turns: saved.turns.map((turn) => (turn.key === key ? change(turn) : turn)) }));

function follow(key: string, start: (sink: Parameters<typeof subscribe>[2]) => () => void): void {
  const session = generation;
  const stop = start({
    next: (data) => {
      if (session !== generation) return;
      resumes.delete(key);
      const event = ((data as { chatStream?: unknown; runEvents?: unknown }).chatStream ?? (data as { runEvents?: unknown }).runEvents) as RunEventShape;
      setPlayground((saved) => {
        let conversationId = saved.conversationId;
        const turns = saved.turns.map((turn) => {
          if (turn.key !== key) return turn;
          const next = applyEvent(turn, event);
          if (next.conversationId && next.conversationId !== turn.conversationId) conversationId = next.conversationId;
          return next;
        });
        return { turns, conversationId };
      });
    },
    error: (failure) => {
      if (session !== generation) return;
      streams.delete(key);
      const turn = playground().turns.find((t) => t.key === key);
      const tries = resumes.get(key) ?? 0;
      // The connection dropped (no GraphQL error): the run goes on on the server; follow it again from the last seq.
      if (!failure.code && turn?.runId && isOpen(turn) && tries < 5) {
        resumes.set(key, tries + 1);
        setTimeout(() => {
          const now = playground().turns.find((t) => t.key === key);
          if (session === generation && now?.runId && isOpen(now) && !streams.has(key)) follow(key, (sink) => subscribe(RunEvents, { runId: now.runId!, after: now.lastSeq }, sink));
        }, 500 * 2 ** tries);
        return;
      }
      updateTurn(key, (t) => (isOpen(t) ? { ...t, status: 'failed', error: { code: failure.code ?? 'CONNECTION', message: failure.message } } : t));
    },
    complete: () => {
      if (session === generation) streams.delete(key);
    },
  });
  streams.set(key, stop);
}

/** Opens the Playground on an existing conversation (the Conversations page's "Continue" button). */
export function continueConversation(conversationId: string): void {
  setPlayground({ agent: 'auto', conversationId, turns: [] });
}

/** Opens the Playground on a new conversation with this agent (the Agents page's "Chat" button). */
export function chatWith(agentId: string): void {
  setPlayground({ agent: agentId, conversationId: null, turns: [] });
}

function load(): Saved {
  try {
    const saved = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? 'null') as Saved | null;
    if (saved && Array.isArray(saved.turns))
      return {
        ...saved,
        turns: saved.turns.map((turn) =>
          isOpen(turn) && !turn.runId ? { ...turn, status: 'failed', error: { code: 'INTERRUPTED', message: 'The page was left before the run started; send the message again.' } } : turn,
        ),
      };
  } catch {
    // A damaged entry: start afresh.
  }
  return { agent: 'auto', conversationId: null, clientTools: '', turns: [] };
}

/** Client tools as typed: a JSON array of { name, description, parameters }. */
function parseClientTools(text: string): { tools?: Array<{ name: string; description?: string; parameters?: unknown }>; error?: string } {
  if (!text.trim()) return {};
  try {
    const value = JSON.parse(text) as unknown;
    const list = Array.isArray(value) ? value : [value];
    if (!list.every((tool) => tool && typeof tool === 'object' && typeof (tool as { name?: unknown }).name === 'string')) return { error: 'Each client tool needs a name.' };
    return { tools: list as Array<{ name: string }> };
  } catch (error) {
    return { error: `Client tools are not valid JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
}

const EXAMPLE_CLIENT_TOOLS = JSON.stringify(
  [{ name: 'get_location', description: 'The user’s current city, read by the browser.', parameters: { type: 'object', properties: { precision: { type: 'string', enum: ['city', 'country'] } } } }],
  null,
  2,
);

export function PlaygroundPage(_: { path: string }) {
  const { agent, conversationId, clientTools, turns } = usePlayground();
  const agents = useQuery(AgentsQuery, {});
  const setAgent = (value: string) => setPlayground({ agent: value });
  const setClientTools = (value: string) => setPlayground({ clientTools: value });
  const [message, setMessage] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);

  const send = (event: Event) => {
    event.preventDefault();
    const text = message.trim();
    if (!text) return;
    const tools = parseClientTools(clientTools);
    if (tools.error) {
      setError(tools.error);
      return;
    }
    setError(undefined);
    const key = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    setPlayground((saved) => ({ turns: [...saved.turns, newTurn(key, text)] }));
    setMessage('');
    const input = {
      message: text,
      ...(agent !== 'auto' ? { agentId: agent } : {}),
      ...(conversationId ? { conversationId } : {}),
      ...(tools.tools?.length ? { clientTools: tools.tools } : {}),
    };
    follow(key, (sink) => subscribe(ChatStream, { input }, sink));
  };

  const stop = async (turn: Turn) => {
    if (turn.runId) {
      try {
        await request(CancelRun, { runId: turn.runId });
        return;
      } catch (caught) {
        setError(caught instanceof ApiError ? caught.message : String(caught));
      }
    }
    // Not started yet: unsubscribing stops it (graphql-ws complete).
    streams.get(turn.key)?.();
    streams.delete(turn.key);
    updateTurn(turn.key, (t) => ({ ...t, status: 'cancelled', error: { code: 'CANCELLED', message: 'Stopped' } }));
  };

  const newConversation = () => {
    for (const stopStream of streams.values()) stopStream();
    streams.clear();
    setPlayground({ turns: [], conversationId: null });
  };

  const agentList = agents.data?.agents ?? [];
  const running = turns.find(isOpen);
  return (
    <section aria-labelledby="page-title">
      <PageHeader title="Playground">
        <button type="button" class="secondary" onClick={newConversation} disabled={!turns.length}>
          New conversation
        </button>
      </PageHeader>
      <div class="inline-form">
        <label for="playground-agent">Agent</label>
        <select id="playground-agent" value={agent} onChange={(event) => setAgent(event.currentTarget.value)}>
          <option value="auto">auto (routing picks)</option>
          {agentList.map((item) => (
            <option key={item.id} value={item.id}>
              {item.id}
              {item.isDefault ? ' (default)' : ''}
            </option>
          ))}
        </select>
      </div>
      {agents.data && agentList.length === 0 ? (
        <p class="empty">
          No agent yet: create one on the <Link href="/agents">Agents</Link> page, then chat with it here.
        </p>
      ) : null}
      <p class="muted" aria-live="polite">
        {conversationId ? (
          <>
            Conversation <Link href={`/conversations/${encodeURIComponent(conversationId)}`}>{conversationId}</Link>
          </>
        ) : (
          'A new conversation starts with the first message.'
        )}
      </p>
      <details class="card">
        <summary>Client tools</summary>
        <p class="muted">Tools the model may call that this page answers: a JSON array of {'{ name, description, parameters }'} (parameters: a JSON Schema). The run pauses until you send a result.</p>
        <label for="client-tools">Client tools (JSON)</label>
        <textarea id="client-tools" rows={6} value={clientTools} spellcheck={false} onInput={(event) => setClientTools(event.currentTarget.value)} />
        <div class="actions">
          <button type="button" class="secondary" onClick={() => setClientTools(EXAMPLE_CLIENT_TOOLS)}>
            Use an example tool
          </button>
        </div>
      </details>
      <ol class="transcript" aria-label="Conversation">
        {turns.map((turn) => (
          <TurnView key={turn.key} turn={turn} onStop={() => void stop(turn)} />
        ))}
      </ol>
      <ErrorBox error={error} />
      <form class="composer" onSubmit={send} aria-label="Send a message">
        <div class="field">
          <label for="playground-message">Message</label>
          <textarea
            id="playground-message"
            rows={2}
            value={message}
            onInput={(event) => setMessage(event.currentTarget.value)}
            onKeyDown={(event) => {
              if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) send(event);
            }}
            aria-describedby="playground-message-hint"
          />
          <small id="playground-message-hint" class="muted">
            Enter sends, Shift+Enter starts a new line.
          </small>
        </div>
        <button type="submit" disabled={!message.trim()}>
          Send
        </button>
        {running ? (
          <button type="button" class="danger" onClick={() => void stop(running)}>
            Stop
          </button>
        ) : null}
      </form>
    </section>
  );
}

const STATUS_LABEL: Record<Turn['status'], string> = {
  starting: 'starting',
  streaming: 'answering',
  paused: 'waiting for you',
  complete: 'complete',
  failed: 'failed',
  cancelled: 'stopped',
};

function TurnView({ turn, onStop }: { turn: Turn; onStop: () => void }) {
  return (
    <li class="turn-pair" data-run-id={turn.runId} data-status={turn.status}>
      <div class="turn user">
        <span class="visually-hidden">You: </span>
        {turn.message}
      </div>
      <article class="turn assistant" aria-label={`Answer${turn.agentId ? ` of ${turn.agentId}` : ''}`} aria-busy={isOpen(turn)}>
        <div class="meta">
          <span>
            Agent <strong>{turn.agentId ?? '…'}</strong>
          </span>
          <span class={`badge status-${turn.status === 'complete' ? 'COMPLETE' : turn.status === 'paused' ? 'WAITING' : turn.status === 'failed' || turn.status === 'cancelled' ? 'FAILED' : 'RUNNING'}`}>{STATUS_LABEL[turn.status]}</span>
          {turn.runId ? (
            <span>
              run{' '}
              <Link href={`/runs/${encodeURIComponent(turn.runId)}`} aria-label={`Watch run ${turn.runId} on the Runs page`}>
                <code>{turn.runId}</code>
              </Link>
            </span>
          ) : null}
          {isOpen(turn) ? (
            <button type="button" class="danger" onClick={onStop} aria-label="Stop this answer">
              Stop
            </button>
          ) : null}
        </div>
        {turn.routing ? (
          <details class="routing-details">
            <summary>
              Routing: {turn.routing.strategy.toLowerCase()}, confidence {turn.routing.confidence.toFixed(2)}
            </summary>
            <p>{turn.routing.reason}</p>
            <Candidates candidates={turn.routing.candidates} chosen={turn.routing.agentId} />
          </details>
        ) : null}
        <div class="answer" data-testid="answer">
          {turn.items.map((item, index) => (
            <ItemView key={index} item={item} turn={turn} />
          ))}
          {turn.status === 'starting' || (turn.status === 'streaming' && !turn.items.length) ? <p class="muted">Thinking…</p> : null}
        </div>
        {turn.error && turn.status !== 'complete' ? <ErrorBox error={new ApiError(turn.error.message, turn.error.code)} /> : null}
        {turn.usage ? (
          <p class="meta" data-testid="usage">
            Usage: {turn.usage.promptTokens} prompt + {turn.usage.completionTokens} completion = {turn.usage.totalTokens} tokens
            {turn.usage.memoryTokens ? ` (${turn.usage.memoryTokens} from memory)` : ''}
            {turn.finishReason ? `; finished: ${turn.finishReason}` : ''}
          </p>
        ) : null}
      </article>
    </li>
  );
}

function ItemView({ item, turn }: { item: TurnItem; turn: Turn }) {
  switch (item.kind) {
    case 'text':
      return <p class="answer-text">{item.text}</p>;
    case 'tool':
      return (
        <details class={`event tool${item.isError ? ' failed' : ''}`} open={item.result === undefined}>
          <summary>
            {item.client ? 'Client tool' : 'Tool'} <code>{item.tool}</code>
            {item.serverId ? ` on ${item.serverId}` : ''}: {item.result === undefined ? 'running…' : item.isError ? `failed (${item.durationMs} ms)` : `done (${item.durationMs} ms)`}
          </summary>
          <h3>Arguments</h3>
          <Json value={item.arguments} label={`Arguments of ${item.tool}`} />
          {item.result !== undefined ? (
            <>
              <h3>Result</h3>
              <Json value={item.result} label={`Result of ${item.tool}`} />
            </>
          ) : null}
        </details>
      );
    case 'request':
      return <ClientToolRequest item={item} turn={turn} />;
    case 'approval':
      return <ApprovalRequest item={item} turn={turn} />;
    case 'delegation':
      return (
        <div class={`event${item.isError ? ' failed' : ''}`}>
          Asked <strong>{item.agentId}</strong> (run <code>{item.childRunId}</code>): {item.done ? (item.isError ? 'failed' : 'answered') : 'working…'}
        </div>
      );
    case 'handoff':
      return (
        <div class="event">
          Handed off from <strong>{item.fromAgentId}</strong> to <strong>{item.toAgentId}</strong>
          {item.reason ? `: ${item.reason}` : ''}
        </div>
      );
    case 'note':
      return <div class="event">{item.text}</div>;
  }
}

function ClientToolRequest({ item, turn }: { item: Extract<TurnItem, { kind: 'request' }>; turn: Turn }) {
  const [output, setOutput] = useState('');
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const id = `result-${item.callId}`;
  const waiting = !item.answered && !sent && turn.status === 'paused';
  const answer = async (asError: boolean) => {
    let value: unknown = output;
    if (!asError) {
      try {
        value = output.trim() ? JSON.parse(output) : null;
      } catch {
        value = output; // Plain text is a fine result too.
      }
    }
    setBusy(true);
    setError(undefined);
    setSent(true);
    try {
      await request(SubmitToolResults, { runId: turn.runId!, results: [asError ? { callId: item.callId, error: output || 'Refused by the user' } : { callId: item.callId, output: value }] });
    } catch (caught) {
      setSent(false);
      setError(caught instanceof Error ? caught.message : String(caught));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class={`event${waiting ? ' pending' : ''}`} role="group" aria-label={`Client tool ${item.tool}`}>
      <p>
        The model calls the client tool <code>{item.tool}</code>
        {waiting ? ': answer it to go on.' : sent || item.answered ? ' (answered).' : '.'}
      </p>
      <Json value={item.arguments} label={`Arguments of ${item.tool}`} />
      {waiting ? (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            void answer(false);
          }}
        >
          <label for={id}>Result for {item.tool} (JSON or text)</label>
          <textarea id={id} rows={3} value={output} onInput={(event) => setOutput(event.currentTarget.value)} />
          <div class="actions">
            <button type="submit" disabled={busy}>
              Send result
            </button>
            <button type="button" class="secondary" disabled={busy} onClick={() => void answer(true)}>
              Send as error
            </button>
          </div>
        </form>
      ) : null}
      <ErrorBox error={error} />
    </div>
  );
}

function ApprovalRequest({ item, turn }: { item: Extract<TurnItem, { kind: 'approval' }>; turn: Turn }) {
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState<boolean | null>(null);
  const [error, setError] = useState<string | undefined>(undefined);
  const waiting = !item.decision && sent === null && turn.status === 'paused';
  const decide = async (approved: boolean) => {
    setBusy(true);
    setError(undefined);
    setSent(approved);
    try {
      await request(ApproveToolCall, { runId: turn.runId!, callId: item.callId, approved, reason: reason.trim() || null });
    } catch (caught) {
      setSent(null);
      setError(caught instanceof Error ? caught.message : String(caught));
    } finally {
      setBusy(false);
    }
  };
  const decision = item.decision ?? (sent === null ? undefined : { approved: sent, reason });
  return (
    <div class={`event${waiting ? ' pending' : ''}`} role="group" aria-label={`Approval for ${item.tool}`}>
      <p>
        <code>{item.tool}</code>
        {item.serverId ? ` on ${item.serverId}` : ''} needs approval
        {decision ? `: ${decision.approved ? 'approved' : 'refused'}${decision.reason ? ` (${decision.reason})` : ''}.` : '.'}
      </p>
      <Json value={item.arguments} label={`Arguments of ${item.tool}`} />
      {waiting ? (
        <div class="inline-form">
          <label for={`reason-${item.callId}`}>Reason (optional)</label>
          <input id={`reason-${item.callId}`} value={reason} onInput={(event) => setReason(event.currentTarget.value)} />
          <button type="button" disabled={busy} onClick={() => void decide(true)}>
            Approve
          </button>
          <button type="button" class="danger" disabled={busy} onClick={() => void decide(false)}>
            Refuse
          </button>
        </div>
      ) : null}
      <ErrorBox error={error} />
    </div>
  );
}
