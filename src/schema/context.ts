import type { Principal } from '../core/auth/principal.js';
import type { Orchestrator } from '../core/orchestrator.js';

/** What every resolver receives, whichever transport the operation came over. */
export interface GraphQLContext {
  orchestrator: Orchestrator;
  principal: Principal;
  connection: ClientConnection;
}

/** The client's connection, as far as a resolver needs to know it. */
export interface ClientConnection {
  /**
   * Whether it is still there. A subscription ended while it is open was stopped on purpose;
   * one ended because it closed may be resumed.
   */
  isOpen(): boolean;
  /** Aborts when the connection closes. */
  closed: AbortSignal;
}
