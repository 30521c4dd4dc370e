/** Where a leaf of a user's knowledge came from. */
export const KNOWLEDGE_SOURCES = ['MANUAL', 'EXTRACTED', 'AGENT'] as const;
export type KnowledgeSource = (typeof KNOWLEDGE_SOURCES)[number];

/** One leaf of a user's structured knowledge, with its provenance: `preferences.theme` = "dark". */
export interface UserFact {
  /** The leaf's keys from the root, e.g. ["preferences", "theme"]. */
  path: string[];
  /** A JSON leaf: string, number, boolean, null, or an array (arrays are leaves, replaced whole). */
  value: unknown;
  importance: number;
  source: KnowledgeSource;
  confidence: number;
  /** EXTRACTED: the message the fact came from. */
  sourceMessageId: string | null;
  updatedAt: Date;
}

/** A fact to write; `updatedAt` is set by the store. */
export type NewUserFact = Omit<UserFact, 'updatedAt'>;

/**
 * User context (memobase): a user's knowledge as leaves, deep-merged. PostgreSQL (jsonb) by
 * default, MongoDB when MONGODB_URI is set; both pass test/user-context-store.test.ts.
 */
export interface UserContextStore {
  /**
   * Writes leaves, each replacing the leaf at its path. A leaf replaces any leaves below its path
   * (an object turned scalar), and a leaf below an existing scalar leaf replaces that leaf (a scalar
   * turned object): the merged knowledge is always a tree.
   */
  merge(userId: string, facts: NewUserFact[]): Promise<void>;
  /** Every leaf of the user's knowledge, ordered by path. */
  facts(userId: string): Promise<UserFact[]>;
  /** Changes the value (and provenance) of one existing leaf; undefined when there is none at `path`. */
  updateFact(userId: string, path: string[], fact: Omit<NewUserFact, 'path'>): Promise<UserFact | undefined>;
  /** Removes the leaf at `path`, or every leaf below it when `path` names an object; the number removed. */
  deleteFact(userId: string, path: string[]): Promise<number>;
  /** Removes all of the user's knowledge; the number of leaves removed. */
  forgetUser(userId: string): Promise<number>;
  close(): Promise<void>;
}
