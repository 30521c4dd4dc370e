import { badInput } from '../../errors.js';

/**
 * A leaf's path as stored: the JSON text of its keys, `["preferences","theme"]`. Unlike dots it is
 * unambiguous for keys holding dots or quotes, and JSON.stringify writes one text per path.
 */
export const pathKey = (path: readonly string[]): string => JSON.stringify(path);

/** What every stored key below `path` starts with: its JSON text with `,` for the closing `]`. */
export const subtreePrefix = (path: readonly string[]): string => `${pathKey(path).slice(0, -1)},`;

/** The keys of the paths strictly above `path`: ["a","b","c"] -> ["a"], ["a","b"]. */
export const ancestorKeys = (path: readonly string[]): string[] => path.slice(0, -1).map((_, i) => pathKey(path.slice(0, i + 1)));

/** True when one path is the other or lies below it: both cannot be leaves of one tree. */
export function overlaps(a: readonly string[], b: readonly string[]): boolean {
  const shorter = Math.min(a.length, b.length);
  for (let i = 0; i < shorter; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Key by key (UTF-16 order), a parent before its children: the same order on every store. */
export function comparePaths(a: readonly string[], b: readonly string[]): number {
  const shorter = Math.min(a.length, b.length);
  for (let i = 0; i < shorter; i++) {
    const [x, y] = [a[i]!, b[i]!];
    if (x !== y) return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

/** A path names a leaf only with at least one key, every key a string. */
export function checkPath(path: unknown): string[] {
  if (!Array.isArray(path) || path.length === 0 || !path.every((key) => typeof key === 'string')) {
    throw badInput('A user fact path must be a non-empty list of string keys', { path });
  }
  return path;
}
