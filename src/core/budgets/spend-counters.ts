import type { RedisConnection } from '../redis/redis-connection.js';
import type { BudgetMetric, BudgetPeriod, BudgetScope } from './budget.js';

/** One counter: a subject's spend of one metric in one period. */
export interface CounterOf {
  scope: BudgetScope;
  subjectId: string;
  metric: BudgetMetric;
  period: BudgetPeriod;
  start: Date;
  end: Date;
}

/** Sums the ledger for a counter, from its period's start up to and including `until` (its pending entries written first). */
export type LedgerSum = (counter: CounterOf, until: Date) => Promise<number>;

/** Where the counters live now: Redis shared by the replicas, or this process alone (no Redis, or Redis down). */
export type CounterPlace = 'SHARED' | 'PER_REPLICA' | 'SINGLE_PROCESS';

interface Local {
  value: number;
  /** The value mirrors the counter's truth (Redis's, or this process's own rebuilt from the ledger). */
  ready: boolean;
  /** Rebuilding: entries recorded after `since` are added to what the ledger sums up to it. */
  building: Promise<number> | undefined;
  since: number;
  delta: number;
  end: number;
}

/** Counters outlive their period by a day, so a period's last moments are still readable. */
const GRACE_MS = 86_400_000;

/** Adds to a counter only while it exists: a missing one (expired, flushed, lost) is rebuilt from the ledger instead. */
const ADD = `
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('INCRBYFLOAT', KEYS[1], ARGV[1]) end
return false`;

/**
 * Sets a rebuilt counter unless another replica set it first; then only this replica's entries
 * since its sum (which the other replica's sum may not hold) are added.
 */
const REBUILT = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[3]) then return ARGV[1] end
return redis.call('INCRBYFLOAT', KEYS[1], ARGV[2])`;

/**
 * Spend per subject, metric and period. The ledger is the truth; counters are its fast copy:
 * atomic increments in Redis shared by the replicas (INCRBYFLOAT on keys that expire after their
 * period), or in this process without Redis or while it is down. A counter that is missing (first
 * use, a restart, Redis flushed or back after an outage) is rebuilt once from the ledger's sum.
 * `known` is synchronous: the model loop asks it after every step without waiting on anything.
 */
export class SpendCounters {
  private readonly local = new Map<string, Local>();
  /** Counters are kept by budgets for their period: their keys are made once. */
  private readonly keys = new WeakMap<CounterOf, string>();
  private redisWasUp: boolean;
  private readonly sweep: NodeJS.Timeout;

  constructor(
    private readonly sum: LedgerSum,
    private readonly redis: RedisConnection | undefined,
    private readonly prefix = 'muxgate:budget:',
  ) {
    this.redisWasUp = this.shared;
    if (redis) {
      // Redis lost: every counter is rebuilt from the ledger in this process. Back: rebuilt again, in Redis.
      const down = () => this.redisDown();
      redis.commands.on('close', down);
      redis.commands.on('error', down);
      redis.commands.on('ready', () => this.redisUp());
    }
    this.sweep = setInterval(() => this.forgetEnded(), 60_000).unref();
  }

  get place(): CounterPlace {
    if (!this.redis) return 'SINGLE_PROCESS';
    return this.shared ? 'SHARED' : 'PER_REPLICA';
  }

  /** The spend this process knows now, undefined while the counter is not built. */
  known(counter: CounterOf): number | undefined {
    const local = this.local.get(this.keyOf(counter));
    return local?.ready ? local.value : undefined;
  }

  /** The spend when this process holds the counter itself (no Redis, or Redis down) and it is built; otherwise ask `current`. */
  ownValue(counter: CounterOf): number | undefined {
    return this.shared ? undefined : this.known(counter);
  }

  /** Counts an entry recorded at `at` (synchronously here; in Redis as soon as it answers). */
  add(counter: CounterOf, amount: number, at: Date): void {
    const key = this.keyOf(counter);
    const local = this.entry(key, counter);
    if (local.building) {
      if (at.getTime() > local.since) local.delta += amount;
      return;
    }
    if (this.shared) {
      if (local.ready) local.value += amount;
      this.redis!.commands.eval(ADD, 1, this.prefix + key, amount).then(
        (total) => {
          if (total === null) {
            // Missing in Redis: the entry is in the ledger (written or pending), so the rebuild's sum holds it.
            local.ready = false;
            void this.rebuild(key, counter).catch(() => {});
          } else if (!local.building) {
            local.value = Number(total);
            local.ready = true;
          }
        },
        // Redis went away mid-call: the counters are rebuilt from the ledger in this process.
        () => this.redisDown(),
      );
      return;
    }
    if (!local.ready) {
      void this.rebuild(key, counter).catch(() => {});
      return;
    }
    local.value += amount;
  }

  /** The spend now: Redis's counter when shared, this process's otherwise; a missing one is rebuilt first. */
  async current(counter: CounterOf): Promise<number> {
    const key = this.keyOf(counter);
    const local = this.entry(key, counter);
    if (local.building) return local.building;
    if (this.shared) {
      try {
        const value = await this.redis!.commands.get(this.prefix + key);
        if (value !== null && !local.building) {
          local.value = Number(value);
          local.ready = true;
          return local.value;
        }
        if (local.building) return local.building;
      } catch {
        this.redisDown();
      }
      return this.rebuild(key, counter);
    }
    return local.ready ? local.value : this.rebuild(key, counter);
  }

  /**
   * Drops a counter here and in Redis: a budget set or removed starts from the ledger's sum on its
   * next use (nothing was counted for its subject while it had no budget).
   */
  async reset(counter: CounterOf): Promise<void> {
    const key = this.keyOf(counter);
    this.local.delete(key);
    if (this.shared) await this.redis!.commands.del(this.prefix + key).catch(() => this.redisDown());
  }

  /** Forgets what is counted for a subject (its budgets were removed; set again, it is rebuilt). */
  forget(scope: BudgetScope, subjectId: string): void {
    for (const key of this.local.keys()) if (key.startsWith(`${scope}:`) && key.endsWith(`:${subjectId}`)) this.local.delete(key);
  }

  close(): void {
    clearInterval(this.sweep);
  }

  // The counters use the commands connection alone: its state, and only its, is what its events track.
  private get shared(): boolean {
    return this.redis?.commands.status === 'ready';
  }

  private rebuild(key: string, counter: CounterOf): Promise<number> {
    const local = this.entry(key, counter);
    if (local.building) return local.building;
    local.ready = false;
    local.since = Date.now();
    local.delta = 0;
    const building = (async () => {
      try {
        const summed = await this.sum(counter, new Date(local.since));
        let value = summed + local.delta;
        if (this.shared) {
          const ttl = Math.max(1, counter.end.getTime() + GRACE_MS - Date.now());
          value = await this.redis!.commands.eval(REBUILT, 1, this.prefix + key, value, local.delta, ttl).then(Number, () => {
            this.redisDown();
            return value;
          });
        }
        local.value = value;
        local.ready = true;
        return value;
      } finally {
        local.building = undefined;
      }
    })();
    local.building = building;
    return building;
  }

  private entry(key: string, counter: CounterOf): Local {
    let local = this.local.get(key);
    if (!local) this.local.set(key, (local = { value: 0, ready: false, building: undefined, since: 0, delta: 0, end: counter.end.getTime() }));
    return local;
  }

  private keyOf(counter: CounterOf): string {
    let key = this.keys.get(counter);
    if (key === undefined) {
      key = `${counter.scope}:${counter.metric}:${counter.period}:${counter.start.toISOString().slice(0, 10)}:${counter.subjectId}`;
      this.keys.set(counter, key);
    }
    return key;
  }

  private redisDown(): void {
    if (!this.redisWasUp) return;
    this.redisWasUp = false;
    for (const local of this.local.values()) local.ready = false;
  }

  private redisUp(): void {
    if (this.redisWasUp) return;
    this.redisWasUp = true;
    // Increments made while Redis was away are in the ledger, not in Redis: every counter this
    // replica knows is dropped there and rebuilt from the ledger on its next use.
    const keys = [...this.local.keys()];
    for (const local of this.local.values()) local.ready = false;
    if (keys.length > 0) this.redis!.commands.del(...keys.map((key) => this.prefix + key)).catch(() => {});
  }

  private forgetEnded(): void {
    const now = Date.now();
    for (const [key, local] of this.local) if (local.end + GRACE_MS < now && !local.building) this.local.delete(key);
  }
}
