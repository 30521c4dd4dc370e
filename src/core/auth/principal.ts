import { forbidden, unauthenticated } from '../errors.js';
import { z } from 'zod';
import { userIdSchema } from '../input-limits.js';
import { parseInput } from '../validation.js';

/**
 * Who is calling. `userId` is set when the credential is bound to one user (a JWT or a user-bound key).
 * `credentialId` names the credential (an API key's id, `env:…` for ADMIN_API_KEY / USER_API_KEY, a
 * JWT's issuing key), so limits can count a caller that acts for no user.
 */
export type Principal =
  | { kind: 'ANONYMOUS' }
  | { kind: 'USER'; userId: string | undefined; via: 'API_KEY' | 'JWT'; credentialId?: string }
  | { kind: 'ADMIN'; userId: string | undefined; via: 'API_KEY'; credentialId?: string };

const requestedUser = z.object({ userId: userIdSchema });

export const ANONYMOUS: Principal = { kind: 'ANONYMOUS' };

export const isAdmin = (principal: Principal) => principal.kind === 'ADMIN';

/**
 * The user a call acts for. Admins and unbound user keys (backend-to-backend callers) may name any
 * user; a JWT or a user-bound key is pinned to its own user.
 */
export function actingUserId(principal: Principal, requested?: string | null): string | undefined {
  if (principal.kind === 'ANONYMOUS') return undefined;
  if (requested == null) return principal.userId;
  // Every `userId` argument passes here: one place to hold it to the limits.
  parseInput(requestedUser, { userId: requested });
  if (principal.kind === 'USER' && principal.userId !== undefined && principal.userId !== requested) {
    throw forbidden(`This credential acts for user "${principal.userId}" and cannot act for "${requested}"`);
  }
  return requested;
}

export function requireAuthenticated(principal: Principal): asserts principal is Exclude<Principal, { kind: 'ANONYMOUS' }> {
  if (principal.kind === 'ANONYMOUS') throw unauthenticated('Authentication required: send an API key or a JWT (Authorization: Bearer …)');
}

export function requireAdmin(principal: Principal): void {
  requireAuthenticated(principal);
  if (principal.kind !== 'ADMIN') throw forbidden('This operation needs an admin API key');
}

/** The credential a principal used (an API key's id, `env:…`, a JWT's issuing key), for the usage ledger; null for anonymous. */
export const credentialOf = (principal: Principal): string | null => (principal.kind === 'ANONYMOUS' ? null : (principal.credentialId ?? null));
