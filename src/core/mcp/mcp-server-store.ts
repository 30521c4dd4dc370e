import type { Kysely } from 'kysely';
import type { Tables } from '../../db/tables.js';
import { insertNamed } from '../named-ids.js';
import type { McpServerRecord } from './mcp-server.js';

/** Rows of mcp_servers; knows SQL, not permissions nor connections. */
export class McpServerStore {
  constructor(private readonly db: Kysely<Tables>) {}

  async list(): Promise<McpServerRecord[]> {
    const rows = await this.db.selectFrom('mcp_servers').selectAll().orderBy('created_at').orderBy('id').execute();
    return rows.map((row) => ({
      id: row.id,
      url: row.url,
      headers: row.headers,
      command: row.command,
      args: row.args,
      env: row.env,
      createdAt: row.created_at,
    }));
  }

  /** Inserts and returns its creation time; undefined when a server has the id, BAD_USER_INPUT when an agent or remote agent has it. */
  async insert(record: Omit<McpServerRecord, 'createdAt'>): Promise<Date | undefined> {
    const row = await insertNamed(this.db, record.id, 'mcp_servers', (tx) =>
      tx
        .insertInto('mcp_servers')
        .values({
          id: record.id,
          url: record.url,
          headers: JSON.stringify(record.headers),
          command: record.command,
          args: JSON.stringify(record.args),
          env: JSON.stringify(record.env),
        })
        .onConflict((conflict) => conflict.column('id').doNothing())
        .returning('created_at')
        .executeTakeFirst(),
    );
    return row?.created_at;
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('mcp_servers').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}
