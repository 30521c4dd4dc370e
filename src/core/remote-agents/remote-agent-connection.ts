import type { AgentCard } from '@a2a-js/sdk';
import type { Client } from '@a2a-js/sdk/client';
import type { ReportError } from '../errors.js';
import type { AddressPolicy } from '../mcp/address-policy.js';
import { pinnedFetch } from '../mcp/pinned-fetch.js';
import { loadA2aSdk } from './a2a-sdk.js';
import { fetchAgentCard, SPOKEN_BINDINGS } from './agent-card.js';
import type { RemoteAgentRecord, RemoteAgentStatus } from './remote-agent.js';
import { RemoteAgentProblem, RemoteAgentUnavailableError, remoteFailure } from './remote-agent-failure.js';
import { MAX_CARD_BYTES, type RemoteAgentSettings } from './remote-agent-settings.js';

type FetchLike = (url: string | URL, init?: RequestInit) => Promise<Response>;

/**
 * One remote agent's "connection": its card fetched and checked, and an SDK client made from it.
 * A2A has no session to keep, so CONNECTED means the card was read; a card that cannot be read,
 * or an answer that fails for want of the agent (refused, reset), makes it FAILED, retried with
 * backoff, and while FAILED a question fails at once. The card is read again every
 * cardRefreshMs, so routing sees a changed description or skill list.
 */
export class RemoteAgentConnection {
  status: RemoteAgentStatus = 'CONNECTING';
  error: string | null = null;
  /** What made it FAILED, as thrown (registration tells an invalid card from an unreachable one). */
  failure: unknown = undefined;
  connectedAt: Date | null = null;
  card: AgentCard | undefined;
  /** The first attempt, settled either way (registration waits on it). */
  readonly firstAttempt: Promise<void>;
  private sdkClient: Client | undefined;
  private attempts = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  private connecting: Promise<void> | undefined;
  private attemptController: AbortController | undefined;
  private closed = false;
  private markFirstAttempt!: () => void;
  /** Every request carries the registered headers and goes through the address policy (no redirects, bounded answers). */
  private readonly fetchChecked: FetchLike;
  private readonly fetchCard: FetchLike;

  constructor(
    readonly record: RemoteAgentRecord,
    private readonly deps: { settings: RemoteAgentSettings; addresses: AddressPolicy; onChange: (connection: RemoteAgentConnection) => void; reportError: ReportError },
  ) {
    this.firstAttempt = new Promise((resolve) => (this.markFirstAttempt = resolve));
    const noteOversized = () => deps.reportError(new Error(`Remote agent "${record.id}" sent an answer over MCP_TOOL_RESULT_MAX_BYTES; it was refused`), 'remote agents', 'warn');
    this.fetchChecked = withHeaders(pinnedFetch(deps.addresses, deps.settings.maxResponseBytes, noteOversized), record.headers);
    this.fetchCard = withHeaders(pinnedFetch(deps.addresses, MAX_CARD_BYTES, () => undefined), record.headers);
  }

  get id() {
    return this.record.id;
  }

  start(): void {
    void this.connect();
  }

  /** Reads the card again now, forgetting the backoff. */
  async reconnect(): Promise<void> {
    this.attempts = 0;
    // As an MCP reconnect: subscribers see it go (CONNECTING) and come back.
    this.sdkClient = undefined;
    this.connectedAt = null;
    this.setStatus('CONNECTING', this.error);
    await this.connect();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.attemptController?.abort(new Error(`The remote agent "${this.id}" was removed`));
    clearTimeout(this.retryTimer);
    clearTimeout(this.refreshTimer);
    await this.connecting?.catch(() => undefined);
    this.sdkClient = undefined;
  }

  /** The client for a question; throws at once while the agent is down. */
  client(): Client {
    if (!this.sdkClient || this.status !== 'CONNECTED') {
      throw new RemoteAgentUnavailableError(`The remote agent "${this.id}" is not connected (${this.status}${this.error ? `: ${this.error}` : ''})`);
    }
    return this.sdkClient;
  }

  /** A question failed for want of the agent (refused, reset, unreachable): down until its card can be read again. */
  lost(error: unknown): void {
    if (this.status === 'CONNECTED') this.fail(error);
  }

  private connect(): Promise<void> {
    this.connecting ??= this.attempt().finally(() => {
      this.connecting = undefined;
      this.markFirstAttempt();
    });
    return this.connecting;
  }

  private async attempt(): Promise<void> {
    if (this.closed) return;
    clearTimeout(this.retryTimer);
    clearTimeout(this.refreshTimer);
    // A refresh of a connected agent keeps answering with the card it has meanwhile.
    if (this.status !== 'CONNECTED') this.setStatus('CONNECTING', this.error);
    const controller = new AbortController();
    this.attemptController = controller;
    const signal = AbortSignal.any([controller.signal, AbortSignal.timeout(this.deps.settings.connectTimeoutMs)]);
    try {
      const card = await fetchAgentCard(this.record.url, this.fetchCard, this.deps.addresses, signal);
      const { client } = await loadA2aSdk();
      const factory = new client.ClientFactory({
        transports: [
          new client.JsonRpcTransportFactory({ fetchImpl: this.fetchChecked as typeof fetch, legacyCompat: { enabled: true } }),
          new client.RestTransportFactory({ fetchImpl: this.fetchChecked as typeof fetch, legacyCompat: { enabled: true } }),
        ],
        preferredTransports: [...SPOKEN_BINDINGS],
      });
      let sdkClient: Client;
      try {
        sdkClient = await factory.createFromAgentCard(card);
      } catch {
        throw new RemoteAgentProblem('no client could be made from the agent card');
      }
      if (this.closed) return;
      const changed = this.status !== 'CONNECTED' || JSON.stringify(card) !== JSON.stringify(this.card);
      this.card = card;
      this.sdkClient = sdkClient;
      this.attempts = 0;
      if (this.status !== 'CONNECTED') this.connectedAt = new Date();
      if (changed) this.setStatus('CONNECTED', null);
      this.scheduleRefresh();
    } catch (error) {
      if (!this.closed) this.fail(signal.aborted && !controller.signal.aborted ? new RemoteAgentProblem('timed out (fetching the agent card)') : error);
    } finally {
      if (this.attemptController === controller) this.attemptController = undefined;
    }
  }

  /** Down: questions fail at once until the card is read again, after 1 s, 2 s, 4 s … up to MCP_RECONNECT_MAX_MS. */
  private fail(error: unknown): void {
    if (this.closed) return;
    clearTimeout(this.refreshTimer);
    this.sdkClient = undefined;
    this.connectedAt = null;
    this.failure = error;
    this.setStatus('FAILED', remoteFailure(error));
    const delay = Math.min(1_000 * 2 ** this.attempts, this.deps.settings.reconnectMaxMs) * (0.75 + Math.random() / 2);
    this.attempts++;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.connect(), delay).unref();
  }

  private scheduleRefresh(): void {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => void this.connect(), Math.max(1_000, this.deps.settings.cardRefreshMs)).unref();
  }

  private setStatus(status: RemoteAgentStatus, error: string | null): void {
    if (status === this.status && error === this.error && status !== 'CONNECTED') return;
    this.status = status;
    this.error = error;
    this.deps.onChange(this);
  }
}

/** The registered headers on every request; the SDK's own (A2A-Version, content type) are kept where they differ. */
function withHeaders(fetchImpl: FetchLike, headers: Record<string, string>): FetchLike {
  if (Object.keys(headers).length === 0) return fetchImpl;
  return (url, init = {}) => {
    const merged = new Headers(headers);
    for (const [name, value] of new Headers(init.headers)) merged.set(name, value);
    return fetchImpl(url, { ...init, headers: merged });
  };
}
