import type { ChainableCommander } from 'ioredis';
import { ACTIVE, CONVERSATION_ACTIVE, EVENTS, KEY, LEASE, luaKey, NOTIFY, SWEEP, USER_RUNS } from './redis-run-keys.js';
import type { RedisConnection } from '../redis/redis-connection.js';

/**
 * Each user's runs in Redis, whichever replica executes them: a sorted set of run ids scored by
 * when the run's keys lapse, kept by the writer (added when a run is announced, renewed with its
 * lease, lapsed ones pruned on each add), so an erasure on any replica finds every run of the user
 * without scanning the keyspace, and a user who chats all day does not grow it without bound.
 */

/** The message a run's notify channel carries when its keys were erased: its followers end (NOT_FOUND). */
export const RUN_FORGOTTEN = 'forgotten';

/** Writer side, in the announcing pipeline: the run joins its owner's set, which outlives it by the same margin. */
export function indexUserRun(pipeline: ChainableCommander, ownerId: string | null, runId: string, ttlMs: number): void {
  if (!ownerId) return;
  const now = Date.now();
  pipeline.zremrangebyscore(USER_RUNS(ownerId), '-inf', now);
  pipeline.zadd(USER_RUNS(ownerId), now + ttlMs, runId);
  pipeline.pexpire(USER_RUNS(ownerId), ttlMs);
}

/** Writer side, with each lease renewal; XX: a run already erased is not brought back. */
export function renewUserRun(pipeline: ChainableCommander, ownerId: string | null, runId: string, ttlMs: number): void {
  if (!ownerId) return;
  pipeline.zadd(USER_RUNS(ownerId), 'XX', Date.now() + ttlMs, runId);
  pipeline.pexpire(USER_RUNS(ownerId), ttlMs);
}

/**
 * ARGV[1] = the user id, then run ids known locally (a run this replica wrote after another
 * replica's erasure had already emptied the set). Per run: its hash, event stream, lease and sweep
 * lock, its place in the active set, its conversation's set of runs in flight (the conversation is
 * the user's, erased with them); followers are told. Returns how many runs were erased: those with
 * keys still in Redis, and those known locally. Keys are built from redis-run-keys.ts inside the
 * script: for one Redis server, not a cluster.
 */
const ERASE_USER_RUNS = `
local set = ${luaKey(USER_RUNS, 'ARGV[1]')}
local ids = redis.call('ZRANGE', set, 0, -1)
local known = {}
for i = 2, #ARGV do
  ids[#ids + 1] = ARGV[i]
  known[ARGV[i]] = true
end
local seen = {}
local count = 0
for _, id in ipairs(ids) do
  if not seen[id] then
    seen[id] = true
    local conversation = redis.call('HGET', ${luaKey(KEY, 'id')}, 'conversationId')
    if conversation then redis.call('DEL', ${luaKey(CONVERSATION_ACTIVE, 'conversation')}) end
    local deleted = redis.call('DEL', ${luaKey(KEY, 'id')}, ${luaKey(EVENTS, 'id')}, ${luaKey(LEASE, 'id')}, ${luaKey(SWEEP, 'id')})
    redis.call('SREM', '${ACTIVE}', id)
    redis.call('PUBLISH', ${luaKey(NOTIFY, 'id')}, '${RUN_FORGOTTEN}')
    if deleted > 0 or known[id] then count = count + 1 end
  end
end
redis.call('DEL', set)
return count
`;

interface EraseUserRuns {
  muxgateEraseUserRuns(...args: string[]): Promise<number>;
}

/** Deletes every run of the user from Redis, on all replicas' behalf; `localRunIds` adds runs this replica holds. */
export async function eraseUserRuns(redis: RedisConnection, userId: string, localRunIds: string[]): Promise<number> {
  if (!('muxgateEraseUserRuns' in redis.commands)) redis.commands.defineCommand('muxgateEraseUserRuns', { numberOfKeys: 0, lua: ERASE_USER_RUNS });
  try {
    return await (redis.commands as unknown as EraseUserRuns).muxgateEraseUserRuns(userId, ...localRunIds);
  } catch {
    throw redis.unavailable('erasing the user’s runs shared between replicas');
  }
}
