import { badInput } from '../errors.js';
import { findSensitiveData, findSensitiveInJson } from './sensitive-data.js';

/**
 * Memory keeps no secrets by accident: text or knowledge that looks like one is refused unless the
 * person confirms it (`confirmSensitive: true`); the error names what it looks like.
 */
export function refuseSensitive(value: string | unknown, confirmed: boolean | null | undefined): void {
  if (confirmed) return;
  const kinds = typeof value === 'string' ? findSensitiveData(value) : findSensitiveInJson(value);
  if (kinds.length === 0) return;
  throw badInput(`This looks like sensitive data (${kinds.join(', ')}); memory does not keep it unless you confirm with confirmSensitive: true`, {
    sensitiveKinds: kinds,
  });
}
