/** Every Redis key and channel of runs, named once: the TypeScript and the Lua scripts both build from these. */
export const KEY = (runId: string) => `muxgate:run:${runId}`;
export const EVENTS = (runId: string) => `muxgate:run:${runId}:events`;
export const LEASE = (runId: string) => `muxgate:run:${runId}:lease`;
export const NOTIFY = (runId: string) => `muxgate:run:${runId}:notify`;
export const SWEEP = (runId: string) => `muxgate:run:${runId}:sweep`;
export const ACTIVE = 'muxgate:runs:active';
/** A conversation's runs in flight, and the channel its new runs are announced on. */
export const CONVERSATION_ACTIVE = (conversationId: string) => `muxgate:conversation:${conversationId}:runs`;
export const CONVERSATION_STARTED = (conversationId: string) => `muxgate:conversation:${conversationId}:started`;
export const CANCEL = 'muxgate:runs:cancel';
/** A paused run's step was decided on another replica: the one holding the run goes on with it. */
export const RESUME = 'muxgate:runs:resume';
/** A follower on another replica keeps a run alive as a local subscriber does: it says so every FOLLOW_POLL_MS. */
export const HOLD = 'muxgate:runs:hold';
/** Runs started, progressing and ended on each replica, for the others' runsChanged (live-runs.ts). */
export const RUNS_CHANGED = 'muxgate:runs:changed';
/** Each user's runs, whichever replica executes them (redis-user-runs.ts). */
export const USER_RUNS = (userId: string) => `muxgate:user:${userId}:runs`;

/** A key builder as a Lua expression over the Lua variable `name`: LUA(EVENTS, 'id') is `'muxgate:run:' .. id .. ':events'`. */
export const luaKey = (build: (part: string) => string, name: string) => `'${build(`' .. ${name} .. '`)}'`;
