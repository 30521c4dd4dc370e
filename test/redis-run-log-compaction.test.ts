import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisConnection } from '../src/core/redis/redis-connection.js';
import { compactRunEvents } from '../src/core/runs/redis-log-compaction.js';
import { RedisRunLog } from '../src/core/runs/redis-run-log.js';
import type { RunEvent } from '../src/core/runs/run-event.js';
import { Run } from '../src/core/runs/run.js';
import { TestRedis } from './support/redis-server.js';

const TOKENS = 2_000;

/** Answer tokens as a model sends them: mostly a word, some multi-byte, one long, one empty. */
function token(i: number): string {
  if (i === 700) return ` ${'long'.repeat(60)}`;
  if (i === 701) return '';
  if (i % 97 === 0) return ' wörld 🌍';
  return ` w${i}`;
}

/** Two "replicas" on one Redis: A executes runs, B follows them from the shared log. */
describe('a finished run in Redis is compacted, and replays exactly from any seq', { timeout: 120_000 }, () => {
  let server: TestRedis;
  let inspect: Redis;
  const errors: unknown[] = [];
  const connect = async () => {
    const redis = new RedisConnection(server.url, (error) => errors.push(error));
    await redis.connect();
    const log = new RedisRunLog({
      redis,
      interruptRun: async () => undefined,
      terminalFromStored: () => {
        throw new Error('no stored answers here');
      },
      retentionMs: 60_000,
      leaseMs: 10_000,
      reportError: (error) => errors.push(error),
    });
    return { redis, log };
  };

  beforeAll(async () => {
    server = await TestRedis.start();
    inspect = new Redis(server.url);
  });
  afterAll(async () => {
    inspect?.disconnect();
    await server?.stop();
  });

  it('holds at most 4× the text, and runEvents(after: n) from every n yields the rest with no gap or duplicate', async () => {
    const a = await connect();
    const b = await connect();
    const run = new Run({ id: 'run-compacted', conversationId: 'c', agentId: 'assistant', owner: { userId: 'u' }, orphanGraceMs: 60_000 });
    a.log.attach(run);
    const emitted: RunEvent[] = [];
    const emit = (input: Parameters<Run['emit']>[0]) => emitted.push(run.emit(input));
    emit({ type: 'RunStarted', conversationId: 'c', agentId: 'assistant' });
    // Followers on B before, during and around the end: each reads while the stream is rewritten.
    const live = [{ after: 0, queue: b.log.follow(run.id, 0) }];
    let index = 0;
    for (let i = 0; i < TOKENS; i++) {
      if (i === 1_200) {
        emit({ type: 'ToolCallStarted', callId: 'k', serverId: null, tool: 'lookup', arguments: { q: 'x' } });
        emit({ type: 'ToolCallCompleted', callId: 'k', result: { ok: true }, isError: false, durationMs: 3 });
      }
      emit({ type: 'TokenDelta', text: token(i), index: index++ });
      if (i % 500 === 250) {
        live.push({ after: emitted.length - 3, queue: b.log.follow(run.id, emitted.length - 3) });
        // Lets A write what it has, so the followers see the stream grow.
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    const text = emitted.flatMap((e) => (e.type === 'TokenDelta' ? [e.text] : [])).join('');
    emit({ type: 'MessageCompleted', messageId: 'm', content: text, finishReason: 'stop', usage: null });
    const lastSeq = emitted.length;
    await a.log.close();

    const textBytes = Buffer.byteLength(text);
    const stored = (await inspect.call('MEMORY', 'USAGE', `muxgate:run:${run.id}:events`, 'SAMPLES', '0')) as number;
    const hash = (await inspect.call('MEMORY', 'USAGE', `muxgate:run:${run.id}`, 'SAMPLES', '0')) as number;
    expect(await inspect.keys(`muxgate:run:${run.id}*`)).toEqual(expect.arrayContaining([`muxgate:run:${run.id}`, `muxgate:run:${run.id}:events`]));
    expect(stored + hash, `${stored} + ${hash} bytes in Redis for ${textBytes} bytes of text`).toBeLessThanOrEqual(4 * textBytes);
    // Rewritten, not only packed per tick: one entry per stretch of tokens between the other events.
    expect(await inspect.xlen(`muxgate:run:${run.id}:events`)).toBe(compactRunEvents(run.id, emitted).length);
    expect(await inspect.pttl(`muxgate:run:${run.id}:events`)).toBeGreaterThan(0);

    /** What a follower got after `after` covers every later seq once: each event as emitted, each delta the exact text of the tokens up to its seq. */
    const check = (got: RunEvent[], after: number) => {
      let seen = after;
      for (const event of got) {
        const covered = emitted.slice(seen, event.seq);
        expect(covered.length, `after ${after}: seq ${event.seq} follows ${seen}`).toBeGreaterThan(0);
        if (event.type === 'TokenDelta') {
          expect(covered.every((e) => e.type === 'TokenDelta'), `after ${after}: delta at ${event.seq} covers only deltas`).toBe(true);
          expect(event.text).toBe(covered.map((e) => (e as Extract<RunEvent, { type: 'TokenDelta' }>).text).join(''));
          expect(event.index).toBe((covered[0] as Extract<RunEvent, { type: 'TokenDelta' }>).index);
        } else {
          expect(covered).toEqual([event]);
        }
        seen = event.seq;
      }
      expect(seen, `after ${after}: ends at the last seq`).toBe(Math.max(after, lastSeq));
    };
    const drain = async (queue: AsyncIterable<RunEvent>) => {
      const got: RunEvent[] = [];
      for await (const event of queue) got.push(event);
      return got;
    };

    for (const { after, queue } of live) check(await drain(await queue), after);
    for (let after = 0; after <= lastSeq + 1; after++) {
      const got = await drain(await b.log.follow(run.id, after));
      check(got, after);
      if (after < lastSeq) expect(got.at(-1)).toEqual(emitted.at(-1));
    }
    await b.log.close();
    await a.redis.close();
    await b.redis.close();
    expect(errors).toEqual([]);
  });
});
