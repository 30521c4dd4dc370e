/** What the main thread asks of the PGlite worker thread (src/db/pglite-worker.ts). */
export type PGliteRequest =
  | { op: 'open'; id: number; dataDir: string }
  | { op: 'query'; id: number; sql: string; params: readonly unknown[]; rowMode: 'object' | 'array'; tx?: number | undefined }
  | { op: 'begin'; id: number }
  | { op: 'end'; id: number; tx: number; commit: boolean }
  | { op: 'close'; id: number };

/** The answer to the request with the same id. */
export type PGliteReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: WireError };

/** A query's result as Kysely's PGlite driver reads it: `rows` and `affectedRows` (its `fields` stay in the worker). */
export interface PGliteQueryResult {
  rows: unknown[];
  affectedRows?: number | undefined;
}

/** An Error as it crosses the thread boundary: structured clone keeps only name, message and stack of an Error. */
export interface WireError {
  name: string;
  message: string;
  stack?: string | undefined;
  /** PostgreSQL's fields (code, detail, constraint, table, ...) and whatever else the error carried. */
  fields: Record<string, unknown>;
}

export function toWireError(error: unknown): WireError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error), fields: {} };
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(error)) if (typeof value !== 'function') fields[key] = value;
  return { name: error.name, message: error.message, stack: error.stack, fields };
}

/** The same Error on this side, its PostgreSQL fields as own properties (as PGlite's DatabaseError has them). */
export function fromWireError(wire: WireError): Error {
  const error = new Error(wire.message);
  Object.assign(error, wire.fields);
  error.name = wire.name;
  if (wire.stack !== undefined) error.stack = wire.stack;
  return error;
}
