import { VECTOR_SEARCH_SETTINGS } from './vector-search-settings.js';

/**
 * PostgreSQL settings for the embedded database, sized for a gateway's small working set (agents,
 * settings, recent messages). All of shared_buffers is resident from the start (PostgreSQL's shared
 * memory is allocated and zeroed in PGlite's WebAssembly memory): PGlite's default 128 MB costs about
 * 120 MB at idle. 16 MB holds the HNSW index of 10k memories: with 8 or 4 MB a vector search read
 * 6-20× the pages through Node's fs and took about 3× as long (bench/memory-search.ts at 10k × 256).
 * The WAL limits keep less log in the data folder (PostgreSQL's defaults allow 1 GB).
 */
const SETTINGS = [
  'shared_buffers=16MB',
  // PGlite runs PostgreSQL single-user: one backend, no WAL senders, no replication slots. The
  // defaults (100 connections, 10 senders and slots) size lock, process and slot tables for them: 4 MB.
  'max_connections=2',
  'superuser_reserved_connections=0',
  'max_wal_senders=0',
  'max_replication_slots=0',
  'wal_buffers=1MB',
  'temp_buffers=2MB',
  'max_wal_size=256MB',
  'min_wal_size=32MB',
  // pgvector's, for memory search (db/vector-search-settings.ts): the one session has them from its start.
  ...VECTOR_SEARCH_SETTINGS.map(([name, value]) => `${name}=${value}`),
];

/** As `-c name=value` arguments, which both postgres and initdb take. */
export const settingsArguments = (): string[] => SETTINGS.flatMap((setting) => ['-c', setting]);
