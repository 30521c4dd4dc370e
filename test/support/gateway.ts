import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { loadConfig } from '../../src/config.js';
import { type RunningGateway, startGateway } from '../../src/gateway.js';
import { createBackend, type StorageBackend } from './backends.js';

export const ADMIN_KEY = 'test-admin-key-0123456789abcdef';
export const USER_KEY = 'test-user-key-0123456789abcdef';
export const SECRET_KEY = 'test-secret-key-0123456789abcdef-0123456789';

export interface GraphQLResponse<T = any> {
  status: number;
  headers: Headers;
  body: { data?: T; errors?: Array<{ message: string; path?: string[]; extensions?: Record<string, any> }> };
}

export interface TestGateway extends RunningGateway {
  backend: StorageBackend;
  graphqlUrl: string;
  wsUrl: string;
  /** The gateway's log lines (JSON), when started with `LOG_LEVEL` set in `env`. */
  logs: string[];
  /** POSTs an operation; `credential` goes in `Authorization: Bearer`. */
  gql<T = any>(query: string, variables?: Record<string, unknown>, credential?: string): Promise<GraphQLResponse<T>>;
  /** A graphql-ws client; closed with the gateway. */
  ws(connectionParams?: Record<string, unknown>): Client;
  /** Empties the tables a test may have written, between tests. */
  reset(): Promise<void>;
  /** Stops the gateway; `keepData` leaves the backend for a restart. */
  stop(options?: { keepData?: boolean }): Promise<void>;
}

/** Starts a real gateway on an ephemeral port over the given storage. */
export async function startTestGateway(
  backend: StorageBackend | StorageBackend['name'] = 'pglite',
  env: Record<string, string> = {},
): Promise<TestGateway> {
  const storage = typeof backend === 'string' ? await createBackend(backend) : backend;
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'silent',
    ADMIN_API_KEY: ADMIN_KEY,
    USER_API_KEY: USER_KEY,
    SECRET_KEY,
    // Stopping a test gateway cancels its runs at once; the shutdown tests set a grace period.
    SHUTDOWN_GRACE_MS: '0',
    // The test MCP servers listen on 127.0.0.1; test/mcp-urls.test.ts turns this off.
    MCP_ALLOW_PRIVATE_URLS: 'true',
    ...storage.env(),
    ...env,
  });
  const logs: string[] = [];
  const gateway = await startGateway(config, { logStream: { write: (chunk) => logs.push(...chunk.split('\n').filter(Boolean)) } });
  const clients: Client[] = [];
  const graphqlUrl = `${gateway.url}/graphql`;
  const wsUrl = graphqlUrl.replace(/^http/, 'ws');

  return {
    ...gateway,
    backend: storage,
    graphqlUrl,
    wsUrl,
    logs,
    async gql(query, variables, credential) {
      const response = await fetch(graphqlUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json, application/json',
          ...(credential ? { authorization: `Bearer ${credential}` } : {}),
        },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, headers: response.headers, body: await response.json() };
    },
    ws(connectionParams) {
      const client = createClient({
        url: wsUrl,
        webSocketImpl: WebSocket,
        connectionParams,
        retryAttempts: 0,
        lazy: true,
      });
      clients.push(client);
      return client;
    },
    async reset() {
      // Budgets go through the core, so their counters (in memory or Redis) go with them.
      for (const { id } of await gateway.database.db.selectFrom('budgets').select('id').execute()) {
        await gateway.orchestrator.budgets.remove({ kind: 'ADMIN', userId: undefined, via: 'API_KEY' }, id);
      }
      await gateway.database.db.deleteFrom('conversations').execute();
      await gateway.database.db.deleteFrom('agents').execute();
      await gateway.database.db.deleteFrom('settings').where('key', '=', 'default_agent_id').execute();
      await gateway.database.db.deleteFrom('api_keys').execute();
      await gateway.orchestrator.usage.flush();
      await gateway.database.db.deleteFrom('usage_entries').execute();
      gateway.orchestrator.agents.invalidate();
    },
    async stop(options = {}) {
      await Promise.all(clients.map((client) => client.dispose()));
      await gateway.close();
      if (!options.keepData) await storage.dispose();
    },
  };
}
