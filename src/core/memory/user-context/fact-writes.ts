import { badInput } from '../../errors.js';
import { checkPath, overlaps, pathKey } from './fact-path.js';
import { isLeafValue } from './knowledge.js';
import { KNOWLEDGE_SOURCES, type NewUserFact } from './user-context-store.js';

/** A fact's value and provenance, checked: neither store's schema would catch a bad one. */
export function checkFact<T extends Omit<NewUserFact, 'path'>>(fact: T, path: readonly string[]): T {
  const where = { path: pathKey(path) };
  if (!isLeafValue(fact.value)) throw badInput('A user fact value must be a JSON scalar, null or an array (objects are written as leaves)', where);
  if (!Number.isFinite(fact.importance) || !Number.isFinite(fact.confidence)) throw badInput('A user fact needs a finite importance and confidence', where);
  if (!KNOWLEDGE_SOURCES.includes(fact.source)) throw badInput(`A user fact source must be one of ${KNOWLEDGE_SOURCES.join(', ')}`, where);
  return fact;
}

/**
 * The writes of one merge call, checked, with overlapping writes settled: the later one wins, as if
 * written by a later call. The stores can then delete around every write without hitting another.
 */
export function settleWrites(facts: readonly NewUserFact[]): NewUserFact[] {
  const kept: NewUserFact[] = [];
  for (const fact of facts) {
    const path = checkPath(fact.path);
    checkFact(fact, path);
    for (let i = kept.length - 1; i >= 0; i--) if (overlaps(kept[i]!.path, path)) kept.splice(i, 1);
    kept.push({ ...fact, path: [...path] });
  }
  return kept;
}
