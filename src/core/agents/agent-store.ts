import { type Expression, type Kysely, type SqlBool, sql, type Updateable } from 'kysely';
import type { AgentRow, AgentsTable, Tables } from '../../db/tables.js';
import type { Viewer } from '../auth/visibility.js';
import { insertNamed } from '../named-ids.js';
import type { Agent } from './agent.js';


/** What the store writes; the default flag and timestamps are the database's. */
export type AgentRecord = Omit<Agent, 'isDefault' | 'createdAt' | 'updatedAt'>;

const DEFAULT_SETTING = 'default_agent_id';

/**
 * The default agent is resolved on every read, never stored as a flag: the global agent named in
 * settings, else the oldest global agent. So the first agent is the default, removing the default
 * hands it on, and no write needs a multi-statement transaction (which PGlite, a single
 * connection, would share with every concurrent query).
 */
const defaultAgentId = sql<string | null>`coalesce(
  (select a.id from agents a join settings s on s.key = ${DEFAULT_SETTING} and s.value = a.id where a.user_id is null),
  (select a.id from agents a where a.user_id is null order by a.created_at, a.id limit 1)
)`;

const isDefault = sql<boolean>`coalesce(agents.id = ${defaultAgentId}, false)`.as('is_default');

/** Rows of the agents table; knows SQL, not permissions. */
export class AgentStore {
  constructor(private readonly db: Kysely<Tables>) {}

  async find(id: string): Promise<Agent | undefined> {
    const row = await this.db.selectFrom('agents').selectAll().select(isDefault).where('id', '=', id).executeTakeFirst();
    return row && toAgent(row);
  }

  /** Global agents plus, when given, one user's agents; every agent when `all` is set. */
  async list(filter: Viewer): Promise<Agent[]> {
    let query = this.db.selectFrom('agents').selectAll().select(isDefault).orderBy('created_at').orderBy('id');
    if (!filter.all) {
      const { userId } = filter;
      query = query.where((eb) => (userId === undefined ? eb('user_id', 'is', null) : eb.or([eb('user_id', 'is', null), eb('user_id', '=', userId)])));
    }
    return (await query.execute()).map(toAgent);
  }

  async findDefault(): Promise<Agent | undefined> {
    const row = await this.db
      .selectFrom('agents')
      .selectAll()
      .select(sql<boolean>`true`.as('is_default'))
      .where(sql<SqlBool>`agents.id = ${defaultAgentId}` as Expression<SqlBool>)
      .executeTakeFirst();
    return row && toAgent(row);
  }

  /** Inserts, or returns undefined when an agent has the id; BAD_USER_INPUT when an MCP server or remote agent has it. */
  async insert(record: AgentRecord): Promise<Agent | undefined> {
    const row = await insertNamed(this.db, record.id, 'agents', (tx) =>
      tx
        .insertInto('agents')
        .values({
          id: record.id,
          description: record.description,
          system_message: record.systemMessage,
          model: record.model,
          temperature: record.temperature,
          max_tokens: record.maxTokens,
          tools: JSON.stringify(record.tools),
          fallback_models: JSON.stringify(record.fallbackModels),
          require_approval: record.requireApproval.length ? JSON.stringify(record.requireApproval) : null,
          response_format: record.responseFormat === null ? null : JSON.stringify(record.responseFormat),
          a2a: record.a2a,
          delegates: record.delegates.length ? JSON.stringify(record.delegates) : null,
          handoffs: record.handoffs.length ? JSON.stringify(record.handoffs) : null,
          user_id: record.userId,
        })
        .onConflict((oc) => oc.column('id').doNothing())
        .returningAll()
        .executeTakeFirst(),
    );
    return row && toAgent({ ...row, is_default: false });
  }

  async update(id: string, changes: Partial<Omit<AgentRecord, 'id' | 'userId'>>): Promise<Agent | undefined> {
    const updated = await this.db
      .updateTable('agents')
      .set({ ...toColumns(changes), updated_at: sql`now()` })
      .where('id', '=', id)
      .returning('id')
      .executeTakeFirst();
    return updated && this.find(id);
  }

  /** Deletes the agent, and the default setting with it when it names this agent, in one statement. */
  async remove(id: string): Promise<Agent | undefined> {
    const row = await this.db
      .with('unset', (db) => db.deleteFrom('settings').where('key', '=', DEFAULT_SETTING).where('value', '=', id))
      .deleteFrom('agents')
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    return row && toAgent({ ...row, is_default: false });
  }

  /** Names the default agent explicitly; the caller checks it is a global agent. */
  async setDefault(id: string): Promise<void> {
    await this.db
      .insertInto('settings')
      .values({ key: DEFAULT_SETTING, value: id })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: id, updated_at: sql`now()` }))
      .execute();
  }
}

function toColumns(record: Partial<Omit<AgentRecord, 'id' | 'userId'>>): Updateable<AgentsTable> {
  const columns: Updateable<AgentsTable> = {};
  if (record.description !== undefined) columns.description = record.description;
  if (record.systemMessage !== undefined) columns.system_message = record.systemMessage;
  if (record.model !== undefined) columns.model = record.model;
  if (record.temperature !== undefined) columns.temperature = record.temperature;
  if (record.maxTokens !== undefined) columns.max_tokens = record.maxTokens;
  if (record.tools !== undefined) columns.tools = JSON.stringify(record.tools);
  if (record.fallbackModels !== undefined) columns.fallback_models = JSON.stringify(record.fallbackModels);
  if (record.requireApproval !== undefined) columns.require_approval = record.requireApproval.length ? JSON.stringify(record.requireApproval) : null;
  if (record.responseFormat !== undefined) columns.response_format = record.responseFormat === null ? null : JSON.stringify(record.responseFormat);
  if (record.a2a !== undefined) columns.a2a = record.a2a;
  if (record.delegates !== undefined) columns.delegates = record.delegates.length ? JSON.stringify(record.delegates) : null;
  if (record.handoffs !== undefined) columns.handoffs = record.handoffs.length ? JSON.stringify(record.handoffs) : null;
  return columns;
}

function toAgent(row: AgentRow & { is_default: boolean }): Agent {
  return {
    id: row.id,
    description: row.description,
    systemMessage: row.system_message,
    model: row.model,
    temperature: row.temperature,
    maxTokens: row.max_tokens,
    tools: row.tools,
    fallbackModels: row.fallback_models,
    requireApproval: row.require_approval ?? [],
    responseFormat: row.response_format ?? null,
    a2a: row.a2a,
    delegates: row.delegates ?? [],
    handoffs: row.handoffs ?? [],
    isDefault: row.is_default,
    userId: row.user_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
