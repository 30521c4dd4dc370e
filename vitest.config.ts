import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // graphql 16 ships CJS ("main") and ESM ("module"). Node loads the CJS for Pothos and Yoga;
    // Vite would give our code the ESM copy, and graphql refuses types from "another realm".
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/build.ts'],
    // PGlite takes seconds to start and servers listen on real sockets.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two files at a time: most of a file's time is waiting on sockets, processes and PGlite's start,
    // so on 2 cores the suite takes about half as long as vitest's default of one (cores - 1).
    maxWorkers: 2,
  },
});
