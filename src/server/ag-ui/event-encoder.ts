import { type AGUIEvent, EventType, type Interrupt, type RunFinishedEvent, type TokenUsage } from '@ag-ui/core';
import type { TokenUsage as RunUsage } from '../../core/models/chat-model.js';
import type { RunEvent } from '../../core/runs/run-event.js';

/** The AG-UI run a muxgate run's events are framed as. */
export interface AgUiRun {
  threadId: string;
  runId: string;
  /** The frontend's state, echoed with the routing decision (muxgate does not store it). */
  state: unknown;
}

/** The AG-UI events of one run event; `done` once the AG-UI run has ended (finished, errored, or paused for its client). */
export interface Encoded {
  events: AGUIEvent[];
  done: boolean;
}

/** Asks for a yes/no on a call that needs approval; what a resume entry's payload must look like. */
const APPROVAL_SCHEMA = {
  type: 'object',
  properties: { approved: { type: 'boolean' }, reason: { type: 'string' } },
  required: ['approved'],
};

/**
 * Turns one muxgate run's events into AG-UI events, for one AG-UI run: a segment of the muxgate run
 * from its start (or from a pause its client answered) to its end or next pause. Deterministic (ids
 * are the muxgate run's id and seqs), so a resumed stream re-encodes the same segment and skips
 * what the client had. Steps: `routing`, then `model-step-N` (context and the model's answer) and
 * `tool-round-N` (the calls of that step) in turn.
 */
export class AgUiEncoder {
  private openStep: string | null = null;
  private openStepKind: 'model' | 'tools' | null = null;
  private modelSteps = 0;
  private toolRounds = 0;
  private openMessage: string | null = null;
  /** The assistant message this model step's text and calls belong to. */
  private assistant: string | null = null;
  /** Calls announced in this segment (TOOL_CALL_START sent), and calls decided by a person (announced by the run before). */
  private readonly announced = new Set<string>();
  private readonly decided = new Set<string>();
  private readonly approvals: Interrupt[] = [];
  private readonly clientCalls: string[] = [];

  constructor(
    private readonly run: AgUiRun,
    /** The muxgate run these events come from: message ids are built from it. */
    private readonly muxgateRunId: string,
  ) {}

  /** The first event of the AG-UI run, before any of the muxgate run's. */
  started(metadata: Record<string, unknown>): AGUIEvent {
    return { type: EventType.RUN_STARTED, threadId: this.run.threadId, runId: this.run.runId, metadata };
  }

  encode(event: RunEvent): Encoded {
    const out: AGUIEvent[] = [];
    switch (event.type) {
      case 'RunStarted':
        return { events: out, done: false };
      case 'AgentSelected': {
        const { type: _type, runId: _runId, seq: _seq, ...routing } = event;
        out.push({ type: EventType.STEP_STARTED, stepName: 'routing' });
        out.push({ type: EventType.STATE_SNAPSHOT, snapshot: this.stateWith(routing) });
        out.push({ type: EventType.STEP_FINISHED, stepName: 'routing' });
        this.enterStep('model', out);
        return { events: out, done: false };
      }
      case 'RunResumed':
        // The paused round completes first: its decided calls run or are answered.
        this.enterStep('tools', out);
        return { events: out, done: false };
      case 'TokenDelta':
        this.enterStep('model', out);
        if (this.openMessage === null) {
          this.openMessage = this.assistantId(event.seq);
          out.push({ type: EventType.TEXT_MESSAGE_START, messageId: this.openMessage, role: 'assistant' });
        }
        if (event.text) out.push({ type: EventType.TEXT_MESSAGE_CONTENT, messageId: this.openMessage, delta: event.text });
        return { events: out, done: false };
      case 'ToolCallStarted':
      case 'ToolCallRequested':
      case 'ToolApprovalRequested':
        this.closeMessage(out);
        this.enterStep('tools', out);
        // An approved call runs now; the frontend had it announced with its interrupt.
        if (!this.decided.has(event.callId)) this.announce(event, out);
        if (event.type === 'ToolCallRequested') this.clientCalls.push(event.callId);
        if (event.type === 'ToolApprovalRequested') {
          this.approvals.push({
            id: event.callId,
            reason: 'tool_approval',
            toolCallId: event.callId,
            message: `Approve the call of "${event.tool}"?`,
            responseSchema: APPROVAL_SCHEMA,
            metadata: { tool: event.tool, serverId: event.serverId, arguments: event.arguments },
          });
        }
        return { events: out, done: false };
      case 'ToolCallDecided':
        this.decided.add(event.callId);
        return { events: out, done: false };
      case 'ToolCallCompleted':
        // A client tool's result came from the frontend itself: it has that tool message already.
        if (this.announced.has(event.callId) || this.decided.has(event.callId)) {
          out.push({ type: EventType.TOOL_CALL_RESULT, messageId: `${event.runId}-${event.seq}`, toolCallId: event.callId, content: resultText(event.result), role: 'tool' });
        }
        return { events: out, done: false };
      case 'AnswerRejected':
        // The model answers again (structured answers); its new text is a new message.
        this.closeMessage(out);
        out.push({ type: EventType.CUSTOM, name: 'muxgate.answer_rejected', value: { errors: event.errors } });
        return { events: out, done: false };
      // Delegation is inside the answer (the child's own events are not in this stream): frontends may show it.
      case 'DelegationStarted':
        out.push({ type: EventType.CUSTOM, name: 'muxgate.delegation_started', value: { parentRunId: event.parentRunId, childRunId: event.childRunId, agentId: event.agentId } });
        return { events: out, done: false };
      case 'DelegationCompleted':
        out.push({ type: EventType.CUSTOM, name: 'muxgate.delegation_completed', value: { childRunId: event.childRunId, isError: event.isError } });
        return { events: out, done: false };
      case 'Handoff':
        out.push({ type: EventType.CUSTOM, name: 'muxgate.handoff', value: { fromAgentId: event.fromAgentId, toAgentId: event.toAgentId, reason: event.reason } });
        return { events: out, done: false };
      case 'ModelFallback':
        out.push({ type: EventType.CUSTOM, name: 'muxgate.model_fallback', value: { fromModel: event.fromModel, toModel: event.toModel, reason: event.reason } });
        return { events: out, done: false };
      case 'RunPaused':
        this.closeAll(out);
        out.push(this.finished(this.approvals.length > 0 ? { type: 'interrupt', interrupts: this.approvals } : { type: 'success', pendingToolCallIds: this.clientCalls.filter((id) => event.callIds.includes(id)) }));
        return { events: out, done: true };
      case 'MessageCompleted': {
        this.closeAll(out);
        const usage = usageOf(event.usage);
        out.push({ ...this.finished({ type: 'success' }), ...(event.json !== undefined && event.json !== null ? { result: event.json } : {}), ...(usage ? { usage: [usage] } : {}) });
        return { events: out, done: true };
      }
      case 'RunFailed':
        this.closeAll(out);
        // Cancelled is an outcome AG-UI names; every other end is an error.
        if (event.code === 'CANCELLED') out.push(this.finished({ type: 'cancelled' }));
        else out.push({ type: EventType.RUN_ERROR, message: event.message, code: event.code, metadata: { retryable: event.retryable, partialMessageId: event.partialMessageId } });
        return { events: out, done: true };
    }
  }

  /** A run that ends before its muxgate run goes on (a partial answer to its calls): what it still waits for. */
  waitingFor(pending: ReadonlyArray<{ callId: string; kind: 'CLIENT_TOOL' | 'APPROVAL'; tool: string; serverId: string | null; arguments: unknown }>): AGUIEvent {
    const approvals: Interrupt[] = pending
      .filter((call) => call.kind === 'APPROVAL')
      .map((call) => ({ id: call.callId, reason: 'tool_approval', toolCallId: call.callId, message: `Approve the call of "${call.tool}"?`, responseSchema: APPROVAL_SCHEMA, metadata: { tool: call.tool, serverId: call.serverId, arguments: call.arguments } }));
    if (approvals.length > 0) return this.finished({ type: 'interrupt', interrupts: approvals });
    return this.finished({ type: 'success', pendingToolCallIds: pending.map((call) => call.callId) });
  }

  private finished(outcome: NonNullable<RunFinishedEvent['outcome']>): RunFinishedEvent {
    return { type: EventType.RUN_FINISHED, threadId: this.run.threadId, runId: this.run.runId, outcome };
  }

  private announce(event: { callId: string; tool: string; arguments: unknown; seq: number }, out: AGUIEvent[]): void {
    this.announced.add(event.callId);
    const parentMessageId = this.assistantId(event.seq);
    out.push({ type: EventType.TOOL_CALL_START, toolCallId: event.callId, toolCallName: event.tool, parentMessageId });
    out.push({ type: EventType.TOOL_CALL_ARGS, toolCallId: event.callId, delta: typeof event.arguments === 'string' ? event.arguments : JSON.stringify(event.arguments ?? {}) });
    out.push({ type: EventType.TOOL_CALL_END, toolCallId: event.callId });
  }

  /** The model step's assistant message: named after the muxgate run and the seq of its first event. */
  private assistantId(seq: number): string {
    this.assistant ??= `${this.muxgateRunId}-${seq}`;
    return this.assistant;
  }

  private enterStep(kind: 'model' | 'tools', out: AGUIEvent[]): void {
    if (this.openStepKind === kind) return;
    this.closeMessage(out);
    this.closeStep(out);
    this.openStepKind = kind;
    this.openStep = kind === 'model' ? `model-step-${++this.modelSteps}` : `tool-round-${++this.toolRounds}`;
    if (kind === 'model') this.assistant = null;
    out.push({ type: EventType.STEP_STARTED, stepName: this.openStep });
  }

  private closeMessage(out: AGUIEvent[]): void {
    if (this.openMessage === null) return;
    out.push({ type: EventType.TEXT_MESSAGE_END, messageId: this.openMessage });
    this.openMessage = null;
  }

  private closeStep(out: AGUIEvent[]): void {
    if (this.openStep === null) return;
    out.push({ type: EventType.STEP_FINISHED, stepName: this.openStep });
    this.openStep = null;
    this.openStepKind = null;
  }

  private closeAll(out: AGUIEvent[]): void {
    this.closeMessage(out);
    this.closeStep(out);
  }

  /** The frontend's state with muxgate's part set: the routing decision, under `muxgate` so no key of the frontend's is touched. */
  private stateWith(routing: object): unknown {
    const state = this.run.state;
    const base = state !== null && typeof state === 'object' && !Array.isArray(state) ? state : {};
    return { ...base, muxgate: { ...((base as { muxgate?: object }).muxgate ?? {}), routing } };
  }
}

const resultText = (result: unknown) => (typeof result === 'string' ? result : JSON.stringify(result ?? null));

function usageOf(usage: RunUsage | null): TokenUsage | undefined {
  if (!usage) return undefined;
  return { inputTokens: usage.promptTokens, outputTokens: usage.completionTokens, totalTokens: usage.totalTokens };
}
