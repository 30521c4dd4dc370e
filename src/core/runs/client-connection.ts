/** The client's connection, as far as a run needs to know it (GraphQL today, the REST shim too). */
export interface ClientConnection {
  /**
   * Whether it is still there. A subscription ended while it is open was stopped on purpose;
   * one ended because it closed may be resumed.
   */
  isOpen(): boolean;
  /** Aborts when the connection closes. */
  closed: AbortSignal;
  /** The request (or WebSocket connection) id its log lines carry, so a run's lines can carry it too. */
  requestId?: string | undefined;
  /**
   * True for surfaces that show a delegated run's events inside its parent's stream (GraphQL, REST
   * SSE); unset, a stream carries its run's own events only (the protocols: /v1, Responses, AG-UI, A2A).
   */
  childEvents?: boolean | undefined;
}
