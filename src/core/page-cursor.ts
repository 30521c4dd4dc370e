import { badInput } from './errors.js';
import { idSchema } from './input-limits.js';

/** A position in a newest-first listing: the last row's time and id (ties broken by id). */
export interface PagePosition {
  at: Date;
  id: string;
}

/** The opaque `after` cursor of a listing's page. */
export const encodePageCursor = ({ at, id }: PagePosition): string => Buffer.from(JSON.stringify([at.toISOString(), id])).toString('base64url');

/** A cursor this API returned, or BAD_USER_INPUT. */
export function decodePageCursor(cursor: string): PagePosition {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as [string, string];
    const date = new Date(at);
    // Dates PostgreSQL cannot store (years beyond 9999 here) and NUL bytes would fail in the query, not here.
    if (!idSchema.safeParse(id).success || Number.isNaN(date.getTime()) || date.getUTCFullYear() > 9999 || date.getUTCFullYear() < 1) throw new Error('bad cursor');
    return { at: date, id };
  } catch {
    throw badInput('after is not a cursor this API returned');
  }
}
