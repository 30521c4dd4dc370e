import { type Kysely, sql, type Transaction } from 'kysely';
import type { Tables } from '../db/tables.js';
import { badInput } from './errors.js';

/**
 * Agents, MCP servers and remote agents are named by people (a-z, 0-9, "_", "-"); conversations,
 * messages and memories get UUIDs. Every id is thus one object's, which is what makes it a Relay
 * Node id: the named kinds share one namespace, and no name may look like a UUID.
 */
export const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuidShaped = (id: string) => UUID_SHAPE.test(id);

const NAMED_TABLES = { agents: 'an agent', mcp_servers: 'an MCP server', remote_agents: 'a remote agent' } as const;
type NamedTable = keyof typeof NAMED_TABLES;

/**
 * Inserts a named object into `table` unless another named kind already uses its id
 * (BAD_USER_INPUT); a clash within `table` is the insert's own to handle. One lock for every kind,
 * so two replicas cannot create an agent and an MCP server of one id at once.
 */
export async function insertNamed<T>(db: Kysely<Tables>, id: string, table: NamedTable, insert: (tx: Transaction<Tables>) => Promise<T>): Promise<T> {
  return db.transaction().execute(async (tx) => {
    await sql`select pg_advisory_xact_lock(hashtext('muxgate.named-ids'))`.execute(tx);
    for (const other of Object.keys(NAMED_TABLES) as NamedTable[]) {
      if (other === table) continue;
      const taken = await tx.selectFrom(other).select('id').where('id', '=', id).executeTakeFirst();
      if (taken) {
        throw badInput(`The id "${id}" is taken by ${NAMED_TABLES[other]}: agents, MCP servers and remote agents share one id namespace`, { problems: [`id "${id}" is taken`] });
      }
    }
    return insert(tx);
  });
}
