import type { Database } from '../db/database.js';
import { AgentStore } from './agents/agent-store.js';
import { Agents } from './agents/agents.js';
import { Auth, type AuthConfig, type BootstrapKeys } from './auth/auth.js';
import { Settings } from './settings.js';

export interface OrchestratorConfig extends AuthConfig {
  version: string;
  defaultModel: string;
  systemMessage: string;
}

export interface HealthReport {
  status: 'OK' | 'DEGRADED';
  version: string;
  database: 'UP' | 'DOWN';
  databaseKind: Database['kind'];
  uptimeSeconds: number;
}

export interface Orchestrator {
  agents: Agents;
  auth: Auth;
  /** Keys generated on this first start, to show the operator once. */
  bootstrapKeys: BootstrapKeys;
  health(): Promise<HealthReport>;
  close(): Promise<void>;
}

/** Composes the core from its parts; everything it needs is passed in, nothing is global. */
export async function createOrchestrator(options: { database: Database; config: OrchestratorConfig }): Promise<Orchestrator> {
  const { database, config } = options;
  const startedAt = Date.now();
  const settings = new Settings(database.db);
  const { auth, bootstrapKeys } = await Auth.create(database.db, settings, config);
  const agents = new Agents(new AgentStore(database.db), config.defaultModel);

  return {
    agents,
    auth,
    bootstrapKeys,
    async health() {
      const up = await database.ping();
      return {
        status: up ? 'OK' : 'DEGRADED',
        version: config.version,
        database: up ? 'UP' : 'DOWN',
        databaseKind: database.kind,
        uptimeSeconds: Math.floor((Date.now() - startedAt) / 1000),
      };
    },
    async close() {},
  };
}
