import type { ReportError } from '../errors.js';
import type { RedisConnection } from '../redis/redis-connection.js';
import type { LiveRun, RunChange, SharedLiveRuns } from './live-runs.js';
import { ACTIVE, KEY, RUNS_CHANGED } from './redis-run-keys.js';
import type { RunStatus } from './run.js';

/**
 * The runs of every replica, for `runs` and `runsChanged`: each replica adds its runs' live fields
 * to the run's hash (the one redis-run-log.ts announces, with its owner, agent and replica) and
 * publishes its changes on one channel, in one pipeline per change batch: a run's start and end,
 * and at most one progress batch a second, never a command per token. `runs` reads the active set
 * and those hashes.
 */
export class RedisLiveRuns implements SharedLiveRuns {
  private handler: ((changes: RunChange[]) => void) | undefined;
  private readonly onMessage = (channel: string, raw: string) => {
    if (channel !== RUNS_CHANGED || !this.handler) return;
    let parsed: { origin?: string; changes?: Array<{ kind: RunChange['kind']; run: Omit<LiveRun, 'startedAt'> & { startedAt: string } }> };
    try {
      parsed = JSON.parse(raw) as typeof parsed;
    } catch (error) {
      this.reportError(error, 'redis: an unreadable run change', 'warn');
      return;
    }
    if (parsed.origin === this.replicaId || !Array.isArray(parsed.changes)) return;
    this.handler(parsed.changes.map(({ kind, run }) => ({ kind, run: { ...run, startedAt: new Date(run.startedAt) } })));
  };

  constructor(
    private readonly redis: RedisConnection,
    private readonly replicaId: string,
    /** How long a run's hash outlives an update: its retention and lease, as the run log keeps it. */
    private readonly ttlMs: number,
    private readonly reportError: ReportError,
  ) {
    redis.subscriber.on('message', this.onMessage);
    void redis.subscriber.subscribe(RUNS_CHANGED).catch((error: unknown) => reportError(error, 'redis: subscribing to run changes', 'warn'));
  }

  publish(changes: readonly RunChange[]): void {
    const { commands } = this.redis;
    if (commands.status !== 'ready' || changes.length === 0) return;
    const pipeline = commands.pipeline();
    for (const { kind, run } of changes) {
      // An ended run's hash is the run log's to close; a stale progress must not outlive it.
      if (kind === 'ENDED') continue;
      pipeline.hset(KEY(run.id), {
        status: run.status,
        startedAt: run.startedAt.toISOString(),
        parentRunId: run.parentRunId ?? '',
        tokens: String(run.tokens ?? 0),
        ttftMs: run.timeToFirstTokenMs === null ? '' : String(run.timeToFirstTokenMs),
        liveAgentId: run.agentId,
      });
      pipeline.pexpire(KEY(run.id), this.ttlMs);
    }
    pipeline.publish(RUNS_CHANGED, JSON.stringify({ origin: this.replicaId, changes }));
    pipeline.exec().catch((error: unknown) => this.reportError(error, 'redis: telling the other replicas about runs (their consoles catch up at the next change)', 'warn'));
  }

  async list(): Promise<LiveRun[]> {
    const { commands } = this.redis;
    try {
      const ids = await commands.smembers(ACTIVE);
      if (ids.length === 0) return [];
      const pipeline = commands.pipeline();
      for (const id of ids) pipeline.hgetall(KEY(id));
      const hashes = (await pipeline.exec()) ?? [];
      return ids.flatMap((id, index) => {
        const hash = hashes[index]?.[1] as Record<string, string> | undefined;
        if (!hash || hash.ended === '1') return [];
        const run = liveRunOf(id, hash);
        return run ? [run] : [];
      });
    } catch {
      throw this.redis.unavailable('listing the runs of the other replicas');
    }
  }

  /** A run as its hash has it (a swept run's last state); undefined when the hash is gone or unreadable. */
  async find(runId: string): Promise<LiveRun | undefined> {
    const hash = await this.redis.commands.hgetall(KEY(runId)).catch(() => undefined);
    return hash ? liveRunOf(runId, hash) : undefined;
  }

  onChanges(handler: (changes: RunChange[]) => void): void {
    this.handler = handler;
  }

  close(): void {
    this.redis.subscriber.off('message', this.onMessage);
  }
}

/** The run a hash describes: the run log's fields (owner, conversation, agent, replica) and the live ones added here. */
function liveRunOf(id: string, hash: Record<string, string>): LiveRun | undefined {
  if (!hash.conversationId) return undefined;
  return {
    id,
    status: (hash.status === 'WAITING' ? 'WAITING' : 'RUNNING') as RunStatus,
    agentId: hash.liveAgentId || hash.agentId || '',
    userId: hash.ownerId || null,
    conversationId: hash.conversationId,
    parentRunId: hash.parentRunId || null,
    startedAt: hash.startedAt ? new Date(hash.startedAt) : new Date(),
    timeToFirstTokenMs: hash.ttftMs ? Number(hash.ttftMs) : null,
    tokens: Number(hash.tokens ?? 0),
    replicaId: hash.replica || null,
  };
}
