import { randomUUID } from 'node:crypto';
import type { Agent } from '../agents/agent.js';
import type { Agents } from '../agents/agents.js';
import { mayUseShared } from '../auth/visibility.js';
import type { TokenUsage } from '../models/chat-model.js';
import type { Run } from '../runs/run.js';
import type { Tool } from '../tools/tool-registry.js';
import type { DelegateDirectory, DelegateTarget } from './delegate-target.js';
import { ownerViewer } from './team-graph.js';
import { askToolName, type TeamSettings, transferToolName } from './team-settings.js';

/** The agent asked to pass the conversation on (a `transfer_to_` call of this step). */
export interface HandoffRequest {
  to: Agent;
  reason: string | null;
}

/** An agent's team in one run: its `ask_` and `transfer_to_` tools, and the handoff a step asked for. */
export interface TeamTools {
  tools: Tool[];
  /** The handoff asked for since the last call, if any (the loop stops the agent's turn there). */
  takeHandoff(): HandoffRequest | undefined;
}

/** What the run gives its team: its turn's write (durable before a child links to it), and where a child's usage is added. */
export interface RunSide {
  stored: Promise<unknown>;
  onUsage(usage: TokenUsage): void;
}

const ASK_PARAMETERS = {
  type: 'object',
  properties: {
    question: { type: 'string', description: 'What to ask, complete in itself: the agent sees nothing else of this conversation.' },
    context: { type: 'string', description: 'Anything from this conversation the agent needs to answer.' },
  },
  required: ['question'],
} as const;

const TRANSFER_PARAMETERS = {
  type: 'object',
  properties: { reason: { type: 'string', description: 'Why the conversation goes to this agent.' } },
} as const;

/**
 * Delegation (agents as tools) and handoff. Each delegate the run's owner may see is an `ask_<id>`
 * tool: a call starts a child run (DelegationStarted, its events, DelegationCompleted) whose answer
 * is the result; calls of one step run side by side as any tools do. Each handoff is a
 * `transfer_to_<id>` tool; the run's pipeline swaps the agent once the step's calls are done.
 */
export class Teams {
  constructor(private readonly deps: { agents: Agents; directory: DelegateDirectory; settings: TeamSettings }) {}

  get settings(): TeamSettings {
    return this.deps.settings;
  }

  /** The agent's team as this run's tools; undefined when it has none. A member removed or not visible to the run's owner is not offered. */
  async toolsFor(run: Run, agent: Agent, { stored, onUsage }: RunSide): Promise<TeamTools | undefined> {
    if (agent.delegates.length === 0 && agent.handoffs.length === 0) return undefined;
    const viewer = ownerViewer(run.owner.userId);
    const [delegates, receivers] = await Promise.all([
      Promise.all(agent.delegates.map((id) => this.deps.directory.find(id, viewer))),
      Promise.all(agent.handoffs.map((id) => this.deps.agents.find(id))),
    ]);
    let handoff: HandoffRequest | undefined;
    const tools: Tool[] = [];
    for (const target of delegates) if (target) tools.push(this.askTool(run, target, stored, onUsage));
    for (const to of receivers) {
      if (!to || !mayUseShared(viewer, to.userId)) continue;
      tools.push({
        name: transferToolName(to.id),
        description: `Pass this conversation to the agent "${to.id}"${to.description ? `: ${to.description}` : ''}. It answers from here on, and the user's next messages go to it.`,
        parameters: TRANSFER_PARAMETERS,
        serverId: null,
        handoff: true,
        execute: async (args) => {
          if (handoff) throw new Error(`Only one transfer per step: the conversation already goes to "${handoff.to.id}"`);
          const reason = (args as { reason?: unknown } | null)?.reason;
          handoff = { to, reason: typeof reason === 'string' && reason.trim() ? reason : null };
          return `Transferred to "${to.id}"; it answers from here.`;
        },
      });
    }
    return {
      tools,
      takeHandoff: () => {
        const taken = handoff;
        handoff = undefined;
        return taken;
      },
    };
  }

  private askTool(run: Run, target: DelegateTarget, stored: Promise<unknown>, onUsage: (usage: TokenUsage) => void): Tool {
    const { maxDelegationDepth, delegationTimeoutMs } = this.deps.settings;
    return {
      name: askToolName(target.id),
      description: target.description ?? `Ask the agent "${target.id}".`,
      parameters: ASK_PARAMETERS,
      serverId: null,
      execute: async (args, { signal }) => {
        const { question, context } = askArguments(args);
        const depth = (run.delegation?.depth ?? 0) + 1;
        if (depth > maxDelegationDepth) throw new Error(`Delegating to "${target.id}" would nest ${depth} runs deep; MAX_DELEGATION_DEPTH is ${maxDelegationDepth}. Answer without it.`);
        const chain = [...(run.delegation?.ancestors ?? []), run.answeringAgentId];
        if (chain.includes(target.id)) throw new Error(`"${target.id}" is already answering above this run (${[...chain, target.id].join(' → ')}): a delegation cycle is refused. Answer without it.`);
        // The model answers beside the turn's write: a child's conversation links to this one, so it waits for it.
        await stored;
        const childRunId = randomUUID();
        const timeout = AbortSignal.timeout(delegationTimeoutMs);
        run.emit({ type: 'DelegationStarted', parentRunId: run.id, childRunId, agentId: target.id });
        let isError = true;
        try {
          const answer = await target.ask({ question, context, parent: run, childRunId, userId: run.owner.userId, signal: AbortSignal.any([signal, timeout]), depth, emit: (event) => run.forward(event) });
          if (answer.usage) onUsage(answer.usage);
          isError = false;
          return answer.text;
        } catch (error) {
          if (timeout.aborted && !signal.aborted) throw new Error(`The agent "${target.id}" did not answer within DELEGATION_TIMEOUT_MS (${delegationTimeoutMs} ms)`);
          throw error;
        } finally {
          if (!run.finished) run.emit({ type: 'DelegationCompleted', childRunId, isError });
        }
      },
    };
  }
}

function askArguments(args: unknown): { question: string; context: string | undefined } {
  const { question, context } = (args ?? {}) as { question?: unknown; context?: unknown };
  if (typeof question !== 'string' || !question.trim()) throw new Error('"question" must be a non-empty string');
  if (context !== undefined && context !== null && typeof context !== 'string') throw new Error('"context" must be a string');
  return { question, context: typeof context === 'string' && context.trim() ? context : undefined };
}
