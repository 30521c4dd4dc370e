// Run as a process of its own by src/db/pglite-thread.ts when the data folder is new: PGlite's initdb
// takes several hundred MB, and a process gives all of it back when it ends (a thread leaves some of
// it to the allocator of the process that ran it). Usage: node pglite-create-cluster.js <dataDir>
import { PGlite } from '@electric-sql/pglite';
import { settingsArguments } from './pglite-settings.js';

// initdb writes the settings into the folder's postgresql.conf, and runs its own bootstrap with them (120 MB less at its peak).
const pglite = await PGlite.create({ dataDir: process.argv[2]!, initDbStartParams: settingsArguments(), startParams: [...PGlite.defaultStartParams, ...settingsArguments()] });
await pglite.close();
