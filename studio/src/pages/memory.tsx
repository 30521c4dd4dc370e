import { useState } from 'preact/hooks';
import { ActAsField, useActAs } from '../act-as';
import { graphql } from '../gql';
import type { StudioMemoriesQuery } from '../gql/graphql';
import { useMutation, useQuery } from '../hooks';
import { useSession } from '../session';
import { ErrorBox, Json, Loading, PageHeader, formatTime } from '../ui';

const SearchMemory = graphql(`
  query StudioSearchMemory($query: String!, $userId: ID, $useLongTerm: Boolean) {
    searchMemory(query: $query, userId: $userId, k: 20, useLongTerm: $useLongTerm) {
      id
      source
      content
      score
      matchedBy
      conversationId
      role
      agentId
      createdAt
    }
  }
`);

const MemoriesQuery = graphql(`
  query StudioMemories($userId: ID, $includeSuperseded: Boolean) {
    memories(userId: $userId, first: 50, includeSuperseded: $includeSuperseded) {
      edges {
        node {
          id
          content
          factKey
          source
          confidence
          importance
          agentId
          userId
          embedded
          validUntil
          supersededBy
          createdAt
          updatedAt
        }
      }
      pageInfo {
        hasNextPage
      }
    }
  }
`);

const UserContextQuery = graphql(`
  query StudioUserContext($userId: ID) {
    userContext(userId: $userId) {
      userId
      knowledge
      facts {
        path
        key
        value
        confidence
        importance
        source
        updatedAt
      }
    }
  }
`);

const UpdateMemory = graphql(`
  mutation StudioUpdateMemory($input: UpdateMemoryInput!, $userId: ID) {
    updateMemory(input: $input, userId: $userId) {
      id
      content
    }
  }
`);

const DeleteMemory = graphql(`
  mutation StudioDeleteMemory($id: ID!, $userId: ID) {
    deleteMemory(id: $id, userId: $userId)
  }
`);

const DeleteUserContextFact = graphql(`
  mutation StudioDeleteUserContextFact($path: [String!]!, $userId: ID) {
    deleteUserContextFact(path: $path, userId: $userId)
  }
`);

const ForgetUser = graphql(`
  mutation StudioForgetUser($userId: ID!) {
    forgetUser(userId: $userId) {
      conversations
      messages
      memories
      userContextFacts
      agents
      apiKeys
      runs
      cachedAnswers
      routingDecisions
      files
    }
  }
`);

type MemoryNode = StudioMemoriesQuery['memories']['edges'][number]['node'];

export function MemoryPage(_: { path: string }) {
  const [actAs, setActAs] = useActAs();
  const userId = actAs ?? null;
  return (
    <section aria-labelledby="page-title">
      <PageHeader title="Memory" />
      <ActAsField id="memory-user" value={actAs} onChange={setActAs} />
      <SearchBox userId={userId} />
      <Ledger userId={userId} key={`ledger-${userId}`} />
      <ContextTree userId={userId} key={`context-${userId}`} />
      <Forget userId={userId} />
    </section>
  );
}

function SearchBox({ userId }: { userId: string | null }) {
  const [text, setText] = useState('');
  const [asked, setAsked] = useState<string | null>(null);
  const [longTerm, setLongTerm] = useState(true);
  const search = useQuery(SearchMemory, { query: asked ?? '', userId, useLongTerm: longTerm }, { skip: asked === null });
  const hits = search.data?.searchMemory ?? [];
  return (
    <section class="card" aria-labelledby="memory-search-title">
      <h2 id="memory-search-title">Search</h2>
      <form
        class="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          if (!text.trim()) return;
          if (asked === text.trim()) void search.reload();
          else setAsked(text.trim());
        }}
      >
        <label for="memory-query">Search memory</label>
        <input id="memory-query" type="search" value={text} onInput={(event) => setText(event.currentTarget.value)} />
        <span class="field check">
          <input id="memory-long-term" type="checkbox" checked={longTerm} onChange={(event) => setLongTerm(event.currentTarget.checked)} />
          <label for="memory-long-term">Long-term too</label>
        </span>
        <button type="submit">Search</button>
      </form>
      <Loading when={asked !== null && search.loading} />
      <ErrorBox error={search.error} />
      {search.data && !hits.length ? <p class="muted">Nothing found.</p> : null}
      {hits.length ? (
        <div class="table-wrap">
          <table aria-label="Search hits">
            <thead>
              <tr>
                <th scope="col">Score</th>
                <th scope="col">Where</th>
                <th scope="col">Found by</th>
                <th scope="col">Content</th>
              </tr>
            </thead>
            <tbody>
              {hits.map((hit) => (
                <tr key={`${hit.source}:${hit.id}`}>
                  <td class="score">{hit.score.toFixed(4)}</td>
                  <td>
                    <span class="badge muted-badge">{hit.source === 'BUFFER' ? 'message' : 'long-term'}</span>
                    {hit.role ? ` ${hit.role.toLowerCase()}` : ''}
                    {hit.agentId ? ` · ${hit.agentId}` : ''}
                  </td>
                  <td>
                    {hit.matchedBy.map((match) => (
                      <span key={match} class={`badge match-${match}`}>
                        {match === 'VECTOR' ? 'vector' : 'full text'}
                      </span>
                    ))}
                  </td>
                  <td>{hit.content}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

function Ledger({ userId }: { userId: string | null }) {
  const [withSuperseded, setWithSuperseded] = useState(false);
  const ledger = useQuery(MemoriesQuery, { userId, includeSuperseded: withSuperseded });
  const memories = ledger.data?.memories.edges.map((edge) => edge.node) ?? [];
  return (
    <section class="card" aria-labelledby="ledger-title">
      <h2 id="ledger-title">Fact ledger</h2>
      <div class="field check">
        <input id="ledger-superseded" type="checkbox" checked={withSuperseded} onChange={(event) => setWithSuperseded(event.currentTarget.checked)} />
        <label for="ledger-superseded">Show superseded facts</label>
      </div>
      <Loading when={ledger.loading && !ledger.data} />
      <ErrorBox error={ledger.error} />
      {ledger.data && !memories.length ? <p class="muted">No long-term memory.</p> : null}
      <ul class="plain-list" aria-label="Long-term memories">
        {memories.map((memory) => (
          <MemoryRow key={memory.id} memory={memory} userId={userId} onChange={() => void ledger.reload()} />
        ))}
      </ul>
    </section>
  );
}

function MemoryRow({ memory, userId, onChange }: { memory: MemoryNode; userId: string | null; onChange: () => void }) {
  const [editing, setEditing] = useState(false);
  const [content, setContent] = useState(memory.content);
  const update = useMutation(UpdateMemory);
  const remove = useMutation(DeleteMemory);
  const valid = !memory.validUntil && !memory.supersededBy;
  return (
    <li class={`memory${valid ? '' : ' superseded'}`}>
      {editing ? (
        <form
          onSubmit={async (event) => {
            event.preventDefault();
            if (await update.run({ input: { id: memory.id, content }, userId })) {
              setEditing(false);
              onChange();
            }
          }}
        >
          <label for={`memory-${memory.id}`}>Content</label>
          <textarea id={`memory-${memory.id}`} rows={2} value={content} onInput={(event) => setContent(event.currentTarget.value)} />
          <div class="actions">
            <button type="submit" disabled={update.busy}>
              Save
            </button>
            <button type="button" class="secondary" onClick={() => setEditing(false)}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <p>{memory.content}</p>
      )}
      <p class="meta muted">
        {memory.factKey ? <code>{memory.factKey}</code> : null} {memory.source.toLowerCase()} · confidence {memory.confidence.toFixed(2)} · importance {memory.importance.toFixed(2)}
        {memory.agentId ? ` · agent ${memory.agentId}` : ''}
        {memory.userId ? ` · user ${memory.userId}` : ''} · {valid ? 'valid' : `superseded ${formatTime(memory.validUntil)}${memory.supersededBy ? ` by ${memory.supersededBy}` : ''}`} · {memory.embedded ? 'embedded' : 'not embedded'} · {formatTime(memory.updatedAt)}
      </p>
      {editing ? null : (
        <div class="actions">
          <button type="button" class="secondary" onClick={() => setEditing(true)} aria-label={`Edit memory: ${memory.content.slice(0, 40)}`}>
            Edit
          </button>
          <button
            type="button"
            class="danger"
            aria-label={`Delete memory: ${memory.content.slice(0, 40)}`}
            onClick={async () => {
              if (confirm('Delete this memory?') && (await remove.run({ id: memory.id, userId }))) onChange();
            }}
          >
            Delete
          </button>
        </div>
      )}
      <ErrorBox error={update.error ?? remove.error} />
    </li>
  );
}

/** The user-context tree: knowledge as nested lists, each fact deletable. */
function ContextTree({ userId }: { userId: string | null }) {
  const session = useSession();
  // A credential that acts for no user has no context of its own: it names a user first.
  const nobody = !userId && !session.userId;
  const context = useQuery(UserContextQuery, { userId }, { skip: nobody });
  const remove = useMutation(DeleteUserContextFact);
  const facts = context.data?.userContext.facts ?? [];
  return (
    <section class="card" aria-labelledby="context-title">
      <h2 id="context-title">User context</h2>
      {nobody ? <p class="muted">Name a user above to see what memory knows about them.</p> : null}
      <Loading when={context.loading && !context.data} />
      <ErrorBox error={context.error ?? remove.error} />
      {context.data && !facts.length ? <p class="muted">Nothing known about this user yet.</p> : null}
      {facts.length ? (
        <>
          <Tree value={context.data!.userContext.knowledge} label="User context tree" />
          <details>
            <summary>Facts ({facts.length})</summary>
            <ul class="plain-list">
              {facts.map((fact) => (
                <li key={fact.path.join('/')}>
                  <code>{fact.path.join(' › ')}</code> = <code>{JSON.stringify(fact.value)}</code>{' '}
                  <small class="muted">
                    {fact.source.toLowerCase()}, confidence {fact.confidence.toFixed(2)}, {formatTime(fact.updatedAt)}
                  </small>{' '}
                  <button
                    type="button"
                    class="danger"
                    aria-label={`Delete fact ${fact.path.join(' › ')}`}
                    onClick={async () => {
                      if (confirm(`Delete ${fact.path.join(' › ')}?`) && (await remove.run({ path: fact.path, userId }))) void context.reload();
                    }}
                  >
                    Delete
                  </button>
                </li>
              ))}
            </ul>
          </details>
        </>
      ) : null}
    </section>
  );
}

function Tree({ value, label }: { value: unknown; label?: string }) {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    return (
      <ul class="tree" aria-label={label}>
        {Object.entries(value as Record<string, unknown>).map(([key, child]) => (
          <li key={key}>
            <strong>{key}</strong>
            {child && typeof child === 'object' && !Array.isArray(child) ? <Tree value={child} /> : <>: {JSON.stringify(child)}</>}
          </li>
        ))}
      </ul>
    );
  }
  return <Json value={value} />;
}

function Forget({ userId }: { userId: string | null }) {
  const session = useSession();
  const [target, setTarget] = useState(session.userId ?? userId ?? '');
  const forget = useMutation(ForgetUser);
  const [receipt, setReceipt] = useState<Record<string, number> | null>(null);
  return (
    <section class="card" aria-labelledby="forget-title">
      <h2 id="forget-title">Forget a user</h2>
      <p class="muted">Erases everything stored about the user: conversations, messages, memories, user context, private agents, cached answers and runs; revokes their API keys. It cannot be undone.</p>
      <form
        class="inline-form"
        onSubmit={async (event) => {
          event.preventDefault();
          if (!target.trim() || !confirm(`Erase everything stored about ${target.trim()}?`)) return;
          const result = await forget.run({ userId: target.trim() });
          if (result) setReceipt({ ...result.forgetUser });
        }}
      >
        <label for="forget-user">User id</label>
        <input id="forget-user" value={target} readOnly={!!session.userId} onInput={(event) => setTarget(event.currentTarget.value)} />
        <button type="submit" class="danger" disabled={forget.busy}>
          Forget this user
        </button>
      </form>
      <ErrorBox error={forget.error} />
      {receipt ? (
        <table aria-label="Forget receipt" data-testid="forget-receipt">
          <caption>Erased</caption>
          <tbody>
            {Object.entries(receipt)
              .filter(([key]) => key !== '__typename')
              .map(([key, count]) => (
                <tr key={key}>
                  <th scope="row">{key}</th>
                  <td>{count}</td>
                </tr>
              ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
