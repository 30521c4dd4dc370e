import type { ColumnType, Generated, Selectable } from 'kysely';
import type { ResponseFormat } from '../core/models/response-format.js';

/** Defaults to now() on insert, so it may be omitted. */
type CreatedTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null, Date | string | null>;

export interface AgentsTable {
  id: string;
  description: string | null;
  system_message: string | null;
  model: string;
  temperature: number | null;
  max_tokens: number | null;
  /** jsonb array of tool / MCP server ids. */
  tools: ColumnType<string[], string, string>;
  /** jsonb array of model names tried in order when `model` is unavailable. */
  fallback_models: ColumnType<string[], string | undefined, string>;
  /** jsonb array of tool references whose calls wait for a person's approval ("*": every tool); null: none. */
  require_approval: ColumnType<string[] | null, string | null | undefined, string | null>;
  /** jsonb: the default response format of its answers (structured answers); null for text. */
  response_format: ColumnType<ResponseFormat | null, string | null | undefined, string | null>;
  /** Published under the A2A protocol (agent card, JSON-RPC endpoint). */
  a2a: ColumnType<boolean, boolean | undefined, boolean>;
  /** jsonb array of agent ids it may delegate to (ask_<id> tools); null: none. */
  delegates: ColumnType<string[] | null, string | null | undefined, string | null>;
  /** jsonb array of agent ids it may hand the conversation to (transfer_to_<id> tools); null: none. */
  handoffs: ColumnType<string[] | null, string | null | undefined, string | null>;
  user_id: string | null;
  created_at: CreatedTimestamp;
  updated_at: CreatedTimestamp;
}

export interface ApiKeysTable {
  /** The public part of the key (`mxg_<id>_<secret>`), safe to show in listings. */
  id: string;
  /** SHA-256 of the whole key, hex; the key itself is never stored. */
  key_hash: string;
  is_admin: boolean;
  user_id: string | null;
  label: string | null;
  created_at: CreatedTimestamp;
  revoked_at: NullableTimestamp;
}

export interface SettingsTable {
  key: string;
  value: string;
  updated_at: CreatedTimestamp;
}

export interface ConversationsTable {
  id: string;
  /** The owner; null for conversations of credentials that act for no user. */
  user_id: string | null;
  title: string;
  created_at: CreatedTimestamp;
  updated_at: CreatedTimestamp;
  /** A delegation's child conversation: the parent's conversation (deleted with it) and run; null for others. */
  parent_conversation_id: ColumnType<string | null, string | null | undefined, string | null>;
  parent_run_id: ColumnType<string | null, string | null | undefined, string | null>;
}

/** STREAMING while its run goes on (checkpointed text), WAITING while it waits for its client; then how the answer ended. */
export type MessageStatus = 'STREAMING' | 'WAITING' | 'COMPLETE' | 'CANCELLED' | 'FAILED';

export interface MessagesTable {
  id: string;
  ordinal: Generated<string>;
  conversation_id: string;
  role: 'user' | 'assistant';
  content: string;
  status: MessageStatus;
  agent_id: string | null;
  run_id: string | null;
  finish_reason: string | null;
  error_code: string | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  total_tokens: number | null;
  metadata: ColumnType<unknown, string | null, string | null>;
  /** The seq of the last run event included in `content` (answers only). */
  last_seq: number | null;
  /** Answers: the RoutingDecision that chose their agent. */
  routing: ColumnType<unknown, string | null | undefined, string | null>;
  /** When the running answer was last checkpointed (its lease); null once it ended. */
  checkpointed_at: NullableTimestamp;
  created_at: CreatedTimestamp;
  /** Full-text vector, filled by the indexer once the turn is settled (null before). */
  tsv: ColumnType<string | null, never, never>;
  indexed_at: NullableTimestamp;
  embedded_at: NullableTimestamp;
  embedding_attempts: ColumnType<number, number | undefined, number>;
  embedding_tried_at: NullableTimestamp;
  /** Answers: of the prompt tokens, those memory added. */
  memory_tokens: ColumnType<number | null, number | null | undefined, number | null>;
  /** Answers: their tool rounds (core's ToolRound[]), null when they called no tool. */
  tool_calls: ColumnType<unknown, string | null | undefined, string | null>;
  /** Answers WAITING for their client: the paused step (core's PausedStep); null otherwise. */
  pending: ColumnType<unknown, string | null | undefined, string | null>;
  /** User messages: their images (core's ImagePart[]), in order; null when they have none. */
  parts: ColumnType<unknown, string | null | undefined, string | null>;
}

/** Images sent in messages (uploads, data: URLs, fetched URLs), owned with their conversation. */
export interface FilesTable {
  id: string;
  user_id: string | null;
  conversation_id: string;
  media_type: string;
  byte_size: number;
  width: number | null;
  height: number | null;
  filename: string | null;
  bytes: Uint8Array;
  created_at: CreatedTimestamp;
}

export type MemorySource = 'MANUAL' | 'EXTRACTED' | 'AGENT';

/** The long-term memory ledger. `embedding` (vector) exists only where pgvector does: see db/vector-columns.ts. */
export interface MemoriesTable {
  id: string;
  user_id: string | null;
  agent_id: string | null;
  content: string;
  metadata: ColumnType<Record<string, unknown>, string | undefined, string>;
  importance: ColumnType<number, number | undefined, number>;
  source: MemorySource;
  source_message_id: string | null;
  confidence: ColumnType<number, number | undefined, number>;
  fact_key: string | null;
  valid_until: NullableTimestamp;
  superseded_by: string | null;
  created_at: CreatedTimestamp;
  updated_at: CreatedTimestamp;
  tsv: ColumnType<string, never, never>;
  embedded_at: NullableTimestamp;
  embedding_attempts: ColumnType<number, number | undefined, number>;
  /** When its embedding was last tried and failed: the retry waits EMBEDDING_RETRY_MS from it. */
  embedding_tried_at: NullableTimestamp;
}

/** User context (memobase) on PostgreSQL: one row per leaf of a user's knowledge. */
export interface UserContextFactsTable {
  user_id: string;
  /** The leaf's path as the JSON text of its keys (keys may contain dots). */
  path: string;
  value: ColumnType<unknown, string, string>;
  importance: number;
  source: string;
  confidence: ColumnType<number, number | undefined, number>;
  source_message_id: string | null;
  updated_at: CreatedTimestamp;
}

export interface RevokedTokensTable {
  /** The token's `jti` claim. */
  jti: string;
  /** The token's subject when known (revoked by token), null when revoked by id alone. */
  user_id: string | null;
  /** When the token expires (or at the latest could); the row may be deleted after. */
  expires_at: ColumnType<Date, Date | string, Date | string>;
  revoked_at: CreatedTimestamp;
}

/** MCP server registrations: exactly one of url (HTTP) or command (stdio). */
export interface McpServersTable {
  id: string;
  url: string | null;
  /** Secrets: returned by no API and never logged. */
  headers: ColumnType<Record<string, string>, string, string>;
  command: string | null;
  args: ColumnType<string[], string, string>;
  /** Secrets, like headers. */
  env: ColumnType<Record<string, string>, string, string>;
  created_at: CreatedTimestamp;
}

/** The usage ledger: one row per model call (core/usage). */
export interface UsageEntriesTable {
  id: Generated<string>;
  at: ColumnType<Date, Date | string, Date | string>;
  user_id: string | null;
  key_id: string | null;
  agent_id: string | null;
  model: string;
  run_id: string | null;
  purpose: string;
  input_tokens: number;
  output_tokens: number;
  cached_tokens: number;
  reasoning_tokens: number;
  cost_usd: number | null;
  /** The gateway's id for the call (null on rows from before ids): a batch written twice is stored once. */
  entry_id: string | null;
}

export interface RemoteAgentsTable {
  id: string;
  url: string;
  /** Secrets: returned by no API and never logged. */
  headers: ColumnType<Record<string, string>, string, string>;
  created_at: CreatedTimestamp;
}

export interface BudgetsTable {
  id: string;
  scope: 'KEY' | 'USER';
  subject_id: string;
  metric: 'TOKENS' | 'COST';
  period: 'DAY' | 'MONTH';
  limit_amount: number;
  hard: Generated<boolean>;
  created_at: Generated<Date>;
}

export interface Tables {
  conversations: ConversationsTable;
  messages: MessagesTable;
  agents: AgentsTable;
  api_keys: ApiKeysTable;
  settings: SettingsTable;
  revoked_tokens: RevokedTokensTable;
  memories: MemoriesTable;
  user_context_facts: UserContextFactsTable;
  mcp_servers: McpServersTable;
  remote_agents: RemoteAgentsTable;
  files: FilesTable;
  usage_entries: UsageEntriesTable;
  budgets: BudgetsTable;
}

export type AgentRow = Selectable<AgentsTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
export type ConversationRow = Selectable<ConversationsTable>;
export type MessageRow = Selectable<MessagesTable>;
export type MemoryRow = Selectable<MemoriesTable>;
