import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import { fromWireError, type PGliteQueryResult, type PGliteReply, type PGliteRequest } from './pglite-messages.js';

/** Run from source (vitest, tsx) this file is .ts, and so are the worker and the cluster creator. */
const fromSource = import.meta.url.endsWith('.ts');
const sibling = (name: string) => new URL(`./${name}.${fromSource ? 'ts' : 'js'}`, import.meta.url);

/**
 * The worker's young generation: V8's default lets it grow to 16 MB semi-spaces, about 10 MB resident
 * at idle for a thread whose allocations per statement are small and short-lived (its row objects,
 * the messages it posts). 4 MB keeps the thread's heap near 19 MB instead of 26-30 with no measured
 * cost per chat.
 */
const RESOURCE_LIMITS = { maxYoungGenerationSizeMb: 4 };

function newWorker(): Worker {
  if (!fromSource) return new Worker(sibling('pglite-worker'), { resourceLimits: RESOURCE_LIMITS });
  // Node 20 gives a worker none of the main thread's loader hooks (and tsx's `--import` entry
  // registers on the main thread only), so the worker registers tsx itself.
  const tsx = import.meta.resolve('tsx/esm/api');
  return new Worker(`import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(sibling('pglite-worker').href)}); });`, { eval: true, resourceLimits: RESOURCE_LIMITS });
}

/** PGlite's initdb in a process of its own (src/db/pglite-create-cluster.ts). */
async function createCluster(dataDir: string): Promise<void> {
  const loader = fromSource ? ['--import', import.meta.resolve('tsx')] : [];
  try {
    // Its code runs once: V8's baseline compiler alone starts it sooner and in less memory.
    await promisify(execFile)(process.execPath, [...loader, '--liftoff-only', fileURLToPath(sibling('pglite-create-cluster')), dataDir], { maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const { stderr } = error as { stderr?: string };
    throw new Error(`Could not create the embedded database in ${dataDir}: ${stderr?.trim() || (error as Error).message}`, { cause: error });
  }
}

/** A restart after a death soon after the previous start waits twice as long, up to this. */
const MAX_RESTART_DELAY_MS = 30_000;
/** A thread that lived this long died of something new: its restart waits the first delay again. */
const STABLE_AFTER_MS = 60_000;

const onDisk = (dataDir: string) => !dataDir.includes('://');

type Request = PGliteRequest extends infer R ? (R extends PGliteRequest ? Omit<R, 'id'> : never) : never;

export interface PGliteThreadOptions {
  /** PGlite's data folder; `memory://` keeps it in memory (and in memory a dead thread cannot come back). */
  dataDir: string;
  /** Told when the thread dies, and when it is back. */
  reportError?: ((error: unknown, context: string, level?: 'error' | 'warn') => void) | undefined;
}

/** A transaction's handle: queries inside the transaction the worker holds open. */
export interface PGliteThreadTransaction {
  query(sql: string, params?: readonly unknown[], options?: { rowMode?: 'object' | 'array' }): Promise<PGliteQueryResult>;
}

/**
 * The embedded PGlite, run in a worker thread (src/db/pglite-worker.ts), as seen from the main thread:
 * exactly the part of PGlite's interface Kysely's PGliteDriver uses (query, transaction, ready, closed,
 * waitReady, close). If the thread dies its pending queries fail at once; on disk it is started again
 * (PostgreSQL recovers from its WAL as after any crash), in memory the database stays down.
 */
export class PGliteThread {
  ready = false;
  closed = false;
  readonly waitReady = Promise.resolve();

  #worker: Worker | undefined;
  #startedAt = 0;
  #pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  #nextId = 1;
  /** Why queries fail while no thread runs. */
  #down: Error | undefined;
  #quickDeaths = 0;
  #restartTimer: NodeJS.Timeout | undefined;

  private constructor(private readonly options: PGliteThreadOptions) {}

  static async start(options: PGliteThreadOptions): Promise<PGliteThread> {
    if (onDisk(options.dataDir) && !existsSync(join(options.dataDir, 'PG_VERSION'))) await createCluster(options.dataDir);
    const thread = new PGliteThread(options);
    await thread.#spawn();
    return thread;
  }

  /** The worker running PGlite, while one runs (tests terminate it to play a crash). */
  get worker(): Worker | undefined {
    return this.#worker;
  }

  query(sql: string, params: readonly unknown[] = [], options: { rowMode?: 'object' | 'array' } = {}): Promise<PGliteQueryResult> {
    return this.#call({ op: 'query', sql, params, rowMode: options.rowMode ?? 'object' }) as Promise<PGliteQueryResult>;
  }

  /** PGlite's exclusive transaction: other queries wait in the worker until this one commits or rolls back. */
  async transaction<T>(callback: (tx: PGliteThreadTransaction) => Promise<T>): Promise<T> {
    const worker = this.#worker;
    const tx = (await this.#call({ op: 'begin' }, worker)) as number;
    const handle: PGliteThreadTransaction = {
      query: (sql, params = [], options = {}) => this.#call({ op: 'query', sql, params, rowMode: options.rowMode ?? 'object', tx }, worker) as Promise<PGliteQueryResult>,
    };
    let result: T;
    try {
      result = await callback(handle);
    } catch (error) {
      await this.#call({ op: 'end', tx, commit: false }, worker).catch(() => {});
      throw error;
    }
    await this.#call({ op: 'end', tx, commit: true }, worker);
    return result;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.ready = false;
    clearTimeout(this.#restartTimer);
    const worker = this.#worker;
    if (!worker) return;
    try {
      await this.#call({ op: 'close' }, worker);
    } finally {
      this.#worker = undefined;
      this.#rejectPending(new Error('The embedded database is closed'));
      await worker.terminate();
    }
  }

  #call(request: Request, worker = this.#worker): Promise<unknown> {
    if (!worker || worker !== this.#worker) return Promise.reject(this.#unavailable());
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      try {
        worker.postMessage({ ...request, id });
      } catch (error) {
        // A parameter structured clone cannot copy (a function, a class instance with private state).
        this.#pending.delete(id);
        reject(error as Error);
      }
    });
  }

  #settle(reply: PGliteReply) {
    const pending = this.#pending.get(reply.id);
    if (!pending) return;
    this.#pending.delete(reply.id);
    if (reply.ok) pending.resolve(reply.value);
    else pending.reject(fromWireError(reply.error));
  }

  #unavailable(): Error {
    return this.closed ? new Error('The embedded database is closed') : (this.#down ?? new Error('The embedded database is not running'));
  }

  async #spawn(): Promise<void> {
    const worker = newWorker();
    let crash: Error | undefined;
    worker.on('message', (reply: PGliteReply) => this.#settle(reply));
    worker.on('error', (error) => (crash = error));
    worker.on('exit', (code) => this.#exited(worker, crash ?? new Error(`the thread exited with code ${code}`)));
    this.#worker = worker;
    try {
      await this.#call({ op: 'open', dataDir: this.options.dataDir }, worker);
    } catch (error) {
      if (this.#worker === worker) this.#worker = undefined;
      await worker.terminate();
      throw error;
    }
    this.#startedAt = Date.now();
    this.#down = undefined;
    this.ready = true;
  }

  #exited(worker: Worker, cause: Error) {
    if (worker !== this.#worker) return;
    this.#worker = undefined;
    if (!this.ready) {
      // It died starting: #spawn's caller hears of it through the failed open.
      this.#rejectPending(new Error(`The embedded database could not start: ${cause.message}`, { cause }));
      return;
    }
    this.ready = false;
    const restarts = onDisk(this.options.dataDir);
    this.#down = new Error(
      `The embedded database stopped (${cause.message}); ${restarts ? 'it is being restarted' : 'it was in memory, so its data is gone: restart the gateway'}`,
      { cause },
    );
    this.#rejectPending(this.#down);
    this.options.reportError?.(cause, this.#down.message);
    if (restarts) this.#scheduleRestart();
  }

  #scheduleRestart() {
    this.#quickDeaths = Date.now() - this.#startedAt > STABLE_AFTER_MS ? 0 : this.#quickDeaths + 1;
    const delay = Math.min(MAX_RESTART_DELAY_MS, 500 * 2 ** this.#quickDeaths);
    this.#restartTimer = setTimeout(() => {
      if (this.closed) return;
      this.#spawn().then(
        () => this.options.reportError?.(undefined, 'The embedded database is running again', 'warn'),
        (error: unknown) => {
          if (this.closed) return;
          this.options.reportError?.(error, 'The embedded database could not be restarted; trying again');
          this.#scheduleRestart();
        },
      );
    }, delay);
  }

  #rejectPending(error: Error) {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const { reject } of pending) reject(error);
  }
}
