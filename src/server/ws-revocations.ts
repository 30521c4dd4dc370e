import type { RevocationId } from '../core/auth/revocation-feed.js';

interface Closable {
  close(code: number, reason: string): void;
}

/** Open sockets by the credential ids they authenticated with, so a revocation closes them at once. */
export class SocketsByCredential {
  private readonly sockets = new Map<RevocationId, Set<Closable>>();

  add(ids: readonly RevocationId[], socket: Closable): void {
    for (const id of ids) {
      let set = this.sockets.get(id);
      if (!set) this.sockets.set(id, (set = new Set()));
      set.add(socket);
    }
  }

  remove(ids: readonly RevocationId[], socket: Closable): void {
    for (const id of ids) {
      const set = this.sockets.get(id);
      set?.delete(socket);
      if (set?.size === 0) this.sockets.delete(id);
    }
  }

  close(id: RevocationId, code: number, reason: string): void {
    for (const socket of this.sockets.get(id) ?? []) socket.close(code, reason);
  }
}
