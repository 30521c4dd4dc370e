import { useEffect, useState } from 'preact/hooks';
import { subscribe } from '../client';
import { SchemaForm, type JsonSchema } from '../components/schema-form';
import { graphql } from '../gql';
import type { StudioMcpServersQuery, StudioRemoteAgentsQuery } from '../gql/graphql';
import { useMutation, useQuery } from '../hooks';
import { useSession } from '../session';
import { ErrorBox, Json, Loading, PageHeader, formatTime } from '../ui';

const McpServersQuery = graphql(`
  query StudioMcpServers {
    mcpServers {
      ...StudioMcpServer
    }
  }
`);

const McpServerFragment = graphql(`
  fragment StudioMcpServer on McpServer {
    id
    transport
    url
    command
    args
    status
    error
    connectedAt
    tools {
      name
      functionName
      description
      inputSchema
    }
  }
`);

const McpServerChanged = graphql(`
  subscription StudioMcpServerChanged {
    mcpServerChanged {
      ...StudioMcpServer
    }
  }
`);

const RemoteAgentsQuery = graphql(`
  query StudioRemoteAgents {
    remoteAgents {
      ...StudioRemoteAgent
    }
  }
`);

const RemoteAgentFragment = graphql(`
  fragment StudioRemoteAgent on RemoteAgent {
    id
    url
    name
    description
    version
    status
    error
    streaming
    connectedAt
    skills {
      id
      name
      description
    }
  }
`);

const RemoteAgentChanged = graphql(`
  subscription StudioRemoteAgentChanged {
    remoteAgentChanged {
      ...StudioRemoteAgent
    }
  }
`);

const ExecuteMcpTool = graphql(`
  mutation StudioExecuteMcpTool($serverId: ID!, $toolName: String!, $arguments: JSON) {
    executeMcpTool(serverId: $serverId, toolName: $toolName, arguments: $arguments) {
      isError
      text
      content
      structuredContent
    }
  }
`);

const RegisterMcpServer = graphql(`
  mutation StudioRegisterMcpServer($input: RegisterMcpServerInput!) {
    registerMcpServer(input: $input) {
      id
      status
    }
  }
`);

const RemoveMcpServer = graphql(`
  mutation StudioRemoveMcpServer($id: ID!) {
    removeMcpServer(id: $id)
  }
`);

const ReconnectMcpServer = graphql(`
  mutation StudioReconnectMcpServer($id: ID!) {
    reconnectMcpServer(id: $id) {
      id
      status
    }
  }
`);

const RegisterRemoteAgent = graphql(`
  mutation StudioRegisterRemoteAgent($input: RegisterRemoteAgentInput!) {
    registerRemoteAgent(input: $input) {
      id
      status
    }
  }
`);

const RemoveRemoteAgent = graphql(`
  mutation StudioRemoveRemoteAgent($id: ID!) {
    removeRemoteAgent(id: $id)
  }
`);

type Server = StudioMcpServersQuery['mcpServers'][number];
type Remote = StudioRemoteAgentsQuery['remoteAgents'][number];

/** A list kept live: the query, then each change from the subscription replaces its item (admins only: the API's rule). */
function useLive<T extends { id: string }>(items: readonly T[] | undefined, subscribeChanges: ((onItem: (item: T) => void) => () => void) | undefined): T[] {
  const [changed, setChanged] = useState<Record<string, T>>({});
  useEffect(() => {
    setChanged({});
  }, [items]);
  useEffect(() => subscribeChanges?.((item) => setChanged((all) => ({ ...all, [item.id]: item }))), [subscribeChanges]);
  const list = (items ?? []).map((item) => changed[item.id] ?? item);
  for (const item of Object.values(changed)) if (!list.some((known) => known.id === item.id)) list.push(item);
  return list;
}

/** Follows a feed for as long as the page is open: after a dropped connection (a gateway restart), again in a few seconds. */
function follow<T>(start: (onItem: (item: T) => void, onEnd: () => void) => () => void) {
  return (onItem: (item: T) => void) => {
    let stop = () => {};
    let timer: ReturnType<typeof setTimeout> | undefined;
    let closed = false;
    const open = () => {
      stop = start(onItem, () => {
        if (!closed) timer = setTimeout(open, 3_000);
      });
    };
    open();
    return () => {
      closed = true;
      clearTimeout(timer);
      stop();
    };
  };
}

const watchServers = follow<Server>((onItem, onEnd) => subscribe(McpServerChanged, {}, { next: (data) => onItem(data.mcpServerChanged), error: onEnd, complete: onEnd }));
const watchRemotes = follow<Remote>((onItem, onEnd) => subscribe(RemoteAgentChanged, {}, { next: (data) => onItem(data.remoteAgentChanged), error: onEnd, complete: onEnd }));

export function McpPage(_: { path: string }) {
  const session = useSession();
  const servers = useQuery(McpServersQuery, {});
  const remotes = useQuery(RemoteAgentsQuery, {});
  const liveServers = useLive(servers.data?.mcpServers, session.isAdmin ? watchServers : undefined);
  const liveRemotes = useLive(remotes.data?.remoteAgents, session.isAdmin ? watchRemotes : undefined);
  return (
    <section aria-labelledby="page-title">
      <PageHeader title="MCP servers and remote agents" />
      {session.isAdmin ? <p class="muted">Status is live: changes arrive as they happen (mcpServerChanged, remoteAgentChanged).</p> : null}
      <h2>MCP servers</h2>
      <Loading when={servers.loading && !servers.data} />
      <ErrorBox error={servers.error} />
      {servers.data && !liveServers.length ? <p class="empty">No MCP server registered.</p> : null}
      <ul class="cards one-column" aria-label="MCP servers">
        {liveServers.map((server) => (
          <ServerCard key={server.id} server={server} onChange={() => void servers.reload()} />
        ))}
      </ul>
      {session.isAdmin ? <RegisterServer onDone={() => void servers.reload()} /> : null}
      <h2>Remote agents (A2A)</h2>
      <Loading when={remotes.loading && !remotes.data} />
      <ErrorBox error={remotes.error} />
      {remotes.data && !liveRemotes.length ? <p class="empty">No remote agent registered.</p> : null}
      <ul class="cards" aria-label="Remote agents">
        {liveRemotes.map((remote) => (
          <RemoteCard key={remote.id} remote={remote} onChange={() => void remotes.reload()} />
        ))}
      </ul>
      {session.isAdmin ? <RegisterRemote onDone={() => void remotes.reload()} /> : null}
    </section>
  );
}

function ServerCard({ server, onChange }: { server: Server; onChange: () => void }) {
  const session = useSession();
  const remove = useMutation(RemoveMcpServer);
  const reconnect = useMutation(ReconnectMcpServer);
  return (
    <li class="card" data-server-id={server.id}>
      <h3>
        {server.id}{' '}
        <span class={`badge status-${server.status}`} data-testid="server-status">
          {server.status.toLowerCase()}
        </span>
      </h3>
      <p class="muted">
        {server.transport === 'HTTP' ? server.url : [server.command, ...server.args].join(' ')}
        {server.connectedAt ? ` · connected ${formatTime(server.connectedAt)}` : ''}
      </p>
      {server.error ? <p class="error">{server.error}</p> : null}
      {session.isAdmin ? (
        <div class="actions">
          <button type="button" class="secondary" disabled={reconnect.busy} onClick={async () => (await reconnect.run({ id: server.id })) && onChange()} aria-label={`Reconnect ${server.id}`}>
            Reconnect
          </button>
          <button
            type="button"
            class="danger"
            aria-label={`Remove ${server.id}`}
            onClick={async () => {
              if (confirm(`Remove the MCP server ${server.id}?`) && (await remove.run({ id: server.id }))) onChange();
            }}
          >
            Remove
          </button>
        </div>
      ) : null}
      <ErrorBox error={remove.error ?? reconnect.error} />
      <h4>Tools ({server.tools.length})</h4>
      <ul class="plain-list">
        {server.tools.map((tool) => (
          <ToolRow key={tool.name} serverId={server.id} tool={tool} />
        ))}
      </ul>
    </li>
  );
}

function ToolRow({ serverId, tool }: { serverId: string; tool: Server['tools'][number] }) {
  const execute = useMutation(ExecuteMcpTool);
  const [result, setResult] = useState<{ isError: boolean; text: string; content: unknown } | null>(null);
  const schema = (tool.inputSchema ?? {}) as JsonSchema;
  return (
    <li>
      <details>
        <summary>
          <code>{tool.name}</code>
          {tool.description ? <span class="summary-detail"> — {tool.description}</span> : null}
        </summary>
        <p class="muted">
          Agents name it <code>{tool.functionName}</code>.
        </p>
        <details>
          <summary>Input schema</summary>
          <Json value={tool.inputSchema} label={`Input schema of ${tool.name}`} />
        </details>
        <SchemaForm
          schema={schema}
          idPrefix={`tool-${serverId}-${tool.name}`}
          submitLabel={`Run ${tool.name}`}
          busy={execute.busy}
          onSubmit={async (args) => {
            setResult(null);
            const done = await execute.run({ serverId, toolName: tool.name, arguments: args });
            if (done) setResult(done.executeMcpTool);
          }}
        />
        <ErrorBox error={execute.error} />
        {result ? (
          <div class={`event${result.isError ? ' failed' : ''}`} role="status" aria-label={`Result of ${tool.name}`}>
            <strong>{result.isError ? 'The tool answered an error' : 'Result'}</strong>
            <Json value={result.text || result.content} />
          </div>
        ) : null}
      </details>
    </li>
  );
}

function RegisterServer({ onDone }: { onDone: () => void }) {
  const register = useMutation(RegisterMcpServer);
  const [id, setId] = useState('');
  const [url, setUrl] = useState('');
  const [command, setCommand] = useState('');
  return (
    <details class="card">
      <summary>Register an MCP server</summary>
      <form
        class="form-grid"
        onSubmit={async (event) => {
          event.preventDefault();
          const [program, ...args] = command.trim().split(/\s+/).filter(Boolean);
          const input = url.trim() ? { id: id.trim(), url: url.trim() } : { id: id.trim(), command: program ?? '', args };
          if (await register.run({ input })) {
            setId('');
            setUrl('');
            setCommand('');
            onDone();
          }
        }}
      >
        <div class="field">
          <label for="mcp-id">Id</label>
          <input id="mcp-id" required value={id} onInput={(event) => setId(event.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="mcp-url">URL (Streamable HTTP)</label>
          <input id="mcp-url" type="url" value={url} onInput={(event) => setUrl(event.currentTarget.value)} />
        </div>
        <div class="field wide">
          <label for="mcp-command">Or a command (stdio)</label>
          <input id="mcp-command" value={command} placeholder="npx some-mcp-server --flag" onInput={(event) => setCommand(event.currentTarget.value)} />
        </div>
        <ErrorBox error={register.error} />
        <div class="actions wide">
          <button type="submit" disabled={register.busy}>
            Register
          </button>
        </div>
      </form>
    </details>
  );
}

function RemoteCard({ remote, onChange }: { remote: Remote; onChange: () => void }) {
  const session = useSession();
  const remove = useMutation(RemoveRemoteAgent);
  return (
    <li class="card">
      <h3>
        {remote.name ?? remote.id} <span class={`badge status-${remote.status}`}>{remote.status.toLowerCase()}</span>
      </h3>
      <p class="muted">
        <code>{remote.id}</code> · {remote.url}
        {remote.version ? ` · v${remote.version}` : ''}
        {remote.streaming ? ' · streams' : ''}
      </p>
      {remote.description ? <p>{remote.description}</p> : null}
      {remote.error ? <p class="error">{remote.error}</p> : null}
      {remote.skills.length ? (
        <ul class="plain-list" aria-label={`Skills of ${remote.id}`}>
          {remote.skills.map((skill) => (
            <li key={skill.id}>
              <strong>{skill.name}</strong>: {skill.description}
            </li>
          ))}
        </ul>
      ) : null}
      {session.isAdmin ? (
        <button
          type="button"
          class="danger"
          aria-label={`Remove ${remote.id}`}
          onClick={async () => {
            if (confirm(`Remove the remote agent ${remote.id}?`) && (await remove.run({ id: remote.id }))) onChange();
          }}
        >
          Remove
        </button>
      ) : null}
      <ErrorBox error={remove.error} />
    </li>
  );
}

function RegisterRemote({ onDone }: { onDone: () => void }) {
  const register = useMutation(RegisterRemoteAgent);
  const [id, setId] = useState('');
  const [url, setUrl] = useState('');
  return (
    <details class="card">
      <summary>Register a remote agent</summary>
      <form
        class="form-grid"
        onSubmit={async (event) => {
          event.preventDefault();
          if (await register.run({ input: { id: id.trim(), url: url.trim() } })) {
            setId('');
            setUrl('');
            onDone();
          }
        }}
      >
        <div class="field">
          <label for="remote-id">Id</label>
          <input id="remote-id" required value={id} onInput={(event) => setId(event.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="remote-url">Agent card URL</label>
          <input id="remote-url" type="url" required value={url} onInput={(event) => setUrl(event.currentTarget.value)} />
        </div>
        <ErrorBox error={register.error} />
        <div class="actions wide">
          <button type="submit" disabled={register.busy}>
            Register
          </button>
        </div>
      </form>
    </details>
  );
}
