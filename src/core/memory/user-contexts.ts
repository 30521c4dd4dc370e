import { z } from 'zod';
import { actingUserId, type Principal, requireAuthenticated } from '../auth/principal.js';
import { badInput, notFound } from '../errors.js';
import { metadataSchema, userIdSchema } from '../input-limits.js';
import { parseInput } from '../validation.js';
import type { MemoryStore } from './memory-store.js';
import { refuseSensitive } from './refuse-sensitive.js';
import { buildKnowledge, flattenKnowledge } from './user-context/knowledge.js';
import type { UserContextStore, UserFact } from './user-context/user-context-store.js';

export interface UserContext {
  userId: string;
  /** The merged knowledge, as one JSON object. */
  knowledge: Record<string, unknown>;
  /** Its leaves, each with its importance, source and time. */
  facts: UserFact[];
}

const pathSchema = z.array(z.string().min(1).max(200)).min(1, { error: 'must name at least one key' }).max(32);

/**
 * User context (memobase) with its ownership rule: a user reads and edits only their own; admins
 * any user's. Knowledge that looks like a secret is refused unless confirmed.
 */
export class UserContexts {
  private readonly addSchema;

  constructor(
    private readonly store: UserContextStore,
    /** The ledger's copies of facts: a fact edited or deleted here is superseded there. */
    private readonly ledger: Pick<MemoryStore, 'retireFacts' | 'recordFact'>,
    metadataMaxBytes: number,
  ) {
    this.addSchema = z.object({
      userId: userIdSchema.nullish(),
      knowledge: metadataSchema(metadataMaxBytes),
      importance: z.number().min(0, { error: 'must be between 0 and 1' }).max(1, { error: 'must be between 0 and 1' }).nullish(),
      confirmSensitive: z.boolean().nullish(),
    });
  }

  /** Deep-merges knowledge into the user's context; each leaf keeps its importance, source (MANUAL) and time. */
  async add(principal: Principal, rawInput: { userId?: string | null; knowledge: unknown; importance?: number | null; confirmSensitive?: boolean | null }): Promise<UserContext> {
    const input = parseInput(this.addSchema, rawInput);
    const userId = this.owner(principal, input.userId);
    const leaves = flattenKnowledge(input.knowledge);
    if (leaves.length === 0) throw badInput('knowledge must be a JSON object with at least one value');
    refuseSensitive(input.knowledge, input.confirmSensitive);
    await this.store.merge(
      userId,
      leaves.map((leaf) => ({ ...leaf, importance: input.importance ?? 0.5, source: 'MANUAL' as const, confidence: 1, sourceMessageId: null })),
    );
    return this.get(principal, userId);
  }

  async get(principal: Principal, userId?: string | null): Promise<UserContext> {
    const owner = this.owner(principal, userId);
    const facts = await this.store.facts(owner);
    return { userId: owner, knowledge: buildKnowledge(facts), facts };
  }

  /** Changes one fact's value; NOT_FOUND when the user has no fact at `path`. */
  async updateFact(principal: Principal, input: { userId?: string | null; path: string[]; value: unknown; importance?: number | null; confirmSensitive?: boolean | null }): Promise<UserFact> {
    const owner = this.owner(principal, input.userId);
    const path = parseInput(pathSchema, input.path);
    if (input.value !== null && typeof input.value === 'object' && !Array.isArray(input.value)) throw badInput('value must be a JSON leaf (string, number, boolean, null or array); use addUserContext to add an object');
    refuseSensitive({ [path.join('.')]: input.value }, input.confirmSensitive);
    const current = (await this.store.facts(owner)).find((fact) => samePath(fact.path, path));
    if (!current) throw notFound('User context fact', path.join('.'));
    const updated = await this.store.updateFact(owner, path, {
      value: input.value,
      importance: input.importance ?? current.importance,
      source: 'MANUAL',
      confidence: 1,
      sourceMessageId: null,
    });
    if (!updated) throw notFound('User context fact', path.join('.'));
    // The ledger keeps the history: the corrected value supersedes what was extracted.
    const key = path.join('.');
    await this.ledger.recordFact({ userId: owner, agentId: null, content: `${path.join(' ').replace(/_/g, ' ')}: ${JSON.stringify(input.value)}`, metadata: { key }, importance: updated.importance, source: 'MANUAL', factKey: key });
    return updated;
  }

  /** Removes a fact, or every fact below `path`; NOT_FOUND when there is none. */
  async deleteFact(principal: Principal, input: { userId?: string | null; path: string[] }): Promise<number> {
    const owner = this.owner(principal, input.userId);
    const path = parseInput(pathSchema, input.path);
    const removed = await this.store.deleteFact(owner, path);
    if (removed === 0) throw notFound('User context fact', input.path.join('.'));
    // Its extracted copies in the ledger stop being used too (kept for the record, superseded).
    await this.ledger.retireFacts(owner, path.join('.'));
    return removed;
  }

  /** A user's context belongs to a user: an admin must name one; a JWT or user-bound key reaches only its own. */
  private owner(principal: Principal, userId: string | null | undefined): string {
    requireAuthenticated(principal);
    const owner = actingUserId(principal, userId);
    if (owner === undefined) throw badInput('userId is required: this credential acts for no user');
    return owner;
  }
}

const samePath = (a: string[], b: string[]) => a.length === b.length && a.every((key, i) => key === b[i]);
