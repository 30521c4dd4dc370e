import pino from 'pino';
import { describe, expect, it } from 'vitest';
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
