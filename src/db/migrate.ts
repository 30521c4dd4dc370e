import { type DatabaseIntrospector, type Kysely, sql, type TableMetadata } from 'kysely';
import { type Migration, type MigrationProvider, Migrator } from 'kysely/migration';
import * as foundation from './migrations/0001-foundation.js';
import * as conversations from './migrations/0002-conversations.js';
import * as tokenRevocation from './migrations/0003-token-revocation.js';
import * as answerCheckpoints from './migrations/0004-answer-checkpoints.js';
import * as agentFallbackModels from './migrations/0005-agent-fallback-models.js';
import * as messageRouting from './migrations/0006-message-routing.js';
import * as memory from './migrations/0007-memory.js';
import * as memoryTokens from './migrations/0008-memory-tokens.js';
import * as embeddingRetries from './migrations/0009-embedding-retries.js';
import * as messageToolCalls from './migrations/0010-message-tool-calls.js';
import * as mcpServers from './migrations/0011-mcp-servers.js';
import * as runPauses from './migrations/0012-run-pauses.js';
import * as agentResponseFormat from './migrations/0013-agent-response-format.js';
import * as messageImages from './migrations/0014-message-images.js';
import * as agentA2a from './migrations/0015-agent-a2a.js';
import * as remoteAgents from './migrations/0016-remote-agents.js';
import * as agentTeams from './migrations/0017-agent-teams.js';
import * as usageLedger from './migrations/0018-usage-ledger.js';
import * as budgets from './migrations/0020-budgets.js';
import * as usageEntryIds from './migrations/0021-usage-entry-ids.js';

/** Migrations are imported, not read from disk, so they work the same under tsx, vitest and a bundle. */
const migrations: Record<string, Migration> = {
  '0001-foundation': foundation,
  '0002-conversations': conversations,
  '0003-token-revocation': tokenRevocation,
  '0004-answer-checkpoints': answerCheckpoints,
  '0005-agent-fallback-models': agentFallbackModels,
  '0006-message-routing': messageRouting,
  '0007-memory': memory,
  '0008-memory-tokens': memoryTokens,
  '0009-embedding-retries': embeddingRetries,
  '0010-message-tool-calls': messageToolCalls,
  '0011-mcp-servers': mcpServers,
  '0012-run-pauses': runPauses,
  '0013-agent-response-format': agentResponseFormat,
  '0014-message-images': messageImages,
  '0015-agent-a2a': agentA2a,
  '0016-remote-agents': remoteAgents,
  '0017-agent-teams': agentTeams,
  '0018-usage-ledger': usageLedger,
  '0020-budgets': budgets,
  '0021-usage-entry-ids': usageEntryIds,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

/**
 * What Kysely's migrator asks to find its own tables, answered for one schema only. Its own
 * introspector lists every table of every schema and looks each schema up by name as it goes, so a
 * schema dropped meanwhile on a shared server (another deployment's, another test's) failed this
 * start with "schema … does not exist"; it also read every column of every table on the server.
 */
function schemaIntrospector(db: Kysely<any>, schema: string | undefined): DatabaseIntrospector {
  const named = schema === undefined ? sql`current_schema()` : sql`${schema}`;
  const getTables = async (): Promise<TableMetadata[]> => {
    const { rows } = await sql<{ name: string; schema: string }>`select c.relname as name, n.nspname as schema
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = ${named} and c.relkind in ('r', 'p', 'v', 'f')`.execute(db);
    return rows.map((row) => ({ ...row, isView: false, isForeign: false, columns: [] }));
  };
  return {
    getSchemas: async () => (await sql<{ name: string }>`select nspname as name from pg_namespace where nspname = ${named}`.execute(db)).rows,
    getTables,
  };
}

/** `db` as it is, but for its introspection (bound to `db`: Kysely keeps its state in private fields). */
function withIntrospector(db: Kysely<any>, introspection: DatabaseIntrospector): Kysely<any> {
  return new Proxy(db, {
    get(target, property) {
      if (property === 'introspection') return introspection;
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** `schema` must be named when not the connection's current schema ("public"), where Kysely keeps its own tables. */
export async function migrateToLatest(db: Kysely<any>, schema?: string): Promise<void> {
  const migrator = new Migrator({ db: withIntrospector(db, schemaIntrospector(db, schema)), provider, ...(schema ? { migrationTableSchema: schema } : {}) });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    const cause = error instanceof Error ? error.message : String(error ?? '');
    throw new Error(`Database migration ${failed?.migrationName ?? ''} failed: ${cause}`, { cause: error });
  }
}
