import type { Viewer } from '../auth/visibility.js';
import type { TokenUsage } from '../models/chat-model.js';
import type { RunEvent } from '../runs/run-event.js';
import type { Run } from '../runs/run.js';

/** One `ask_<agent>` call: what the delegate is asked, for whom, and where its events go. */
export interface DelegateCall {
  question: string;
  context?: string | undefined;
  /** The run whose model asked. */
  parent: Run;
  /** The id the child run takes (announced by DelegationStarted before the child starts). */
  childRunId: string;
  /** The user the parent run acts for (its conversation's owner); the child acts for them too. */
  userId: string | null;
  /** Aborts when the parent is cancelled or the delegation times out: the child must stop. */
  signal: AbortSignal;
  /** The child's depth: 1 for a child of a run a client started. */
  depth: number;
  /** Child events as they happen (their runId is the child's), forwarded to the parent's readers. */
  emit(event: RunEvent): void;
}

/** The child's answer: `text` is what the parent's model reads as the call's result. */
export interface DelegateResult {
  text: string;
  usage: TokenUsage | null;
  json?: unknown;
}

/** An agent a run may delegate to: one of ours (a child run) or a remote A2A agent (core/remote-agents). */
export interface DelegateTarget {
  id: string;
  description: string | null;
  kind: 'local' | 'remote';
  /** Resolves with the child's answer; rejects (a tool error the parent's model reads) when it fails. */
  ask(call: DelegateCall): Promise<DelegateResult>;
}

/** Finds the targets an agent may delegate to, for the run's owner (visibility as everywhere). */
export interface DelegateDirectory {
  find(id: string, viewer: Viewer): Promise<DelegateTarget | undefined>;
}

/** Directories asked in order (local agents first, then remote ones): the first that knows the id answers. */
export function firstFound(...directories: DelegateDirectory[]): DelegateDirectory {
  return {
    async find(id, viewer) {
      for (const directory of directories) {
        const target = await directory.find(id, viewer);
        if (target) return target;
      }
      return undefined;
    },
  };
}
