import { randomUUID } from 'node:crypto';
import type { AgentCard } from '@a2a-js/sdk';
import type { RunEvent, RunEventInput } from '../runs/run-event.js';
import type { DelegateCall, DelegateResult, DelegateTarget } from '../teams/delegate-target.js';
import type { RemoteAgentConnection } from './remote-agent-connection.js';
import { askRemoteAgent } from './remote-exchange.js';

/**
 * A remote agent as a team member: a question becomes one A2A task, whose streamed updates are
 * the child run's events (RunStarted, TokenDelta …, MessageCompleted or RunFailed, their runId the
 * child's). A failure is thrown after its RunFailed: the parent's model reads it as a tool error.
 */
export class RemoteAgentTarget implements DelegateTarget {
  readonly kind = 'remote' as const;

  constructor(
    private readonly connection: RemoteAgentConnection,
    private readonly timeoutMs: number,
  ) {}

  get id(): string {
    return this.connection.id;
  }

  get description(): string | null {
    return remoteDescription(this.connection.card);
  }

  async ask(call: DelegateCall): Promise<DelegateResult> {
    let seq = 0;
    const emit = (input: RunEventInput) => call.emit({ ...input, runId: call.childRunId, seq: ++seq } as RunEvent);
    // A remote child has no conversation here: its events name the parent's, where its answer is read.
    emit({ type: 'RunStarted', conversationId: call.parent.conversationId, agentId: this.id });
    let index = 0;
    try {
      for await (const update of askRemoteAgent(this.connection, { text: call.question, context: call.context }, call.signal, this.timeoutMs)) {
        if (update.type === 'text') emit({ type: 'TokenDelta', text: update.text, index: index++ });
        else {
          emit({ type: 'MessageCompleted', messageId: randomUUID(), content: update.text, finishReason: 'stop', usage: null, ...(update.json === undefined ? {} : { json: update.json }) });
          return { text: update.text, usage: null, ...(update.json === undefined ? {} : { json: update.json }) };
        }
      }
      throw new Error(`The remote agent "${this.id}" ended without an answer`);
    } catch (error) {
      const cancelled = call.signal.aborted;
      const message = cancelled ? 'The delegation was cancelled' : error instanceof Error ? error.message : String(error);
      emit({ type: 'RunFailed', code: cancelled ? 'CANCELLED' : 'UPSTREAM_UNAVAILABLE', message, retryable: !cancelled, partialMessageId: null });
      throw error;
    }
  }
}

/** What routing and a delegating model read of a remote agent: its card's description and skills. */
export function remoteDescription(card: AgentCard | undefined): string | null {
  if (!card) return null;
  const skills = (card.skills ?? []).map((skill) => (skill.description ? `${skill.name}: ${skill.description}` : skill.name));
  const text = [card.description?.trim(), skills.length ? `Skills: ${skills.join('; ')}` : ''].filter(Boolean).join(' ');
  return text.slice(0, 2_000) || card.name;
}
