// Named prepared statements for the embedded PGlite (its worker thread only: a PostgreSQL server is
// reached through pg, whose poolers may not follow named statements). PGlite's `query` sends
// Parse/Describe/Bind/Describe/Execute/Sync for the unnamed statement as six calls into PostgreSQL,
// so every statement is parsed, analysed and planned anew; here a statement's text is parsed once
// under a name, and each run is one call: Bind, Execute, Sync.
import { messages, type PGlite, parse, protocol, type Transaction } from '@electric-sql/pglite';
import { LRUCache } from 'lru-cache';

const { serialize } = protocol;

/** Statements kept prepared at most: a prepared statement holds its plan in PostgreSQL's memory. */
export const MAX_PREPARED = 100;

/** Statements that are prepared: those a plan serves (comments before them allowed). */
const PLANNED = /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[^]*?\*\/)*(?:select|insert|update|delete|with|values|table)\b/i;
/** Statements that cannot change what a prepared statement means; any other (DDL, DISCARD, DEALLOCATE, SET...) drops them all. */
const HARMLESS = /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[^]*?\*\/)*(?:begin|start|commit|end|rollback|abort|savepoint|release|analyze|vacuum|show|explain|lock|listen|unlisten|notify|checkpoint)\b/i;

/** PostgreSQL's "cached plan must not change result type": a table changed under a statement, behind our back. */
const RESULT_TYPE_CHANGED = '0A000';

interface Prepared {
  name: string;
  /** The parameters' types PostgreSQL inferred, which choose PGlite's serializer for each value. */
  paramTypes: number[];
  /** The result's columns (fixed for a prepared statement), or undefined when it returns no rows. */
  description: messages.RowDescriptionMessage | undefined;
}

export interface StatementResult {
  rows: unknown[];
  affectedRows?: number | undefined;
}

function concat(parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const message = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    message.set(part, offset);
    offset += part.length;
  }
  return message;
}

/** The error as PGlite's query gives it (its makePGliteError): the statement and values attached. */
function asQueryError(error: unknown, query: string, params: readonly unknown[], rowMode: 'object' | 'array'): unknown {
  if (error instanceof messages.DatabaseError) Object.assign(error, { query, params, queryOptions: { rowMode } });
  return error;
}

export class PreparedStatements {
  #next = 1;
  /** Names whose Close goes out with the next exchange (evicted, or dropped after DDL). */
  #toClose: string[] = [];
  readonly #cache = new LRUCache<string, Prepared>({ max: MAX_PREPARED, dispose: (prepared) => this.#toClose.push(prepared.name) });

  constructor(private readonly pglite: PGlite) {}

  /** How many statements are prepared now (tests). */
  get size(): number {
    return this.#cache.size;
  }

  /**
   * Runs one statement as PGlite's `query` would, with the same rows, affectedRows and errors.
   * `tx`: the transaction PGlite's `transaction` holds open for it, if any.
   */
  async query(sql: string, params: readonly unknown[], rowMode: 'object' | 'array', tx?: Transaction): Promise<StatementResult> {
    if (!PLANNED.test(sql)) {
      try {
        const { rows, affectedRows } = await (tx ?? this.pglite).query(sql, params as unknown[], { rowMode });
        return { rows, affectedRows };
      } finally {
        // Tables or settings may have changed what a prepared statement means.
        if (!HARMLESS.test(sql)) this.#cache.clear();
      }
    }
    const inTransaction = tx !== undefined;
    const run = () => this.pglite.runExclusive(() => this.#run(sql, params, rowMode, inTransaction));
    // As PGlite's query: outside a transaction it waits for the one open to end.
    return inTransaction ? run() : this.pglite._runExclusiveTransaction(run);
  }

  async #run(sql: string, params: readonly unknown[], rowMode: 'object' | 'array', inTransaction: boolean, retried = false): Promise<StatementResult> {
    let prepared: Prepared | undefined;
    try {
      prepared = this.#cache.get(sql) ?? (await this.#prepare(sql));
      const { serializers } = this.pglite;
      const { paramTypes } = prepared;
      // As PGlite's query: each value by the serializer of the type PostgreSQL inferred for it.
      const values = params.map((param, i) => {
        if (param === null || param === undefined) return null;
        const serializer = serializers[paramTypes[i]!];
        return serializer ? serializer(param) : String(param);
      });
      const replies = await this.#exchange([serialize.bind({ statement: prepared.name, values }), serialize.execute({}), serialize.sync()]);
      if (prepared.description) replies.unshift(prepared.description);
      if (!inTransaction) await this.pglite.syncToFs();
      const result = parse.parseResults(replies, this.pglite.parsers, { rowMode })[0]!;
      return { rows: result.rows, affectedRows: result.affectedRows };
    } catch (error) {
      if ((error as { code?: string }).code === RESULT_TYPE_CHANGED && prepared) {
        this.#cache.delete(sql);
        // Outside a transaction nothing was lost: prepared again, the statement runs as it is now.
        if (!inTransaction && !retried) return this.#run(sql, params, rowMode, inTransaction, true);
      }
      throw asQueryError(error, sql, params, rowMode);
    }
  }

  /** Parses the statement under a new name; its parameters' types and its result's columns are kept with it. */
  async #prepare(sql: string): Promise<Prepared> {
    // Room made first, so that the evicted statement's Close goes out before the new one's Parse.
    if (this.#cache.size >= MAX_PREPARED) this.#cache.pop();
    const name = `muxgate_${this.#next++}`;
    const replies = await this.#exchange([serialize.parse({ name, text: sql }), serialize.describe({ type: 'S', name }), serialize.sync()]);
    const prepared: Prepared = {
      name,
      paramTypes: parse.parseDescribeStatementResults(replies),
      description: replies.find((message): message is messages.RowDescriptionMessage => message.name === 'rowDescription'),
    };
    this.#cache.set(sql, prepared);
    return prepared;
  }

  /** One call into PostgreSQL: the Close of every statement dropped since the last, then `parts`. */
  #exchange(parts: Uint8Array[]) {
    const closes = this.#toClose.map((name) => serialize.close({ type: 'S', name }));
    this.#toClose = [];
    return this.pglite.execProtocolStream(concat([...closes, ...parts]), { syncToFs: false });
  }
}
