import type { Principal } from '../core/auth/principal.js';
import type { Orchestrator } from '../core/orchestrator.js';
import type { ClientConnection } from '../core/runs/client-connection.js';

/** What every resolver receives, whichever transport the operation came over. */
export interface GraphQLContext {
  orchestrator: Orchestrator;
  principal: Principal;
  connection: ClientConnection;
}
