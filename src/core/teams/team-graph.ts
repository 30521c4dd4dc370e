import type { Agent } from '../agents/agent.js';
import { mayUseShared, type Viewer } from '../auth/visibility.js';
import { badInput } from '../errors.js';
import type { DelegateDirectory } from './delegate-target.js';
import { askToolName, MAX_TOOL_NAME, type TeamSettings, transferToolName } from './team-settings.js';

/** The team fields of an agent being saved, as they will be. */
export interface TeamOf {
  id: string;
  userId: string | null;
  delegates: readonly string[];
  handoffs: readonly string[];
}

/** Whose agents an agent's users see: a global agent's, no user's (so never a private one); a user's agent, that user's. */
export const ownerViewer = (userId: string | null): Viewer => ({ all: false, userId: userId ?? undefined });

/**
 * Refuses (BAD_USER_INPUT) a team that names an unknown agent, one the agent's users may not see
 * (a private agent never becomes reachable through another), the agent itself, a delegation
 * cycle, or a delegation chain deeper than MAX_DELEGATION_DEPTH. `all`: every agent as stored.
 * Checked before anything is written, so nothing is half-saved.
 */
export async function checkTeam(agent: TeamOf, all: readonly Agent[], settings: TeamSettings, remote?: DelegateDirectory): Promise<void> {
  const viewer = ownerViewer(agent.userId);
  const byId = new Map(all.map((candidate) => [candidate.id, candidate]));
  for (const [field, ids, toolName] of [['delegates', agent.delegates, askToolName], ['handoffs', agent.handoffs, transferToolName]] as const) {
    const seen = new Set<string>();
    for (const [index, id] of ids.entries()) {
      const where = { field: `${field}[${index}]` };
      if (seen.has(id)) throw badInput(`${field}: "${id}" is named twice`, where);
      seen.add(id);
      if (id === agent.id) throw badInput(`${field}: an agent cannot name itself ("${id}")${field === 'delegates' ? ': that is a delegation cycle' : ''}`, where);
      if (toolName(id).length > MAX_TOOL_NAME) throw badInput(`${field}: "${id}" is too long for its tool name "${toolName(id)}" (at most ${MAX_TOOL_NAME} characters)`, where);
      const local = byId.get(id);
      if (local && !mayUseShared(viewer, local.userId)) {
        throw badInput(`${field}: agent "${id}" belongs to another user, so ${agent.userId ? `this agent's user` : 'the users of a global agent'} may not reach it`, where);
      }
      // Handoffs pass the conversation to one of ours; a delegate may also be a remote agent.
      if (!local && (field === 'handoffs' || !(await remote?.find(id, viewer)))) throw badInput(`${field}: no agent "${id}"`, where);
    }
  }
  const graph = new Map<string, readonly string[]>(all.map((candidate) => [candidate.id, candidate.delegates]));
  graph.set(agent.id, agent.delegates);
  const cycle = cycleThrough(agent.id, graph);
  if (cycle) throw badInput(`delegates: a delegation cycle (${cycle.join(' → ')})`, { field: 'delegates' });
  const depth = longestBelow(agent.id, graph) + longestAbove(agent.id, graph);
  if (depth > settings.maxDelegationDepth) {
    throw badInput(`delegates: a delegation chain through "${agent.id}" would be ${depth} deep; MAX_DELEGATION_DEPTH is ${settings.maxDelegationDepth}`, { field: 'delegates' });
  }
}

/** A path of delegations from `start` back to itself, if there is one. */
function cycleThrough(start: string, graph: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const visited = new Set<string>();
  const walk = (id: string, path: string[]): string[] | undefined => {
    for (const next of graph.get(id) ?? []) {
      if (next === start) return [...path, next];
      if (visited.has(next)) continue;
      visited.add(next);
      const found = walk(next, [...path, next]);
      if (found) return found;
    }
    return undefined;
  };
  return walk(start, [start]);
}

/** The most delegation hops below `id` (the graph has no cycle through it; others' cycles are cut). */
function longestBelow(id: string, graph: ReadonlyMap<string, readonly string[]>, path = new Set<string>()): number {
  path.add(id);
  let most = 0;
  for (const next of graph.get(id) ?? []) if (!path.has(next)) most = Math.max(most, 1 + longestBelow(next, graph, path));
  path.delete(id);
  return most;
}

/** The most delegation hops above `id`: agents delegating to it, and to those, … */
function longestAbove(id: string, graph: ReadonlyMap<string, readonly string[]>, path = new Set<string>()): number {
  path.add(id);
  let most = 0;
  for (const [parent, delegates] of graph) if (!path.has(parent) && delegates.includes(id)) most = Math.max(most, 1 + longestAbove(parent, graph, path));
  path.delete(id);
  return most;
}
