import { describe, expect, it } from 'vitest';
import { applyEvent, answerText, isOpen, newTurn, type RunEventShape, type Turn } from '../studio/src/run-events.js';
import { argumentsFrom, fieldKind } from '../studio/src/components/json-schema.js';

const run = (events: RunEventShape[], from: Turn = newTurn('t', 'Hi')) => events.reduce(applyEvent, from);
let seq = 0;
const event = (__typename: string, fields: Partial<RunEventShape> = {}): RunEventShape => ({ __typename, runId: 'r1', seq: ++seq, ...fields });

describe('the Playground turn built from run events', () => {
  it('joins token deltas, keeps tool calls in place between text, and ends complete with usage', () => {
    seq = 0;
    const turn = run([
      event('RunStarted', { agentId: 'a', conversationId: 'c1' }),
      event('AgentSelected', { agentId: 'a', strategy: 'EXPLICIT', confidence: 1, routingReason: 'named', cached: false, latencyMs: 0, candidates: [{ agentId: 'a', score: 1 }] }),
      event('TokenDelta', { text: 'Let me ' }),
      event('TokenDelta', { text: 'check.' }),
      event('ToolCallStarted', { callId: 'c', tool: 'weather', arguments: { city: 'Oslo' } }),
      event('ToolCallCompleted', { callId: 'c', result: { celsius: -3 }, isError: false, durationMs: 4 }),
      event('TokenDelta', { text: 'Cold.' }),
      event('MessageCompleted', { content: 'Let me check.Cold.', finishReason: 'stop', usage: { promptTokens: 3, completionTokens: 2, totalTokens: 5 } }),
    ]);
    expect(turn).toMatchObject({ runId: 'r1', conversationId: 'c1', agentId: 'a', status: 'complete', lastSeq: 8, usage: { totalTokens: 5 }, routing: { strategy: 'EXPLICIT', reason: 'named' } });
    expect(turn.items).toEqual([
      { kind: 'text', text: 'Let me check.' },
      { kind: 'tool', callId: 'c', tool: 'weather', serverId: undefined, arguments: { city: 'Oslo' }, result: { celsius: -3 }, isError: false, durationMs: 4 },
      { kind: 'text', text: 'Cold.' },
    ]);
    expect(isOpen(turn)).toBe(false);
  });

  it('ignores events at or below the last seq it applied: a resume after a reload repeats nothing', () => {
    seq = 0;
    const before = run([event('RunStarted', { agentId: 'a', conversationId: 'c' }), event('TokenDelta', { text: 'One' }), event('TokenDelta', { text: ' two' })]);
    const replayed = run([{ __typename: 'TokenDelta', runId: 'r1', seq: 3, text: ' two' }, { __typename: 'TokenDelta', runId: 'r1', seq: 4, text: ' three' }], before);
    expect(answerText(replayed)).toBe('One two three');
    expect(replayed.lastSeq).toBe(4);
  });

  it('a client tool request and an approval pause the turn; the decision and the result land on their items', () => {
    seq = 0;
    const paused = run([
      event('RunStarted', { agentId: 'a', conversationId: 'c' }),
      event('ToolCallRequested', { callId: 'loc', tool: 'get_location', arguments: {} }),
      event('ToolApprovalRequested', { callId: 'w', tool: 'weather', serverId: null, arguments: { city: 'Rome' } }),
      event('RunPaused', { callIds: ['loc', 'w'], expiresAt: '2026-01-01T00:00:00Z' }),
    ]);
    expect(paused.status).toBe('paused');
    expect(isOpen(paused)).toBe(true);
    const resumed = run(
      [
        event('RunResumed'),
        event('ToolCallDecided', { callId: 'w', approved: false, decisionReason: 'not Rome' }),
        event('ToolCallCompleted', { callId: 'loc', result: 'Oslo', isError: false, durationMs: 0 }),
        event('ToolCallCompleted', { callId: 'w', result: 'The call was not approved', isError: true, durationMs: 0 }),
        event('RunFailed', { code: 'CANCELLED', message: 'Stopped' }),
      ],
      paused,
    );
    expect(resumed.status).toBe('cancelled');
    expect(resumed.items).toEqual([
      { kind: 'request', callId: 'loc', tool: 'get_location', arguments: {}, answered: true },
      { kind: 'approval', callId: 'w', tool: 'weather', serverId: null, arguments: { city: 'Rome' }, decision: { approved: false, reason: 'not Rome' } },
      { kind: 'tool', callId: 'loc', tool: 'get_location', arguments: {}, client: true, result: 'Oslo', isError: false, durationMs: 0 },
      { kind: 'tool', callId: 'w', tool: 'weather', arguments: { city: 'Rome' }, client: false, result: 'The call was not approved', isError: true, durationMs: 0 },
    ]);
  });

  it('shows delegations and handoffs where they happen; the stored answer wins over the deltas', () => {
    seq = 0;
    const turn = run([
      event('RunStarted', { agentId: 'lead', conversationId: 'c' }),
      event('DelegationStarted', { childRunId: 'child', agentId: 'expert' }),
      event('DelegationCompleted', { childRunId: 'child', isError: false }),
      event('Handoff', { fromAgentId: 'lead', toAgentId: 'billing', handoffReason: 'a refund' }),
      event('TokenDelta', { text: 'raw' }),
      event('MessageCompleted', { content: 'rewritten by a hook', finishReason: 'stop' }),
    ]);
    expect(turn.agentId).toBe('billing');
    expect(turn.items).toEqual([
      { kind: 'delegation', childRunId: 'child', agentId: 'expert', done: true, isError: false },
      { kind: 'handoff', fromAgentId: 'lead', toAgentId: 'billing', reason: 'a refund' },
      { kind: 'text', text: 'rewritten by a hook' },
    ]);
  });

  it('ignores another run’s events', () => {
    seq = 0;
    const turn = run([event('RunStarted', { agentId: 'a', conversationId: 'c' })]);
    expect(applyEvent(turn, { __typename: 'TokenDelta', runId: 'other', seq: 9, text: 'x' })).toBe(turn);
  });
});

describe('the tool form generated from a JSON Schema', () => {
  const schema = {
    type: 'object',
    properties: {
      text: { type: 'string' },
      count: { type: 'integer' },
      ratio: { type: 'number' },
      loud: { type: 'boolean' },
      mode: { type: 'string', enum: ['fast', 'slow'] },
      tags: { type: 'array', items: { type: 'string' } },
      extra: { type: 'object' },
      maybe: { type: ['string', 'null'] },
    },
    required: ['text'],
  };

  it('picks a field per type: text, number, checkbox, select, JSON for the rest', () => {
    expect(Object.fromEntries(Object.entries(schema.properties).map(([name, property]) => [name, fieldKind(property)]))).toEqual({
      text: 'string', count: 'integer', ratio: 'number', loud: 'boolean', mode: 'enum', tags: 'json', extra: 'json', maybe: 'string',
    });
  });

  it('turns the fields into typed arguments, leaving empty optional fields out', () => {
    expect(argumentsFrom(schema, { text: 'hi', count: '3', ratio: '0.5', loud: true, mode: 'slow', tags: '["a","b"]', extra: '', maybe: '' })).toEqual({
      text: 'hi', count: 3, ratio: 0.5, loud: true, mode: 'slow', tags: ['a', 'b'],
    });
  });

  it('refuses a value that does not fit, naming the field', () => {
    expect(() => argumentsFrom(schema, { count: '2.5' })).toThrow('count must be a whole number');
    expect(() => argumentsFrom(schema, { ratio: 'abc' })).toThrow('ratio must be a number');
    expect(() => argumentsFrom(schema, { tags: '[oops' })).toThrow('tags must be JSON');
  });
});
