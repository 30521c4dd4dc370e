import { badInput } from '../../errors.js';
import { comparePaths } from './fact-path.js';
import type { UserFact } from './user-context-store.js';

/** A leaf of knowledge before it has provenance. */
export interface KnowledgeLeaf {
  path: string[];
  value: unknown;
}

/** Leaves are JSON scalars and arrays (arrays are replaced whole, never merged). */
export function isLeafValue(value: unknown): boolean {
  if (value === null || Array.isArray(value)) return true;
  if (typeof value === 'number') return Number.isFinite(value);
  return typeof value === 'string' || typeof value === 'boolean';
}

/** Only plain objects descend: a Date or a Map is not knowledge, and must not vanish silently. */
const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
};

/**
 * A knowledge object as leaves: objects descend; arrays, scalars and null are leaves. An empty
 * object (at any depth) has no leaves; undefined properties are skipped, as JSON.stringify does.
 */
export function flattenKnowledge(knowledge: unknown): KnowledgeLeaf[] {
  if (!isPlainObject(knowledge)) throw badInput('User knowledge must be a JSON object', { received: kindOf(knowledge) });
  const leaves: KnowledgeLeaf[] = [];
  const visit = (node: Record<string, unknown>, path: string[]) => {
    for (const [key, value] of Object.entries(node)) {
      if (value === undefined) continue;
      const here = [...path, key];
      if (isPlainObject(value)) visit(value, here);
      else if (isLeafValue(value)) leaves.push({ path: here, value });
      else throw badInput(`User knowledge at ${renderPath(here)} is not a JSON value`, { path: here, received: kindOf(value) });
    }
  };
  visit(knowledge, []);
  return leaves;
}

/**
 * The nested object the leaves describe. Should two leaves overlap (concurrent writes on a store
 * without transactions), the newer one wins, as the later merge would have.
 */
export function buildKnowledge(facts: ReadonlyArray<Pick<UserFact, 'path' | 'value' | 'updatedAt'>>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  const oldestFirst = [...facts].sort((a, b) => a.updatedAt.getTime() - b.updatedAt.getTime() || comparePaths(a.path, b.path));
  for (const { path, value } of oldestFirst) {
    let node = root;
    for (const key of path.slice(0, -1)) {
      // Own properties only: a key "__proto__" must name data, never reach a prototype.
      const child = Object.hasOwn(node, key) ? node[key] : undefined;
      if (isPlainObject(child)) node = child;
      else node = define(node, key, {});
    }
    define(node, path[path.length - 1]!, value);
  }
  return root;
}

/**
 * Compact lines for a prompt, the most important first (then by path), e.g.
 * `preferences.theme: "dark"`; at most `maxLines` when given.
 */
export function renderKnowledge(facts: ReadonlyArray<Pick<UserFact, 'path' | 'value' | 'importance'>>, maxLines = Infinity): string[] {
  return [...facts]
    .sort((a, b) => b.importance - a.importance || comparePaths(a.path, b.path))
    .slice(0, Math.max(0, maxLines))
    .map(({ path, value }) => `${renderPath(path)}: ${JSON.stringify(value)}`);
}

/** Plain keys joined by dots; a key that would read ambiguously (dots, quotes, spaces, empty) is quoted. */
export const renderPath = (path: readonly string[]): string => path.map((key) => (/^[^\s."'[\]]+$/.test(key) ? key : JSON.stringify(key))).join('.');

/** defineProperty, not assignment: assigning "__proto__" would change the object's prototype. */
function define<T>(node: Record<string, unknown>, key: string, value: T): T {
  Object.defineProperty(node, key, { value, enumerable: true, writable: true, configurable: true });
  return value;
}

const kindOf = (value: unknown): string => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value);
