import { describe, expect, it } from 'vitest';
import { COALESCE_AT, EventQueue } from '../src/core/runs/event-queue.js';
import type { RunEvent } from '../src/core/runs/run-event.js';

// Issue 20's fast path (EventQueue.writeDirectly): a token delta skips the reader only while the reader waits with nothing buffered.

const delta = (seq: number): RunEvent => ({ type: 'TokenDelta', runId: 'r', seq, text: `t${seq} `, index: seq - 1 });
const toolStarted = (seq: number): RunEvent => ({ type: 'ToolCallStarted', runId: 'r', seq, callId: 'c', serverId: null, tool: 'weather', arguments: {} });
const completed = (seq: number): RunEvent => ({ type: 'MessageCompleted', runId: 'r', seq, messageId: 'm', content: '', finishReason: 'stop', usage: null });

/** A transport: direct writes and the reader's writes (each after a macrotask, as a socket write callback) go to one wire. */
function transport(queue: EventQueue, accept: () => boolean = () => true) {
  const wire: number[] = [];
  queue.writeDirectly((event) => {
    if (!accept()) return false;
    wire.push(event.seq);
    return true;
  });
  const reader = (async () => {
    for await (const event of queue) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      wire.push(event.seq);
    }
  })();
  return { wire, reader };
}

describe('direct writes of token deltas', () => {
  it('never lets a token overtake an event the reader is still sending, even one pushed in the same tick', async () => {
    const queue = new EventQueue();
    const { wire, reader } = transport(queue);
    queue.push(delta(1)); // reader waiting: written directly
    queue.push(toolStarted(2)); // handed to the reader
    queue.push(delta(3)); // the reader is busy with 2: must wait behind it
    queue.push(delta(4));
    await new Promise((resolve) => setTimeout(resolve, 20));
    queue.push(delta(5)); // reader waiting again
    queue.push(completed(6));
    queue.end();
    await reader;
    expect(wire).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('a refused write takes the reader’s way, and the tokens after it follow it in order', async () => {
    const queue = new EventQueue();
    let open = false;
    const { wire, reader } = transport(queue, () => open);
    queue.push(delta(1)); // refused (socket behind): to the reader
    open = true;
    queue.push(delta(2)); // reader busy with 1
    await new Promise((resolve) => setTimeout(resolve, 20));
    queue.push(delta(3));
    queue.push(completed(4));
    queue.end();
    await reader;
    expect(wire).toEqual([1, 2, 3, 4]);
  });

  it('writes nothing once the reader has left, and still merges what a busy reader has not taken', async () => {
    const queue = new EventQueue();
    const written: number[] = [];
    queue.writeDirectly((event) => (written.push(event.seq), true));
    // Nobody reading yet: everything is buffered, and merged past COALESCE_AT.
    for (let seq = 1; seq <= COALESCE_AT * 2; seq++) queue.push(delta(seq));
    expect(written).toEqual([]);
    const first = await queue.next();
    expect(first.value?.seq).toBeLessThan(COALESCE_AT * 2);
    await queue.return();
    queue.push(delta(COALESCE_AT * 2 + 1));
    expect(written).toEqual([]);
  });
});
