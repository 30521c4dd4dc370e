import type { AppConfig } from './config.js';
import { createOrchestrator, type Orchestrator } from './core/orchestrator.js';
import { type Database, openDatabase } from './db/database.js';
import { buildServer } from './server/app.js';

export interface RunningGateway {
  url: string;
  port: number;
  orchestrator: Orchestrator;
  database: Database;
  close(): Promise<void>;
}

/** Wires config -> database -> orchestrator -> server and starts listening. */
export async function startGateway(config: AppConfig): Promise<RunningGateway> {
  const database = await openDatabase({ databaseUrl: config.databaseUrl, schema: config.databaseSchema, dataDir: config.dataDir });
  let orchestrator: Orchestrator | undefined;
  try {
    orchestrator = await createOrchestrator({ database, config });
    const server = await buildServer(orchestrator, config);
    const { url, port } = await server.listen();
    let closing: Promise<void> | undefined;
    return {
      url,
      port,
      orchestrator,
      database,
      close() {
        closing ??= (async () => {
          await server.close();
          await orchestrator!.close();
          await database.close();
        })();
        return closing;
      },
    };
  } catch (error) {
    await orchestrator?.close();
    await database.close();
    throw error;
  }
}
