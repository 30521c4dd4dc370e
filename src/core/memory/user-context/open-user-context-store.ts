import type { Kysely } from 'kysely';
import type { Tables } from '../../../db/tables.js';
import type { MemorySettings } from '../memory-settings.js';
import { PostgresUserContextStore } from './postgres-user-context-store.js';
import type { UserContextStore } from './user-context-store.js';

/** PostgreSQL (the gateway's own database) unless MONGODB_URI names a MongoDB; its driver loads only then. */
export async function openUserContextStore(db: Kysely<Tables>, settings: Pick<MemorySettings, 'mongodbUri' | 'mongodbDatabase'>): Promise<UserContextStore> {
  if (!settings.mongodbUri) return new PostgresUserContextStore(db);
  const { MongoUserContextStore } = await import('./mongo-user-context-store.js');
  return MongoUserContextStore.connect(settings.mongodbUri, settings.mongodbDatabase);
}
