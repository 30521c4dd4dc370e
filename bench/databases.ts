// The databases the bench's gateways run on: embedded PGlite in a fresh directory, or a fresh schema
// on the PostgreSQL server of BENCH_DATABASE_URL; all removed at the end.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Database } from './processes.js';

export type DatabaseKind = Database['kind'];

export class BenchDatabases {
  readonly postgresUrl = process.env.BENCH_DATABASE_URL || undefined;
  private readonly dirs: string[] = [];
  private readonly schemas: string[] = [];

  /** PGlite always; the PostgreSQL server too when BENCH_DATABASE_URL names one. */
  kinds(): DatabaseKind[] {
    return this.postgresUrl ? ['pglite', 'postgres'] : ['pglite'];
  }

  /** A database no gateway has used yet. */
  async fresh(kind: DatabaseKind): Promise<Database> {
    if (kind === 'pglite') {
      const dataDir = await mkdtemp(join(tmpdir(), 'muxgate-bench-'));
      this.dirs.push(dataDir);
      return { kind, dataDir };
    }
    if (!this.postgresUrl) throw new Error('BENCH_DATABASE_URL is not set');
    const schema = `bench_${process.pid}_${this.schemas.length}`;
    this.schemas.push(schema);
    return { kind, url: this.postgresUrl, schema };
  }

  async removeAll() {
    for (const dir of this.dirs) await rm(dir, { recursive: true, force: true });
    if (!this.postgresUrl || this.schemas.length === 0) return;
    const client = new pg.Client(this.postgresUrl);
    await client.connect();
    try {
      for (const schema of this.schemas) await client.query(`drop schema if exists ${schema} cascade`);
    } finally {
      await client.end();
    }
  }
}
