import type { Agent } from '../agents/agent.js';
import type { Agents } from '../agents/agents.js';
import { mayUseShared } from '../auth/visibility.js';
import type { Run } from '../runs/run.js';
import type { DelegateCall, DelegateDirectory, DelegateResult, DelegateTarget } from './delegate-target.js';

/** What starting a delegated run needs (ChatService.startDelegated): the run is registered and executing when it resolves. */
export interface DelegatedStart {
  agent: Agent;
  question: string;
  context?: string | undefined;
  parent: Run;
  childRunId: string;
  userId: string | null;
  depth: number;
}

export type StartDelegated = (request: DelegatedStart) => Promise<Run>;

/** A delegated run that ended without an answer: the parent's model reads this as the call's error. */
export class DelegationFailed extends Error {}

/** Our own agents as delegates: each call is a child run through the one pipeline (stored, replayable, cancellable). */
export class LocalDelegates implements DelegateDirectory {
  private start: StartDelegated | undefined;

  constructor(private readonly agents: Agents) {}

  /** The pipeline that starts child runs (ChatService, which is built after this directory). */
  bind(start: StartDelegated): void {
    this.start = start;
  }

  async find(id: string, viewer: Parameters<DelegateDirectory['find']>[1]): Promise<DelegateTarget | undefined> {
    const agent = await this.agents.find(id);
    if (!agent || !mayUseShared(viewer, agent.userId)) return undefined;
    return { id: agent.id, description: agent.description, kind: 'local', ask: (call) => this.ask(agent, call) };
  }

  private async ask(agent: Agent, call: DelegateCall): Promise<DelegateResult> {
    if (!this.start) throw new Error('Delegation is not wired to the run pipeline');
    const child = await this.start({ agent, question: call.question, context: call.context, parent: call.parent, childRunId: call.childRunId, userId: call.userId, depth: call.depth });
    const events = child.subscribe(0);
    // The parent stopped (cancelled, timed out): its child stops with it.
    const stop = () => child.cancel();
    call.signal.addEventListener('abort', stop, { once: true });
    if (call.signal.aborted) stop();
    try {
      for await (const event of events) {
        if (event.runId === child.id && event.type === 'MessageCompleted') return { text: event.content, usage: event.usage, ...(event.json != null ? { json: event.json } : {}) };
        if (event.runId === child.id && event.type === 'RunFailed') throw new DelegationFailed(`The delegated agent "${agent.id}" failed (${event.code}): ${event.message}`);
        call.emit(event);
      }
      throw new DelegationFailed(`The delegated agent "${agent.id}" ended without an answer`);
    } finally {
      call.signal.removeEventListener('abort', stop);
      await events.return();
    }
  }
}
