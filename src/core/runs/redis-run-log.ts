import { ACTIVE, CANCEL, RESUME, CONVERSATION_ACTIVE, CONVERSATION_STARTED, EVENTS, HOLD, KEY, LEASE, luaKey, NOTIFY, SWEEP } from './redis-run-keys.js';
import { randomUUID } from 'node:crypto';
import type { Message } from '../conversations/conversation.js';
import { DomainError, notFound, type ReportError } from '../errors.js';
import type { RedisConnection } from '../redis/redis-connection.js';
import { EventQueue } from './event-queue.js';
import { COMPACT_RUN_STREAM, compactRunEvents, entryId, EVENT_FIELD, expandStreamEntry, readStreamEntry } from './redis-log-compaction.js';
import { isTerminal, type RunEvent } from './run-event.js';
import type { Run } from './run.js';
import { eraseUserRuns, indexUserRun, renewUserRun, RUN_FORGOTTEN } from './redis-user-runs.js';

/**
 * Where a run's events go beyond its own process, chosen in createOrchestrator: none (one process:
 * every run is in this process's RunRegistry, today's path, at no cost), or Redis (several replicas).
 */
export interface SharedRunLog {
  /** Publishes a run that executes here: its events, its owner, its lease; and takes cancels for it. */
  attach(run: Run): void;
  /** Who a run executing on any replica belongs to; undefined when no replica knows it. Throws UPSTREAM_UNAVAILABLE when the log is unreachable. */
  describe(runId: string): Promise<SharedRunInfo | undefined>;
  /** A run's events after `after`, replayed from the log then followed live, ending after the terminal event. */
  follow(runId: string, after: number): Promise<EventQueue>;
  /**
   * Feeds `into` every event of the conversation's runs executing elsewhere (those in flight from
   * their start, and those that start later), skipping runs `isLocal` says this process has.
   * Resolves with the function that stops it. Watching does not keep a run alive.
   */
  watchConversation(conversationId: string, into: EventQueue, isLocal: (runId: string) => boolean): Promise<() => void>;
  /** Asks the replica executing the run to cancel it; false when it had already ended. */
  cancel(runId: string): Promise<boolean>;
  /** Whether a live replica holds the run (its lease is renewed). */
  isHeld(runId: string): Promise<boolean>;
  /** Tells the replica holding a paused run that its step was decided; false when no replica holds it. */
  resume(runId: string): Promise<boolean>;
  /** Called with a run of this replica whose step another replica decided. */
  onResume(handler: (runId: string) => void): void;
  /** A paused run left this replica's memory: its lease goes, so a decision anywhere revives it from storage. */
  detach(runId: string): void;
  /**
   * Erasure: stops writing the user's runs executing here, then deletes every run of the user from
   * the log, whichever replica wrote it (`knownRunIds` too); the number of distinct runs erased.
   */
  forgetOwner(userId: string, knownRunIds: string[]): Promise<number>;
  /** Writes what is pending and stops (shutdown). */
  close(): Promise<void>;
}

export interface SharedRunInfo {
  ownerId: string | null;
  conversationId: string;
  ended: boolean;
}

export interface RedisRunLogOptions {
  redis: RedisConnection;
  /** Marks a dead replica's run's answer FAILED (INTERRUPTED) unless its checkpoint is fresh; the answer as stored. */
  interruptRun(runId: string, silentForMs: number): Promise<{ answer: Message } | undefined>;
  /** The event a stored (ended) answer replays as. */
  terminalFromStored(runId: string, answer: Message): RunEvent;
  retentionMs: number;
  leaseMs: number;
  reportError: ReportError;
  /** This replica's id in runs' hashes and leases (the console shows it); a random one when unset. */
  replicaId?: string | undefined;
  /** A run of a stopped replica was ended here (its end as written, or as its stream already had it): the live views tell it. */
  onSwept?: ((runId: string, end: RunEvent | undefined) => void) | undefined;
}

/** Stream entry ids are `0-<seq>` (entryId): `after` is an id, and XRANGE from `(0-after` replays exactly what follows. */
/** A remote follower also reads every so long, in case a notification was missed. */
const FOLLOW_POLL_MS = 1_000;
const READ_BATCH = 1_000;
/** A remote hold unrenewed this long counts as a dropped reader (the run's orphan grace starts). */
const HOLD_EXPIRES_MS = 3 * FOLLOW_POLL_MS;

/**
 * One call per tick for all runs: ARGV = ttl while running, ttl once ended, then per run: its id,
 * 1 when the batch ends it, the number of entries, and (entry id, field, value) per entry (a
 * tick's deltas packed into one, see redis-log-compaction.ts). Each stream gets
 * its events and expiry, and its followers one notification. An entry already there (a stream
 * rewritten after an outage) is skipped. Keys are named inside, so this is for one Redis server,
 * not a cluster.
 */
const APPEND_RUN_EVENTS = `
local i = 3
while i <= #ARGV do
  local id, ended, n = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2])
  i = i + 3
  local stream = ${luaKey(EVENTS, 'id')}
  for _ = 1, n do
    redis.pcall('XADD', stream, ARGV[i], ARGV[i + 1], ARGV[i + 2])
    i = i + 3
  end
  redis.call('PEXPIRE', stream, ended == '1' and ARGV[2] or ARGV[1])
  redis.call('PUBLISH', ${luaKey(NOTIFY, 'id')}, '')
end
return 0
`;

interface AppendRunEvents {
  muxgateAppendRunEvents(...args: string[]): unknown;
}

interface CompactRunStream {
  muxgateCompactRunStream(stream: string, ...args: string[]): Promise<number>;
}

interface LocalRun {
  run: Run;
  /** Hash, active-set entry and lease written. */
  announced: boolean;
  /** A write failed: the stream may lack events; rewritten from the run's own log when Redis is ready. */
  stale: boolean;
  /** The terminal event is in the stream. */
  done: boolean;
  /** Its user was erased: nothing more of it is written. */
  forgotten?: boolean;
  pending: RunEvent[];
  /** Followers on other replicas, as one holder of the run, and when that lapses. */
  remoteHold?: { release(how: 'completed' | 'dropped'): void; timer: NodeJS.Timeout } | undefined;
}

/**
 * Runs on Redis Streams. Events of the runs executing here are written once per event-loop tick,
 * all runs in one pipeline (XADD per event, one PUBLISH per run), so a token costs a pipelined
 * command, not a round trip. A run's hash holds its owner for replicas that did not start it; its
 * lease is renewed for all runs here in one pipeline per interval; a survivor ends runs whose
 * lease lapsed. While Redis is down the runs here go on (their local subscribers read them from
 * memory) and their streams are rewritten from the run's own log once it is back.
 */
export class RedisRunLog implements SharedRunLog {
  readonly replicaId: string;
  private readonly local = new Map<string, LocalRun>();
  private readonly dirty = new Set<LocalRun>();
  private flushScheduled = false;
  private writing: Promise<void> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;
  private readonly listeners = new Map<string, Set<(message: string) => void>>();
  private closed = false;
  private resumeHandler: ((runId: string) => void) | undefined;
  private readonly compactions = new Set<Promise<void>>();
  private readonly onMessage = (channel: string, message: string) => {
    if (channel === CANCEL) {
      const run = this.local.get(message)?.run;
      if (run && !run.finished) run.cancel();
      return;
    }
    if (channel === HOLD) {
      this.holdRemotely(message);
      return;
    }
    if (channel === RESUME) {
      if (this.local.get(message)?.run.waiting) this.resumeHandler?.(message);
      return;
    }
    for (const listener of this.listeners.get(channel) ?? []) listener(message);
  };
  private readonly onReady = () => {
    for (const entry of this.local.values()) entry.stale = true;
    void this.resync();
  };

  constructor(private readonly options: RedisRunLogOptions) {
    const { redis, leaseMs } = options;
    this.replicaId = options.replicaId ?? randomUUID();
    if (!('muxgateAppendRunEvents' in redis.commands)) redis.commands.defineCommand('muxgateAppendRunEvents', { numberOfKeys: 0, lua: APPEND_RUN_EVENTS });
    if (!('muxgateCompactRunStream' in redis.commands)) redis.commands.defineCommand('muxgateCompactRunStream', { numberOfKeys: 1, lua: COMPACT_RUN_STREAM });
    redis.subscriber.on('message', this.onMessage);
    redis.commands.on('ready', this.onReady);
    void redis.subscriber.subscribe(CANCEL, HOLD, RESUME).catch((error: unknown) => options.reportError(error, 'redis: subscribing to run cancels', 'warn'));
    this.timer = setInterval(() => void this.tick(), Math.max(100, Math.floor(leaseMs / 3)));
    this.timer.unref();
  }

  attach(run: Run): void {
    const entry: LocalRun = { run, announced: false, stale: false, done: false, pending: [] };
    this.local.set(run.id, entry);
    run.observe({ push: (event) => this.queue(entry, event) });
    run.onFinished(() => clearTimeout(entry.remoteHold?.timer));
  }

  async describe(runId: string): Promise<SharedRunInfo | undefined> {
    const { redis } = this.options;
    let hash: Record<string, string>;
    try {
      hash = await redis.commands.hgetall(KEY(runId));
    } catch {
      throw redis.unavailable('a run on another replica');
    }
    if (!hash.conversationId) return undefined;
    return { ownerId: hash.ownerId ? hash.ownerId : null, conversationId: hash.conversationId, ended: hash.ended === '1' };
  }

  async isHeld(runId: string): Promise<boolean> {
    try {
      return (await this.options.redis.commands.exists(LEASE(runId))) === 1;
    } catch {
      throw this.options.redis.unavailable('a run on another replica');
    }
  }

  async resume(runId: string): Promise<boolean> {
    if (!(await this.isHeld(runId))) return false;
    try {
      await this.options.redis.commands.publish(RESUME, runId);
    } catch {
      throw this.options.redis.unavailable('resuming a run on another replica');
    }
    return true;
  }

  onResume(handler: (runId: string) => void): void {
    this.resumeHandler = handler;
  }

  detach(runId: string): void {
    const entry = this.local.get(runId);
    if (!entry) return;
    // The pause's own events go out first; they stay for followers.
    if (this.dirty.has(entry)) this.flush();
    this.local.delete(runId);
    clearTimeout(entry.remoteHold?.timer);
    // After those writes: the lease and the active entry go (a sweep would find the answer WAITING and do the same).
    const { commands } = this.options.redis;
    this.writing = this.writing.then(() => commands.multi().del(LEASE(runId)).srem(ACTIVE, runId).exec()).then(
      () => undefined,
      () => undefined,
    );
  }

  async cancel(runId: string): Promise<boolean> {
    const info = await this.describe(runId);
    if (!info || info.ended) return false;
    try {
      await this.options.redis.commands.publish(CANCEL, runId);
    } catch {
      throw this.options.redis.unavailable('cancelling a run on another replica');
    }
    return true;
  }

  async watchConversation(conversationId: string, into: EventQueue, isLocal: (runId: string) => boolean): Promise<() => void> {
    const { redis } = this.options;
    const seen = new Set<string>();
    const following = new Set<EventQueue>();
    let stopped = false;
    const watch = (runId: string) => {
      if (stopped || seen.has(runId) || isLocal(runId)) return;
      seen.add(runId);
      void this.follow(runId, 0, { hold: false }).then(
        async (events) => {
          if (stopped) return void events.return();
          following.add(events);
          try {
            for await (const event of events) into.push(event);
          } catch (error) {
            // An erased user's run just stops; Redis going away ends the watch (the client subscribes again).
            if (!(error instanceof DomainError && error.code === 'NOT_FOUND')) into.failWith(error);
          } finally {
            following.delete(events);
          }
        },
        () => seen.delete(runId),
      );
    };
    const channel = CONVERSATION_STARTED(conversationId);
    let set = this.listeners.get(channel);
    if (!set) {
      this.listeners.set(channel, (set = new Set()));
      await redis.subscriber.subscribe(channel).catch(() => {
        this.listeners.delete(channel);
        throw redis.unavailable('watching a conversation across replicas');
      });
    }
    const listener = (runId: string) => watch(runId);
    set.add(listener);
    const stop = () => {
      stopped = true;
      for (const events of following) void events.return();
      if (!set.delete(listener) || set.size > 0) return;
      this.listeners.delete(channel);
      void redis.subscriber.unsubscribe(channel).catch(() => {});
    };
    try {
      for (const runId of await redis.commands.smembers(CONVERSATION_ACTIVE(conversationId))) watch(runId);
    } catch {
      stop();
      throw redis.unavailable('watching a conversation across replicas');
    }
    return stop;
  }

  async follow(runId: string, after: number, options: { hold?: boolean } = {}): Promise<EventQueue> {
    const { redis } = this.options;
    let last = after;
    let reading = false;
    let again = false;
    let stop = () => {};
    const queue = new RemoteQueue(() => stop());
    const read = async (): Promise<void> => {
      if (reading) {
        again = true;
        return;
      }
      reading = true;
      try {
        do {
          again = false;
          const entries = await redis.commands.xrange(EVENTS(runId), `(${entryId(last)}`, '+', 'COUNT', READ_BATCH);
          for (const [, fields] of entries) {
            const event = readStreamEntry(runId, fields, last);
            if (!event) continue;
            last = event.seq;
            queue.push(event);
            if (isTerminal(event)) {
              stop();
              queue.end();
              return;
            }
          }
          if (entries.length === READ_BATCH) again = true;
        } while (again && !queue.isClosed);
      } catch {
        stop();
        queue.error(redis.unavailable('following a run executing on another replica'));
      } finally {
        reading = false;
      }
    };
    const channel = NOTIFY(runId);
    const listener = (message?: string) => {
      if (message !== RUN_FORGOTTEN) return void read();
      // Its user was erased: the run is gone, as if it never was.
      stop();
      queue.error(notFound('Run', runId));
    };
    let set = this.listeners.get(channel);
    if (!set) {
      this.listeners.set(channel, (set = new Set()));
      await redis.subscriber.subscribe(channel).catch(() => {
        this.listeners.delete(channel);
        throw redis.unavailable('following a run executing on another replica');
      });
    }
    set.add(listener);
    const hold = () => options.hold !== false && void redis.commands.publish(HOLD, runId).catch(() => {});
    hold();
    const poll = setInterval(() => {
      hold();
      listener();
    }, FOLLOW_POLL_MS);
    poll.unref();
    stop = () => {
      clearInterval(poll);
      if (!set.delete(listener) || set.size > 0) return;
      this.listeners.delete(channel);
      void redis.subscriber.unsubscribe(channel).catch(() => {});
    };
    await read();
    if (last === after && !queue.isClosed && (await this.endedBefore(runId, after))) {
      stop();
      queue.end();
    }
    return queue;
  }

  async forgetOwner(userId: string, knownRunIds: string[]): Promise<number> {
    const dropped: string[] = [];
    for (const entry of this.local.values()) {
      if (entry.run.owner.userId !== userId) continue;
      entry.forgotten = true;
      this.local.delete(entry.run.id);
      this.dirty.delete(entry);
      dropped.push(entry.run.id);
    }
    // A write already sent could land after the deletion: wait for it.
    await this.writing;
    return eraseUserRuns(this.options.redis, userId, [...knownRunIds, ...dropped]);
  }

  /** A resume from past a finished run's end gets nothing more, and its end, as a local run's does. */
  private async endedBefore(runId: string, after: number): Promise<boolean> {
    const [newest] = await this.options.redis.commands.xrevrange(EVENTS(runId), '+', '-', 'COUNT', 1).catch(() => []);
    if (!newest) return false;
    const event = readStreamEntry(runId, newest[1], 0);
    return event !== undefined && isTerminal(event) && event.seq <= after;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    this.flush();
    await this.writing;
    // Paused runs stay paused in the database: their leases go now, so a decision elsewhere revives them at once.
    const paused = [...this.local.values()].filter((entry) => entry.run.waiting).map((entry) => LEASE(entry.run.id));
    if (paused.length > 0) await this.options.redis.commands.del(...paused).catch(() => {});
    await Promise.all(this.compactions);
    this.options.redis.subscriber.off('message', this.onMessage);
    this.options.redis.commands.off('ready', this.onReady);
  }

  /** A follower elsewhere reads this run: it holds it as a local subscriber would, until its renewals stop. */
  private holdRemotely(runId: string) {
    const entry = this.local.get(runId);
    if (!entry || entry.run.finished) return;
    if (entry.remoteHold) clearTimeout(entry.remoteHold.timer);
    const release = entry.remoteHold?.release ?? entry.run.hold().release;
    const timer = setTimeout(() => {
      entry.remoteHold = undefined;
      release('dropped');
    }, HOLD_EXPIRES_MS);
    timer.unref();
    entry.remoteHold = { release, timer };
  }

  private queue(entry: LocalRun, event: RunEvent) {
    if (entry.forgotten) return;
    // While the stream is known to lack events, the run's own log is the buffer: nothing piles up here.
    if (!entry.stale) entry.pending.push(event);
    this.dirty.add(entry);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  /** One pipeline for every run's events of this tick. */
  private flush(): void {
    const { redis, retentionMs, leaseMs } = this.options;
    if (this.dirty.size === 0) return;
    if (redis.commands.status !== 'ready') {
      // Down: drop what is pending; each run's own log rewrites its stream when Redis is back.
      for (const entry of this.dirty) {
        entry.stale = true;
        entry.pending.length = 0;
      }
      this.dirty.clear();
      return;
    }
    const entries = [...this.dirty].filter((entry) => !entry.stale);
    this.dirty.clear();
    if (entries.length === 0) return;
    const pipeline = redis.commands.pipeline();
    // Every run's events of this tick go in one script call: a token costs its JSON, not a command.
    const appended: string[] = [String(retentionMs + leaseMs), String(retentionMs)];
    const after: Array<() => void> = [];
    const batches = entries.map((entry) => {
      const { run } = entry;
      const events = entry.pending.splice(0);
      if (!entry.announced) {
        pipeline.hset(KEY(run.id), { ownerId: run.owner.userId ?? '', conversationId: run.conversationId, agentId: run.agentId, replica: this.replicaId, ended: '0' });
        pipeline.pexpire(KEY(run.id), retentionMs + leaseMs);
        pipeline.sadd(ACTIVE, run.id);
        pipeline.set(LEASE(run.id), this.replicaId, 'PX', leaseMs);
        pipeline.sadd(CONVERSATION_ACTIVE(run.conversationId), run.id);
        pipeline.pexpire(CONVERSATION_ACTIVE(run.conversationId), retentionMs + leaseMs);
        indexUserRun(pipeline, run.owner.userId, run.id, retentionMs + leaseMs);
      }
      const terminal = events.some(isTerminal);
      // The tick's deltas go as one entry: a token costs its text and a byte or two, not a JSON event and an XADD.
      const packed = compactRunEvents(run.id, events);
      appended.push(run.id, terminal ? '1' : '0', String(packed.length));
      for (const streamEntry of packed) appended.push(...streamEntry);
      const announced = entry.announced;
      after.push(() => {
        if (terminal) {
          pipeline.hset(KEY(run.id), 'ended', '1');
          pipeline.pexpire(KEY(run.id), retentionMs);
          pipeline.srem(ACTIVE, run.id);
          pipeline.srem(CONVERSATION_ACTIVE(run.conversationId), run.id);
          pipeline.del(LEASE(run.id));
        }
        if (!announced) pipeline.publish(CONVERSATION_STARTED(run.conversationId), run.id);
      });
      return { entry, events, terminal };
    });
    (pipeline as unknown as AppendRunEvents).muxgateAppendRunEvents(...appended);
    for (const step of after) step();
    this.writing = this.writing
      .then(() => pipeline.exec())
      .then((results) => {
        const failed = results?.find(([error]) => error);
        if (failed) throw failed[0];
        for (const { entry, terminal } of batches) {
          entry.announced = true;
          if (terminal) this.finishLocal(entry);
        }
      })
      .catch((error: unknown) => {
        for (const { entry } of batches) entry.stale = true;
        this.options.reportError(error, 'redis: writing run events (rewritten from the runs when Redis is back)', 'warn');
      });
  }

  private finishLocal(entry: LocalRun) {
    entry.done = true;
    this.local.delete(entry.run.id);
    const { run } = entry;
    // An erased run's keys are gone; the compaction's guard would leave them so anyway.
    if (!entry.forgotten) this.compact(run.id, run.eventsAfter(0), run.lastSeq, run.lastSeq);
  }

  /**
   * A finished run's stream rewritten to its compacted form (text once, not an entry per token), in
   * one script, only if the stream still holds exactly `count` events ending at seq `lastSeq`.
   */
  private compact(runId: string, events: Iterable<RunEvent>, count: number, lastSeq: number) {
    const args = compactRunEvents(runId, events).flat();
    const compacting = (this.options.redis.commands as unknown as CompactRunStream)
      .muxgateCompactRunStream(EVENTS(runId), String(count), entryId(lastSeq), ...args)
      .then(
        () => {},
        (error: unknown) => this.options.reportError(error, 'redis: compacting a finished run\'s events (left as they are)', 'warn'),
      )
      .finally(() => this.compactions.delete(compacting));
    this.compactions.add(compacting);
  }

  /** A run ended by a survivor: compacted from what its stream holds (it may lack events). */
  private async compactStored(runId: string) {
    const entries = await this.options.redis.commands.xrange(EVENTS(runId), '-', '+');
    const events = entries.flatMap(([, fields]) => expandStreamEntry(runId, fields));
    if (events.length === 0) return;
    this.compact(runId, events, events.length, events.at(-1)!.seq);
  }

  /** After Redis comes back (restarted empty, or a write lost): each run here is rewritten from what its stream lacks. */
  private async resync(): Promise<void> {
    const { redis } = this.options;
    await this.writing;
    for (const entry of [...this.local.values()].filter((e) => e.stale)) {
      try {
        const [newest] = await redis.commands.xrevrange(EVENTS(entry.run.id), '+', '-', 'COUNT', 1);
        const inStream = newest ? Number(newest[0].split('-')[1]) : 0;
        entry.pending = [...entry.run.eventsAfter(inStream)];
        entry.announced = false;
        entry.stale = false;
        this.dirty.add(entry);
      } catch {
        return; // Down again: the next 'ready' retries.
      }
    }
    this.flush();
  }

  /** Every lease interval: renew the leases of the runs here (one pipeline), then look for runs whose replica died. */
  private async tick(): Promise<void> {
    const { redis, leaseMs, retentionMs } = this.options;
    if (this.closed || redis.commands.status !== 'ready') return;
    const running = [...this.local.values()].filter((entry) => entry.announced && !entry.done);
    if (running.length > 0) {
      const pipeline = redis.commands.pipeline();
      for (const { run } of running) {
        pipeline.set(LEASE(run.id), this.replicaId, 'PX', leaseMs);
        pipeline.pexpire(KEY(run.id), retentionMs + leaseMs);
        pipeline.pexpire(EVENTS(run.id), retentionMs + leaseMs);
        renewUserRun(pipeline, run.owner.userId, run.id, retentionMs + leaseMs);
      }
      await pipeline.exec().catch(() => {});
    }
    await this.sweep().catch((error: unknown) => this.options.reportError(error, 'redis: sweeping runs of stopped replicas', 'warn'));
  }

  private async sweep(): Promise<void> {
    const { redis, leaseMs, retentionMs } = this.options;
    const ids = (await redis.commands.smembers(ACTIVE)).filter((id) => !this.local.has(id));
    if (ids.length === 0) return;
    const pipeline = redis.commands.pipeline();
    for (const id of ids) pipeline.exists(LEASE(id));
    const leases = (await pipeline.exec()) ?? [];
    for (const [index, id] of ids.entries()) {
      if (leases[index]?.[1] !== 0) continue;
      // One survivor takes each lapsed run.
      if ((await redis.commands.set(SWEEP(id), this.replicaId, 'PX', leaseMs, 'NX')) !== 'OK') continue;
      const [newest] = await redis.commands.xrevrange(EVENTS(id), '+', '-', 'COUNT', 1);
      const lastEvent = newest ? readStreamEntry(id, newest[1], 0) : undefined;
      let terminal: RunEvent | undefined;
      if (!lastEvent || !isTerminal(lastEvent)) {
        const stored = await this.options.interruptRun(id, leaseMs);
        // Its checkpoint is fresh: its replica is alive, only cut off from Redis for a while.
        if (stored?.answer.status === 'STREAMING') continue;
        // Paused: nothing was lost; it leaves the active set unended, and whoever resumes it writes on.
        if (stored?.answer.status === 'WAITING') {
          await redis.commands.srem(ACTIVE, id);
          continue;
        }
        const next = (lastEvent?.seq ?? 0) + 1;
        if (stored) {
          const event = this.options.terminalFromStored(id, stored.answer);
          terminal = { ...event, seq: Math.max(event.seq, next) };
        } else {
          // No answer row (its turn was never stored): followers still get an end.
          terminal = { type: 'RunFailed', runId: id, seq: next, code: 'INTERRUPTED', message: 'The gateway running this answer stopped before it was stored', retryable: true, partialMessageId: null };
        }
      }
      const conversationId = await redis.commands.hget(KEY(id), 'conversationId');
      const end = redis.commands.multi();
      if (conversationId) end.srem(CONVERSATION_ACTIVE(conversationId), id);
      if (terminal) end.xadd(EVENTS(id), entryId(terminal.seq), EVENT_FIELD, JSON.stringify(terminal));
      end.hset(KEY(id), 'ended', '1');
      end.pexpire(KEY(id), retentionMs);
      end.pexpire(EVENTS(id), retentionMs);
      end.srem(ACTIVE, id);
      end.publish(NOTIFY(id), '');
      await end.exec();
      this.options.onSwept?.(id, terminal ?? lastEvent);
      await this.compactStored(id);
      if (terminal) this.options.reportError(new Error(`run ${id} of a replica that stopped renewing its lease was ended (${terminal.type})`), 'runs', 'warn');
    }
  }
}

/** A follower's queue of a run on another replica: failed with a clear error when Redis goes. */
class RemoteQueue extends EventQueue {
  error(error: unknown): void {
    this.fail(error);
  }
}
