import type { Kysely } from 'kysely';
import type { Tables } from '../../db/tables.js';
import { insertNamed } from '../named-ids.js';
import type { RemoteAgentRecord } from './remote-agent.js';

/** Rows of remote_agents; knows SQL, not permissions nor connections. */
export class RemoteAgentStore {
  constructor(private readonly db: Kysely<Tables>) {}

  async list(): Promise<RemoteAgentRecord[]> {
    const rows = await this.db.selectFrom('remote_agents').selectAll().orderBy('created_at').orderBy('id').execute();
    return rows.map((row) => ({ id: row.id, url: row.url, headers: row.headers, createdAt: row.created_at }));
  }

  /** Inserts and returns its creation time; undefined when a remote agent has the id, BAD_USER_INPUT when an agent or MCP server has it. */
  async insert(record: Omit<RemoteAgentRecord, 'createdAt'>): Promise<Date | undefined> {
    const row = await insertNamed(this.db, record.id, 'remote_agents', (tx) =>
      tx
        .insertInto('remote_agents')
        .values({ id: record.id, url: record.url, headers: JSON.stringify(record.headers) })
        .onConflict((conflict) => conflict.column('id').doNothing())
        .returning('created_at')
        .executeTakeFirst(),
    );
    return row?.created_at;
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('remote_agents').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}
