import type { IncomingMessage } from 'node:http';

/**
 * The client's address for a WebSocket upgrade, as Fastify's `request.ip` gives it for HTTP:
 * the first X-Forwarded-For entry only when TRUST_PROXY says a proxy in front sets it.
 */
export function upgradeAddress(request: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const header = request.headers['x-forwarded-for'];
    const first = (Array.isArray(header) ? header[0] : header)?.split(',')[0]?.trim();
    if (first) return first;
  }
  return request.socket.remoteAddress ?? 'unknown';
}
