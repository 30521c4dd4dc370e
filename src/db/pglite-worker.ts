// The embedded database's own thread: PGlite's WebAssembly and its file writes run here, never on
// the main thread that delivers tokens. Started by src/db/pglite-thread.ts; one request at a time
// reaches PGlite through its own queue, in the order the main thread sent them.
import { setFlagsFromString } from 'node:v8';
import { parentPort } from 'node:worker_threads';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { type PGliteQueryResult, type PGliteReply, type PGliteRequest, toWireError } from './pglite-messages.js';
import { settingsArguments } from './pglite-settings.js';
import { PreparedStatements } from './pglite-statements.js';

const port = parentPort!;
let pglite: PGlite | undefined;
/** The statements this thread runs, each parsed and planned once (src/db/pglite-statements.ts). */
let statements: PreparedStatements | undefined;

/** Transactions held open until the main thread says commit or roll back; other queries wait meanwhile. */
const transactions = new Map<number, { tx?: Transaction; decide(commit: boolean): void; finished: Promise<void> }>();
let nextTransaction = 1;
const ROLLED_BACK = Symbol('rolled back on request');

function reply(id: number, value: unknown) {
  port.postMessage({ id, ok: true, value } satisfies PGliteReply);
}

function fail(id: number, error: unknown) {
  const wire = toWireError(error);
  try {
    port.postMessage({ id, ok: false, error: wire } satisfies PGliteReply);
  } catch {
    // A field structured clone cannot copy: the message, name and stack still go.
    port.postMessage({ id, ok: false, error: { ...wire, fields: { code: wire.fields.code } } } satisfies PGliteReply);
  }
}

async function open(dataDir: string) {
  // PostgreSQL's code runs on V8's baseline compiler only: optimising its hot functions held 40-70 MB
  // more resident memory for no measurable gain per statement. The flag is the process's, so it is
  // set while PGlite compiles and reset after (the compiled module keeps it; other WebAssembly,
  // such as fetch's HTTP parser, is optimised as usual).
  setFlagsFromString('--liftoff-only');
  try {
    pglite = await PGlite.create({
      dataDir,
      extensions: { vector },
      startParams: [...PGlite.defaultStartParams, ...settingsArguments()],
    });
  } finally {
    setFlagsFromString('--no-liftoff-only');
  }
  statements = new PreparedStatements(pglite);
}

async function query(request: Extract<PGliteRequest, { op: 'query' }>): Promise<PGliteQueryResult> {
  const tx = request.tx === undefined ? undefined : transactions.get(request.tx)?.tx;
  if (request.tx !== undefined && !tx) throw new Error(`Transaction ${request.tx} is not open`);
  return statements!.query(request.sql, request.params, request.rowMode, tx);
}

/** PGlite's own exclusive transaction, its callback waiting for the main thread's decision. */
function begin(id: number) {
  const number = nextTransaction++;
  let decide!: (commit: boolean) => void;
  const decided = new Promise<void>((resolve, reject) => {
    decide = (commit) => (commit ? resolve() : reject(ROLLED_BACK));
  });
  let begun = false;
  const finished = pglite!.transaction(async (tx) => {
    begun = true;
    transactions.get(number)!.tx = tx;
    reply(id, number);
    await decided;
  });
  transactions.set(number, { decide, finished });
  finished.catch((error: unknown) => {
    if (begun) return;
    transactions.delete(number);
    fail(id, error);
  });
}

function end(id: number, number: number, commit: boolean) {
  const transaction = transactions.get(number);
  if (!transaction) return fail(id, new Error(`Transaction ${number} is not open`));
  transactions.delete(number);
  transaction.decide(commit);
  transaction.finished.then(
    () => reply(id, null),
    (error: unknown) => (error === ROLLED_BACK ? reply(id, null) : fail(id, error)),
  );
}

port.on('message', (request: PGliteRequest) => {
  switch (request.op) {
    case 'query':
      return void query(request).then((result) => reply(request.id, result), (error: unknown) => fail(request.id, error));
    case 'begin':
      return begin(request.id);
    case 'end':
      return end(request.id, request.tx, request.commit);
    case 'open':
      return void open(request.dataDir).then(() => reply(request.id, null), (error: unknown) => fail(request.id, error));
    case 'close':
      return void (pglite?.closed === false ? pglite.close() : Promise.resolve()).then(() => reply(request.id, null), (error: unknown) => fail(request.id, error));
  }
});
