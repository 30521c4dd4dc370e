import { actingUserId, type Principal, requireAuthenticated } from '../auth/principal.js';
import { mayReadOwned, viewerOf } from '../auth/visibility.js';
import type { Message } from '../conversations/conversation.js';
import type { ConversationStore } from '../conversations/conversation-store.js';
import { badInput, notFound, type ReportError } from '../errors.js';
import { applyDecisions, type Decision, deciderOf, expireDecisions, pauseEvents, type PausedStep, storedPauseEvents, undecided } from './paused-step.js';
import type { PausedContext } from './chat.js';
import type { SharedRunLog } from './redis-run-log.js';
import type { RunEventInput } from './run-event.js';
import type { RunRegistry } from './run-registry.js';
import { Run } from './run.js';

export interface RunPausesSettings {
  clientToolTimeoutMs: number;
  maxToolResultChars: number;
  runOrphanGraceMs: number;
}

/** What the chat pipeline does with a paused run once it is decided (goes on) or cancelled (ends). */
export interface PausedRunContinuation {
  continuePaused(run: Run, answer: Message, step: PausedStep, prefetched?: Promise<PausedContext>): Promise<void>;
  /** The context a resumed run will need, read while the decision is written. */
  pausedContext(runId: string, answer: Message, ownerId: string | null, step: PausedStep): Promise<PausedContext>;
  endPaused(run: Run, answer: Message | undefined, reason: unknown): Promise<void>;
}

/** A decision stored: where the run stood, and whether it completed the step (the run then goes on). */
export interface DecisionOutcome {
  runId: string;
  step: PausedStep;
  resumed: boolean;
}

/** A step as its decision claimed it: the answer row as it stood, and the step written. */
interface ClaimedStep {
  /** The answer as read before the claim (WAITING), with its conversation's owner. */
  answer: Message;
  ownerId: string | null;
  /** The step as claimed (every call decided). */
  step: PausedStep;
  /** Its context, read beside the claim's write. */
  context?: Promise<PausedContext> | undefined;
}

/** Decisions that lose a race with another decision (another replica, a timeout) read again this many times. */
const DECISION_ATTEMPTS = 5;
/** How often a decision waits to see the step taken by the replica holding the run; each poll renews its claim. */
const TAKEN_POLL_MS = 50;
/** RESUME is sent again after this many polls without the step taken (a message lost on the way). */
const RESUME_AGAIN_POLLS = 20;
/** A holder that renews its lease but never takes the step (30 s): the decider goes on with it (the take keeps it to one). */
const TAKEOVER_POLLS = 600;

/**
 * Runs waiting for their client. The paused step lives in the answer row: a decision is an
 * optimistic write of it (any replica may take it), and the one that completes the step claims
 * the run. The replica holding the run then goes on with it; if none does (it restarted, or it
 * stopped), the run is rebuilt here from what is stored. One timer per paused run ends the wait.
 */
export class RunPauses {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Runs this process paused, by conversation (ids: a run nobody reads leaves memory): a new message there ends them, with no scan of every run. */
  private readonly byConversation = new Map<string, Set<string>>();
  /** The stored answers of paused runs held in memory, by run id. */
  private readonly stored = new Map<string, { answer: Message; ownerId: string | null }>();
  private continuation: PausedRunContinuation | undefined;
  private closed = false;

  constructor(
    private readonly deps: {
      store: ConversationStore;
      runs: RunRegistry;
      shared?: SharedRunLog | undefined;
      settings: RunPausesSettings;
      reportError: ReportError;
    },
  ) {
    deps.shared?.onResume((runId) => void this.resumeHere(runId).catch((error: unknown) => this.report(error, runId)));
  }

  /** The chat pipeline, which owns going on with a run (set once, when both exist). */
  bind(continuation: PausedRunContinuation): void {
    this.continuation = continuation;
  }

  /** A run here has stored its paused step (`answer`, as stored): each waiting call is announced, then RunPaused, and its timer set. */
  waiting(run: Run, step: PausedStep, answer: Message): void {
    for (const { runId: _run, seq: _seq, ...event } of pauseEvents(run.id, step)) run.emit(event as RunEventInput);
    this.hold(run, answer);
    // While a client reads the run, its stored answer stays at hand: its decision needs no read (a stale copy only fails the version check).
    this.stored.set(run.id, { answer, ownerId: run.owner.userId });
    this.arm(run.id, step.expiresAt);
  }

  /** The runs this process paused in the conversation that still wait (one that left memory is revived). */
  async waitingIn(conversationId: string): Promise<Run[]> {
    const ids = this.byConversation.get(conversationId);
    if (!ids) return [];
    const runs: Run[] = [];
    for (const runId of [...ids]) {
      const held = this.deps.runs.get(runId);
      if (held?.waiting) {
        runs.push(held);
        continue;
      }
      const found = held ? undefined : await this.deps.store.findAnswerByRun(runId);
      if (found?.answer.status === 'WAITING') runs.push(this.revive(runId, found.answer, found.ownerId));
      else this.unindex(conversationId, runId);
    }
    return runs;
  }

  /** Marks the run WAITING (a cancel then ends it from here) and indexes it by conversation until it goes on. */
  private hold(run: Run, answer?: Message): void {
    run.pause({ cancel: (reason) => void this.cancelWaiting(run, reason), unread: () => this.evict(run) }, answer);
    let ids = this.byConversation.get(run.conversationId);
    if (!ids) this.byConversation.set(run.conversationId, (ids = new Set()));
    ids.add(run.id);
  }

  /**
   * A paused run nobody reads leaves memory: its state is stored, its timer stays, and a reader
   * (runEvents), a decision or a cancel revives it from storage. What it costs while it waits is a timer.
   */
  private evict(run: Run): void {
    if (!run.waiting || this.deps.runs.get(run.id) !== run) return;
    this.deps.runs.remove(run);
    this.stored.delete(run.id);
    this.deps.shared?.detach(run.id);
    run.leaveMemory();
  }

  /** The run goes on (a decision, a timeout, a cancel): WAITING no more. Synchronous, so only one caller ever resumes it. */
  private release(run: Run): void {
    run.resume();
    this.stored.delete(run.id);
    this.unindex(run.conversationId, run.id);
  }

  private unindex(conversationId: string, runId: string): void {
    const ids = this.byConversation.get(conversationId);
    ids?.delete(runId);
    if (ids?.size === 0) this.byConversation.delete(conversationId);
  }

  /**
   * Stores a client's decisions on a paused run (tool results, approvals): all of them or none.
   * When they leave no call waiting, the run goes on (here, or on the replica that holds it).
   */
  async decide(principal: Principal, runId: string, decisions: readonly Decision[], options: { userId?: string | null } = {}): Promise<DecisionOutcome> {
    requireAuthenticated(principal);
    const by = deciderOf(principal, actingUserId(principal, options.userId) ?? null);
    for (let attempt = 1; ; attempt++) {
      const held = attempt === 1 ? this.heldAnswer(principal, runId, options) : undefined;
      const { answer, ownerId } = held ?? (await this.waitingAnswer(principal, runId, options));
      const step = answer.pending as PausedStep;
      const next = applyDecisions(step, decisions, by, { maxResultChars: this.deps.settings.maxToolResultChars });
      const resumed = undecided(next).length === 0;
      // The context the run goes on with is read while the claim is written (one round trip less before the model).
      const context = resumed ? this.continuation!.pausedContext(runId, answer, ownerId, next) : undefined;
      context?.catch(() => {});
      if (await this.deps.store.updatePaused(runId, step.version, next, resumed)) {
        if (resumed) await this.claimed(runId, { answer, ownerId, step: next, context });
        else if (this.stored.has(runId)) this.stored.set(runId, { answer: { ...answer, pending: next }, ownerId });
        return { runId, step: next, resumed };
      }
      if (attempt >= DECISION_ATTEMPTS) throw badInput(`Run "${runId}" changed while the decision was stored; send it again`, { runId });
    }
  }

  /** The stored answer of a paused run this process holds (a client reads it), if the principal may decide on it. */
  private heldAnswer(principal: Principal, runId: string, options: { userId?: string | null }): { answer: Message; ownerId: string | null } | undefined {
    const held = this.stored.get(runId);
    if (!held || !this.deps.runs.get(runId)?.waiting || !mayReadOwned(viewerOf(principal, options.userId), held.ownerId)) return undefined;
    return held;
  }

  /** A paused run's stored answer and owner, for the principal: NOT_FOUND if it is not theirs, BAD_USER_INPUT if it does not wait. */
  async waitingAnswer(principal: Principal, runId: string, options: { userId?: string | null } = {}): Promise<{ answer: Message; ownerId: string | null }> {
    const found = await this.deps.store.findAnswerByRun(runId);
    if (!found || !mayReadOwned(viewerOf(principal, options.userId), found.ownerId)) throw notFound('Run', runId);
    if (found.answer.status !== 'WAITING' || !found.answer.pending) {
      throw badInput(`Run "${runId}" is not waiting for its client (its answer is ${found.answer.status})`, { runId });
    }
    return found;
  }

  /**
   * The principal's run that waits for a result to this call (in this conversation, when given):
   * how a /v1 request's tool messages find the run they continue. Undefined when none does.
   */
  async findWaiting(principal: Principal, callId: string, options: { conversationId?: string | undefined; userId?: string | null } = {}): Promise<{ answer: Message; ownerId: string | null } | undefined> {
    requireAuthenticated(principal);
    const viewer = viewerOf(principal, options.userId);
    const found = await this.deps.store.findWaitingForCall(callId, options.conversationId);
    return found.find(({ ownerId }) => mayReadOwned(viewer, ownerId));
  }

  /** A paused run not in this process (a restart): rebuilt from its stored step, showing its pause's events. */
  revive(runId: string, answer: Message, ownerId: string | null): Run {
    const existing = this.deps.runs.get(runId);
    if (existing) return existing;
    const step = answer.pending as PausedStep;
    const run = new Run({
      id: runId,
      conversationId: answer.conversationId,
      agentId: answer.agentId ?? '',
      owner: { userId: ownerId },
      orphanGraceMs: this.deps.settings.runOrphanGraceMs,
      replay: storedPauseEvents(runId, step, answer),
      // Whoever decides, the run's calls stay charged to the credential that started it.
      keyId: step.keyId ?? null,
    });
    if (answer.status === 'WAITING') {
      this.hold(run);
      this.arm(runId, step.expiresAt);
    }
    this.deps.runs.add(run);
    this.deps.shared?.attach(run);
    return run;
  }

  /** Start-up: the timeouts of runs that were waiting when the gateway stopped. */
  async armStored(): Promise<number> {
    const waiting = await this.deps.store.waitingRuns();
    for (const { runId, expiresAt } of waiting) this.arm(runId, expiresAt);
    return waiting.length;
  }

  /** Shutdown: no timer keeps a paused run; the next start arms it again. */
  close(): void {
    this.closed = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private arm(runId: string, expiresAt: string): void {
    if (this.closed) return;
    clearTimeout(this.timers.get(runId));
    // setTimeout holds at most ~24.8 days; CLIENT_TOOL_TIMEOUT_MS is bounded below that.
    const timer = setTimeout(() => {
      this.timers.delete(runId);
      void this.expire(runId).catch((error: unknown) => this.report(error, runId));
    }, Math.max(0, Date.parse(expiresAt) - Date.now()));
    timer.unref();
    this.timers.set(runId, timer);
  }

  /** The wait is over: every call still undecided is answered as timed out, and the run goes on. */
  private async expire(runId: string): Promise<void> {
    for (let attempt = 1; attempt <= DECISION_ATTEMPTS; attempt++) {
      const found = await this.deps.store.findAnswerByRun(runId);
      if (!found || found.answer.status !== 'WAITING' || !found.answer.pending) return;
      const step = found.answer.pending as PausedStep;
      // Another replica's later pause of this run (it went on elsewhere and paused again).
      if (Date.parse(step.expiresAt) > Date.now() + 1_000) return this.arm(runId, step.expiresAt);
      const next = expireDecisions(step, this.deps.settings.clientToolTimeoutMs);
      if (await this.deps.store.updatePaused(runId, step.version, next, true)) return this.claimed(runId, { answer: found.answer, ownerId: found.ownerId, step: next });
    }
  }

  /** The step is decided and claimed (`known`: the answer and step just written): the replica holding the run goes on with it, or this one does. */
  private async claimed(runId: string, known?: ClaimedStep): Promise<void> {
    clearTimeout(this.timers.get(runId));
    this.timers.delete(runId);
    const local = this.deps.runs.get(runId);
    if (local?.waiting) return this.resumeHere(runId, known);
    let claim = known;
    if (this.deps.shared && (await this.deps.shared.resume(runId))) {
      if (await this.takenElsewhere(runId)) return;
      // Its holder is gone; the stored claim may have moved meanwhile: read again.
      claim = undefined;
    }
    if (claim) {
      // No process holds it (it left memory, or its replica is gone): rebuilt from the claim just written, no read.
      this.revive(runId, claim.answer, claim.ownerId);
      return this.resumeHere(runId, claim);
    }
    const found = await this.deps.store.findAnswerByRun(runId);
    if (!found) return;
    this.revive(runId, found.answer, found.ownerId);
    await this.resumeHere(runId);
  }

  /**
   * After a RESUME to the replica holding the run: true once a replica took the step. The message
   * may reach nobody (its holder was killed; its lease lapses later) or be lost (pub/sub keeps
   * nothing), so meanwhile the claim is renewed, the message sent again now and then, and false
   * once no replica holds the run (this one then goes on with it) or its holder never took it.
   */
  private async takenElsewhere(runId: string): Promise<boolean> {
    const found = await this.deps.store.findAnswerByRun(runId);
    const step = found?.answer.pending as PausedStep | undefined;
    if (!found || found.answer.status !== 'STREAMING' || !step) return true;
    for (let polls = 1; polls <= TAKEOVER_POLLS; polls++) {
      await new Promise((resolve) => setTimeout(resolve, TAKEN_POLL_MS));
      if (!(await this.deps.store.touchClaimed(runId, step.pausedSeq, step.version))) return true;
      if (!(await this.deps.shared!.isHeld(runId))) return false;
      if (polls % RESUME_AGAIN_POLLS === 0) await this.deps.shared!.resume(runId);
    }
    return false;
  }

  /**
   * Goes on with a run of this process whose step was claimed (by a decision here or on another
   * replica), if no other process took it first. A decision here knows the claimed step (`known`):
   * no read before the model is called again.
   */
  private async resumeHere(runId: string, known?: ClaimedStep): Promise<void> {
    const run = this.deps.runs.get(runId);
    if (!run?.waiting) return;
    clearTimeout(this.timers.get(runId));
    this.timers.delete(runId);
    let found: ClaimedStep | undefined = known;
    if (!found) {
      const stored = await this.deps.store.findAnswerByRun(runId);
      if (!stored || stored.answer.status !== 'STREAMING' || !stored.answer.pending) return;
      found = { answer: stored.answer, ownerId: stored.ownerId, step: stored.answer.pending as PausedStep };
    }
    if (!run.waiting) return;
    const claimed = found.step;
    const step = { ...claimed, version: claimed.version + 1 };
    // Replicas may both go on with it (the holder on RESUME, the decider once the holder seems gone): one takes it. One process needs no take.
    if (this.deps.shared && !(await this.deps.store.touchClaimed(runId, claimed.pausedSeq, claimed.version, step))) return;
    if (!run.waiting) return;
    this.release(run);
    // Only a claim made here comes with its context; one from elsewhere (RESUME) is read now.
    void this.continuation!.continuePaused(run, found.answer, step, found === known && this.deps.runs.get(runId) === run ? known?.context : undefined).catch((error: unknown) => this.report(error, runId));
  }

  /**
   * cancelRun on a paused run: claimed like a decision, then ended as CANCELLED with its answer as
   * it stood. An answer no longer stored (erased) ends the run all the same, so nobody waits on it.
   */
  private async cancelWaiting(run: Run, reason: unknown): Promise<void> {
    for (let attempt = 1; attempt <= DECISION_ATTEMPTS; attempt++) {
      const found = await this.deps.store.findAnswerByRun(run.id);
      if (!found) {
        if (!run.waiting) return;
        this.release(run);
        return this.continuation!.endPaused(run, undefined, reason);
      }
      if (found.answer.status !== 'WAITING' || !found.answer.pending) return;
      const step = found.answer.pending as PausedStep;
      if (await this.deps.store.updatePaused(run.id, step.version, { ...step, version: step.version + 1 }, true)) {
        clearTimeout(this.timers.get(run.id));
        this.timers.delete(run.id);
        if (!run.waiting) return;
        this.release(run);
        await this.continuation!.endPaused(run, found.answer, reason);
        return;
      }
    }
  }

  private report(error: unknown, runId: string): void {
    this.deps.reportError(error, `resuming paused run ${runId}`, 'error', { runId });
  }
}
