import { describe, expect, it } from 'vitest';
import { DomainError } from '../src/core/errors.js';
import { ancestorKeys, comparePaths, pathKey, subtreePrefix } from '../src/core/memory/user-context/fact-path.js';
import { buildKnowledge, flattenKnowledge, renderKnowledge } from '../src/core/memory/user-context/knowledge.js';

const at = (ms: number) => new Date(Date.UTC(2025, 0, 1) + ms);

describe('flattenKnowledge', () => {
  it('descends objects and keeps arrays, scalars and null as leaves, in key order', () => {
    expect(flattenKnowledge({ name: 'Ada', preferences: { theme: 'dark', langs: ['en', 'fr'], pager: null, font: { size: 14, mono: true } } })).toEqual([
      { path: ['name'], value: 'Ada' },
      { path: ['preferences', 'theme'], value: 'dark' },
      { path: ['preferences', 'langs'], value: ['en', 'fr'] },
      { path: ['preferences', 'pager'], value: null },
      { path: ['preferences', 'font', 'size'], value: 14 },
      { path: ['preferences', 'font', 'mono'], value: true },
    ]);
  });

  it('gives no leaves for empty objects and skips undefined properties', () => {
    expect(flattenKnowledge({})).toEqual([]);
    expect(flattenKnowledge({ a: {}, b: { c: undefined }, d: 0 })).toEqual([{ path: ['d'], value: 0 }]);
  });

  it('keeps keys with dots, quotes and "__proto__" as single keys', () => {
    expect(flattenKnowledge(JSON.parse('{"a.b":{"say \\"hi\\"":1},"__proto__":{"x":2}}'))).toEqual([
      { path: ['a.b', 'say "hi"'], value: 1 },
      { path: ['__proto__', 'x'], value: 2 },
    ]);
  });

  it.each([['a string', 'dark'], ['an array', [1]], ['null', null], ['a number', 3], ['a Date', new Date()]])('refuses %s at the root with BAD_USER_INPUT', (_, root) => {
    expect(() => flattenKnowledge(root)).toThrow(DomainError);
    expect(() => flattenKnowledge(root)).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT', message: 'User knowledge must be a JSON object' }));
  });

  it('refuses values that are not JSON, naming where', () => {
    expect(() => flattenKnowledge({ a: { when: new Date(0) } })).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT', message: 'User knowledge at a.when is not a JSON value' }));
    expect(() => flattenKnowledge({ n: Number.NaN })).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT', message: 'User knowledge at n is not a JSON value' }));
  });
});

describe('buildKnowledge', () => {
  it('rebuilds the nested object from leaves, and round-trips flattenKnowledge', () => {
    const knowledge = { name: 'Ada', preferences: { theme: 'dark', font: { size: 14 } }, tags: ['a', { b: 1 }] };
    const facts = flattenKnowledge(knowledge).map((leaf, i) => ({ ...leaf, updatedAt: at(i) }));
    expect(buildKnowledge(facts)).toEqual(knowledge);
    expect(buildKnowledge([])).toEqual({});
  });

  it('lets the newer leaf win when two overlap, whichever way', () => {
    const scalar = { path: ['a'], value: 1 };
    const below = { path: ['a', 'b'], value: 2 };
    expect(buildKnowledge([{ ...below, updatedAt: at(1) }, { ...scalar, updatedAt: at(0) }])).toEqual({ a: { b: 2 } });
    expect(buildKnowledge([{ ...below, updatedAt: at(0) }, { ...scalar, updatedAt: at(1) }])).toEqual({ a: 1 });
  });

  it('stores "__proto__" as data and changes no prototype', () => {
    const built = buildKnowledge([{ path: ['__proto__', 'polluted'], value: true, updatedAt: at(0) }]);
    expect(Object.keys(built)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(built)).toBe(Object.prototype);
    expect(JSON.stringify(built)).toBe('{"__proto__":{"polluted":true}}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('renderKnowledge', () => {
  const facts = [
    { path: ['preferences', 'theme'], value: 'dark', importance: 0.5 },
    { path: ['name'], value: 'Ada', importance: 0.9 },
    { path: ['preferences', 'font.size'], value: 14, importance: 0.5 },
    { path: ['pets'], value: ['cat', 'dog'], importance: 0.2 },
  ];

  it('writes one compact line per leaf, most important first, then by path', () => {
    expect(renderKnowledge(facts)).toEqual(['name: "Ada"', 'preferences."font.size": 14', 'preferences.theme: "dark"', 'pets: ["cat","dog"]']);
  });

  it('stops at maxLines', () => {
    expect(renderKnowledge(facts, 2)).toEqual(['name: "Ada"', 'preferences."font.size": 14']);
    expect(renderKnowledge(facts, 0)).toEqual([]);
  });
});

describe('fact paths', () => {
  it('stores a path as its JSON text, with prefixes that cannot match a longer key', () => {
    expect(pathKey(['a.b', 'c"d'])).toBe('["a.b","c\\"d"]');
    expect(subtreePrefix(['a'])).toBe('["a",');
    expect(pathKey(['ab']).startsWith(subtreePrefix(['a']))).toBe(false);
    expect(pathKey(['a', 'b']).startsWith(subtreePrefix(['a']))).toBe(true);
    expect(ancestorKeys(['a', 'b', 'c'])).toEqual(['["a"]', '["a","b"]']);
    expect(ancestorKeys(['a'])).toEqual([]);
  });

  it('orders key by key, a parent before its children', () => {
    const paths = [['b'], ['a', 'b'], ['a b'], ['a'], ['a', 'a']];
    expect(paths.sort(comparePaths)).toEqual([['a'], ['a', 'a'], ['a', 'b'], ['a b'], ['b']]);
  });
});
