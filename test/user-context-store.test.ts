import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../src/db/database.js';
import { buildKnowledge } from '../src/core/memory/user-context/knowledge.js';
import { MongoUserContextStore } from '../src/core/memory/user-context/mongo-user-context-store.js';
import { PostgresUserContextStore } from '../src/core/memory/user-context/postgres-user-context-store.js';
import type { NewUserFact, UserContextStore, UserFact } from '../src/core/memory/user-context/user-context-store.js';
import { createBackend } from './support/backends.js';

/** A store under test, and a look at what it holds underneath. */
interface Harness {
  store: UserContextStore;
  /** The user's leaves as the backend keys them (PostgreSQL `path`, MongoDB `pathKey`), sorted. */
  storedKeys(userId: string): Promise<string[]>;
  reset(): Promise<void>;
  dispose(): Promise<void>;
}

const databaseUrl = process.env.TEST_DATABASE_URL;
const mongoUri = process.env.TEST_MONGODB_URI;

/** `serialisesMerges`: concurrent merges of one user take turns (MongoDB has no transactions to make them). */
const variants: Array<{ name: string; enabled: boolean; serialisesMerges: boolean; open: () => Promise<Harness> }> = [
  { name: 'PostgreSQL on PGlite', enabled: true, serialisesMerges: true, open: async () => onPostgres(await openDatabase({ dataDir: 'memory://', onLockLost: () => {} })) },
  {
    name: 'a PostgreSQL server',
    enabled: databaseUrl !== undefined,
    serialisesMerges: true,
    async open() {
      const backend = await createBackend('postgres');
      const { DATABASE_URL, DATABASE_SCHEMA } = backend.env();
      return onPostgres(await openDatabase({ databaseUrl: DATABASE_URL, schema: DATABASE_SCHEMA, dataDir: 'memory://', onLockLost: () => {} }), () => backend.dispose());
    },
  },
  { name: 'MongoDB', enabled: mongoUri !== undefined, serialisesMerges: false, open: () => onMongo(mongoUri!) },
];

function onPostgres(database: Database, disposeBackend = async () => {}): Harness {
  const table = () => database.db.selectFrom('user_context_facts');
  return {
    store: new PostgresUserContextStore(database.db),
    storedKeys: async (userId) => (await table().select('path').where('user_id', '=', userId).execute()).map((row) => row.path).sort(),
    reset: async () => void (await database.db.deleteFrom('user_context_facts').execute()),
    async dispose() {
      await database.close();
      await disposeBackend();
    },
  };
}

async function onMongo(uri: string): Promise<Harness> {
  // A database of its own, dropped afterwards: runs can share a server.
  const databaseName = `muxgate_test_${randomBytes(6).toString('hex')}`;
  const store = await MongoUserContextStore.connect(uri, databaseName);
  const client = await new MongoClient(uri).connect();
  const collection = client.db(databaseName).collection<{ userId: string; pathKey: string }>('user_context_facts');
  return {
    store,
    storedKeys: async (userId) => (await collection.find({ userId }).toArray()).map((document) => document.pathKey).sort(),
    reset: async () => void (await collection.deleteMany({})),
    async dispose() {
      await store.close();
      await client.db(databaseName).dropDatabase();
      await client.close();
    },
  };
}

/** A fact with plain provenance unless told otherwise. */
const fact = (path: string[], value: unknown, provenance: Partial<NewUserFact> = {}): NewUserFact => ({
  path,
  value,
  importance: 0.5,
  source: 'MANUAL',
  confidence: 1,
  sourceMessageId: null,
  ...provenance,
});

const leaves = (facts: UserFact[]) => facts.map(({ path, value }) => ({ path, value }));
const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

for (const variant of variants) {
  describe.skipIf(!variant.enabled)(`user context on ${variant.name}`, () => {
    let harness: Harness;
    let store: UserContextStore;
    beforeAll(async () => {
      harness = await variant.open();
      store = harness.store;
    });
    afterAll(() => harness?.dispose());
    beforeEach(() => harness.reset());

    it('deep-merges two calls: facts in path order, knowledge nested, paths stored as JSON text', async () => {
      await store.merge('alice', [fact(['name'], 'Ada'), fact(['preferences', 'theme'], 'dark')]);
      await store.merge('alice', [fact(['preferences', 'language'], 'en'), fact(['pets'], ['cat', { name: 'Tom' }])]);
      const facts = await store.facts('alice');
      expect(leaves(facts)).toEqual([
        { path: ['name'], value: 'Ada' },
        { path: ['pets'], value: ['cat', { name: 'Tom' }] },
        { path: ['preferences', 'language'], value: 'en' },
        { path: ['preferences', 'theme'], value: 'dark' },
      ]);
      expect(buildKnowledge(facts)).toEqual({ name: 'Ada', pets: ['cat', { name: 'Tom' }], preferences: { theme: 'dark', language: 'en' } });
      expect(await harness.storedKeys('alice')).toEqual(['["name"]', '["pets"]', '["preferences","language"]', '["preferences","theme"]']);
    });

    it('keeps every JSON leaf value as written', async () => {
      const values = { s: 'héllo ✓ "q"', i: 42, f: -1.25, t: true, no: false, nil: null, empty: [], nested: [[1], { a: [null] }], blank: '' };
      await store.merge('alice', Object.entries(values).map(([key, value]) => fact(['v', key], value)));
      expect(buildKnowledge(await store.facts('alice'))).toEqual({ v: values });
    });

    it('keeps provenance per leaf', async () => {
      const before = Date.now();
      await store.merge('alice', [
        fact(['job'], 'engineer', { importance: 0.75, source: 'EXTRACTED', confidence: 0.5, sourceMessageId: 'msg-1' }),
        fact(['city'], 'Paris', { importance: 0.25, source: 'AGENT', confidence: 0.875, sourceMessageId: null }),
      ]);
      const after = Date.now();
      const facts = await store.facts('alice');
      expect(facts).toEqual([
        { path: ['city'], value: 'Paris', importance: 0.25, source: 'AGENT', confidence: 0.875, sourceMessageId: null, updatedAt: expect.any(Date) },
        { path: ['job'], value: 'engineer', importance: 0.75, source: 'EXTRACTED', confidence: 0.5, sourceMessageId: 'msg-1', updatedAt: expect.any(Date) },
      ]);
      for (const { updatedAt } of facts) {
        // A millisecond either way: the server's clock rounds microseconds.
        expect(updatedAt.getTime()).toBeGreaterThanOrEqual(before - 1);
        expect(updatedAt.getTime()).toBeLessThanOrEqual(after + 1);
      }
    });

    it('replaces a leaf in a later merge, keeping its siblings and their provenance', async () => {
      await store.merge('alice', [fact(['preferences', 'theme'], 'dark', { source: 'EXTRACTED', sourceMessageId: 'msg-1' }), fact(['preferences', 'font'], 12, { importance: 0.25 })]);
      const [font, theme] = await store.facts('alice');
      await tick();
      await store.merge('alice', [fact(['preferences', 'theme'], 'light', { importance: 0.75, source: 'AGENT', confidence: 0.5 })]);
      const facts = await store.facts('alice');
      expect(facts).toEqual([font, { path: ['preferences', 'theme'], value: 'light', importance: 0.75, source: 'AGENT', confidence: 0.5, sourceMessageId: null, updatedAt: expect.any(Date) }]);
      expect(facts[1]!.updatedAt.getTime()).toBeGreaterThan(theme!.updatedAt.getTime());
      expect(buildKnowledge(facts)).toEqual({ preferences: { font: 12, theme: 'light' } });
    });

    it('turns an object into a scalar: the leaves below it go, its neighbours stay', async () => {
      await store.merge('alice', [fact(['a', 'b'], 1), fact(['a', 'c', 'd'], 2), fact(['ab'], 3), fact(['a b'], 4)]);
      await store.merge('alice', [fact(['a'], 'flat')]);
      expect(leaves(await store.facts('alice'))).toEqual([
        { path: ['a'], value: 'flat' },
        { path: ['a b'], value: 4 },
        { path: ['ab'], value: 3 },
      ]);
    });

    it('turns a scalar into an object: the scalar above goes, its neighbours stay', async () => {
      await store.merge('alice', [fact(['a'], 'flat'), fact(['ab'], 3), fact(['x', 'y'], 'scalar'), fact(['x', 'z'], 5)]);
      await store.merge('alice', [fact(['a', 'b', 'c'], 1), fact(['x', 'y', 'deep', 'er'], 2)]);
      const facts = await store.facts('alice');
      expect(leaves(facts)).toEqual([
        { path: ['a', 'b', 'c'], value: 1 },
        { path: ['ab'], value: 3 },
        { path: ['x', 'y', 'deep', 'er'], value: 2 },
        { path: ['x', 'z'], value: 5 },
      ]);
      expect(buildKnowledge(facts)).toEqual({ a: { b: { c: 1 } }, ab: 3, x: { y: { deep: { er: 2 } }, z: 5 } });
    });

    it('settles overlapping writes in one call: the later one wins', async () => {
      await store.merge('alice', [fact(['a'], 1), fact(['a', 'b'], 2), fact(['x', 'y'], 1), fact(['x'], 3), fact(['k'], 'first'), fact(['k'], 'second')]);
      expect(leaves(await store.facts('alice'))).toEqual([
        { path: ['a', 'b'], value: 2 },
        { path: ['k'], value: 'second' },
        { path: ['x'], value: 3 },
      ]);
    });

    it('keeps keys with dots, quotes, LIKE wildcards and backslashes apart', async () => {
      const paths = [['a.b', 'c'], ['a', 'b.c'], ['say "hi"', "it's"], ['a_', 'x'], ['ab', 'x'], ['100%', 'x'], ['100 percent', 'x'], ['back\\', 'x'], ['', 'empty']];
      await store.merge('alice', paths.map((path, i) => fact(path, i)));
      expect(buildKnowledge(await store.facts('alice'))).toEqual({
        'a.b': { c: 0 },
        a: { 'b.c': 1 },
        'say "hi"': { "it's": 2 },
        a_: { x: 3 },
        ab: { x: 4 },
        '100%': { x: 5 },
        '100 percent': { x: 6 },
        'back\\': { x: 7 },
        '': { empty: 8 },
      });
      for (const path of [['a.b'], ['a_'], ['100%'], ['back\\'], ['say "hi"'], ['']]) expect(await store.deleteFact('alice', path)).toBe(1);
      expect(leaves(await store.facts('alice'))).toEqual([
        { path: ['100 percent', 'x'], value: 6 },
        { path: ['a', 'b.c'], value: 1 },
        { path: ['ab', 'x'], value: 4 },
      ]);
    });

    it.runIf(variant.serialisesMerges)('leaves a tree after concurrent merges that overlap', async () => {
      for (let round = 0; round < 20; round++) {
        await harness.reset();
        await Promise.all([store.merge('alice', [fact(['a'], 'scalar')]), store.merge('alice', [fact(['a', 'b'], 'below')])]);
        const paths = (await store.facts('alice')).map((leaf) => leaf.path);
        expect([[['a']], [['a', 'b']]]).toContainEqual(paths);
      }
    });

    it('updates an existing leaf, and nothing when there is none at the path', async () => {
      await store.merge('alice', [fact(['preferences', 'theme'], 'dark'), fact(['preferences', 'font'], 12)]);
      const [font, theme] = await store.facts('alice');
      await tick();
      const updated = await store.updateFact('alice', ['preferences', 'theme'], { value: ['light', 'auto'], importance: 0.25, source: 'EXTRACTED', confidence: 0.5, sourceMessageId: 'msg-9' });
      expect(updated).toEqual({ path: ['preferences', 'theme'], value: ['light', 'auto'], importance: 0.25, source: 'EXTRACTED', confidence: 0.5, sourceMessageId: 'msg-9', updatedAt: expect.any(Date) });
      expect(updated!.updatedAt.getTime()).toBeGreaterThan(theme!.updatedAt.getTime());
      expect(await store.facts('alice')).toEqual([font, updated]);

      const provenance = { value: 'x', importance: 0.5, source: 'MANUAL', confidence: 1, sourceMessageId: null } as const;
      expect(await store.updateFact('alice', ['preferences', 'missing'], provenance)).toBeUndefined();
      // A path naming an object is not a leaf either.
      expect(await store.updateFact('alice', ['preferences'], provenance)).toBeUndefined();
      expect(await store.facts('alice')).toEqual([font, updated]);
    });

    it('deletes a leaf, a subtree, and nothing that merely starts with the same letters', async () => {
      await store.merge('alice', [fact(['a', 'b'], 1), fact(['a', 'c', 'd'], 2), fact(['a', 'c', 'e'], 3), fact(['ab', 'x'], 5), fact(['a b'], 6)]);
      expect(await store.deleteFact('alice', ['a', 'b'])).toBe(1);
      expect(await store.deleteFact('alice', ['a', 'nothing'])).toBe(0);
      expect(await store.deleteFact('alice', ['a', 'c', 'd', 'deeper'])).toBe(0);
      expect(leaves(await store.facts('alice'))).toEqual([
        { path: ['a', 'c', 'd'], value: 2 },
        { path: ['a', 'c', 'e'], value: 3 },
        { path: ['a b'], value: 6 },
        { path: ['ab', 'x'], value: 5 },
      ]);
      expect(await store.deleteFact('alice', ['a'])).toBe(2);
      expect(await harness.storedKeys('alice')).toEqual(['["a b"]', '["ab","x"]']);
    });

    it('forgets one user: their leaves counted and gone, everyone else untouched', async () => {
      await store.merge('alice', [fact(['a'], 1), fact(['b', 'c'], 2), fact(['b', 'd'], 3)]);
      await store.merge('bob', [fact(['a'], 'bob'), fact(['z'], true)]);
      expect(await store.forgetUser('alice')).toBe(3);
      expect(await store.facts('alice')).toEqual([]);
      expect(leaves(await store.facts('bob'))).toEqual([
        { path: ['a'], value: 'bob' },
        { path: ['z'], value: true },
      ]);
      expect(await store.forgetUser('alice')).toBe(0);
    });

    it('keeps users apart in every operation', async () => {
      await store.merge('alice', [fact(['a', 'b'], 'alice'), fact(['s'], 'alice')]);
      await store.merge('bob', [fact(['a'], 'bob'), fact(['s', 't'], 'bob')]);
      expect(await store.updateFact('bob', ['a', 'b'], { value: 'x', importance: 1, source: 'MANUAL', confidence: 1, sourceMessageId: null })).toBeUndefined();
      expect(await store.deleteFact('bob', ['s'])).toBe(1);
      expect(buildKnowledge(await store.facts('alice'))).toEqual({ a: { b: 'alice' }, s: 'alice' });
      expect(buildKnowledge(await store.facts('bob'))).toEqual({ a: 'bob' });
    });

    it('refuses bad facts with BAD_USER_INPUT and writes none of the call', async () => {
      await store.merge('alice', [fact(['kept'], 1)]);
      const bad = [fact([], 1), fact(['obj'], { nested: true }), fact(['n'], Number.POSITIVE_INFINITY), fact(['s'], 1, { source: 'GUESSED' as 'MANUAL' })];
      for (const wrong of bad) await expect(store.merge('alice', [fact(['new'], 2), wrong])).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
      await expect(store.deleteFact('alice', [])).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
      await expect(store.updateFact('alice', ['kept'], { value: { o: 1 }, importance: 1, source: 'MANUAL', confidence: 1, sourceMessageId: null })).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
      expect(leaves(await store.facts('alice'))).toEqual([{ path: ['kept'], value: 1 }]);
    });
  });
}
