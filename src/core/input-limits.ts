import { z } from 'zod';

/** One declaration of how big and what shape caller-supplied values may be; every entry point uses these. */
export const USER_ID_MAX_CHARS = 200;
export const ID_MAX_CHARS = 200;
export const LABEL_MAX_CHARS = 200;
export const METADATA_MAX_DEPTH = 32;
/** Messages of a history a caller gives with a chat (the /v1 request's earlier messages). */
export const HISTORY_MAX_MESSAGES = 1_000;
/** Tool calls of one assistant message in such a history. */
export const TOOL_CALLS_MAX = 128;

/** PostgreSQL rejects 0x00 in text and jsonb: refuse it as bad input before it reaches a query. */
export const hasNul = (value: string) => value.includes('\u0000');

/** A string free of NUL bytes, optionally at most `max` characters. */
export const text = (max?: number) => {
  // The message is written when a value fails, not when the schema is built: toLocaleString's first call maps
  // ~5 MB of ICU's locale data, which an idle gateway need not hold.
  const base = max === undefined ? z.string() : z.string().max(max, { error: () => `must be at most ${max.toLocaleString('en')} characters` });
  return base.refine((value) => !hasNul(value), { error: 'must not contain NUL (\\u0000) characters' });
};

export const userIdSchema = z
  .string()
  .min(1, { error: 'must not be empty' })
  .pipe(text(USER_ID_MAX_CHARS));

export const idSchema = z.string().min(1, { error: 'must not be empty' }).pipe(text(ID_MAX_CHARS));

export const labelSchema = text(LABEL_MAX_CHARS);

/** The first problem with a JSON value: too deep, a NUL in a key or string, or too large once serialised. */
export function metadataProblem(value: unknown, maxBytes: number): string | undefined {
  // Iterative, so a value nested thousands deep cannot overflow the stack.
  const pending: Array<[unknown, number]> = [[value, 1]];
  while (pending.length > 0) {
    const [item, depth] = pending.pop()!;
    if (typeof item === 'string') {
      if (hasNul(item)) return 'must not contain NUL (\\u0000) characters';
    } else if (item !== null && typeof item === 'object') {
      if (depth > METADATA_MAX_DEPTH) return `must be nested at most ${METADATA_MAX_DEPTH} levels deep`;
      for (const [key, child] of Object.entries(item)) {
        if (hasNul(key)) return 'must not contain NUL (\\u0000) characters';
        pending.push([child, depth + 1]);
      }
    }
  }
  const bytes = Buffer.byteLength(JSON.stringify(value) ?? '');
  if (bytes > maxBytes) return `must be at most ${maxBytes.toLocaleString('en')} bytes as JSON (was ${bytes.toLocaleString('en')})`;
  return undefined;
}

export const metadataSchema = (maxBytes: number) =>
  z.unknown().superRefine((value, ctx) => {
    const problem = value === undefined ? undefined : metadataProblem(value, maxBytes);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
