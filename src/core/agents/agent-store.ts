import { type Kysely, sql, type Updateable } from 'kysely';
import type { AgentRow, AgentsTable, Tables } from '../../db/tables.js';
import type { Agent } from './agent.js';

/** Whose agents a caller may see: every agent, or the global ones plus one user's. */
export type Viewer = { all: true } | { userId: string | undefined };

/** What the store writes; the flags and timestamps are the database's. */
export type AgentRecord = Omit<Agent, 'isDefault' | 'createdAt' | 'updatedAt'>;

/** Rows of the agents table; knows SQL, not permissions. */
export class AgentStore {
  constructor(private readonly db: Kysely<Tables>) {}

  transaction<T>(work: (store: AgentStore) => Promise<T>): Promise<T> {
    return this.db.transaction().execute((trx) => work(new AgentStore(trx)));
  }

  async find(id: string): Promise<Agent | undefined> {
    const row = await this.db.selectFrom('agents').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toAgent(row);
  }

  /** Global agents plus, when given, one user's agents; every agent when `all` is set. */
  async list(filter: Viewer): Promise<Agent[]> {
    let query = this.db.selectFrom('agents').selectAll().orderBy('created_at').orderBy('id');
    if (!('all' in filter)) {
      const { userId } = filter;
      query = query.where((eb) => (userId === undefined ? eb('user_id', 'is', null) : eb.or([eb('user_id', 'is', null), eb('user_id', '=', userId)])));
    }
    return (await query.execute()).map(toAgent);
  }

  async findDefault(): Promise<Agent | undefined> {
    const row = await this.db.selectFrom('agents').selectAll().where('is_default', '=', true).executeTakeFirst();
    return row && toAgent(row);
  }

  /** The oldest global agent, which inherits the default when the default is removed. */
  async findOldestGlobal(): Promise<Agent | undefined> {
    const row = await this.db
      .selectFrom('agents')
      .selectAll()
      .where('user_id', 'is', null)
      .orderBy('created_at')
      .orderBy('id')
      .limit(1)
      .executeTakeFirst();
    return row && toAgent(row);
  }

  /** Inserts, or returns undefined when the id is taken. */
  async insert(record: AgentRecord): Promise<Agent | undefined> {
    const row = await this.db
      .insertInto('agents')
      .values({
        id: record.id,
        description: record.description,
        system_message: record.systemMessage,
        model: record.model,
        temperature: record.temperature,
        max_tokens: record.maxTokens,
        tools: JSON.stringify(record.tools),
        user_id: record.userId,
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .returningAll()
      .executeTakeFirst();
    return row && toAgent(row);
  }

  async update(id: string, changes: Partial<Omit<AgentRecord, 'id' | 'userId'>>): Promise<Agent | undefined> {
    const row = await this.db
      .updateTable('agents')
      .set({ ...toColumns(changes), updated_at: sql`now()` })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    return row && toAgent(row);
  }

  async remove(id: string): Promise<Agent | undefined> {
    const row = await this.db.deleteFrom('agents').where('id', '=', id).returningAll().executeTakeFirst();
    return row && toAgent(row);
  }

  /** Moves the default flag to `id` (or to nobody); the unique index keeps at most one. */
  async setDefault(id: string | undefined): Promise<void> {
    await this.db.updateTable('agents').set({ is_default: false }).where('is_default', '=', true).execute();
    if (id !== undefined) await this.db.updateTable('agents').set({ is_default: true }).where('id', '=', id).execute();
  }

  /** Serialises default-agent changes across connections and replicas for one transaction. */
  async lockDefault(): Promise<void> {
    await sql`select pg_advisory_xact_lock(hashtext('muxgate.default_agent'))`.execute(this.db);
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
  return columns;
}

function toAgent(row: AgentRow): Agent {
  return {
    id: row.id,
    description: row.description,
    systemMessage: row.system_message,
    model: row.model,
    temperature: row.temperature,
    maxTokens: row.max_tokens,
    tools: row.tools,
    isDefault: row.is_default,
    userId: row.user_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
