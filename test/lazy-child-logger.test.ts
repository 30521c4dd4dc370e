import { trace } from '@opentelemetry/api';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { logWithSpan, traceIdsForLogs } from '../src/server/http-tracing.js';
import { LazyChildLogger } from '../src/server/lazy-child-logger.js';

const logger = (level: string) => {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { log, lines };
};

describe('LazyChildLogger', () => {
  it('writes as pino children would: each binding, the parent’s level', () => {
    const { log, lines } = logger('info');
    const connection = new LazyChildLogger(log, { reqId: 'ws-1' });
    const operation = new LazyChildLogger(connection, { operationId: '7' });
    operation.debug({ code: 'NOT_FOUND' }, 'below the level');
    operation.info({ code: 'RATE_LIMITED' }, 'logged');
    connection.warn('the connection');
    operation.child({ tool: 'x' }).error(new Error('boom'), 'a grandchild');
    expect(lines.map(({ level, msg, reqId, operationId, tool, code }) => ({ level, msg, reqId, operationId, tool, code }))).toEqual([
      { level: 30, msg: 'logged', reqId: 'ws-1', operationId: '7', tool: undefined, code: 'RATE_LIMITED' },
      { level: 40, msg: 'the connection', reqId: 'ws-1', operationId: undefined, tool: undefined, code: undefined },
      { level: 50, msg: 'a grandchild', reqId: 'ws-1', operationId: '7', tool: 'x', code: undefined },
    ]);
    expect(lines[2]!.err).toMatchObject({ message: 'boom' });
  });

  it('reads its parent’s level until its own is set', () => {
    const { log, lines } = logger('info');
    const operation = new LazyChildLogger(new LazyChildLogger(log, { reqId: 'ws-2' }), { operationId: '1' });
    expect(operation.level).toBe('info');
    expect(operation.isLevelEnabled('debug')).toBe(false);
    operation.level = 'debug';
    expect(operation.isLevelEnabled('debug')).toBe(true);
    operation.debug('now written');
    expect(log.level).toBe('info');
    expect(lines).toMatchObject([{ level: 20, msg: 'now written', reqId: 'ws-2', operationId: '1' }]);
  });
});

describe('LazyChildLogger and the span its lines carry (tracing on)', () => {
  const SPAN = trace.wrapSpanContext({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 });
  const traced = () => {
    const lines: Record<string, unknown>[] = [];
    const log = pino({ level: 'debug', mixin: traceIdsForLogs }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    return { log, lines };
  };

  it('a WebSocket operation’s span, set before its first line, is on every line it and its children write', () => {
    const { log, lines } = traced();
    const operation = new LazyChildLogger(new LazyChildLogger(log, { reqId: 'ws-3' }), { operationId: '1' });
    logWithSpan(operation, SPAN);
    operation.debug({ code: 'NOT_FOUND' }, 'outside any active span');
    operation.child({ tool: 'x' }).info('a child');
    expect(lines).toMatchObject([
      { msg: 'outside any active span', reqId: 'ws-3', operationId: '1', traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331' },
      { msg: 'a child', tool: 'x', traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331' },
    ]);
  });

  it('a span set after the operation has logged is on its later lines; its connection’s lines stay without it', () => {
    const { log, lines } = traced();
    const connection = new LazyChildLogger(log, { reqId: 'ws-4' });
    const operation = new LazyChildLogger(connection, { operationId: '2' });
    operation.info('before the span');
    logWithSpan(operation, SPAN);
    operation.warn('after the span');
    connection.info('the connection');
    expect(lines.map(({ msg, traceId, spanId }) => ({ msg, traceId, spanId }))).toEqual([
      { msg: 'before the span', traceId: undefined, spanId: undefined },
      { msg: 'after the span', traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331' },
      { msg: 'the connection', traceId: undefined, spanId: undefined },
    ]);
  });
});
