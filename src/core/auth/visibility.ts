import { actingUserId, type Principal, requireAuthenticated } from './principal.js';

/**
 * Whose data a call may see — the one rule every domain (agents, conversations, runs, memory,
 * MCP) applies: everything (an admin acting for nobody), or one user's. `userId` undefined is a
 * credential acting for no user (an unbound backend key): it sees the data of no user.
 */
export type Viewer = { all: true } | { all: false; userId: string | undefined };

export function viewerOf(principal: Principal, requestedUserId?: string | null): Viewer {
  requireAuthenticated(principal);
  if (principal.kind === 'ADMIN' && requestedUserId == null) return { all: true };
  return { all: false, userId: actingUserId(principal, requestedUserId) };
}

/** Data that belongs to one user, or to none (the backend's): conversations, runs, memory. */
export const mayReadOwned = (viewer: Viewer, ownerId: string | null): boolean => viewer.all || ownerId === (viewer.userId ?? null);

/** Things everyone shares unless they belong to a user: agents, MCP servers. */
export const mayUseShared = (viewer: Viewer, ownerId: string | null): boolean => viewer.all || ownerId === null || ownerId === viewer.userId;

/** The owner whose rows a query over owned data may read: undefined for everyone's, null for the backend's own (no user). */
export const rowsOwnedBy = (viewer: Viewer): string | null | undefined => (viewer.all ? undefined : (viewer.userId ?? null));
