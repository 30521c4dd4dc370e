/** A revoked credential, as `key:<api key id>` or `token:<jti>`; Authenticated.revocationIds uses the same form. */
export type RevocationId = `key:${string}` | `token:${string}`;

/** Tells long-lived connections (WebSockets) on this replica the moment a credential is revoked. */
export class RevocationFeed {
  private readonly listeners = new Set<(id: RevocationId) => void>();

  subscribe(listener: (id: RevocationId) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(id: RevocationId): void {
    for (const listener of this.listeners) listener(id);
  }
}
