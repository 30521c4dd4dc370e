import { RUN_CHANGE_KINDS, type LiveRun as LiveRunModel, type RunChange as RunChangeModel } from '../core/runs/live-runs.js';
import { builder } from './builder.js';
import { RunStatus } from './chat.js';

export const LiveRun = builder.objectRef<LiveRunModel>('LiveRun').implement({
  description: 'A run in flight on any replica (RUNNING, or WAITING for its client), as the console lists it. Its events: runEvents(runId, after: 0); its stored answer: run(id); stop it: cancelRun.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The run.' }),
    status: t.expose('status', { type: RunStatus, description: 'RUNNING or WAITING while in flight; how it ended in an ENDED change.' }),
    agentId: t.exposeID('agentId', { description: 'The agent answering (the receiving one after a handoff).' }),
    userId: t.exposeID('userId', { nullable: true, description: 'The user it acts for; null for a credential acting for no user.' }),
    conversationId: t.exposeID('conversationId', { description: 'Its conversation.' }),
    parentRunId: t.exposeID('parentRunId', { nullable: true, description: 'The run that delegated to it; null for a run a client started.' }),
    startedAt: t.expose('startedAt', { type: 'DateTime', description: 'When it started.' }),
    timeToFirstTokenMs: t.exposeFloat('timeToFirstTokenMs', { nullable: true, description: 'Milliseconds from its start to its first text; null until the first token (and for a paused run no replica holds).' }),
    tokens: t.exposeInt('tokens', { nullable: true, description: 'Text deltas (tokens) streamed so far; null for a paused run no replica holds.' }),
    replicaId: t.exposeID('replicaId', { nullable: true, description: 'The gateway replica executing it (MetricSeries.replicaId names each); null for a paused run no replica holds (stored; resumed wherever its decision comes).' }),
  }),
});

export const RunChangeKind = builder.enumType('RunChangeKind', {
  description: 'What happened to a run, as runsChanged reports it.',
  values: {
    STARTED: { description: 'It started.' },
    PROGRESSED: { description: 'Its tokens or status moved (told at most once a second per run).' },
    ENDED: { description: 'It ended; `run.status` says how.' },
  } as const satisfies Record<(typeof RUN_CHANGE_KINDS)[number], object>,
});

export const RunChange = builder.objectRef<RunChangeModel>('RunChange').implement({
  description: 'A run started, progressed or ended.',
  fields: (t) => ({
    kind: t.expose('kind', { type: RunChangeKind, description: 'What happened.' }),
    run: t.expose('run', { type: LiveRun, description: 'The run as it stands after the change.' }),
  }),
});
