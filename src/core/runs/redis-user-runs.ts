import type { ChainableCommander } from 'ioredis';
import type { RedisConnection } from '../redis/redis-connection.js';

/**
 * Each user's runs in Redis, whichever replica executes them: a set of run ids the writer keeps
 * (added when a run is announced, its expiry renewed with the run's lease), so an erasure on any
 * replica finds every run of the user without scanning the keyspace.
 */
export const USER_RUNS = (userId: string) => `muxgate:user:${userId}:runs`;

/** The message a run's notify channel carries when its keys were erased: its followers end (NOT_FOUND). */
export const RUN_FORGOTTEN = 'forgotten';

/** Writer side, in the announcing pipeline: the run joins its owner's set, which outlives it by the same margin. */
export function indexUserRun(pipeline: ChainableCommander, ownerId: string | null, runId: string, ttlMs: number): void {
  if (!ownerId) return;
  pipeline.sadd(USER_RUNS(ownerId), runId);
  pipeline.pexpire(USER_RUNS(ownerId), ttlMs);
}

/** Writer side, with each lease renewal: the owner's set lives as long as the runs it names. */
export function renewUserRuns(pipeline: ChainableCommander, ownerId: string | null, ttlMs: number): void {
  if (ownerId) pipeline.pexpire(USER_RUNS(ownerId), ttlMs);
}

/**
 * ARGV[1] = the user id, then run ids known locally (a run this replica wrote after another
 * replica's erasure had already emptied the set). Per run: its hash, event stream, lease and sweep
 * lock, its place in the active set, its conversation's set of runs in flight (the conversation is
 * the user's, erased with them); followers are told. Returns the number of distinct runs erased.
 * Keys are named inside, as in redis-run-log.ts: for one Redis server, not a cluster.
 */
const ERASE_USER_RUNS = `
local set = 'muxgate:user:' .. ARGV[1] .. ':runs'
local ids = redis.call('SMEMBERS', set)
for i = 2, #ARGV do ids[#ids + 1] = ARGV[i] end
local seen = {}
local count = 0
for _, id in ipairs(ids) do
  if not seen[id] then
    seen[id] = true
    count = count + 1
    local run = 'muxgate:run:' .. id
    local conversation = redis.call('HGET', run, 'conversationId')
    if conversation then redis.call('DEL', 'muxgate:conversation:' .. conversation .. ':runs') end
    redis.call('DEL', run, run .. ':events', run .. ':lease', run .. ':sweep')
    redis.call('SREM', 'muxgate:runs:active', id)
    redis.call('PUBLISH', run .. ':notify', '${RUN_FORGOTTEN}')
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
