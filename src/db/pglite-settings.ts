import { VECTOR_SEARCH_SETTINGS } from './vector-search-settings.js';

/**
 * PostgreSQL settings for the embedded database, sized for a gateway's small working set (agents,
 * settings, recent messages). PGlite's defaults (shared_buffers 128 MB) cost about 120 MB of resident
 * memory at idle; the OS page cache still holds the files PGlite reads through Node's fs. The WAL
 * limits keep less log in the data folder (PostgreSQL's defaults allow 1 GB).
 */
const SETTINGS = [
  'shared_buffers=16MB',
  'wal_buffers=1MB',
  'temp_buffers=2MB',
  'max_wal_size=256MB',
  'min_wal_size=32MB',
  // pgvector's, for memory search (db/vector-search-settings.ts): the one session has them from its start.
  ...VECTOR_SEARCH_SETTINGS.map(([name, value]) => `${name}=${value}`),
];

/** As `-c name=value` arguments, which both postgres and initdb take. */
export const settingsArguments = (): string[] => SETTINGS.flatMap((setting) => ['-c', setting]);
