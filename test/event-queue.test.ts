import { describe, expect, it } from 'vitest';
import { CLOSE_AT, COALESCE_AT, EventQueue } from '../src/core/runs/event-queue.js';
import type { RunEvent } from '../src/core/runs/run-event.js';

const delta = (seq: number, runId = 'r'): RunEvent => ({ type: 'TokenDelta', runId, seq, text: `t${seq} `, index: seq - 1 });

async function drain(queue: EventQueue): Promise<RunEvent[]> {
  const events: RunEvent[] = [];
  for await (const event of queue) events.push(event);
  return events;
}

describe('a slow subscriber’s queue', () => {
  it('merges token deltas once it holds COALESCE_AT events, losing no text and keeping the last seq', async () => {
    const queue = new EventQueue();
    const count = COALESCE_AT * 3;
    for (let seq = 1; seq <= count; seq++) queue.push(delta(seq));
    queue.push({ type: 'MessageCompleted', runId: 'r', seq: count + 1, messageId: 'm', content: '', finishReason: 'stop', usage: null });
    queue.end();
    const events = await drain(queue);
    expect(events.length).toBeLessThan(COALESCE_AT);
    const text = events.flatMap((e) => (e.type === 'TokenDelta' ? [e.text] : [])).join('');
    expect(text).toBe(Array.from({ length: count }, (_, i) => `t${i + 1} `).join(''));
    expect(events.map((e) => e.seq)).toEqual([...events.map((e) => e.seq)].sort((a, b) => a - b));
    expect(events.at(-2)?.seq).toBe(count);
    expect(events.at(-1)?.type).toBe('MessageCompleted');
  });

  it('does not merge deltas of different runs (a conversation watcher)', async () => {
    const queue = new EventQueue();
    for (let seq = 1; seq <= COALESCE_AT; seq++) queue.push(delta(seq, seq % 2 ? 'a' : 'b'));
    queue.end();
    const events = await drain(queue);
    expect(events).toHaveLength(COALESCE_AT);
  });

  it('closes a reader still too far behind after merging, naming the seq to resume after', async () => {
    const left: string[] = [];
    const queue = new EventQueue((_queue, how) => left.push(how));
    const first = queue.next();
    queue.push({ type: 'RunStarted', runId: 'r', seq: 1, conversationId: 'c', agentId: 'a' });
    expect((await first).value?.seq).toBe(1);
    for (let seq = 2; seq <= CLOSE_AT + 1; seq++) {
      queue.push({ type: 'ToolCallCompleted', runId: 'r', seq, callId: `c${seq}`, result: null, isError: false, durationMs: 0 });
    }
    await expect(queue.next()).rejects.toMatchObject({ code: 'RATE_LIMITED', message: expect.stringContaining('after: 1') });
    expect(left).toEqual(['dropped']);
    expect(await queue.next()).toEqual({ value: undefined, done: true });
  });

  it('hands events straight to a waiting reader and ends it when told', async () => {
    const queue = new EventQueue();
    const waiting = queue.next();
    queue.push(delta(1));
    expect((await waiting).value).toEqual(delta(1));
    const end = queue.next();
    queue.end();
    expect(await end).toEqual({ value: undefined, done: true });
  });
});
