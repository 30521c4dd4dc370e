import { Kysely, type LogEvent, PGliteDialect, type PGliteDialectConfig, PostgresDialect, sql } from 'kysely';
import { lockDataDir } from './data-dir-lock.js';
import { migrateToLatest } from './migrate.js';
import type { PGliteThread } from './pglite-thread.js';
import { makeDataDirPrivate } from './private-data-dir.js';
import type { Tables } from './tables.js';

export type DatabaseKind = 'pglite' | 'postgres';

export interface Database {
  db: Kysely<Tables>;
  kind: DatabaseKind;
  /** True when a trivial query answers within the timeout. */
  ping(timeoutMs?: number): Promise<boolean>;
  close(): Promise<void>;
  /** The embedded database's worker thread (PGlite only). */
  embedded?: PGliteThread | undefined;
}

export interface DatabaseOptions {
  /** A PostgreSQL server; when absent, an embedded PGlite in `dataDir`. */
  databaseUrl?: string | undefined;
  /** Put every table in this schema (created if missing): lets tests and tenants share one server. */
  schema?: string | undefined;
  /** PGlite data folder; `memory://` keeps it in memory. */
  dataDir: string;
  /** Called if another process takes the data folder's lock: writing on would corrupt it. */
  onLockLost: (error: Error) => void;
  /** Things the operator should hear about, at warn (a data folder made private, an idle connection the server closed). */
  onNotice?: (message: string) => void;
  /** Told about faults no query will report: PGlite's thread dying. */
  reportError?: (error: unknown, context: string, level?: 'error' | 'warn') => void;
  /** Told of every statement run, failed or not: its SQL (placeholders, no values) and how long it took. */
  onQuery?: ((sql: string, durationMs: number) => void) | undefined;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const opened = options.databaseUrl ? await openPostgres(options.databaseUrl, options.schema, options.onNotice, options.onQuery) : await openPGlite(options);
  try {
    await migrateToLatest(opened.db, options.databaseUrl ? options.schema : undefined);
  } catch (error) {
    await opened.close();
    throw error;
  }
  return opened;
}

async function openPGlite({ dataDir, onLockLost, onNotice, reportError, onQuery }: DatabaseOptions): Promise<Database> {
  const onDisk = !dataDir.includes('://');
  if (onDisk) {
    const { tightened } = await makeDataDirPrivate(dataDir);
    if (tightened > 0) onNotice?.(`DATA_DIR ${dataDir} was readable by other users: ${tightened} files and folders were made private to this user (folders 0700, files 0600)`);
  }
  const unlock = onDisk ? await lockDataDir(dataDir, onLockLost) : async () => {};
  let thread: PGliteThread | undefined;
  try {
    // Imported here: a gateway on a PostgreSQL server never loads the embedded database's code.
    const { PGliteThread } = await import('./pglite-thread.js');
    thread = await PGliteThread.start({ dataDir, reportError });
    // A fresh folder is unpacked from PGlite's bundled cluster with the archive's modes (0666), umask or not.
    if (onDisk) await makeDataDirPrivate(dataDir);
    // The driver uses only the part of PGlite's interface PGliteThread implements.
    const db = new Kysely<Tables>({ dialect: new PGliteDialect({ pglite: thread as unknown as PGliteDialectConfig['pglite'] }), log: queryLog(onQuery) });
    return { ...withHealth(db, 'pglite', unlock), embedded: thread };
  } catch (error) {
    await thread?.close();
    await unlock();
    throw error;
  }
}

async function openPostgres(
  databaseUrl: string,
  schema: string | undefined,
  onNotice: DatabaseOptions['onNotice'],
  onQuery: DatabaseOptions['onQuery'],
): Promise<Database> {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({
    // Names the gateway's connections in pg_stat_activity; an application_name in DATABASE_URL wins.
    application_name: 'muxgate',
    connectionString: databaseUrl,
    max: 10,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle client losing its server (a restart, a proxy's or the server's idle timeout) must not
  // crash the process; the pool replaces it, so one warning line says so: no stack, no client object.
  pool.on('error', (error: Error & { code?: string }) =>
    onNotice?.(`an idle PostgreSQL connection was closed by the server (${error.code ? `${error.code}: ` : ''}${error.message}); the pool opens a new one when needed`),
  );
  const db = new Kysely<Tables>({ dialect: new PostgresDialect({ pool }), log: queryLog(onQuery) });
  try {
    if (schema) await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
    else await sql`select 1`.execute(db);
  } catch (error) {
    await db.destroy();
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Cannot connect to DATABASE_URL: ${reason}`, { cause: error });
  }
  return withHealth(db, 'postgres');
}

/** Kysely times each statement around the driver, whatever the dialect; without a listener it times nothing. */
function queryLog(onQuery: DatabaseOptions['onQuery']) {
  return onQuery ? (event: LogEvent) => onQuery(event.query.sql, event.queryDurationMillis) : undefined;
}

function withHealth(db: Kysely<Tables>, kind: DatabaseKind, release: () => Promise<void> = async () => {}): Database {
  let closed = false;
  return {
    db,
    kind,
    async ping(timeoutMs = 2000) {
      if (closed) return false;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      });
      const query = sql`select 1`.execute(db).then(
        () => true,
        () => false,
      );
      try {
        return await Promise.race([query, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await db.destroy();
      } finally {
        await release();
      }
    },
  };
}
