import { useState } from 'preact/hooks';
import { graphql } from '../gql';
import type { StudioAgentsQuery } from '../gql/graphql';
import { useMutation, useQuery } from '../hooks';
import { navigate } from '../router';
import { useSession } from '../session';
import { ErrorBox, Loading, PageHeader } from '../ui';
import { chatWith } from './playground';

export const AgentsQuery = graphql(`
  query StudioAgents {
    agents {
      id
      model
      description
      systemMessage
      temperature
      maxTokens
      tools
      requireApproval
      delegates
      handoffs
      fallbackModels
      isDefault
      userId
      updatedAt
    }
  }
`);

const CreateAgent = graphql(`
  mutation StudioCreateAgent($input: CreateAgentInput!) {
    createAgent(input: $input) {
      id
    }
  }
`);

const UpdateAgent = graphql(`
  mutation StudioUpdateAgent($id: ID!, $input: UpdateAgentInput!) {
    updateAgent(id: $id, input: $input) {
      id
    }
  }
`);

const RemoveAgent = graphql(`
  mutation StudioRemoveAgent($id: ID!) {
    removeAgent(id: $id)
  }
`);

const SetDefaultAgent = graphql(`
  mutation StudioSetDefaultAgent($id: ID!) {
    setDefaultAgent(id: $id) {
      id
    }
  }
`);

const SelectAgent = graphql(`
  query StudioSelectAgent($message: String!) {
    selectAgent(message: $message) {
      agentId
      strategy
      confidence
      reason
      cached
      latencyMs
      candidates {
        agentId
        score
      }
    }
  }
`);

type Agent = StudioAgentsQuery['agents'][number];

const list = (text: string) =>
  text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

interface AgentFields {
  id: string;
  model: string;
  description: string;
  systemMessage: string;
  temperature: string;
  maxTokens: string;
  tools: string;
  requireApproval: string;
  delegates: string;
  handoffs: string;
  owner: string;
  setAsDefault: boolean;
}

const fieldsOf = (agent?: Agent): AgentFields => ({
  id: agent?.id ?? '',
  model: agent?.model ?? '',
  description: agent?.description ?? '',
  systemMessage: agent?.systemMessage ?? '',
  temperature: agent?.temperature == null ? '' : String(agent.temperature),
  maxTokens: agent?.maxTokens == null ? '' : String(agent.maxTokens),
  tools: agent?.tools.join(', ') ?? '',
  requireApproval: agent?.requireApproval.join(', ') ?? '',
  delegates: agent?.delegates.join(', ') ?? '',
  handoffs: agent?.handoffs.join(', ') ?? '',
  owner: '',
  setAsDefault: false,
});

/** The input both mutations share; empty fields are left out (the gateway's defaults apply). */
function inputOf(fields: AgentFields) {
  return {
    ...(fields.model.trim() ? { model: fields.model.trim() } : {}),
    description: fields.description.trim() || null,
    systemMessage: fields.systemMessage.trim() || null,
    ...(fields.temperature.trim() ? { temperature: Number(fields.temperature) } : {}),
    ...(fields.maxTokens.trim() ? { maxTokens: Number(fields.maxTokens) } : {}),
    tools: list(fields.tools),
    requireApproval: list(fields.requireApproval),
    delegates: list(fields.delegates),
    handoffs: list(fields.handoffs),
  };
}

function AgentForm({ agent, onDone, onCancel }: { agent?: Agent; onDone: () => void; onCancel: () => void }) {
  const [fields, setFields] = useState(() => fieldsOf(agent));
  const create = useMutation(CreateAgent);
  const update = useMutation(UpdateAgent);
  const set = (name: keyof AgentFields) => (event: Event) => {
    const target = event.currentTarget as HTMLInputElement;
    setFields({ ...fields, [name]: target.type === 'checkbox' ? target.checked : target.value });
  };
  const prefix = agent ? `edit-${agent.id}` : 'new-agent';
  const text = (name: keyof AgentFields, label: string, hint?: string) => (
    <div class="field">
      <label for={`${prefix}-${name}`}>{label}</label>
      <input id={`${prefix}-${name}`} value={fields[name] as string} onInput={set(name)} aria-describedby={hint ? `${prefix}-${name}-hint` : undefined} />
      {hint ? (
        <small id={`${prefix}-${name}-hint`} class="muted">
          {hint}
        </small>
      ) : null}
    </div>
  );
  return (
    <form
      class="card form-grid"
      aria-label={agent ? `Edit agent ${agent.id}` : 'Create an agent'}
      onSubmit={async (event) => {
        event.preventDefault();
        const done = agent
          ? await update.run({ id: agent.id, input: inputOf(fields) })
          : await create.run({
              input: { id: fields.id.trim(), ...inputOf(fields), ...(fields.owner.trim() ? { userId: fields.owner.trim() } : {}), ...(fields.setAsDefault ? { setAsDefault: true } : {}) },
            });
        if (done) onDone();
      }}
    >
      <h2>{agent ? `Edit ${agent.id}` : 'New agent'}</h2>
      {agent ? null : (
        <div class="field">
          <label for={`${prefix}-id`}>Id</label>
          <input id={`${prefix}-id`} required value={fields.id} onInput={set('id')} pattern="[A-Za-z0-9_\-]+" aria-describedby={`${prefix}-id-hint`} />
          <small id={`${prefix}-id-hint`} class="muted">
            Letters, digits, - and _; chats name it as agentId.
          </small>
        </div>
      )}
      {text('model', 'Model', 'Empty: the gateway’s DEFAULT_MODEL.')}
      {text('description', 'Description', 'Routing reads it to pick this agent.')}
      <div class="field wide">
        <label for={`${prefix}-systemMessage`}>System message</label>
        <textarea id={`${prefix}-systemMessage`} rows={3} value={fields.systemMessage} onInput={set('systemMessage')} />
      </div>
      {text('temperature', 'Temperature')}
      {text('maxTokens', 'Max tokens')}
      {text('tools', 'Tools', 'Comma-separated tool ids (MCP tools, remote agents).')}
      {text('requireApproval', 'Tools that need approval', 'Comma-separated: these calls wait for a person.')}
      {text('delegates', 'Delegates', 'Agents it may ask (comma-separated ids).')}
      {text('handoffs', 'Handoffs', 'Agents it may pass the conversation to.')}
      {agent ? null : text('owner', 'Private to user', 'Empty: a global agent every user may chat with.')}
      {agent ? null : (
        <div class="field check">
          <input id={`${prefix}-default`} type="checkbox" checked={fields.setAsDefault} onChange={set('setAsDefault')} />
          <label for={`${prefix}-default`}>Make it the default agent</label>
        </div>
      )}
      <ErrorBox error={create.error ?? update.error} />
      <div class="actions wide">
        <button type="submit" disabled={create.busy || update.busy}>
          {agent ? 'Save' : 'Create agent'}
        </button>
        <button type="button" class="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function RoutingBox() {
  const [message, setMessage] = useState('');
  const [asked, setAsked] = useState<string | null>(null);
  const decision = useQuery(SelectAgent, { message: asked ?? '' }, { skip: asked === null });
  const result = decision.data?.selectAgent;
  const best = Math.max(0, ...(result?.candidates.map((candidate) => candidate.score ?? 0) ?? []));
  return (
    <section class="card" aria-labelledby="routing-title">
      <h2 id="routing-title">Which agent would answer?</h2>
      <form
        class="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          if (message.trim()) {
            if (asked === message) void decision.reload();
            else setAsked(message);
          }
        }}
      >
        <label for="routing-message">Message</label>
        <input id="routing-message" value={message} onInput={(event) => setMessage(event.currentTarget.value)} placeholder="Type a message to route" />
        <button type="submit">Route</button>
      </form>
      <Loading when={asked !== null && decision.loading} />
      <ErrorBox error={decision.error} />
      {result && !decision.loading ? (
        <div class="routing" data-testid="routing-decision">
          <p>
            <strong>{result.agentId}</strong> by {result.strategy.toLowerCase()} (confidence {result.confidence.toFixed(2)}
            {result.cached ? ', cached' : ''}, {result.latencyMs.toFixed(0)} ms): {result.reason}
          </p>
          <Candidates candidates={result.candidates} chosen={result.agentId} best={best} />
        </div>
      ) : null}
    </section>
  );
}

/** Every candidate with its score, as a table and a bar. */
export function Candidates({ candidates, chosen, best }: { candidates: readonly { agentId: string; score?: number | null }[]; chosen: string; best?: number }) {
  if (!candidates.length) return <p class="muted">No other candidate was scored.</p>;
  const top = best ?? Math.max(0, ...candidates.map((candidate) => candidate.score ?? 0));
  return (
    <table class="candidates">
      <caption class="visually-hidden">Routing candidates and their scores</caption>
      <thead>
        <tr>
          <th scope="col">Agent</th>
          <th scope="col">Score</th>
        </tr>
      </thead>
      <tbody>
        {candidates.map((candidate) => (
          <tr key={candidate.agentId} class={candidate.agentId === chosen ? 'chosen' : undefined}>
            <th scope="row">
              {candidate.agentId}
              {candidate.agentId === chosen ? ' (chosen)' : ''}
            </th>
            <td>
              <span class="score">{candidate.score == null ? '—' : candidate.score.toFixed(3)}</span>
              {candidate.score != null && top > 0 ? <meter min={0} max={top} value={candidate.score} aria-label={`Score of ${candidate.agentId}`} /> : null}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function AgentsPage(_: { path: string }) {
  const session = useSession();
  const agents = useQuery(AgentsQuery, {});
  const [editing, setEditing] = useState<string | null>(null);
  const remove = useMutation(RemoveAgent);
  const setDefault = useMutation(SetDefaultAgent);
  const all = agents.data?.agents ?? [];
  const done = () => {
    setEditing(null);
    void agents.reload();
  };
  return (
    <section aria-labelledby="page-title">
      <PageHeader title="Agents">
        {session.isAdmin ? (
          <button type="button" onClick={() => setEditing('new')} disabled={editing === 'new'}>
            New agent
          </button>
        ) : null}
      </PageHeader>
      {session.isAdmin ? null : <p class="muted">The agents you may chat with: global ones and your own. Admins create and change them.</p>}
      {editing === 'new' ? <AgentForm onDone={done} onCancel={() => setEditing(null)} /> : null}
      <Loading when={agents.loading && !agents.data} />
      <ErrorBox error={agents.error ?? remove.error ?? setDefault.error} />
      {agents.data && all.length === 0 ? <p class="empty">No agent yet.{session.isAdmin ? ' Create one: it answers every chat that names no agent.' : ''}</p> : null}
      <ul class="cards" aria-label="Agents">
        {all.map((agent) => (
          <li key={agent.id} class="card agent">
            {editing === agent.id ? (
              <AgentForm agent={agent} onDone={done} onCancel={() => setEditing(null)} />
            ) : (
              <>
                <h2>
                  {agent.id} {agent.isDefault ? <span class="badge">default</span> : null}
                  {agent.userId ? <span class="badge muted-badge">private to {agent.userId}</span> : null}
                </h2>
                <p>{agent.description || <span class="muted">No description.</span>}</p>
                <dl class="facts">
                  <dt>Model</dt>
                  <dd>{agent.model}</dd>
                  {agent.tools.length ? (
                    <>
                      <dt>Tools</dt>
                      <dd>{agent.tools.join(', ')}</dd>
                    </>
                  ) : null}
                  {agent.requireApproval.length ? (
                    <>
                      <dt>Needs approval</dt>
                      <dd>{agent.requireApproval.join(', ')}</dd>
                    </>
                  ) : null}
                  {agent.delegates.length ? (
                    <>
                      <dt>Delegates</dt>
                      <dd>{agent.delegates.join(', ')}</dd>
                    </>
                  ) : null}
                  {agent.handoffs.length ? (
                    <>
                      <dt>Handoffs</dt>
                      <dd>{agent.handoffs.join(', ')}</dd>
                    </>
                  ) : null}
                </dl>
                <div class="actions">
                  <button
                    type="button"
                    onClick={() => {
                      chatWith(agent.id);
                      navigate('/');
                    }}
                    aria-label={`Chat with ${agent.id}`}
                  >
                    Chat
                  </button>
                  {session.isAdmin ? (
                    <>
                  <button type="button" class="secondary" onClick={() => setEditing(agent.id)} aria-label={`Edit ${agent.id}`}>
                    Edit
                  </button>
                  {agent.isDefault ? null : (
                    <button type="button" class="secondary" onClick={async () => (await setDefault.run({ id: agent.id })) && agents.reload()} aria-label={`Make default: ${agent.id}`}>
                      Make default
                    </button>
                  )}
                  <button
                    type="button"
                    class="danger"
                    aria-label={`Delete ${agent.id}`}
                    onClick={async () => {
                      if (confirm(`Delete the agent ${agent.id}?`) && (await remove.run({ id: agent.id }))) void agents.reload();
                    }}
                  >
                    Delete
                  </button>
                    </>
                  ) : null}
                </div>
              </>
            )}
          </li>
        ))}
      </ul>
      <RoutingBox />
    </section>
  );
}
