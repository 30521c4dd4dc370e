import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../src/core/runs/run-event.js';
import { RunLog } from '../src/core/runs/run-log.js';

/** A run with two stretches of deltas around a tool call, multi-byte text included. */
function sampleEvents(): RunEvent[] {
  const events: RunEvent[] = [];
  const add = (event: Record<string, unknown>) => events.push({ ...event, runId: 'r', seq: events.length + 1 } as RunEvent);
  add({ type: 'RunStarted', conversationId: 'c', agentId: 'a' });
  add({ type: 'AgentSelected', agentId: 'a', strategy: 'SINGLE', confidence: 1, reason: 'the only agent', cached: false, latencyMs: 0, candidates: [] });
  ['Hel', 'lo ', 'wörld', ' 🌍', ''].forEach((text, index) => add({ type: 'TokenDelta', text, index }));
  add({ type: 'ToolCallStarted', callId: 'k', serverId: null, tool: 't', arguments: {} });
  add({ type: 'ToolCallCompleted', callId: 'k', result: 1, isError: false, durationMs: 3 });
  [' and', ' more'].forEach((text, i) => add({ type: 'TokenDelta', text, index: 5 + i }));
  add({ type: 'MessageCompleted', messageId: 'm', content: 'Hello wörld 🌍 and more', finishReason: 'stop', usage: null });
  return events;
}

describe('a run log', () => {
  it('replays exactly the emitted events after any seq, before and after it is packed', () => {
    const events = sampleEvents();
    const log = new RunLog();
    for (const event of events) log.append(event);
    const live = events.map((_, after) => [...log.after(after)]);
    log.pack();
    expect(log.length).toBe(events.length);
    for (let after = 0; after <= events.length; after++) {
      expect([...log.after(after)], `after ${after}`).toEqual(events.slice(after));
      if (after < events.length) expect(live[after]).toEqual(events.slice(after));
    }
  });

  it('takes no events once packed', () => {
    const log = new RunLog();
    log.pack();
    expect(() => log.append(sampleEvents()[0]!)).toThrow();
  });
});
