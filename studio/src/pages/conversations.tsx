import { useState } from 'preact/hooks';
import { ActAsField, useActAs } from '../act-as';
import { graphql } from '../gql';
import type { StudioConversationQuery } from '../gql/graphql';
import { useQuery } from '../hooks';
import { Link, navigate } from '../router';
import { ErrorBox, Json, Loading, PageHeader, formatTime } from '../ui';
import { continueConversation } from './playground';

const ConversationsQuery = graphql(`
  query StudioConversations($userId: ID, $after: String) {
    conversations(userId: $userId, first: 20, after: $after) {
      edges {
        node {
          id
          title
          userId
          updatedAt
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

const ConversationQuery = graphql(`
  query StudioConversation($id: ID!, $userId: ID) {
    conversation(id: $id, userId: $userId) {
      id
      title
      userId
      createdAt
      messages {
        id
        role
        content
        status
        agentId
        runId
        createdAt
        errorCode
        finishReason
        usage {
          promptTokens
          completionTokens
          totalTokens
        }
        routing {
          agentId
          strategy
          confidence
        }
        toolCalls {
          callId
          tool
          serverId
          arguments
          result
          isError
          durationMs
          round
          executedBy
          approval {
            approved
            reason
          }
        }
      }
    }
  }
`);

type Message = StudioConversationQuery['conversation']['messages'][number];

export function ConversationsPage({ path }: { path: string }) {
  const [actAs, setActAs] = useActAs();
  const id = path.startsWith('/conversations/') ? decodeURIComponent(path.slice('/conversations/'.length)) : undefined;
  return (
    <section aria-labelledby="page-title">
      <PageHeader title="Conversations" />
      <ActAsField id="conversations-user" value={actAs} onChange={setActAs} />
      <div class="split">
        <ConversationList userId={actAs} selected={id} />
        {id ? <ConversationView id={id} userId={actAs} /> : <p class="muted">Pick a conversation to read its messages and tool calls.</p>}
      </div>
    </section>
  );
}

function ConversationList({ userId, selected }: { userId: string | undefined; selected: string | undefined }) {
  const [after, setAfter] = useState<string | null>(null);
  const [pages, setPages] = useState<Array<{ id: string; title: string; userId?: string | null; updatedAt: string }>>([]);
  const list = useQuery(ConversationsQuery, { userId: userId ?? null, after });
  const shown = [...pages, ...(list.data?.conversations.edges.map((edge) => edge.node) ?? [])];
  return (
    <nav aria-label="Conversations list" class="card list-pane">
      <Loading when={list.loading && !list.data} />
      <ErrorBox error={list.error} />
      {list.data && shown.length === 0 ? <p class="muted">No conversation yet.</p> : null}
      <ul class="plain-list">
        {shown.map((conversation) => (
          <li key={conversation.id}>
            <Link href={`/conversations/${encodeURIComponent(conversation.id)}`} aria-current={conversation.id === selected ? 'page' : undefined}>
              {conversation.title || conversation.id}
            </Link>
            <small class="muted">
              {' '}
              {formatTime(conversation.updatedAt)}
              {conversation.userId ? ` · ${conversation.userId}` : ''}
            </small>
          </li>
        ))}
      </ul>
      {list.data?.conversations.pageInfo.hasNextPage ? (
        <button
          type="button"
          class="secondary"
          onClick={() => {
            setPages(shown);
            setAfter(list.data!.conversations.pageInfo.endCursor ?? null);
          }}
        >
          Load more
        </button>
      ) : null}
    </nav>
  );
}

function ConversationView({ id, userId }: { id: string; userId: string | undefined }) {
  const conversation = useQuery(ConversationQuery, { id, userId: userId ?? null });
  const data = conversation.data?.conversation;
  return (
    <article class="card" aria-label="Conversation">
      <Loading when={conversation.loading && !data} />
      <ErrorBox error={conversation.error} />
      {conversation.error?.code === 'NOT_FOUND' ? (
        <button type="button" class="secondary" onClick={() => navigate('/conversations')}>
          Back to the list
        </button>
      ) : null}
      {data ? (
        <>
          <h2>{data.title || data.id}</h2>
          <p class="muted">
            <code>{data.id}</code> · started {formatTime(data.createdAt)}
            {data.userId ? ` · user ${data.userId}` : ' · no user'}
          </p>
          {userId ? null : (
            <button
              type="button"
              class="secondary"
              onClick={() => {
                continueConversation(data.id);
                navigate('/');
              }}
            >
              Continue in the Playground
            </button>
          )}
          <ol class="transcript">
            {data.messages.map((message) => (
              <MessageView key={message.id} message={message} />
            ))}
          </ol>
        </>
      ) : null}
    </article>
  );
}

function MessageView({ message }: { message: Message }) {
  return (
    <li class={`turn ${message.role === 'USER' ? 'user' : 'assistant'}`}>
      <div class="meta">
        <strong>{message.role === 'USER' ? 'User' : `Assistant${message.agentId ? ` (${message.agentId})` : ''}`}</strong>
        <span>{formatTime(message.createdAt)}</span>
        {message.role === 'ASSISTANT' ? <span class={`badge status-${message.status}`}>{message.status.toLowerCase()}</span> : null}
        {message.routing ? (
          <span>
            routed by {message.routing.strategy.toLowerCase()} ({message.routing.confidence.toFixed(2)})
          </span>
        ) : null}
        {message.usage ? <span>{message.usage.totalTokens} tokens</span> : null}
      </div>
      {message.toolCalls.map((call) => (
        <details key={call.callId} class={`event tool${call.isError ? ' failed' : ''}`}>
          <summary>
            Round {call.round}: <code>{call.tool}</code>
            {call.serverId ? ` on ${call.serverId}` : ''} by {call.executedBy.toLowerCase()}, {call.isError ? 'failed' : 'done'} ({call.durationMs} ms)
            {call.approval ? ` · ${call.approval.approved ? 'approved' : 'refused'}${call.approval.reason ? `: ${call.approval.reason}` : ''}` : ''}
          </summary>
          <h3>Arguments</h3>
          <Json value={call.arguments} label={`Arguments of ${call.tool}`} />
          <h3>Result</h3>
          <Json value={call.result} label={`Result of ${call.tool}`} />
        </details>
      ))}
      <p class="answer-text">{message.content}</p>
      {message.errorCode ? <p class="error">{message.errorCode}</p> : null}
    </li>
  );
}
