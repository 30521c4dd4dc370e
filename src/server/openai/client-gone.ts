import type { FastifyReply } from 'fastify';
import type { RunEvent } from '../../core/runs/run-event.js';

/**
 * A client gone mid-answer is a dropped connection, as on every surface: `closed` aborts and the
 * run's events are ended, so the run waits RUN_ORPHAN_GRACE_MS for runEvents(X-Run-Id) to resume it.
 */
export function endWhenClientGone(reply: FastifyReply, closed: AbortController, events: AsyncIterator<RunEvent>): void {
  const whenClosed = () => {
    if (reply.raw.writableFinished) return;
    closed.abort();
    void events.return?.();
  };
  reply.raw.once('close', whenClosed);
  if (reply.raw.destroyed) whenClosed();
}
