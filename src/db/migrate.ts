import type { Kysely } from 'kysely';
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

/** `schema` must be named when not "public": Kysely looks for its own tables across every schema. */
export async function migrateToLatest(db: Kysely<any>, schema?: string): Promise<void> {
  const migrator = new Migrator({ db, provider, ...(schema ? { migrationTableSchema: schema } : {}) });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    const cause = error instanceof Error ? error.message : String(error ?? '');
    throw new Error(`Database migration ${failed?.migrationName ?? ''} failed: ${cause}`, { cause: error });
  }
}
