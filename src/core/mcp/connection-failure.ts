import { AddressNotAllowedError } from './address-policy.js';
import { loadedMcpSdk } from './mcp-sdk.js';

/**
 * What went wrong reaching an HTTP server, as a category: the raw error ("connect ECONNREFUSED
 * 10.0.0.7:6379", a TLS alert, an HTML error page) would tell whoever reads it what listens where.
 */
export function connectionFailure(error: unknown): string {
  if (error instanceof McpConnectionProblem) return error.message;
  const sdk = loadedMcpSdk();
  for (let current: unknown = error, depth = 0; current && depth < 6; current = (current as { cause?: unknown }).cause, depth++) {
    if (current instanceof AddressNotAllowedError) return 'address not allowed';
    if (sdk && current instanceof sdk.SdkHttpError) return current.status === 401 || current.status === 403 ? 'not authorized' : `HTTP error ${current.status}`;
    if (sdk && current instanceof sdk.SdkError && current.code === sdk.SdkErrorCode.RequestTimeout) return 'timed out';
    const code = String((current as { code?: unknown }).code ?? '');
    const text = current instanceof Error ? `${current.name} ${current.message}` : '';
    if (code === 'ECONNREFUSED') return 'connection refused';
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') return 'host not found';
    if (code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT' || /timed? ?out|TimeoutError/i.test(text)) return 'timed out';
    if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET') return 'connection reset';
    if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return 'host unreachable';
    if (/^(ERR_TLS|ERR_SSL|CERT_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_VERIFY)/.test(code) || /\b(TLS|SSL|certificate)\b/i.test(text)) return 'TLS error';
  }
  return 'connection failed';
}

/** A failure told in muxgate's own words (no server or socket text in it): shown as it is. */
export class McpConnectionProblem extends Error {}
